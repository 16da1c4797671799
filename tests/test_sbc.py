import numpy as np
import pytest
from fresh_python import run_python
from scipy import special, stats

from bayes_netlm.modeling.hazard_ratio import LogHazardRatio
from bayes_netlm.modeling.weibull_shape import shape_marginal_posterior
from bayes_netlm.priors import NormalPrior
from bayes_netlm.simulation.calibration import check_family, check_quantity
from bayes_netlm.simulation.engine import cluster_client, map_tasks, simulation_seeds
from bayes_netlm.simulation.figures import sbc_figure
from bayes_netlm.simulation.report import simulation_section
from bayes_netlm.simulation.sbc import run_sbc, weibull_case
from bayes_netlm.simulation.sbc_rates import _logor_one, reported_counts
from bayes_netlm.simulation.sbc_summary import shape_mixture_cdf
from bayes_netlm.simulation.sbc_weibull import quick

SKEPTICAL = NormalPrior(0.0, 0.2168)


def test_band_covers_uniform_pits_about_95_percent():
    rng = np.random.default_rng(11)
    passed = [check_quantity("u", rng.uniform(size=200)).passed for _ in range(300)]
    assert 0.91 <= np.mean(passed) <= 0.99


def test_band_rejects_a_shifted_pit():
    pit = stats.beta.rvs(1.3, 1.0, size=2000, random_state=1)
    assert not check_quantity("shifted", pit).passed


def test_family_band_is_bonferroni_adjusted():
    rng = np.random.default_rng(2)
    checks = check_family({name: rng.uniform(size=100) for name in "abcde"})
    assert all(c.band_probability == pytest.approx(0.99) for c in checks.values())


@pytest.mark.parametrize("family", ["summary_hr", "summary_hr_shape"])
def test_summary_sbc_passes_and_detects_a_misspecified_simulator(family):
    good = run_sbc(family, 10000, seed=3)
    bad = run_sbc(family, 10000, seed=3, misspecified=True)
    assert good.passed
    assert not bad.passed
    assert set(good.pits) == {"log_hr"} and good.pits["log_hr"].size == 10000


def test_vectorised_shape_mixture_matches_the_model_module():
    prior, shape, se = SKEPTICAL, NormalPrior(0.0, 0.5, "log_k"), 0.43
    r = np.array([-0.6, 0.1, 0.9])
    x = np.array([-0.2, 0.05, 0.3])
    ours = shape_mixture_cdf(x, r, se, prior, shape, 64)
    theirs = [
        shape_marginal_posterior(LogHazardRatio(ri, se, ""), prior, shape).log_hr.cdf(xi)
        for ri, xi in zip(r, x, strict=True)
    ]
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_rates_beta_sbc_passes_and_detects_misspecification():
    assert run_sbc("rates_beta", 150, seed=4).passed
    assert not run_sbc("rates_beta", 150, seed=4, misspecified=True).passed


def test_rates_logor_sbc_passes_and_detects_misspecification():
    good = run_sbc("rates_logor", 200, seed=5)
    assert good.passed and set(good.pits) == {"log_or", "logit_reference", "rd"}
    assert not run_sbc("rates_logor", 200, seed=5, misspecified=True).passed


def test_logor_grid_posterior_matches_importance_sampling():
    prior, baseline = NormalPrior(-0.4, 0.25, "log_or"), NormalPrior(0.0, 1.5, "log_or")
    index, reference = reported_counts(3, 12, True), reported_counts(100, 452, True)
    truth = {"log_or": -0.3, "logit_reference": -1.25, "rd": 0.02}
    grid = _logor_one(truth, index, reference, prior, baseline)
    rng = np.random.default_rng(6)
    u = rng.normal(baseline.mean, baseline.sd, 2_000_000)
    w = rng.normal(prior.mean, prior.sd, u.size)
    p0, p1 = special.expit(u), special.expit(u + w)
    weight = stats.binom.pmf(3, 12, p1) * sum(
        stats.binom.pmf(k, 452, p0) for k in range(reference.low, reference.high + 1)
    )
    weight /= weight.sum()
    assert (reference.low, reference.high) == (98, 101)
    assert grid["log_or"] == pytest.approx(np.sum(weight[w < -0.3]), abs=0.01)
    assert grid["rd"] == pytest.approx(np.sum(weight[p1 - p0 < 0.02]), abs=0.01)


def test_rounded_counts_are_the_percentage_interval():
    counts = reported_counts(100, 452, True)
    assert (counts.low, counts.high, counts.text) == (98, 101, "22%")
    assert reported_counts(3, 12, True).low == reported_counts(3, 12, True).high == 3


def test_seeds_do_not_depend_on_chunking():
    first = [s.generate_state(1)[0] for s in simulation_seeds(7, 5)]
    again = [s.generate_state(1)[0] for s in simulation_seeds(7, 5)]
    assert first == again and len(set(first)) == 5
    assert map_tasks(lambda x: x * 2, [1, 2, 3]) == [2, 4, 6]


def test_local_cluster_starts_beside_another_on_the_default_port():
    """Another Dask cluster's dashboard on 8787 (distributed's default) must not matter."""
    import socket

    with socket.socket() as taken:
        try:
            taken.bind(("0.0.0.0", 8787))
        except OSError:
            pass  # already taken by someone else: the same situation
        else:
            taken.listen()
        with cluster_client(workers=1) as client:  # warnings are errors under the tests
            assert client.submit(sum, [1, 2]).result() == 3


def test_weibull_sbc_identical_with_one_and_two_workers():
    case = quick(weibull_case("weibull"), draws=100, tune=100)
    pits = []
    for workers in (1, 2):
        with cluster_client(workers=workers) as client:
            pits.append(run_sbc("weibull", 4, seed=8, client=client, case=case).pits)
    assert set(pits[0]) >= {"log_hr", "gamma", "median_index", "rmst_difference"}
    for name, values in pits[0].items():
        np.testing.assert_array_equal(values, pits[1][name])


def test_sbc_figure_and_report_fragment():
    result = run_sbc("summary_hr", 500, seed=9)
    figure = sbc_figure(result)
    assert len([ax for ax in figure.axes if ax.get_visible()]) == 1
    import pandas as pd

    table = pd.DataFrame({"rule": ["r"], "n_index": [10], "assurance": [0.5]})
    html = simulation_section([result], [], table, {"sbc_summary_hr": "figures/x.png"})
    assert "summary_hr" in html and "passes" in html and 'src="figures/x.png"' in html


@pytest.mark.slow
@pytest.mark.parametrize("family", ["weibull", "weibull_group_shape"])
def test_weibull_sbc_passes_and_detects_misspecification(family):
    case = quick(weibull_case(family), draws=250, tune=300)
    bad_case = quick(weibull_case(family, misspecified=True), draws=250, tune=300)
    with cluster_client(workers=2) as client:
        good = run_sbc(family, 100, seed=10, client=client, case=case)
        bad = run_sbc(family, 60, seed=10, client=client, case=bad_case)
    assert good.passed, good.to_dict()
    assert not bad.passed
    assert not bad.checks["log_hr"].passed


_FAILED_SCHEDULER = """
import dask
import numpy as np
import xarray as xr
from distributed import Client, LocalCluster, default_client
from bayes_netlm.errors import InputError
from bayes_netlm.simulation.engine import cluster_client


def refused(address):
    try:
        with cluster_client(address):
            pass
    except InputError as error:
        return "cannot reach a Dask scheduler" in str(error)
    return False


assert refused("notanaddress")
print(dask.config.get("scheduler", None))
xr.Dataset({{"a": ("x", np.arange(3.0))}}).to_netcdf({path!r})  # asks dask for its scheduler
print("written")
with (
    LocalCluster(n_workers=1, processes=False, dashboard_address=":0", silence_logs=40) as cluster,
    Client(cluster) as mine,
):
    assert refused("notanaddress")
    print(default_client() is mine, mine.status)
"""


def test_a_scheduler_that_cannot_be_reached_leaves_no_default_client_behind(tmp_path):
    """A malformed ``--scheduler`` address left distributed's half-built client as the process's
    default scheduler: a later xarray netCDF write in the same process failed on that address. A
    client the caller had made before stays the default, running."""
    result = run_python(_FAILED_SCHEDULER.format(path=str(tmp_path / "x.nc")), timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().split("\n") == ["None", "written", "True running"]
