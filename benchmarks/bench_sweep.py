"""Prior sweep of the Weibull model: compiled once and refitted per prior vs rebuilt per prior.

The run's own prior grid (models/run.toml [sensitivity]: 5 centres x 4 SDs = 20 Normal priors on log
HR), hepatic PFS of the bundled synthetic cohort (group-specific shape), both sides in this process;
prints the cost of each extra prior and the ratio. The PyTensor cache is emptied once at the start,
so the rebuild side profits from what the first side cached (a conservative ratio).
Targets (issue 4): each extra prior <= 1 s after the first fit; ratio >= 5x.
"""

import shutil
import time
from pathlib import Path

from bayes_netlm.evidence.patients import load_survival
from bayes_netlm.evidence.synthetic import make_synthetic_cohort
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter
from bayes_netlm.priors import NormalPrior
from bayes_netlm.spec import load_spec

GRID = load_spec().sensitivity
assert GRID is not None
PRIORS = [NormalPrior(mean, sd) for mean in GRID.prior_means for sd in GRID.prior_sds]


def main() -> None:
    cohort = make_synthetic_cohort()
    data = load_survival(cohort, time="pfs_time", event="pfs_event", group="group", source="syn")
    fit = SurvivalFit("pfs_full", "PFS", data, group_shape=True)
    settings = SamplerSettings()
    shutil.rmtree(Path.home() / ".pytensor", ignore_errors=True)

    start = time.perf_counter()
    fitter = WeibullFitter(data.time.size)
    fitter.sample(fit, PRIORS[0], 1, settings)
    first = time.perf_counter() - start
    for prior in PRIORS[1:]:
        fitter.sample(fit, prior, 1, settings)
    compiled = time.perf_counter() - start
    per_extra = (compiled - first) / (len(PRIORS) - 1)

    start = time.perf_counter()
    for prior in PRIORS:
        WeibullFitter(data.time.size).sample(fit, prior, 1, settings)
    naive = time.perf_counter() - start
    print(
        f"compile once: first fit {first:.1f} s, each extra prior {per_extra:.2f} s (target <= 1 s)"
    )
    print(f"compile once, {len(PRIORS)} priors: {compiled:6.1f} s")
    print(f"rebuild per prior, {len(PRIORS)} priors: {naive:6.1f} s")
    print(f"speed-up: {naive / compiled:.1f}x (target >= 5x)")
    rebuild_each = naive / len(PRIORS)
    print(
        f"per extra prior: rebuild {rebuild_each:.2f} s vs refit {per_extra:.2f} s "
        f"({rebuild_each / per_extra:.0f}x)"
    )


if __name__ == "__main__":
    main()
