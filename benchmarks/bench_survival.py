"""The survival part of `run`, per fit: compile (cold and warm cache) and every Weibull fit.

The whole patient-level analysis of the default run (16 fits: OS and PFS x full and matched
cohort x 4 prior sets, then the prior-grid and tipping-point refits where PSIS is unreliable)
runs twice in fresh processes sharing one new cache folder: cold (empty cache), then warm. Each
fit's wall time and its number of gradient evaluations (kept draws) are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child() -> None:
    """Run the analysis with timers on compilation and on every fit; print them as JSON."""
    from bayes_netlm.modeling import sampling, weibull

    timings: dict[str, object] = {"fits": []}
    init, sample = sampling.CompiledModel.__init__, weibull.WeibullFitter.sample

    def timed_init(self, model):
        start = time.perf_counter()
        init(self, model)
        timings["compile"] = time.perf_counter() - start

    def timed_sample(self, fit, prior, seed, settings, report=None):
        start = time.perf_counter()
        tree = sample(self, fit, prior, seed, settings, report)
        steps = int(tree.sample_stats["n_steps"].sum())
        timings["fits"].append((fit.name, str(prior), time.perf_counter() - start, steps))
        return tree

    sampling.CompiledModel.__init__ = timed_init
    weibull.WeibullFitter.sample = timed_sample
    from bayes_netlm.analyses.patients import analyse_survival
    from bayes_netlm.priors import load_prior_catalog
    from bayes_netlm.spec import load_spec

    spec = load_spec()
    assert spec.survival is not None
    catalog = load_prior_catalog(spec.prior_sets)
    start = time.perf_counter()
    analyse_survival(spec.survival, catalog, 1, spec.sampler, spec.sensitivity)
    timings["total"] = time.perf_counter() - start
    print(json.dumps(timings))


def measure(cache: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "BAYES_NETLM_CACHE_DIR": str(cache)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cold, warm = measure(Path(tmp)), measure(Path(tmp))
    print(
        f"survival part: cold {cold['total']:.1f} s (compile {cold['compile']:.1f} s), warm "
        f"{warm['total']:.1f} s (compile {warm['compile']:.1f} s); warm / cold compile = "
        f"{warm['compile'] / cold['compile']:.2f}"
    )
    fits = warm["fits"]
    for name, prior, seconds, steps in fits:
        print(f"  fit {name:12s} {prior:28s} {seconds:5.2f} s  {steps:6d} gradients (draws)")
    seconds = sum(f[2] for f in fits)
    print(f"  {len(fits)} fits: {seconds:.1f} s, {seconds / len(fits):.2f} s per fit (warm)")


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
