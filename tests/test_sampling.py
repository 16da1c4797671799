import subprocess
import sys

import numpy as np
import pandas as pd

from bayes_netlm.evidence.counts import parse_count
from bayes_netlm.modeling.rates import build_beta_model, count_arrays
from bayes_netlm.modeling.sampling import dispersed_starts, fit_passed


def test_dispersed_starts_are_reproducible_apart_and_on_the_unconstrained_scale():
    counts = count_arrays([parse_count("3", 12, "x"), parse_count("98-101", 452, "x")])
    model = build_beta_model(counts, counts, np.ones(2), np.ones(2), ["a", "b"])
    starts = dispersed_starts(model, 4, seed=3)
    again = dispersed_starts(model, 4, seed=3)
    assert [v.name for v in model.value_vars] == ["p_index_logodds__", "p_reference_logodds__"]
    assert len(starts) == 2  # one array per value variable, chains first
    for first, second in zip(starts, again, strict=True):
        assert first.shape == (4, 2)
        np.testing.assert_array_equal(first, second)
    values = starts[0]
    assert len(np.unique(values[:, 0])) == 4  # every chain starts elsewhere
    # U(-1, 1) around the initial point logit(0.5) = 0, on the log-odds scale
    assert np.all((values > -1) & (values < 1))
    assert not np.allclose(starts[0], starts[1])  # each variable gets its own noise


def test_fit_verdict_needs_every_threshold():
    table = pd.DataFrame(
        {
            "r_hat": [1.0, 1.02, 1.0, 1.0, 1.0],
            "ess_bulk": [1000, 1000, 399, 1000, 1000],
            "ess_tail": [1000, 1000, 1000, 399, 1000],
            "divergences": [0, 0, 0, 0, 1],
        }
    )
    assert fit_passed(table).tolist() == [True, False, False, False, False]


def test_a_long_fit_reports_its_draws_while_it_samples(monkeypatch):
    """A real nutpie fit with the report interval set to zero: every line is well formed and the
    draws counted only grow, from a line while tuning to the last draw.

    nutpie calls back every 500 ms, so where tuning is first seen depends on the machine's load
    (0 draws on a quiet machine, 79 once under CI load): only the order is asserted."""
    import re

    from bayes_netlm.modeling import sampling
    from bayes_netlm.modeling.sampling import CompiledModel, SamplerSettings
    from bayes_netlm.modeling.weibull import build_model

    monkeypatch.setattr(sampling, "REPORT_SECONDS", 0.0)
    rows = 40
    rng = np.random.default_rng(2)
    data = {
        "time": rng.weibull(1.2, rows) * 3,
        "event": (rng.random(rows) < 0.7).astype(float),
        "group": (np.arange(rows) % 4 == 0).astype(float),
        "prior_sd": 1.0,
    }
    data["log_time"] = np.log(data["time"])
    lines: list[str] = []
    settings = SamplerSettings(draws=3000, tune=3000, chains=2, cores=1)
    CompiledModel(build_model(rows)).sample(data, 1, settings, report=lines.append)
    pattern = re.compile(r"sampling: (\d+)/12000 draws \((\d+) %\), (tuning|drawing)")
    parsed = [pattern.fullmatch(line) for line in lines]
    assert lines and all(parsed), lines
    done = [int(m.group(1)) for m in parsed if m]
    assert done == sorted(done) and done[0] < 6000 and done[-1] == 12000
    assert parsed[0].group(3) == "tuning" and parsed[-1].group(3) == "drawing"


def test_progress_lines_are_spaced_and_count_every_chain(monkeypatch):
    from types import SimpleNamespace

    from bayes_netlm.modeling import sampling

    clock = iter([100.0, 101.0, 106.0])
    monkeypatch.setattr(sampling.time, "monotonic", lambda: next(clock))
    lines: list[str] = []
    callback = sampling._progress_lines(lines.append)  # created at t = 100

    def chain(done: int, tuning: bool) -> SimpleNamespace:
        return SimpleNamespace(finished_draws=done, total_draws=2000, tuning=tuning)

    callback([chain(500, True), chain(400, True)])  # 1 s later: too soon, nothing said
    callback([chain(1500, False), chain(1100, False)])  # 6 s later
    assert lines == ["sampling: 2600/4000 draws (65 %), drawing"]


_DASK_CHECK = """
import sys
import numpy as np
import pymc as pm
import xarray as xr
from bayes_netlm.modeling.sampling import SamplerSettings, sample_once

with pm.Model() as model:
    pm.Normal("x", 0.0, 1.0)
tree = sample_once(model, seed=1, settings=SamplerSettings(draws=20, tune=20, chains=2))
assert tree.posterior["x"].shape == (2, 20)
assert "dask.array" not in sys.modules, "sampling imported dask.array"
plain = xr.DataArray(np.zeros(4))
assert plain.chunks is None and "dask.array" not in sys.modules

import dask.array as da

lazy = xr.DataArray(da.zeros(4, chunks=2))
assert isinstance(lazy.data, da.Array) and lazy.chunks == ((2, 2),), "a dask array was not kept"
assert float((lazy + 1).sum().compute()) == 4.0
print("ok")
"""


def test_sampling_does_not_import_dask_array_and_xarray_still_knows_dask_arrays():
    """xarray's first array would import dask.array (0.6 s) to check for dask arrays; after a real
    fit in a fresh interpreter it is still not imported, yet a dask array given to xarray later is
    recognised and kept lazy, as without the deferral."""
    done = subprocess.run(
        [sys.executable, "-c", _DASK_CHECK], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
