"""Summary-level hazard ratio: from HR + CI, HR + p-value, or two medians + p-value.

The log HR and its SE are derived from the published numbers; under a Normal prior on log HR the
posterior is exact (conjugate Normal-Normal), and a PyMC fit of the same model is the check. From
medians, a Weibull shape k may be given: fixed (log HR = k log(m_ref / m_index)) or uncertain
(lognormal prior on k, exact Normal mixture over k; see
:mod:`bayes_netlm.modeling.weibull_shape`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from bayes_netlm.api._common import (
    DEFAULT_SEED,
    HrPriorLike,
    hr_prior,
    sampler_settings,
    with_thresholds,
)
from bayes_netlm.api.result import FitSummary, as_numpy
from bayes_netlm.errors import InputError
from bayes_netlm.evidence.hr_inputs import hr_input_problems
from bayes_netlm.priors import NormalPrior, load_prior_catalog

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bayes_netlm.modeling.hazard_ratio import (
        HazardRatioEvidence,
        InformationCheck,
        LogHazardRatio,
    )
    from bayes_netlm.modeling.sampling import SamplerSettings

__all__ = ["HazardRatioResult", "hazard_ratio", "log_hazard_ratio"]

ENDPOINT = "hr"


@dataclass
class HazardRatioResult(FitSummary):
    """A summary-level hazard ratio: exact posterior, MCMC check, checks and notes.

    Besides :class:`~bayes_netlm.api.result.FitSummary`: ``data`` (the derived log HR and SE),
    ``prior`` and ``prior_name``, ``information`` (the information check when group sizes were
    given), ``shape_prior`` (lognormal prior of the Weibull shape, if any), ``shape_mean``
    (posterior mean of k) and ``notes`` (plain-language cautions).
    """

    data: LogHazardRatio | None = None
    prior: NormalPrior | None = None
    prior_name: str = ""
    prior_description: str = ""
    information: InformationCheck | None = None
    shape_prior: NormalPrior | None = None
    shape_mean: float = math.nan
    notes: list[str] = field(default_factory=list)

    def plot_posterior(self, title: str = "Hazard ratio") -> Figure:
        """Posterior density of the HR with the clinical thresholds marked."""
        from bayes_netlm.reporting.plots import hr_posterior_figure

        return hr_posterior_figure(self._require_tree(), ENDPOINT, title, self.clinical)


def log_hazard_ratio(
    hr: float | None = None,
    ci: Sequence[float] | None = None,
    p: float | None = None,
    medians: Sequence[float] | None = None,
    shape: float | None = None,
) -> LogHazardRatio:
    """The log HR and its SE from the published numbers (checked; nothing is fitted).

    Parameters
    ----------
    hr : float, optional
        Published hazard ratio (index vs reference), with ``ci`` or ``p``.
    ci : (float, float), optional
        Its 95 % confidence interval.
    p : float, optional
        Two-sided p-value (with ``hr``, or with ``medians``).
    medians : (float, float), optional
        Median survival of the index and the reference group (exponential survival:
        log HR = log(m_ref / m_index), SE from the p-value).
    shape : float, optional
        A fixed Weibull shape k for ``medians``: log HR and SE are multiplied by k.

    Examples
    --------
    >>> from bayes_netlm import log_hazard_ratio
    >>> round(float(log_hazard_ratio(hr=0.5, ci=(0.25, 1.0)).se), 4)  # log(4) / (2 * 1.96)
    0.3537

    """
    from bayes_netlm.modeling import hazard_ratio as model

    problems = hr_input_problems(hr, ci, p, medians)
    if problems:
        raise InputError(problems)
    if medians is not None:
        assert p is not None  # checked above
        data = model.from_medians(float(medians[0]), float(medians[1]), float(p))
        if shape is not None:
            k = float(shape)
            return model.LogHazardRatio(
                k * data.estimate,
                k * data.se,
                f"{data.derivation}; Weibull shape k = {k:g}: log HR and SE times k",
            )
        return data
    if shape is not None:
        raise InputError.single("--shape", "applies to --medians only", "add --medians")
    assert hr is not None  # checked above, with exactly one of ci and p
    if ci is not None:
        return model.from_ci(float(hr), float(ci[0]), float(ci[1]))
    assert p is not None
    return model.from_p_value(float(hr), float(p))


def _shape_prior(
    shape: float | str | NormalPrior | None,
) -> tuple[float | None, NormalPrior | None]:
    """A fixed k, or a lognormal prior on k (as a Normal prior on log k)."""
    if shape is None:
        return None, None
    if isinstance(shape, NormalPrior):
        return (math.exp(shape.mean), None) if shape.sd == 0 else (None, shape)
    from bayes_netlm.modeling.weibull_shape import parse_shape_prior

    if isinstance(shape, int | float):
        if not (math.isfinite(shape) and shape > 0):
            raise InputError.single(
                "--shape", f"{shape!r} is not a positive shape", "give e.g. 1.5"
            )
        return float(shape), None
    parsed = parse_shape_prior(str(shape), "--shape-prior")
    return (math.exp(parsed.mean), None) if parsed.sd == 0 else (None, parsed)


def hazard_ratio(
    hr: float | None = None,
    ci: Sequence[float] | None = None,
    p: float | None = None,
    medians: Sequence[float] | None = None,
    *,
    prior: HrPriorLike = "vague",
    shape: float | str | NormalPrior | None = None,
    n: Sequence[int] | None = None,
    threshold: float | None = None,
    mcmc: bool = True,
    seed: int = DEFAULT_SEED,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
) -> HazardRatioResult:
    r"""Re-analyse a published hazard ratio under a prior on log HR.

    Likelihood :math:`\hat y \sim N(\log HR, s^2)` with :math:`\hat y, s` derived from the
    published numbers; prior :math:`\log HR \sim N(\mu_0, \sigma_0^2)`; exact posterior
    :math:`N(m, v)` with precision :math:`1/v = 1/\sigma_0^2 + 1/s^2` and mean
    :math:`m = v (\mu_0/\sigma_0^2 + \hat y/s^2)`.

    Parameters
    ----------
    hr, ci, p, medians
        The published numbers: ``hr`` with ``ci`` or ``p``, or ``medians`` (index, reference)
        with ``p``; see :func:`log_hazard_ratio`.
    prior : str or NormalPrior, default "vague"
        A prior set name (any case: ``"vague"``, ``"skeptical"``, ...), ``"normal:MEAN,SD"`` on
        log HR, an elicited statement ``"hr:0.5-2@95%"``, or a :class:`NormalPrior`.
    shape : float, str or NormalPrior, optional
        Weibull shape for ``medians``: a fixed k (``1.5``) or ``"lognormal:MU,SIGMA"`` on log k,
        marginalised exactly (the headline then is the mixture).
    n : (int, int), optional
        Group sizes (index, reference) for the information check.
    threshold : float, optional
        Clinically important HR (default from ``models/prior_sets.toml``, 0.7). The harm
        threshold is its mirror image, 1 / threshold (P(HR > 1.43) by default; 2 for 0.5).
    mcmc : bool, default True
        Also fit the model with PyMC (NumPyro NUTS) as a check, and keep its DataTree.
    seed, draws, tune, chains
        Sampler settings.

    Returns
    -------
    HazardRatioResult

    Examples
    --------
    >>> import bayes_netlm as bn
    >>> fit = bn.hazard_ratio(hr=0.5, ci=(0.25, 1.0), prior="normal:0,1", mcmc=False)
    >>> round(fit.probabilities["P(HR < 1)"], 3)  # conjugate Normal-Normal, closed form
    0.968

    """
    catalog = load_prior_catalog()
    clinical = with_thresholds(catalog.clinical, hr_important=threshold)
    name, log_hr_prior, description = hr_prior(prior, catalog, "--prior")
    fixed_k, shape_prior = _shape_prior(shape)
    if shape_prior is not None and medians is None:
        raise InputError.single("--shape", "applies to --medians only", "add --medians")
    data = log_hazard_ratio(hr, ci, p, medians, fixed_k)
    from bayes_netlm.modeling import hazard_ratio as model
    from bayes_netlm.priors import DEFAULT_PRIOR_FILE
    from bayes_netlm.reporting.provenance import file_record, stamp

    settings = sampler_settings(draws, tune, chains, seed=seed)
    evidence = model.HazardRatioEvidence(ENDPOINT, "hazard ratio", data, p)
    priors = {name: log_hr_prior}
    notes: list[str] = []
    information = None
    if n is not None:
        if (
            isinstance(n, str)
            or len(n) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in n)
            or min(n) < 1
        ):
            raise InputError.single(
                "n",
                f"{n!r} are not two group sizes",
                "give n=(INDEX, REFERENCE), whole numbers >= 1",
            )
        information = model.information_check(data, int(n[0]), int(n[1]))
        notes.append(f"information check: {information.message}")
        if not information.consistent and data.information > 0:
            notes.append(
                "the numbers do not fit proportional hazards (curves may cross): even the "
                "direction of P(HR < 1) is unsafe"
            )
    elif medians is not None:
        notes.append(
            "information check skipped: give the group sizes (n=(INDEX, REFERENCE) in Python, "
            "--n INDEX REFERENCE on the command line)"
        )
    record = {
        "model": "summary_hr",
        "input": {"hr": hr, "ci": ci, "p": p, "medians": medians, "shape": str(shape)},
        "derivation": data.derivation,
        "prior": {name: str(log_hr_prior)},
        "prior_file": file_record(DEFAULT_PRIOR_FILE),
        "clinical_thresholds": clinical,
        "seed": seed,
    }
    if mcmc:
        fit = model.fit_hazard_ratios([evidence], priors, clinical, seed, settings)
        table, convergence = fit.table, fit.convergence
        tree = stamp(as_numpy(fit.posteriors["summary_hr"]), record)
    else:
        from bayes_netlm.modeling.results import TABLE_COLUMNS, summary_rows
        from bayes_netlm.summaries import hr_summary_exact

        exact = hr_summary_exact(model.conjugate_posterior(log_hr_prior, data), clinical)
        rows = summary_rows(
            exact,
            analysis="summary_hr",
            endpoint=ENDPOINT,
            label="hazard ratio",
            prior=name,
            prior_spec=str(log_hr_prior),
            method="exact",
            converged=True,
            paper_p=p,
        )
        table, convergence, tree = pd.DataFrame(rows, columns=TABLE_COLUMNS), pd.DataFrame(), None
    p_below_1 = float(
        table[(table.method == "exact") & (table.quantity == "p_below_1")].value.iloc[0]
    )
    restated = model.p_value_restated(p_below_1, data, p)
    if restated is not None and ci is None:
        notes.append(restated)
    result = HazardRatioResult(
        table,
        tree,
        clinical,
        convergence,
        headline="summary_hr",
        data=data,
        prior=log_hr_prior,
        prior_name=name,
        prior_description=description,
        information=information,
        notes=notes,
    )
    if shape_prior is not None:
        _add_shape(result, evidence, priors, shape_prior, seed, settings, mcmc, record)
    return result


def _add_shape(
    result: HazardRatioResult,
    evidence: HazardRatioEvidence,
    priors: dict[str, NormalPrior],
    shape_prior: NormalPrior,
    seed: int,
    settings: SamplerSettings,
    mcmc: bool,
    record: dict[str, object],
) -> None:
    """Make the shape-marginalised mixture the headline; keep the exponential rows beside it."""
    from bayes_netlm.modeling import weibull_shape
    from bayes_netlm.reporting.provenance import stamp

    assert result.data is not None and result.prior is not None
    fit = weibull_shape.fit_shape_marginalised(
        [evidence],
        priors,
        shape_prior,
        result.clinical,
        seed,
        settings,
        mcmc=mcmc,
    )
    mixture = weibull_shape.shape_marginal_posterior(result.data, result.prior, shape_prior)
    result.table = pd.concat([fit.table, result.table], ignore_index=True)
    result.headline = weibull_shape.ANALYSIS
    result.shape_prior = shape_prior
    result.shape_mean = mixture.shape_mean
    if mcmc:
        result.tree = stamp(
            as_numpy(fit.posteriors[weibull_shape.ANALYSIS]),
            {**record, "model": "summary_hr_weibull"},
        )
        result.convergence = fit.convergence
