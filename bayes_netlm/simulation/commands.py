"""What ``bayes-netlm calibrate`` and ``bayes-netlm design`` do, returning JSON-able dicts.

Each opens a Dask cluster (:func:`~bayes_netlm.simulation.engine.cluster_client`: local by
default, ``scheduler`` for an existing one), runs its study and, with ``out``, saves figures there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bayes_netlm.simulation.assurance import (
    RULES,
    FutureStudy,
    assurance_normal,
    assurance_simulated,
    design_prior,
)
from bayes_netlm.simulation.figures import assurance_figure, prior_predictive_figure, sbc_figure
from bayes_netlm.simulation.prior_predictive import checks_table, prior_predictive_checks

__all__ = ["DEFAULT_GRID", "assurance_tables", "calibrate", "design", "prior_predictive"]

DEFAULT_GRID = (10, 20, 30, 50, 75, 100, 150, 200)
DEFAULT_CHECKS = (20, 50, 100, 200)


def calibrate(
    model: str,
    sims: int,
    seed: int = 20260101,
    scheduler: str | None = None,
    workers: int | None = None,
    misspecified: bool = False,
    out: Path | None = None,
) -> dict[str, Any]:
    """SBC of one family (or ``all``); the result per family, and figure paths with ``out``."""
    from bayes_netlm.simulation.engine import cluster_client  # Dask: loaded only to simulate
    from bayes_netlm.simulation.sbc import FAMILIES, run_sbc

    families = FAMILIES if model == "all" else (model,)
    results = []
    with cluster_client(scheduler, workers) as client:
        for family in families:
            results.append(run_sbc(family, sims, seed, client, misspecified))
    payload: dict[str, Any] = {"families": [r.to_dict() for r in results]}
    payload["passed"] = all(r.passed for r in results)
    if sims < FEW_SIMULATIONS:
        payload["note"] = _few(sims, "the band is wide enough to pass all but gross miscalibration")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for r in results:
            path = out / f"sbc_{r.family}.png"
            sbc_figure(r).savefig(path, dpi=110)
            payload.setdefault("figures", {})[f"sbc_{r.family}"] = str(path)
    return payload


#: below this many simulations a check's verdict is said to carry little weight
FEW_SIMULATIONS = 100


def _few(sims: int, why: str) -> str:
    """The note of a check run with few simulations (with 3, any pass said nothing)."""
    return (
        f"only {sims} simulations: a passed check says little ({why}); "
        "use --sims 1000 (the default) for a verdict"
    )


def assurance_tables(
    study: FutureStudy,
    prior_name: str,
    grid: Sequence[int],
    checks: Sequence[int],
    sims: int,
    seed: int,
    client: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normal-approximation assurance over ``grid`` and simulated checks at ``checks``."""
    prior = design_prior(prior_name)
    table = pd.DataFrame(
        [
            {"rule": r.name, "n_index": n, "assurance": assurance_normal(study, n, prior, r)}
            for r in RULES
            for n in grid
        ]
    )
    rows = []
    for i, n in enumerate(checks):
        simulated = assurance_simulated(study, n, prior, sims, seed + i, client=client)
        for r in RULES:
            mean, mcse = simulated[r.name]
            approx = assurance_normal(study, n, prior, r)
            rows.append(
                {
                    "rule": r.name,
                    "n_index": n,
                    "normal": approx,
                    "simulated": mean,
                    "mcse": mcse,
                    "within_3_mcse": abs(approx - mean) <= 3 * max(mcse, 1 / sims),
                }
            )
    return table, pd.DataFrame(rows)


def design(
    endpoint: str = "os",
    prior: str | None = None,
    grid: Sequence[int] = DEFAULT_GRID,
    n_reference: int = 1000,
    accrual: float = 5.0,
    follow_up: float = 5.0,
    checks: Sequence[int] = DEFAULT_CHECKS,
    sims: int = 1000,
    seed: int = 20260101,
    scheduler: str | None = None,
    workers: int | None = None,
    out: Path | None = None,
) -> dict[str, Any]:
    """Assurance of a future study per decision rule over a grid of cystic group sizes."""
    from bayes_netlm.simulation.engine import cluster_client  # Dask: loaded only to simulate

    study = FutureStudy(n_reference, accrual, follow_up, endpoint)
    prior_name = prior or f"posterior_{endpoint}"
    with cluster_client(scheduler, workers) as client:
        table, checked = assurance_tables(study, prior_name, grid, checks, sims, seed, client)
    payload: dict[str, Any] = {
        "study": {
            "endpoint": endpoint,
            "n_reference": n_reference,
            "accrual_years": accrual,
            "follow_up_years": follow_up,
            "design_prior": f"{prior_name} = {design_prior(prior_name)} on log HR",
            "analysis_prior": "normal:0,5 on log HR",
        },
        "assurance": table.to_dict(orient="records"),
        "checks": checked.to_dict(orient="records"),
    }
    if checks and sims < FEW_SIMULATIONS:
        payload["note"] = _few(sims, "'within 3 MCSE' allows a difference of 3 / sims or more")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "assurance.png"
        assurance_figure(table, checked).savefig(path, dpi=110)
        payload["figures"] = {"assurance": str(path)}
    return payload


def prior_predictive(out: Path | None = None) -> dict[str, Any]:
    """Every prior predictive check: table rows and one verdict line each."""
    checks = prior_predictive_checks()
    payload: dict[str, Any] = {"checks": checks_table(checks).to_dict(orient="records")}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "prior_predictive.png"
        prior_predictive_figure(checks).savefig(path, dpi=110)
        payload["figures"] = {"prior_predictive": str(path)}
    return payload
