"""`survival` on many patients: the bundled cohort resampled to 10^4, 10^5 and 10^6 rows.

Per size: reading is excluded; the Weibull fit (one prior, identical rows collapsed into weights,
compile included) and the frequentist side (KM, log-rank, Cox, Weibull MLE on collapsed rows) are
timed, with time per row, and lifelines alone on the same, uncollapsed rows (KM + log-rank + Cox)
beside it. lifelines' Cox on 10^6 tied rows takes about 20 minutes, so that column is measured up to
``LIFELINES_MAX_ROWS`` (environment, default 10^5).

``--continuous`` jitters every time (no two rows equal) and fits 10^5 rows: what happens when data
cannot collapse.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

from bayes_netlm.analyses import frequentist
from bayes_netlm.evidence.patients import load_survival, read_table
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, fit_survival
from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.spec import load_spec

LIFELINES_MAX_ROWS = int(os.environ.get("LIFELINES_MAX_ROWS", "100000"))


def lifelines_alone(data) -> float:
    start = time.perf_counter()
    index = data.index == 1
    KaplanMeierFitter().fit(data.time[index], data.event[index])
    KaplanMeierFitter().fit(data.time[~index], data.event[~index])
    logrank_test(data.time[index], data.time[~index], data.event[index], data.event[~index])
    frame = {"t": data.time, "e": data.event, "g": data.index}
    import pandas as pd

    CoxPHFitter().fit(pd.DataFrame(frame), "t", "e")
    return time.perf_counter() - start


def main() -> None:
    continuous = "--continuous" in sys.argv
    spec = load_spec()
    assert spec.survival is not None
    catalog = load_prior_catalog(spec.prior_sets)
    cohort = read_table(spec.survival.data)
    rng = np.random.default_rng(11)
    sizes = [100_000] if continuous else [10_000, 100_000, 1_000_000]
    prior = {"vague": catalog.sets["vague"].log_hr}
    for n in sizes:
        frame = cohort.iloc[rng.integers(0, len(cohort), n)].reset_index(drop=True)
        frame["id"] = np.arange(n)
        if continuous:
            frame["os_time"] = frame["os_time"] * rng.uniform(0.999, 1.001, n)
        data = load_survival(frame, time="os_time", event="os_event", group="group")
        fit = SurvivalFit("os", "os", data)
        start = time.perf_counter()
        result = fit_survival([fit], prior, catalog.clinical, 1, settings=SamplerSettings())
        bayes = time.perf_counter() - start
        start = time.perf_counter()
        frequentist.frequentist_table(data)
        freq = time.perf_counter() - start
        total = bayes + freq
        ok = bool(result.convergence["converged"].all())
        alone = lifelines_alone(data) if n <= LIFELINES_MAX_ROWS else float("nan")
        print(
            f"{n:>9} rows: Weibull fit {bayes:6.1f} s, frequentist {freq:5.1f} s, total "
            f"{total:6.1f} s ({1e6 * total / n:7.2f} us/row), converged {ok}; lifelines alone "
            f"{alone:6.1f} s (ours / lifelines = {total / alone:.2f})"
        )


if __name__ == "__main__":
    main()
