"""Size of the interactive report page and its time to interactive in headless Chromium.

Usage: python benchmarks/bench_page.py [RESULTS_FOLDER]  (default: a fresh `bayes-netlm run`).
Time to interactive: from navigation start to the first computed numbers of every card (the
page's own ``performance.now()`` then, ``data-interactive-ms``), network blocked, page from disk.
Targets: under 3 MB, under 1 s. The calculator page is measured too.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from page_browser import open_page  # noqa: E402

TARGET_BYTES, TARGET_MS, REPEATS = 3_000_000, 1000.0, 5


def time_to_interactive(html: Path) -> float:
    times = []
    for _ in range(REPEATS):
        with open_page(html) as (page, errors, _):
            times.append(float(page.evaluate("document.body.dataset.interactiveMs")))
            assert not errors, errors
    return sorted(times)[len(times) // 2]


def main() -> None:
    if len(sys.argv) > 1:
        results = Path(sys.argv[1])
    else:
        results = Path(tempfile.mkdtemp()) / "results"
        subprocess.run(
            [sys.executable, "-m", "bayes_netlm.cli", "run", "--out", str(results)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
    calculator = Path(tempfile.mkdtemp()) / "calculator.html"
    subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", "page", "--out", str(calculator)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    for name, html in (("report.html", results / "report.html"), ("calculator", calculator)):
        size = html.stat().st_size
        ms = time_to_interactive(html)
        print(
            f"{name}: {size / 1e6:.2f} MB (target < {TARGET_BYTES / 1e6:.0f} MB, "
            f"ratio {size / TARGET_BYTES:.2f}); time to interactive {ms:.0f} ms median of "
            f"{REPEATS} (target < {TARGET_MS:.0f} ms, ratio {ms / TARGET_MS:.2f})"
        )


if __name__ == "__main__":
    main()
