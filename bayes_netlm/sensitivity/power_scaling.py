"""Power-scaling sensitivity: ArviZ's thresholds and diagnoses, and the plain-language reading.

The sensitivities themselves are computed by :mod:`bayes_netlm.sensitivity.psense_batch`; this
module holds what its table is made of: ArviZ's threshold, diagnosis rule and strings, the
table's columns and the ``reading`` sentence.

Kallioinen et al. (2024, *Stat Comput* 34:57, https://doi.org/10.1007/s11222-023-10366-5)
perturb the posterior by raising the prior (or the likelihood) to a power ``alpha`` near 1 and
measure how far the posterior moves, with Pareto-smoothed importance weights (no refit). ArviZ
(``arviz_stats.psense_summary``, arviz-stats 1.3.3) reports, per posterior variable, the
*sensitivity*: the cumulative Jensen-Shannon (CJS) distance between the perturbed and the original
posterior divided by ``|log2 alpha|`` (average of ``alpha = 0.99`` and ``1.01``). These are the
``prior_cjs`` and ``likelihood_cjs`` columns of the table.

Thresholds and diagnoses are ArviZ's own (``threshold=0.05``, the paper's value), verbatim:

- ``"potential prior-data conflict"``: prior >= 0.05 **and** likelihood >= 0.05;
- ``"potential strong prior / weak likelihood"``: prior > 0.05 > likelihood;
- ``"✓"``: otherwise (no issue flagged).

The ``reading`` column turns the diagnosis into one sentence for a clinician. For ``"✓"`` it
distinguishes *the data dominate* (likelihood >= threshold) from *neither moves the posterior*
(both below: typical of a parameter whose prior is not in ``log_prior``, e.g. a nuisance
parameter, with a weak likelihood).

Only the log prior density of the parameters the prior sets change (log HR, log OR) needs to go
in the per-draw log prior: priors of other parameters are held fixed, which is exactly the
question the prior sets ask. The log-likelihood is the total log-likelihood per draw.

Batched fits (posterior dims ``(chain, draw, fit)``) must be analysed one fit at a time
(:func:`bayes_netlm.sensitivity.psense_batch.psense_fits`, tested against
``arviz.psense_summary`` on each fit alone): ArviZ sums the log prior and log-likelihood over
every non-sample dimension, so one DataTree holding all fits would weight each fit's draws by
the other fits' densities.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "DIAGNOSIS_CONFLICT",
    "DIAGNOSIS_OK",
    "DIAGNOSIS_STRONG_PRIOR",
    "THRESHOLD",
    "DEFAULT_LABELS",
    "SAMPLE_DIMS",
    "diagnosis",
    "flat_prior_rows",
    "table_rows",
]

#: ArviZ's default sensitivity threshold (``psense_summary(threshold=0.05)``).
THRESHOLD = 0.05
#: ArviZ's diagnosis strings (arviz-stats 1.3.3), verbatim.
DIAGNOSIS_CONFLICT = "potential prior-data conflict"
DIAGNOSIS_STRONG_PRIOR = "potential strong prior / weak likelihood"
DIAGNOSIS_OK = "✓"

COLUMNS = ["variable", "prior_cjs", "likelihood_cjs", "diagnosis", "reading"]
SAMPLE_DIMS = ("chain", "draw")
#: plain names of variables in the ``reading`` column
DEFAULT_LABELS = {"log_hr": "log HR", "log_or": "log OR", "hr": "HR", "or": "OR"}


def diagnosis(prior: float, likelihood: float, threshold: float) -> str:
    """ArviZ's diagnosis rule (``psense_summary``), on the unrounded sensitivities."""
    if prior >= threshold and likelihood >= threshold:
        return DIAGNOSIS_CONFLICT
    if prior > threshold > likelihood:
        return DIAGNOSIS_STRONG_PRIOR
    return DIAGNOSIS_OK


def flat_prior_rows(variables: list[str]) -> pd.DataFrame:
    """The rows of a flat prior (e.g. Beta(1, 1) on both rates).

    Power-scaling it changes nothing, and ArviZ's Pareto smoothing cannot take constant weights.
    """
    flat = (
        "flat prior: power-scaling cannot perturb it, so this diagnostic is silent about "
        "prior dependence; the flat prior is still a choice that can drive the answer "
        "(compare the Jeffreys and informative priors)"
    )
    return pd.DataFrame(
        [
            {
                "variable": v,
                "prior_cjs": 0.0,
                "likelihood_cjs": np.nan,
                "diagnosis": "flat prior",
                "reading": flat,
            }
            for v in variables
        ],
        columns=COLUMNS,
    )


def table_rows(
    values: list[tuple[str, float, float, str]],
    names: Mapping[str, str],
    threshold: float,
    round_to: int | None = None,
) -> pd.DataFrame:
    """The table rows of ``(variable, prior, likelihood, diagnosis)``, rounded if asked."""
    rows = []
    for name, prior, likelihood, diagnosis in values:
        if round_to is not None:
            # as pandas' DataFrame.round in psense_summary
            prior = float(np.round(prior, round_to))
            likelihood = float(np.round(likelihood, round_to))
        rows.append(
            {
                "variable": name,
                "prior_cjs": prior,
                "likelihood_cjs": likelihood,
                "diagnosis": diagnosis,
                "reading": _reading(diagnosis, likelihood, threshold, names.get(name, name)),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _reading(diagnosis: str, likelihood: float, threshold: float, name: str) -> str:
    """One plain-language sentence for ArviZ's diagnosis of one variable."""
    if diagnosis == DIAGNOSIS_CONFLICT:
        return (
            f"potential prior-data conflict (ArviZ): scaling the prior and scaling the likelihood"
            f" both move the posterior of {name}; the answer depends on the prior"
        )
    if diagnosis == DIAGNOSIS_STRONG_PRIOR:
        return (
            f"the prior dominates and the data are weak: the posterior of {name} mostly"
            " restates the prior"
        )
    if diagnosis == DIAGNOSIS_OK:
        if likelihood >= threshold:
            return f"the data dominate: scaling the prior barely moves the posterior of {name}"
        return (
            f"neither scaling the prior nor the likelihood moves the posterior of {name}"
            " noticeably: it is not informed by this prior or these data"
        )
    raise RuntimeError(f"unknown ArviZ psense diagnosis {diagnosis!r}; update power_scaling.py")
