"""Every MCMC number carries its Monte Carlo standard error and lies within 4 MCSE of the exact."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_netlm.analyses.published import hazard_ratio_evidence
from bayes_netlm.evidence.published import load_published
from bayes_netlm.modeling import hazard_ratio as hr
from bayes_netlm.modeling import rates
from bayes_netlm.priors import NormalPrior, load_prior_catalog
from bayes_netlm.summaries import interval_from_draws, probability_from_draws

CATALOG = load_prior_catalog()
STUDY = load_published(Path(__file__).resolve().parents[1] / "data" / "ammann2025.toml")
LIMITS = (("value", "mcse_value"), ("lower", "mcse_lower"), ("upper", "mcse_upper"))


def test_mcse_of_iid_draws_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(4, 5000))
    event = draws < 0.3
    p = event.mean()
    estimate = probability_from_draws(event)
    assert estimate.mcse_value == pytest.approx(np.sqrt(p * (1 - p) / event.size), rel=0.1)
    interval = interval_from_draws(draws)
    # quantile MCSE of iid draws: sqrt(q (1 - q) / n) / f(x_q); for the median of N(0, 1)
    expected = np.sqrt(0.25 / draws.size) * np.sqrt(2 * np.pi)
    assert interval.mcse_value == pytest.approx(expected, rel=0.25)
    assert interval.mcse_lower > interval.mcse_value  # tails are estimated less precisely


def test_a_probability_with_every_draw_on_one_side_has_no_mcse():
    """Indicator draws all 0 (or all 1) have variance 0: ArviZ's MCSE would be 0, claiming an
    exact answer; the estimate keeps its value and its MCSE is NaN, shown as not estimable."""
    from bayes_netlm.reporting.report_tables import _mcse_text

    never = probability_from_draws(np.zeros((4, 1000), dtype=bool))
    always = probability_from_draws(np.ones((4, 1000), dtype=bool))
    assert (never.value, always.value) == (0.0, 1.0)
    assert np.isnan(never.mcse_value) and np.isnan(always.mcse_value)
    once = probability_from_draws(np.arange(4000).reshape(4, 1000) == 17)
    assert once.value == 1 / 4000 and 0 < once.mcse_value < 1e-3
    row = pd.Series({"value": 0.0, "mcse_value": never.mcse_value})
    assert _mcse_text(row, "p_harm") == "MCSE not estimable: every draw on one side"


def test_autocorrelated_draws_have_larger_mcse_than_iid():
    rng = np.random.default_rng(1)
    iid = rng.normal(size=(4, 4000))
    sticky = np.repeat(iid[:, :400], 10, axis=1)  # each value repeated: ESS ten times smaller
    assert (
        probability_from_draws(sticky < 0).mcse_value
        > 2 * probability_from_draws(iid < 0).mcse_value
    )


def _check_every_cell(table: pd.DataFrame, se_at_exact: bool = False) -> int:
    """Every exact cell within 4 MCSE of its MCMC value; returns how many were checked.

    ``se_at_exact``: a probability's MCSE, sqrt(p (1 - p) / ESS), taken at the exact p rather
    than at the MCMC estimate (same ESS). For a rare event the estimate's own MCSE shrinks with
    an estimate that happens to be low (7 draws in 4000 where 19 were expected gives a MCSE
    two thirds of the one at the true value), so "within 4 of its own MCSE" is not 4 SE.
    """
    keys = ["endpoint", "prior", "quantity"]
    pymc = table[table.method == "pymc"].set_index(keys)
    exact = table[table.method == "exact"].set_index(keys)
    assert len(exact) and set(exact.index) <= set(pymc.index)
    checked = 0
    for key, row in exact.iterrows():
        mcmc = pymc.loc[key]
        for column, mcse_column in LIMITS:
            if np.isnan(row[column]):
                continue
            mcse = mcmc[mcse_column]
            estimate, exact = mcmc[column], row[column]
            # every draw on one side (a probability of 0 or 1): no MCSE; the exact probability
            # is then within a draw's worth of it
            one_sided = key[2].startswith("p_") and estimate in (0.0, 1.0)
            assert np.isfinite(mcse) != one_sided, (key, column, mcse)
            if one_sided:
                mcse = 0.0
            if se_at_exact and key[2].startswith("p_") and 0 < estimate < 1 and mcse > 0:
                ess = estimate * (1 - estimate) / mcse**2
                mcse = max(mcse, np.sqrt(exact * (1 - exact) / ess))
            bound = max(4 * mcse, 1e-3)
            gap = abs(mcmc[column] - row[column])
            assert gap <= bound, (key, column, mcmc[column], row[column])
            checked += 1
    return checked


@pytest.mark.slow
def test_hazard_ratio_mcmc_within_4_mcse_of_exact_in_every_cell():
    evidence = [hazard_ratio_evidence(s) for s in STUDY.survival]
    priors = {name: s.log_hr for name, s in CATALOG.sets.items()}
    fit = hr.fit_hazard_ratios(evidence, priors, CATALOG.clinical, seed=5)
    assert fit.convergence["converged"].all()
    assert _check_every_cell(fit.table) == len(evidence) * len(priors) * 7


@pytest.mark.slow
def test_beta_rates_mcmc_within_4_mcse_of_exact_in_every_cell():
    priors = {name: s.rates for name, s in CATALOG.sets.items()}
    fit = rates.fit_rates(STUDY.rates, priors, CATALOG.clinical, CATALOG.logit_reference, seed=6)
    assert fit.convergence["converged"].all()
    beta_rows = fit.table[fit.table.prior_spec.str.startswith("beta")]
    # three effects with two limits each plus five probabilities, per comparison
    assert _check_every_cell(beta_rows) == len(STUDY.rates) * 14 * beta_rows.prior.nunique()


@pytest.mark.slow
def test_logor_rates_mcmc_within_4_mcse_of_the_quadrature_in_every_cell():
    priors = {n: s.rates for n, s in CATALOG.sets.items() if isinstance(s.rates, NormalPrior)}
    fit = rates.fit_rates(STUDY.rates, priors, CATALOG.clinical, CATALOG.logit_reference, seed=7)
    assert fit.convergence["converged"].all()
    # the quadrature is the exact row of every log-OR fit: 14 cells per comparison and prior
    assert _check_every_cell(fit.table, se_at_exact=True) == len(STUDY.rates) * 14 * len(priors)
