"""Real rendering of every figure from small synthetic posteriors and tables (no sampling)."""

from __future__ import annotations

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from canvas_checks import assert_laid_out
from matplotlib.figure import Figure

from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.reporting import plots, rank_plots, shape_plots

# the bundled clinical thresholds (HR 0.7, equivalence 0.8-1.25, RD 0.05 / 0.025)
CLINICAL = load_prior_catalog().clinical
PRIORS = ("vague", "skeptical", "enthusiastic")


def _tree(variables: dict[str, tuple[float, float]], fits: list[str], seed: int) -> xr.DataTree:
    rng = np.random.default_rng(seed)
    shape = (4, 250, len(fits))
    data = {
        name: (("chain", "draw", "fit"), rng.normal(loc, scale, shape))
        for name, (loc, scale) in variables.items()
    }
    posterior = xr.Dataset(
        data, coords={"chain": np.arange(4), "draw": np.arange(250), "fit": fits}
    )
    return xr.DataTree.from_dict({"posterior": posterior})


@pytest.fixture
def hr_tree() -> xr.DataTree:
    fits = [f"{e}|{p}" for e in ("os_full", "pfs_full") for p in PRIORS]
    tree = _tree({"log_hr": (-0.26, 0.4)}, fits, seed=1)
    tree["posterior"]["hr"] = np.exp(tree.posterior["log_hr"])
    return tree


@pytest.fixture
def rate_trees() -> dict[str, xr.DataTree]:
    return {
        "rates_beta": _tree({"rd": (0.03, 0.08)}, ["major_morbidity|vague"], seed=2),
        "rates_logor": _tree(
            {"rd": (0.01, 0.03)},
            ["major_morbidity|skeptical", "major_morbidity|enthusiastic", "mortality|skeptical"],
            seed=3,
        ),
    }


@pytest.fixture
def table() -> pd.DataFrame:
    rows = []
    for i, prior in enumerate(PRIORS):
        for method in ("pymc", "exact"):
            for quantity, value in (("hr", 0.8 + 0.1 * i), ("rd", 0.02 * i)):
                rows.append(
                    {
                        "endpoint": "os_full",
                        "prior": prior,
                        "method": method,
                        "quantity": quantity,
                        "value": value,
                        "lower": value - 0.3 if quantity == "hr" else value - 0.1,
                        "upper": value + 0.9 if quantity == "hr" else value + 0.1,
                        # one failed MCMC fit, drawn in red
                        "converged": not (method == "pymc" and prior == "enthusiastic"),
                    }
                )
    return pd.DataFrame(rows)


def _save(figure: Figure, path) -> np.ndarray:
    assert_laid_out(figure)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    assert path.stat().st_size > 10_000
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 400
    return image


def test_hr_posterior_figure(hr_tree, tmp_path):
    figure = plots.hr_posterior_figure(hr_tree, "os_full", "Overall survival", CLINICAL)
    ax = figure.axes[0]
    assert ax.get_xscale() == "log"
    assert "Hazard ratio (cystic / solid)" in ax.get_xlabel()
    assert ax.get_ylabel() == "Posterior density"
    assert "Overall survival" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {f"Prior: {p}" for p in PRIORS} <= set(legend)
    assert any("Equivalence" in t for t in legend)
    _save(figure, tmp_path / "hr.png")


def test_hr_posterior_figure_unknown_endpoint(hr_tree):
    with pytest.raises(ValueError, match="no fit"):
        plots.hr_posterior_figure(hr_tree, "nope", "Nope", CLINICAL)


def test_rd_posterior_figure_collects_fits_from_every_tree(rate_trees, tmp_path):
    figure = plots.rd_posterior_figure(rate_trees, "major_morbidity", "Major morbidity", CLINICAL)
    ax = figure.axes[0]
    assert ax.get_xscale() == "linear"
    assert ax.get_xlabel() == "Risk difference (cystic - solid)"
    assert ax.get_ylabel() == "Posterior density"
    assert "Major morbidity" in ax.get_title()
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"Prior: vague", "Prior: skeptical", "Prior: enthusiastic"} <= legend
    assert "Prior: mortality" not in " ".join(legend)
    _save(figure, tmp_path / "rd.png")


def test_forest_figure_hr_log_scale(table, tmp_path):
    figure = plots.forest_figure(table, "os_full", "hr", "Overall survival")
    ax = figure.axes[0]
    assert ax.get_xscale() == "log"
    assert "Hazard ratio" in ax.get_xlabel()
    assert ax.get_title() == "Overall survival"
    assert [t.get_text() for t in ax.get_yticklabels()] == list(reversed(PRIORS))
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == {plots.EXACT_LABEL, "MCMC check", "MCMC, NOT CONVERGED"}
    # the exact row is the headline: on the prior's own line, thick; the MCMC check below it
    vague_y = len(PRIORS) - 1
    lines = [
        (ln.get_ydata()[0], ln.get_linewidth()) for ln in ax.get_lines() if len(ln.get_xdata()) == 2
    ]
    assert (vague_y, 2.5) in lines and (vague_y - 0.2, 1.0) in lines
    _save(figure, tmp_path / "forest_hr.png")


def test_forest_figure_keeps_one_analysis(table):
    shape = table.assign(analysis="summary_hr_weibull", value=table["value"] * 2)
    both = pd.concat([table.assign(analysis="summary_hr"), shape], ignore_index=True)
    figure = plots.forest_figure(both, "os_full", "hr", "OS", analysis="summary_hr")
    markers = [ln for ln in figure.axes[0].get_lines() if ln.get_marker() == "s"]
    assert len(markers) == len(PRIORS)  # one headline per prior, none from the other analysis
    plt.close(figure)
    mcmc_only = plots.forest_figure(table[table["method"] == "pymc"], "os_full", "hr", "OS")
    legend = {t.get_text() for t in mcmc_only.axes[0].get_legend().get_texts()}
    assert "MCMC (no closed form)" in legend and plots.EXACT_LABEL not in legend
    assert not [ln for ln in mcmc_only.axes[0].get_lines() if ln.get_marker() == "s"]
    plt.close(mcmc_only)


def test_shape_probability_figure(tmp_path):
    curves = pd.DataFrame(
        {
            "endpoint": ["pfs_full"] * 3,
            "label": ["PFS"] * 3,
            "k": [0.2, 1.0, 5.0],
            "p_below_1": [0.25, 0.26, 0.27],
            "p_benefit": [0.05, 0.18, 0.24],
        }
    )
    marginal = pd.DataFrame(
        {"endpoint": ["pfs_full"] * 2, "quantity": ["p_below_1", "p_benefit"], "value": [0.27, 0.2]}
    )
    consistency = pd.DataFrame({"endpoint": ["pfs_full"], "k_max_plausible": [0.3]})
    figure = shape_plots.shape_probability_figure(
        curves, marginal, consistency, CLINICAL, (0.38, 2.66)
    )
    left, right = figure.axes
    assert left.get_xscale() == "log" and "P(HR < 1 | k)" in left.get_title()
    assert "P(HR < 0.7 | k)" in right.get_title()
    dashed = [ln.get_ydata()[0] for ln in right.get_lines() if ln.get_linestyle() == "--"]
    assert dashed == [0.2]  # the marginalised value
    dotted = [ln.get_xdata()[0] for ln in right.get_lines() if ln.get_linestyle() == ":"]
    assert 0.3 in dotted  # the largest plausible shape
    _save(figure, tmp_path / "shape.png")


def test_forest_figure_rd_linear(table, tmp_path):
    figure = plots.forest_figure(table, "os_full", "rd", "Risk difference")
    assert figure.axes[0].get_xscale() == "linear"
    _save(figure, tmp_path / "forest_rd.png")


def test_forest_figure_rejects_probabilities(table):
    with pytest.raises(ValueError, match="effects"):
        plots.forest_figure(table, "os_full", "p_below_1", "x")
    with pytest.raises(ValueError, match="no 'rr' rows"):
        plots.forest_figure(table, "os_full", "rr", "x")


def _mixing_tree(shifts: dict[str, float], seed: int = 5, covariates: int = 0) -> xr.DataTree:
    """Four fits of iid draws; a fit in ``shifts`` has its first chain moved by that many SDs
    (in its first covariate, with ``covariates`` > 0: a variable like ``gamma``)."""
    rng = np.random.default_rng(seed)
    fits = ["a", "b", "c", "d"]
    extra = (covariates,) if covariates else ()
    draws = rng.normal(size=(4, 500, len(fits), *extra))
    for i, fit in enumerate(fits):
        draws[(0, slice(None), i, *([0] if covariates else []))] += shifts.get(fit, 0.0)
    dims = ("chain", "draw", "fit", *(["covariate"] if covariates else []))
    coords = {"chain": np.arange(4), "draw": np.arange(500), "fit": fits}
    if covariates:
        coords["covariate"] = [f"x{i}" for i in range(covariates)]
    posterior = xr.Dataset({"log_hr": (dims, draws)}, coords=coords)
    return xr.DataTree.from_dict({"posterior": posterior})


def test_least_mixed_fits_are_those_with_the_highest_rhat():
    tree = _mixing_tree({"c": 1.0, "b": 0.4})
    draws = tree.posterior["log_hr"]
    assert rank_plots.least_mixed_fits(draws, 2) == ["c", "b"]
    every = rank_plots.least_mixed_fits(draws, 10)
    assert every[:2] == ["c", "b"] and sorted(every) == ["a", "b", "c", "d"]
    # draws that never move have no R-hat: shown first, not hidden behind finite values
    frozen = draws.copy(data=np.where(draws["fit"] == "d", 0.5, draws))
    assert rank_plots.least_mixed_fits(frozen, 1) == ["d"]
    # other dimensions (a covariate-adjusted fit's gamma): a fit's worst R-hat over them
    gamma = _mixing_tree({"b": 1.0}, covariates=2).posterior["log_hr"]
    assert rank_plots.least_mixed_fits(gamma, 1) == ["b"]
    # fits named by numbers come back as numbers, which select them
    numbered = draws.assign_coords(fit=[10, 11, 12, 13])
    assert rank_plots.least_mixed_fits(numbered, 2) == [12, 11]


def test_rank_figure_shows_the_least_mixed_fits(tmp_path):
    tree = _mixing_tree({"d": 0.8})
    figure = rank_plots.rank_figure(tree, "log_hr", max_fits=2)
    assert isinstance(figure, Figure)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles[0] == "log_hr\nd" and len(titles) == 2
    assert figure.get_suptitle().startswith(
        "Rank plot of log_hr, the 2 fits of 4 with the highest R-hat"
    )
    assert_laid_out(figure)
    _save(figure, tmp_path / "rank.png")
    # one panel: the figure is narrower and its title takes two lines, still on the canvas
    single = rank_plots.rank_figure(tree, "log_hr", max_fits=1)
    assert single.get_suptitle().startswith("Rank plot of log_hr, the fit of 4 with")
    assert single.get_suptitle().count("\n") == 1
    assert_laid_out(single)
    # every fit shown: nothing was left out, so the title does not say so
    every = rank_plots.rank_figure(tree, "log_hr", max_fits=4)
    assert every.get_suptitle().startswith("Rank plot of log_hr: uniform")
    for shown in (figure, single, every):
        plt.close(shown)


def test_rank_figure_of_a_variable_with_covariates_and_a_long_name():
    """A covariate-adjusted fit's gamma has a dimension beyond the fits: a panel per fit and
    covariate, the fit with the worst R-hat first. A name too long for one panel's width is
    broken between words and stays on the canvas."""
    long_name = "log_hazard_ratio_of_a_group_specific_shape_model"
    for covariates in (2, 0):
        tree = _mixing_tree({"c": 1.0}, covariates=covariates)
        tree["posterior"] = tree.posterior.to_dataset().rename({"log_hr": long_name})
        figure = rank_plots.rank_figure(tree, long_name, max_fits=1)
        titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
        assert len(titles) == max(covariates, 1)
        assert all(t.split("\n")[1].startswith("c") for t in titles)
        assert figure.get_suptitle().count("\n") == (1 if covariates else 2)
        assert_laid_out(figure)
        plt.close(figure)


def test_hr_posterior_figure_names_a_time_varying_hr_and_keeps_a_long_title_on_the_canvas(
    hr_tree,
):
    """A group-shape Weibull fit's density is of the HR at the reference time: the axis and title
    said "Hazard ratio", and its long label ran off the canvas (28-774 of 750 px)."""
    label = "Hepatic progression-free survival, full cohort (SYNTHETIC cohort)"
    figure = plots.hr_posterior_figure(hr_tree, "os_full", label, CLINICAL, "HR at 1 year")
    ax = figure.axes[0]
    assert ax.get_xlabel() == "HR at 1 year (cystic / solid); < 1: lower hazard in cystic then"
    assert ax.get_title() == f"{label}:\nposterior HR at 1 year"
    assert_laid_out(figure)
    plain = plots.hr_posterior_figure(hr_tree, "os_full", "Overall survival", CLINICAL)
    assert plain.axes[0].get_title() == "Overall survival: posterior hazard ratio"
    assert_laid_out(plain)


@pytest.mark.parametrize("words", range(4, 30, 2))
def test_hr_posterior_titles_of_any_length_stay_on_the_canvas(hr_tree, words):
    """Titles a little narrower than the canvas stayed on one line yet ran past its edge (the
    title is centred on the axes, not the canvas); a label wider than the canvas is broken too."""
    label = " ".join(["survival"] * words)
    figure = plots.hr_posterior_figure(hr_tree, "os_full", label, CLINICAL, "HR at 1 year")
    assert figure.axes[0].get_title().replace("\n", " ") == f"{label}: posterior HR at 1 year"
    assert_laid_out(figure)
