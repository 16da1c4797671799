"""What every fit function returns: the posterior, tidy summary rows and convergence per fit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import xarray as xr

from bayes_netlm.summaries import Summary

__all__ = ["FitResult", "TABLE_COLUMNS", "summary_rows"]

TABLE_COLUMNS = [
    "analysis",
    "endpoint",
    "label",
    "prior",
    "prior_spec",
    "method",
    "quantity",
    "value",
    "lower",
    "upper",
    "mcse_value",
    "mcse_lower",
    "mcse_upper",
    "converged",
    "paper_p",
]


@dataclass
class FitResult:
    """Posterior draws (``None`` for closed-form-only results), tidy rows and diagnostics."""

    table: pd.DataFrame
    convergence: pd.DataFrame
    posteriors: dict[str, xr.DataTree] = field(default_factory=dict)


def summary_rows(summary: Summary, **columns: object) -> list[dict[str, object]]:
    """One tidy row per quantity of a summary, with the identifying ``columns`` repeated."""
    return [
        {**columns, "quantity": quantity, **estimate._asdict()}
        for quantity, estimate in summary.items()
    ]
