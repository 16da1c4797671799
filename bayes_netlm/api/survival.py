r"""The censored Weibull proportional-hazards model on a patient table, lifelines-style.

Likelihood per patient :math:`i` with time :math:`t_i`, event :math:`d_i`, group :math:`x_i`:
:math:`h_i(t) = \lambda_0 k_i t^{k_i-1} e^{\eta_i}`, :math:`\eta_i = \beta x_i + \gamma^\top z_i`,
:math:`\log L = \sum_i w_i [d_i \log h_i(t_i) - \lambda_0 t_i^{k_i} e^{\eta_i}]`, with a common
shape :math:`k` or a group-specific one (``shape="group"``). The prior set's prior is on the log HR
at ``reference_time`` (the log HR itself with a common shape). See
:mod:`bayes_netlm.modeling.weibull`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bayes_netlm.api._common import DEFAULT_SEED, HrPriorLike, hr_prior, sampler_settings
from bayes_netlm.api.result import FitSummary
from bayes_netlm.errors import InputError
from bayes_netlm.priors import load_prior_catalog

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bayes_netlm.evidence.patients import SurvivalData
    from bayes_netlm.modeling.weibull import SurvivalFit

__all__ = ["WeibullPH", "WeibullResult"]

ENDPOINT = "survival"


@dataclass
class WeibullResult(FitSummary):
    """A fitted Weibull PH model: summaries, draws, the data and lifelines beside it."""

    fit: SurvivalFit | None = None
    prior_name: str = ""
    frequentist: dict[str, Any] = field(default_factory=dict)
    #: whether the data came from a bundled synthetic table (not the study's patients)
    synthetic: bool = False

    @property
    def data(self) -> SurvivalData:
        """The validated data (:class:`~bayes_netlm.evidence.patients.SurvivalData`)."""
        assert self.fit is not None
        return self.fit.data

    def plot_posterior(self, title: str = "") -> Figure:
        """Posterior density of the hazard ratio with the clinical thresholds marked.

        With a group-specific shape the hazard ratio changes over time: the density is that of
        the HR at the reference time, and the axis says so (e.g. "HR at 1 year").
        """
        from bayes_netlm.reporting.plots import hr_posterior_figure

        assert self.fit is not None
        return hr_posterior_figure(
            self._require_tree(),
            ENDPOINT,
            title or self.fit.label,
            self.clinical,
            self.fit.hr_name,
        )

    def plot_survival(self, title: str = "") -> Figure:
        """Posterior S(t) per group (median, 95 % band) over the Kaplan-Meier curves.

        In a fit adjusted for covariates the curves are those of a patient at the covariates'
        means (the default title says so), while Kaplan-Meier averages over the patients: the
        two need not agree even when the model fits.
        """
        import numpy as np

        from bayes_netlm.analyses.frequentist import kaplan_meier_curves
        from bayes_netlm.reporting.survival_plots import survival_curves_figure

        assert self.fit is not None
        data = self.fit.data
        draws = self.posterior.sel(fit=f"{ENDPOINT}|{self.prior_name}")
        adjusted = ", at the covariates' means" if len(data.covariates.columns) else ""
        return survival_curves_figure(
            draws,
            kaplan_meier_curves(data),
            self.fit.group_shape,
            title or f"{self.fit.label}{adjusted}",
            (data.index_label, data.reference_label),
            float(np.max(data.time)),
        )


def lifelines_results(data: SurvivalData) -> dict[str, Any]:
    """Kaplan-Meier medians with 95 % CIs, log-rank p and the Cox HR of two-group data."""
    from bayes_netlm.analyses import frequentist
    from bayes_netlm.analyses.cox_efron import NO_ESTIMATE

    km = frequentist.kaplan_meier_medians(data).set_index("group")
    cox = frequentist.cox_hazard_ratio(data)
    return {
        "km_medians": {
            str(group): {
                "median": row["median"],
                "ci95": [row["lower"], row["upper"]],
                "n": int(row["n"]),
                "events": int(row["events"]),
            }
            for group, row in km.iterrows()
        },
        "logrank_p": frequentist.logrank(data),
        "cox_hr": cox["hr"],
        "cox_ci95": [cox["lower"], cox["upper"]],
        # why the Cox HR is missing (NaN), if it is
        "cox_note": None if math.isfinite(cox["hr"]) else NO_ESTIMATE,
    }


class WeibullPH:
    """Bayesian censored Weibull proportional-hazards regression of two groups.

    Parameters
    ----------
    shape : {"common", "group"}, default "common"
        One Weibull shape for both groups (proportional hazards), or one per group (HR then
        changes over time, and the prior is on the HR at ``reference_time``).
    prior : str or NormalPrior, default "vague"
        Prior on log HR: a set name (any case), ``"normal:MEAN,SD"``, ``"hr:0.5-2@95%"``.
    reference_time : float, default 1.0
        Time (the data's unit) whose HR carries the prior with ``shape="group"``.
    draws, tune, chains : int
        Sampler settings (nutpie NUTS).

    Examples
    --------
    >>> import pandas as pd
    >>> import bayes_netlm as bn
    >>> from bayes_netlm.evidence.table_files import SYNTHETIC_COHORT  # bundled, SYNTHETIC
    >>> df = pd.read_csv(SYNTHETIC_COHORT)
    >>> fit = bn.WeibullPH(prior="skeptical").fit(  # doctest: +SKIP
    ...     df, duration_col="os_time", event_col="os_event", group_col="group",
    ...     index_level="cystic")
    >>> fit.summary()  # doctest: +SKIP

    """

    def __init__(
        self,
        shape: str = "common",
        prior: HrPriorLike = "vague",
        reference_time: float = 1.0,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
    ) -> None:
        if shape not in ("common", "group"):
            raise InputError.single(
                "--shape", f"{shape!r} is not a shape choice", "common or group"
            )
        if not reference_time > 0:
            raise InputError.single(
                "--reference-time", f"{reference_time} is not positive", "give 1"
            )
        self.shape = shape
        self.prior = prior
        self.reference_time = float(reference_time)
        self.sampler = {"draws": draws, "tune": tune, "chains": chains}
        self.result_: WeibullResult | None = None

    def load(
        self,
        df: pd.DataFrame | str | Path,
        *,
        duration_col: str,
        event_col: str,
        group_col: str,
        index_level: str | None = None,
        covariates: Sequence[str] = (),
        id_col: str | None = None,
    ) -> SurvivalData:
        """Validate the table (every problem at once) without fitting."""
        from bayes_netlm.evidence.patients import check_identifiable, load_survival, read_table

        frame = read_table(df) if not isinstance(df, pd.DataFrame) else df
        source = Path(df).name if not isinstance(df, pd.DataFrame) else "data frame"
        if id_col is None and "id" in frame.columns:
            id_col = "id"  # a column named id is checked for repeated patients
        data = load_survival(
            frame,
            time=duration_col,
            event=event_col,
            group=group_col,
            index_level=index_level,
            covariates=list(covariates),
            id_col=id_col,
            source=source,
        )
        check_identifiable(data)
        return data

    def fit(
        self,
        df: pd.DataFrame | str | Path,
        *,
        duration_col: str,
        event_col: str,
        group_col: str,
        index_level: str | None = None,
        covariates: Sequence[str] = (),
        id_col: str | None = None,
        seed: int = DEFAULT_SEED,
        lifelines: bool = True,
    ) -> WeibullResult:
        """Fit the model to a table (data frame, CSV or Parquet path); returns the result.

        ``index_level`` names the group in the HR numerator (needed unless the labels are
        "cystic" and "solid"); ``covariates`` are adjusted for (standardised, text columns
        dummy-coded). With ``lifelines`` the Kaplan-Meier medians, log-rank test and Cox HR are
        computed beside it (``result.frequentist``).
        """
        data = self.load(
            df,
            duration_col=duration_col,
            event_col=event_col,
            group_col=group_col,
            index_level=index_level,
            covariates=covariates,
            id_col=id_col,
        )
        path = None if isinstance(df, pd.DataFrame) else df
        return self.fit_data(data, seed=seed, lifelines=lifelines, source=path)

    def fit_data(
        self,
        data: SurvivalData,
        seed: int = DEFAULT_SEED,
        lifelines: bool = True,
        source: str | Path | None = None,
    ) -> WeibullResult:
        """Fit already validated data (``source``: the file it came from, for provenance)."""
        catalog = load_prior_catalog()
        name, prior, _ = hr_prior(self.prior, catalog, "--prior")
        from bayes_netlm.evidence.table_files import names_bundled_synthetic
        from bayes_netlm.modeling.weibull import SurvivalFit, fit_survival
        from bayes_netlm.priors import DEFAULT_PRIOR_FILE
        from bayes_netlm.reporting.provenance import file_record, stamp

        synthetic = names_bundled_synthetic(source)
        survival_fit = SurvivalFit(
            ENDPOINT,
            f"{data.index_label} vs {data.reference_label}",
            data,
            self.shape == "group",
            self.reference_time,
        )
        result = fit_survival(
            [survival_fit],
            {name: prior},
            catalog.clinical,
            seed,
            covariates=list(data.covariates.columns),
            settings=sampler_settings(**self.sampler, seed=seed),
        )
        record = {
            "model": "weibull",
            "data": file_record(source) if source is not None else {"path": data.source},
            # "synthetic" for a bundled illustrative table; a data frame's origin is not known
            **({"data_kind": "synthetic" if synthetic else "patient"} if source else {}),
            "shape": self.shape,
            "covariates": list(data.covariates.columns),
            "reference_time": self.reference_time,
            "prior": {name: str(prior)},
            "prior_file": file_record(DEFAULT_PRIOR_FILE),
            "clinical_thresholds": catalog.clinical,
            "seed": seed,
        }
        self.result_ = WeibullResult(
            result.table,
            stamp(result.posteriors["weibull"], record),
            catalog.clinical,
            result.convergence,
            hr_label=survival_fit.hr_name,
            headline="weibull",
            fit=survival_fit,
            prior_name=name,
            frequentist=lifelines_results(data) if lifelines else {},
            synthetic=synthetic,
        )
        return self.result_
