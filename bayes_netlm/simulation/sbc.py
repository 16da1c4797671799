"""Simulation-based calibration of every model family, run as Dask tasks.

Families (:data:`FAMILIES`), each under the skeptical prior set of ``models/prior_sets.toml``
(the vague Beta(1, 1) for Beta rates) at the study's sizes and censoring:

- ``summary_hr``: Normal-Normal log HR (exact), :mod:`.sbc_summary`;
- ``summary_hr_shape``: log HR from two medians with the Weibull shape marginalised (exact
  mixture), shape prior log k ~ N(0, 0.5);
- ``rates_beta``: interval-censored rates, Beta prior (exact Beta mixtures), :mod:`.sbc_rates`;
- ``rates_logor``: interval-censored rates, log-OR prior (2-D grid posterior);
- ``weibull`` / ``weibull_group_shape``: the censored Weibull model with one covariate, common or
  group-specific shape (MCMC, compiled once per worker), :mod:`.sbc_weibull`.

Simulations are cut into chunks of a fixed size per family (1 for the Weibull families); chunk
``j`` gets the ``j``-th child of ``SeedSequence(seed)``, so results do not depend on the number
of workers. ``misspecified=True`` draws the truth from a different prior than the model's
(:func:`simulator_prior`): the check that the pass rule can fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from distributed import Client

from bayes_netlm.priors import BetaPrior, NormalPrior, load_prior_catalog
from bayes_netlm.simulation.calibration import QuantityCheck, check_family
from bayes_netlm.simulation.engine import map_tasks, simulation_seeds
from bayes_netlm.simulation.sbc_rates import beta_rates_pit, logor_rates_pit
from bayes_netlm.simulation.sbc_summary import hr_pit, shape_hr_pit
from bayes_netlm.simulation.sbc_weibull import WeibullCase, weibull_simulation

__all__ = ["FAMILIES", "SBCResult", "run_sbc", "simulator_prior"]

FAMILIES = (
    "summary_hr",
    "summary_hr_shape",
    "rates_beta",
    "rates_logor",
    "weibull",
    "weibull_group_shape",
)
SHAPE_PRIOR = NormalPrior(0.0, 0.5, "log_k")
VAGUE_RATES = BetaPrior(1.0, 1.0)
_CHUNK = {"summary_hr": 2500, "summary_hr_shape": 2500, "rates_beta": 25, "rates_logor": 25}


def _skeptical() -> tuple[NormalPrior, NormalPrior, NormalPrior]:
    catalog = load_prior_catalog()
    rates = catalog.sets["skeptical"].rates
    assert isinstance(rates, NormalPrior)
    return catalog.sets["skeptical"].log_hr, rates, catalog.logit_reference


def simulator_prior(prior: NormalPrior | BetaPrior) -> NormalPrior | BetaPrior:
    """The mis-specified simulator's prior: a Normal shifted by 2 SD, a Beta(a, 4b)."""
    if isinstance(prior, BetaPrior):
        return BetaPrior(prior.a, 4 * prior.b)
    return replace(prior, mean=prior.mean + 2 * prior.sd)


def _exact_chunk(
    seed: tuple[np.random.SeedSequence, int], family: str, misspecified: bool
) -> dict[str, np.ndarray]:
    sequence, size = seed
    rng_seed = int(sequence.generate_state(1)[0])
    log_hr, log_or, baseline = _skeptical()
    if family in ("summary_hr", "summary_hr_shape"):
        wrong = simulator_prior(log_hr) if misspecified else None
        assert wrong is None or isinstance(wrong, NormalPrior)
        if family == "summary_hr":
            return hr_pit(log_hr, size, rng_seed, simulator_prior=wrong)
        return shape_hr_pit(log_hr, SHAPE_PRIOR, size, rng_seed, simulator_prior=wrong)
    if family == "rates_beta":
        beta_wrong = simulator_prior(VAGUE_RATES) if misspecified else None
        assert beta_wrong is None or isinstance(beta_wrong, BetaPrior)
        return beta_rates_pit(VAGUE_RATES, size, rng_seed, simulator_prior=beta_wrong)
    normal_wrong = simulator_prior(log_or) if misspecified else None
    assert normal_wrong is None or isinstance(normal_wrong, NormalPrior)
    return logor_rates_pit(log_or, baseline, size, rng_seed, simulator_prior=normal_wrong)


def weibull_case(family: str, misspecified: bool = False, **changes: Any) -> WeibullCase:
    """The Weibull family's case under the skeptical log-HR prior (with one covariate)."""
    log_hr = _skeptical()[0]
    wrong = simulator_prior(log_hr) if misspecified else None
    assert wrong is None or isinstance(wrong, NormalPrior)
    case = WeibullCase(
        log_hr,
        group_shape=family == "weibull_group_shape",
        covariate=True,
        simulator_prior=wrong,
    )
    return replace(case, **changes)


@dataclass
class SBCResult:
    """PIT values per quantity, their checks, and how the run went."""

    family: str
    sims: int
    seed: int
    pits: dict[str, np.ndarray]
    checks: dict[str, QuantityCheck]
    seconds: float
    misspecified: bool = False
    divergences: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every quantity inside its band."""
        return all(check.passed for check in self.checks.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (no arrays)."""
        return {
            "family": self.family,
            "sims": self.sims,
            "seed": self.seed,
            "misspecified": self.misspecified,
            "passed": self.passed,
            "band_probability": next(iter(self.checks.values())).band_probability,
            "quantities": {
                name: {"passed": c.passed, "worst_excess": round(c.worst_excess, 4)}
                for name, c in self.checks.items()
            },
            "divergences": self.divergences,
            "seconds": round(self.seconds, 2),
            "sims_per_second": round(self.sims / self.seconds, 2) if self.seconds else None,
        }


def _stack(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([np.atleast_1d(r[name]) for r in rows]) for name in rows[0]}


def run_sbc(
    family: str,
    sims: int,
    seed: int = 20260101,
    client: Client | None = None,
    misspecified: bool = False,
    case: WeibullCase | None = None,
) -> SBCResult:
    """Run ``sims`` simulations of a family (on ``client`` when given) and check the ranks.

    ``case`` overrides the Weibull families' case (e.g. fewer draws in tests).
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {', '.join(FAMILIES)}")
    start = time.perf_counter()
    if family.startswith("weibull"):
        case = case or weibull_case(family, misspecified)
        task: Callable[..., Any] = weibull_simulation
        items: list[Any] = simulation_seeds(seed, sims)
        rows = map_tasks(task, items, client, case=case)
    else:
        size = _CHUNK[family]
        sizes = [min(size, sims - i) for i in range(0, sims, size)]
        items = list(zip(simulation_seeds(seed, len(sizes)), sizes, strict=True))
        rows = map_tasks(_exact_chunk, items, client, family=family, misspecified=misspecified)
    pits = _stack(rows)
    divergences = int(pits.pop("divergences").sum()) if "divergences" in pits else 0
    return SBCResult(
        family,
        sims,
        seed,
        pits,
        check_family(pits),
        time.perf_counter() - start,
        misspecified,
        divergences,
    )
