"""Survival part of `run`: one compiled Weibull model reused for every fit vs rebuilding per fit.

Both sides fit the same 16 fits (OS and PFS x full and matched cohort x 4 prior sets) of the
bundled synthetic cohort in this process; the ratio is printed. Target (issue 3): >= 3x.
The PyTensor cache is emptied once at the start (deleting it while this process runs would break
Numba's cache writes), so the naive side profits from what the first side cached: a conservative
ratio.
"""

import shutil
import time
from pathlib import Path

from bayes_netlm.analyses.patients import analyse_survival
from bayes_netlm.modeling.weibull import WeibullFitter, fit_survival
from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.spec import load_spec


def main() -> None:
    spec = load_spec()
    catalog = load_prior_catalog(spec.prior_sets)
    assert spec.survival is not None
    shutil.rmtree(Path.home() / ".pytensor", ignore_errors=True)
    start = time.perf_counter()
    analysis = analyse_survival(spec.survival, catalog, 1, spec.sampler)
    compiled = time.perf_counter() - start
    fits, n = analysis.fits, len(analysis.result.convergence)

    priors = {name: catalog.sets[name].log_hr for name in spec.survival.prior_sets}
    start = time.perf_counter()
    for fit in fits:
        for name, prior in priors.items():
            # naive: a fresh model and a fresh compilation for every single fit
            fitter = WeibullFitter(fit.data.time.size)
            fit_survival([fit], {name: prior}, catalog.clinical, 1, fitter=fitter)
    naive = time.perf_counter() - start
    print(f"survival part, compile once: {compiled:6.1f} s for {n} fits")
    print(f"naive rebuild per fit:       {naive:6.1f} s for {n} fits")
    print(f"speed-up: {naive / compiled:.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()
