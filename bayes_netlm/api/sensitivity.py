"""How much a result rests on its prior: a prior grid, tipping points and power-scaling.

For a summary-level hazard ratio the grid and tipping points are exact (conjugate); for a Weibull
fit the draws are reweighted by PSIS and the compiled model refitted where the weights are
unreliable; every MCMC fit also gets ArviZ's power-scaling diagnostic (``psense``). For two
rates, power-scaling is computed (the grid is on log HR priors).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayes_netlm.api.result import FitSummary
from bayes_netlm.errors import InputError
from bayes_netlm.priors import NormalPrior

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["SensitivityResult", "prior_sensitivity"]


@dataclass
class SensitivityResult:
    """Prior grid, tipping points and power-scaling of one result, with consistency warnings.

    Attributes
    ----------
    grid : pandas.DataFrame
        P(HR < threshold) per prior (``prior_mean`` on log HR, ``prior_hr_centre``, ``prior_sd``,
        ``threshold``, ``probability``; ``method`` for Weibull fits).
    tipping : pandas.DataFrame
        Per conclusion and prior family, the prior SD at which the conclusion flips, with a
        plain-language ``reading``.
    power_scaling : pandas.DataFrame
        ArviZ power-scaling sensitivities and their reading (empty without MCMC draws).
    warnings : list of str
        Consistency warnings that the numbers themselves raise (the report shows them too).

    """

    grid: pd.DataFrame
    tipping: pd.DataFrame
    power_scaling: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    label: str = ""

    def summary(self) -> pd.DataFrame:
        """The grid as a table: one row per prior, one column per threshold."""
        if self.grid.empty:
            return self.grid
        return self.grid.pivot_table(
            index=["prior_hr_centre", "prior_sd"], columns="threshold", values="probability"
        ).rename(columns=lambda t: f"P(HR < {t:g})")

    def plot_grid(self, title: str = "") -> Figure:
        """Heat maps of P(HR < c) over the prior grid, one panel per threshold."""
        from bayes_netlm.reporting.sensitivity_plots import heatmap_figure

        return heatmap_figure(self.grid, title or self.label)


def _grid_defaults(
    means: Sequence[float] | None, sds: Sequence[float] | None
) -> tuple[tuple[float, ...], tuple[float, ...], str]:
    from bayes_netlm.spec import load_spec

    spec = load_spec()
    assert spec.sensitivity is not None
    chosen_means = tuple(spec.sensitivity.prior_means if means is None else means)
    chosen_sds = tuple(spec.sensitivity.prior_sds if sds is None else sds)
    return chosen_means, chosen_sds, spec.sensitivity.reference_prior


def prior_sensitivity(
    result: FitSummary,
    prior_hr_centres: Sequence[float] | None = None,
    prior_sds: Sequence[float] | None = None,
    *,
    seed: int | None = None,
) -> SensitivityResult:
    """Prior grid, tipping points and power-scaling of a fitted result.

    The grid and the tipping points are of a hazard ratio; for a :class:`RatesResult` only
    power-scaling is computed, from its MCMC draws (none without them: a warning says so).

    Parameters
    ----------
    result : HazardRatioResult, WeibullResult or RatesResult
        What :func:`hazard_ratio`, :meth:`WeibullPH.fit` or :func:`compare_rates` returned.
    prior_hr_centres, prior_sds : sequence of float, optional
        The grid: Normal priors on log HR centred at log(centre) with these SDs (default: the
        grid of ``models/run.toml``, HR 0.5-2 by SD 0.2-2). Not for a :class:`RatesResult`.
    seed : int, optional
        Seed of the refits of a Weibull fit (default: the fit's seed + 1).

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import bayes_netlm as bn
    >>> fit = bn.hazard_ratio(hr=0.5, ci=(0.25, 1.0), mcmc=False)
    >>> sens = bn.prior_sensitivity(fit, [0.5, 1.0], [0.5, 1.0])
    >>> len(sens.grid)  # 2 centres x 2 SDs x 2 thresholds
    8

    """
    from bayes_netlm.api.hazard_ratio import HazardRatioResult
    from bayes_netlm.api.rates import RatesResult
    from bayes_netlm.api.survival import WeibullResult

    if not isinstance(result, HazardRatioResult | WeibullResult | RatesResult):
        raise InputError.single(
            "result",
            f"a {type(result).__name__} is not a fitted result",
            "pass what bn.hazard_ratio, bn.WeibullPH(...).fit or bn.compare_rates returned",
        )
    means = None if prior_hr_centres is None else [math.log(float(c)) for c in prior_hr_centres]
    chosen_means, chosen_sds, _ = _grid_defaults(means, prior_sds)
    if isinstance(result, HazardRatioResult):
        return _hazard_ratio(result, chosen_means, chosen_sds)
    if isinstance(result, WeibullResult):
        return _weibull(result, chosen_means, chosen_sds, seed)
    if prior_hr_centres is not None or prior_sds is not None:
        raise InputError.single(
            "prior_hr_centres, prior_sds",
            "are a grid of hazard-ratio priors; a rate comparison has no hazard ratio",
            "leave them out: for rates, prior_sensitivity gives power-scaling",
        )
    return _rates(result)


def _with_centres(grid: pd.DataFrame) -> pd.DataFrame:
    return grid.assign(prior_hr_centre=np.exp(grid["prior_mean"]))


def _hazard_ratio(
    result: object, means: Sequence[float], sds: Sequence[float]
) -> SensitivityResult:
    from bayes_netlm.api.hazard_ratio import ENDPOINT, HazardRatioResult
    from bayes_netlm.sensitivity.grid import exact_probability, grid_table, tipping_table

    assert isinstance(result, HazardRatioResult)
    data, clinical = result.data, result.clinical
    assert data is not None and result.prior is not None

    def probability(prior: NormalPrior, threshold: float) -> float:
        return exact_probability(data, prior, threshold)

    grid = _with_centres(grid_table(probability, means, sds, (1.0, clinical.hr_important)))
    tipping = tipping_table(probability, result.prior, clinical)
    psense = pd.DataFrame()
    if result.tree is not None and result.headline == "summary_hr":
        from bayes_netlm.modeling.hazard_ratio import HazardRatioEvidence
        from bayes_netlm.sensitivity.psense_models import hazard_ratio_psense

        evidence = HazardRatioEvidence(ENDPOINT, "hazard ratio", data)
        psense = hazard_ratio_psense(
            result.posterior, [evidence], {result.prior_name: result.prior}
        )
    warnings = (
        []
        if result.information is None or result.information.consistent
        else [f"information check: {result.information.message}"]
    )
    return SensitivityResult(grid, tipping, psense, warnings, "hazard ratio")


def _weibull(
    result: object, means: Sequence[float], sds: Sequence[float], seed: int | None
) -> SensitivityResult:
    from bayes_netlm.api._common import hr_prior
    from bayes_netlm.api.survival import ENDPOINT, WeibullResult
    from bayes_netlm.modeling.weibull import WeibullFitter
    from bayes_netlm.sensitivity.grid import WeibullSweep, grid_table, tipping_table
    from bayes_netlm.sensitivity.psense_models import weibull_psense

    assert isinstance(result, WeibullResult) and result.fit is not None
    fit, clinical = result.fit, result.clinical
    _, reference, _ = hr_prior(result.prior_name)
    label = f"{ENDPOINT}|{result.prior_name}"
    draws = result.posterior["log_hr"].sel(fit=label).values
    fitter = WeibullFitter(fit.data.time.size, list(fit.data.covariates.columns))
    refit_seed = (
        seed if seed is not None else 1 + int(result.idata.attrs.get("bayes_netlm_seed", 0))
    )
    from bayes_netlm.modeling.sampling import SamplerSettings

    chains, n = draws.shape
    settings = SamplerSettings(draws=n, tune=n, chains=chains)

    def refit(prior: NormalPrior) -> np.ndarray:
        return np.asarray(fitter.sample(fit, prior, refit_seed, settings).posterior["log_hr"])

    sweep = WeibullSweep(refit, reference, draws)
    grid = _with_centres(grid_table(sweep.probability, means, sds, (1.0, clinical.hr_important)))
    grid["method"] = [
        "refit" if (m, s) in sweep.refitted else "PSIS"
        for m, s in zip(grid.prior_mean, grid.prior_sd, strict=True)
    ]
    tipping = tipping_table(
        sweep.probability, reference, clinical, sweep.locate, fit.hr_name, sweep.mcse
    )
    psense = weibull_psense(result.posterior, [fit], {result.prior_name: reference})
    return SensitivityResult(grid, tipping, psense, [], fit.label)


def _rates(result: FitSummary) -> SensitivityResult:
    from bayes_netlm.api.rates import RatesResult
    from bayes_netlm.sensitivity.psense_models import rates_psense

    assert isinstance(result, RatesResult) and result.comparison is not None
    assert result.prior is not None
    psense, warnings = pd.DataFrame(), []
    if result.tree is not None:
        psense = rates_psense(
            {"rates": result.tree}, [result.comparison], {result.prior_name: result.prior}
        )
    else:
        warnings.append("no power-scaling: it needs MCMC draws; fit with mcmc=True")
    return SensitivityResult(
        pd.DataFrame(), pd.DataFrame(), psense, warnings, result.comparison.label
    )
