"""Size of the interactive report page and its time to interactive in headless Chromium.

Usage: python benchmarks/bench_page.py [RESULTS_FOLDER]  (default: a fresh `bayes-netlm run`).
Time to interactive: from navigation start to the first computed numbers (the page's own
``performance.now()`` then, ``data-interactive-ms``: the closed-form hazard-ratio cards), network
blocked, page from disk. Time to complete: until every card's numbers and heat maps are computed
(``data-complete-ms``; the page computes them in idle time after the first numbers; a page
without it, from before that change, computed every card's numbers before ``data-interactive-ms``).
Targets: under 3 MB, interactive under 1 s. The calculator page is measured too.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from page_browser import open_page  # noqa: E402

TARGET_BYTES, TARGET_MS, REPEATS = 3_000_000, 1000.0, 5


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def page_times(html: Path) -> tuple[float, float]:
    """Median times to interactive and to complete (NaN if the page does not record it), in ms."""
    interactive, complete = [], []
    for _ in range(REPEATS):
        with open_page(html) as (page, errors, _):
            interactive.append(float(page.evaluate("document.body.dataset.interactiveMs")))
            complete.append(float(page.evaluate("document.body.dataset.completeMs || NaN")))
            assert not errors, errors
    return median(interactive), median(complete)


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
        ms, complete = page_times(html)
        print(
            f"{name}: {size / 1e6:.2f} MB (target < {TARGET_BYTES / 1e6:.0f} MB, "
            f"ratio {size / TARGET_BYTES:.2f}); time to interactive {ms:.0f} ms median of "
            f"{REPEATS} (target < {TARGET_MS:.0f} ms, ratio {ms / TARGET_MS:.2f}); every number "
            f"and map computed at {complete:.0f} ms"
        )


if __name__ == "__main__":
    main()
