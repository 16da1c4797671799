r"""Two rates compared: counts that may be exact, intervals or rounded percentages.

Each group's count is interval-censored, :math:`k \in [k_{lo}, k_{hi}]`, with likelihood
:math:`\sum_{k=k_{lo}}^{k_{hi}} \binom{n}{k} p^k (1-p)^{n-k}`. Under independent Beta priors the
posterior of each rate is an exact mixture of Betas (the headline); under a Normal prior on log OR
(``logor:MEAN,SD``) the headline is a deterministic 2-D quadrature of the posterior
(:mod:`bayes_netlm.modeling.rates_logor`). PyMC samples either model as the check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from bayes_netlm.api._common import (
    DEFAULT_SEED,
    RatePriorLike,
    rate_prior,
    sampler_settings,
    with_thresholds,
)
from bayes_netlm.api.result import FitSummary, as_numpy
from bayes_netlm.evidence.counts import CountRange, parse_count_of
from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.priors import BetaPrior, NormalPrior, load_prior_catalog

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["RatesResult", "compare_rates"]

ENDPOINT = "rates"


@dataclass
class RatesResult(FitSummary):
    r"""Two rates compared: RD, RR and OR with probabilities; ``comparison`` holds the counts."""

    comparison: RateEvidence | None = None
    prior: NormalPrior | BetaPrior | None = None
    prior_name: str = ""
    names: tuple[str, str] = ("index", "reference")

    def plot_posterior(self, title: str = "") -> Figure:
        """Posterior density of the risk difference with the clinical margins marked."""
        from bayes_netlm.reporting.plots import rd_posterior_figure

        tree = self._require_tree()
        label = title or f"{self.names[0]} vs {self.names[1]}"
        return rd_posterior_figure({"rates": tree}, ENDPOINT, label, self.clinical)


def _counts(value: str | CountRange, where: str) -> CountRange:
    return value if isinstance(value, CountRange) else parse_count_of(str(value), where)


def compare_rates(
    index: str | CountRange,
    reference: str | CountRange,
    *,
    names: tuple[str, str] = ("index", "reference"),
    prior: RatePriorLike = "beta:1,1",
    threshold: float | None = None,
    mcmc: bool = True,
    seed: int = DEFAULT_SEED,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
) -> RatesResult:
    """Compare two proportions: RD = p_index - p_reference, RR, OR and their probabilities.

    Parameters
    ----------
    index, reference : str or CountRange
        ``"K/N"`` counts: exact (``"3/12"``), an interval (``"98-101/452"``) or a rounded
        percentage (``"22%/452"``, every count that rounds to 22 %).
    names : (str, str)
        Group names, for labels.
    prior : str, BetaPrior or NormalPrior, default "beta:1,1"
        ``"beta:A,B"`` on both rates, ``"logor:MEAN,SD"`` on the log OR, a set name (any case)
        or an elicited ``"rate:0.1-0.35@95%"`` / ``"or:0.5-2@95%"``.
    threshold : float, optional
        Clinically important RD (default 0.05).
    mcmc : bool, default True
        Also sample with PyMC, the check of the deterministic answer.
    seed, draws, tune, chains
        Sampler settings.

    Returns
    -------
    RatesResult

    Examples
    --------
    >>> import bayes_netlm as bn
    >>> fit = bn.compare_rates("3/12", "1/12", prior="beta:1,1", mcmc=False)
    >>> round(fit.estimate("rd")["median"], 3) > 0
    True

    """
    catalog = load_prior_catalog()
    clinical = with_thresholds(catalog.clinical, rd_important=threshold)
    name, chosen = rate_prior(prior, catalog, "--prior")
    comparison = RateEvidence(
        name=ENDPOINT,
        label=f"{names[0]} vs {names[1]}",
        kind="outcome",
        index=_counts(index, "--index"),
        reference=_counts(reference, "--reference"),
        p_value=math.nan,
    )
    from bayes_netlm.modeling import rates as model
    from bayes_netlm.modeling.results import TABLE_COLUMNS, summary_rows
    from bayes_netlm.priors import DEFAULT_PRIOR_FILE
    from bayes_netlm.reporting.provenance import file_record, stamp
    from bayes_netlm.summaries import rates_summary_exact

    common = {
        "analysis": "rates",
        "endpoint": ENDPOINT,
        "label": comparison.label,
        "prior": name,
        "prior_spec": str(chosen),
        "paper_p": math.nan,
    }
    tree, convergence = None, pd.DataFrame()
    if mcmc:
        settings = sampler_settings(draws, tune, chains, seed=seed)
        fit = model.fit_rates(
            [comparison], {name: chosen}, clinical, catalog.logit_reference, seed, settings
        )
        table, convergence = fit.table, fit.convergence
        record = {
            "model": "rates",
            "input": {"index": str(comparison.index), "reference": str(comparison.reference)},
            "prior": {name: str(chosen)},
            "prior_file": file_record(DEFAULT_PRIOR_FILE),
            "clinical_thresholds": clinical,
            "seed": seed,
        }
        tree = stamp(as_numpy(next(iter(fit.posteriors.values()))), record)
    else:
        exact = model.deterministic_effects(chosen, comparison, clinical, catalog.logit_reference)
        rows = summary_rows(rates_summary_exact(exact), method="exact", converged=True, **common)
        table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return RatesResult(
        table,
        tree,
        clinical,
        convergence,
        headline="rates",
        comparison=comparison,
        prior=chosen,
        prior_name=name,
        names=(str(names[0]), str(names[1])),
    )
