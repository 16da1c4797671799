"""Patient data reconstructed from published Kaplan-Meier curves (Guyot et al. 2012).

A digitised curve (``arm,time,survival``) and its numbers-at-risk table (``arm,time,n_at_risk``),
optionally with each arm's total events, give one patient table; plausible reconstructions
(digitising error, censoring placement) fitted with the Weibull model and pooled carry the
reconstruction's own uncertainty into the posterior of log HR.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bayes_netlm.api._common import DEFAULT_SEED, HrPriorLike, hr_prior, sampler_settings
from bayes_netlm.api.result import FitSummary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bayes_netlm.evidence.curves import CurveInput
    from bayes_netlm.evidence.reconstruct import ArmReconstruction

__all__ = ["Reconstruction", "ReconstructionFit", "reconstruct_curves", "write_csv_atomic"]


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a CSV through a temporary file in the same folder, then ``os.replace``."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            umask = os.umask(0o022)  # read it (os.umask only reads by setting), put it back
            os.umask(umask)
            os.fchmod(stream.fileno(), 0o666 & ~umask)  # a new file's mode, not mkstemp's 0600
            frame.to_csv(stream, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@dataclass
class ReconstructionFit(FitSummary):
    """Weibull fits of plausible reconstructions, log-HR draws pooled (one chain set each)."""

    width_ratio: float = float("nan")

    def plot_posterior(self, title: str = "Reconstructed patients: pooled") -> Figure:
        """Posterior density of the pooled HR with the clinical thresholds marked."""
        from bayes_netlm.reporting.plots import hr_posterior_figure

        return hr_posterior_figure(self._require_tree(), "reconstruction", title, self.clinical)


@dataclass
class Reconstruction:
    """One reconstruction of a figure: patients per arm, their quality and the input notes."""

    input: CurveInput
    arms: dict[str, ArmReconstruction]

    @property
    def patients(self) -> pd.DataFrame:
        """Patients in the loader's schema: ``id, arm, group, time, event``."""
        from bayes_netlm.evidence.reconstruct import to_patient_frame

        return to_patient_frame(self.arms)

    def quality(self) -> pd.DataFrame:
        """One row per arm: n, events, max and RMS difference from the curve, at-risk mismatch."""
        from bayes_netlm.evidence.reconstruct import quality_table

        return quality_table(self.arms)

    def quality_dict(self) -> dict[str, dict[str, Any]]:
        """Per arm: n, events, max_abs_diff, rmse and the numbers at risk given vs reconstructed."""
        return {arm: r.quality.as_dict() for arm, r in self.arms.items()}

    @property
    def notes(self) -> list[str]:
        """Every decision taken on the input (points dropped, targets not met)."""
        return [*self.input.notes, *(n for r in self.arms.values() for n in r.notes)]

    def to_csv(self, path: str | Path) -> Path:
        """Write the patients atomically (temporary file, then rename)."""
        return write_csv_atomic(self.patients, path)

    def fit(
        self,
        index_level: str,
        prior: HrPriorLike = "vague",
        n: int = 10,
        seed: int = DEFAULT_SEED,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
    ) -> ReconstructionFit:
        """Fit the common-shape Weibull model to ``n`` plausible reconstructions; pool the draws.

        Examples
        --------
        >>> import bayes_netlm as bn
        >>> rec = bn.reconstruct_curves("curve.csv", "at_risk.csv")  # doctest: +SKIP
        >>> pooled = rec.fit(index_level="cystic", n=3)  # doctest: +SKIP

        """
        import numpy as np
        import xarray as xr

        from bayes_netlm.evidence.reconstruct_uncertainty import plausible_reconstructions
        from bayes_netlm.modeling.reconstruction_fit import fit_reconstructions
        from bayes_netlm.modeling.results import TABLE_COLUMNS, summary_rows
        from bayes_netlm.priors import load_prior_catalog
        from bayes_netlm.reporting.provenance import stamp
        from bayes_netlm.summaries import hr_summary_from_draws

        catalog = load_prior_catalog()
        name, log_hr_prior, _ = hr_prior(prior, catalog, "prior")
        tables = plausible_reconstructions(self.input, n=n, seed=seed)
        pooled = fit_reconstructions(
            tables,
            log_hr_prior,
            index_level,
            seed,
            sampler_settings(draws, tune, chains, seed=seed),
        )
        log_hr = np.concatenate(pooled.draws, axis=0)
        label = f"reconstruction|{name}"
        posterior = xr.Dataset(
            {"log_hr": (("chain", "draw"), log_hr), "hr": (("chain", "draw"), np.exp(log_hr))}
        ).expand_dims(fit=[label])
        tree = stamp(
            xr.DataTree.from_dict({"posterior": posterior.transpose("chain", "draw", "fit")}),
            {"model": "reconstruction", "n": n, "prior": {name: str(log_hr_prior)}, "seed": seed},
        )
        rows = summary_rows(
            hr_summary_from_draws(log_hr, catalog.clinical),
            analysis="reconstruction",
            endpoint="reconstruction",
            label="reconstructed patients",
            prior=name,
            prior_spec=str(log_hr_prior),
            method="pymc",
            converged=True,
            paper_p=float("nan"),
        )
        return ReconstructionFit(
            pd.DataFrame(rows, columns=TABLE_COLUMNS),
            tree,
            catalog.clinical,
            headline="reconstruction",
            width_ratio=pooled.width_ratio,
        )


def reconstruct_curves(
    curve: str | Path | pd.DataFrame,
    at_risk: str | Path | pd.DataFrame,
    events: Mapping[str, int] | str | None = None,
    seed: int = 0,
) -> Reconstruction:
    """Reconstruct patients from a digitised Kaplan-Meier figure and its numbers at risk.

    Parameters
    ----------
    curve, at_risk : path or pandas.DataFrame
        ``arm,time,survival`` and ``arm,time,n_at_risk`` tables (see ``data/CURVES.md``).
    events : mapping or str, optional
        Total events per arm (``{"cystic": 7}`` or ``"cystic=7,solid=310"``).
    seed : int
        Seed of the censoring placement where the table leaves it open.

    Examples
    --------
    >>> import bayes_netlm as bn
    >>> rec = bn.reconstruct_curves("curve.csv", "at_risk.csv", "cystic=7")  # doctest: +SKIP
    >>> rec.quality()  # doctest: +SKIP
    >>> rec.to_csv("patients.csv")  # doctest: +SKIP

    """
    import numpy as np

    from bayes_netlm.evidence.curves import load_curve_input, parse_total_events
    from bayes_netlm.evidence.reconstruct import reconstruct
    from bayes_netlm.evidence.table_files import SYNTHETIC_LINE, names_bundled_synthetic

    totals = parse_total_events(events) if isinstance(events, str) else events
    data = load_curve_input(curve, at_risk, totals)
    if names_bundled_synthetic(curve, at_risk):  # the bundled example, read off the cohort
        data = replace(data, notes=(SYNTHETIC_LINE, *data.notes))
    return Reconstruction(data, reconstruct(data, rng=np.random.default_rng(seed)))
