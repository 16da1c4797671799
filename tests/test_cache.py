"""The compile caches: one versioned folder, reused by a second process, missed by a new model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bayes_netlm.modeling import cache

ROOT = Path(__file__).resolve().parent.parent

# Samples the batched log-HR model (NumPyro, JAX) with `fits` entries with prior mean `mean` and
# prints the JAX persistent-cache hits and misses this process saw, how many samplers it traced and
# exported, and a digest of the draws, as JSON.
SCRIPT = """
import hashlib, json, sys
import jax
from jax import export, monitoring
counts = {"hits": 0, "misses": 0, "exported": 0}
original_export = export.export
def counted_export(*args, **kwargs):
    counts["exported"] += 1
    return original_export(*args, **kwargs)
export.export = counted_export
def listen(event, **kwargs):
    if event.endswith("/cache_hits"):
        counts["hits"] += 1
    elif event.endswith("/cache_misses"):
        counts["misses"] += 1
monitoring.register_event_listener(listen)
import numpy as np
from bayes_netlm.modeling.hazard_ratio import build_model
from bayes_netlm.modeling.sampling import SamplerSettings, sample_once
fits, mean = int(sys.argv[1]), float(sys.argv[2])
model = build_model(np.full(fits, -0.3), np.full(fits, 0.4), np.full(fits, mean), np.ones(fits),
                    [f"f{i}" for i in range(fits)])
tree = sample_once(model, 1, SamplerSettings(draws=20, tune=20, chains=2, cores=1))
draws = np.asarray(tree.posterior["log_hr"])
counts["digest"] = hashlib.sha256(draws.tobytes()).hexdigest()
print(json.dumps(counts))
"""


def run_in_new_process(script: str, folder: Path, *arguments: float) -> dict:
    """The JSON last printed by ``script`` run with the cache in ``folder`` and no inherited
    PyTensor or Numba cache settings."""
    env = {**os.environ, cache.ENV_VAR: str(folder), "PYTHONPATH": str(ROOT)}
    env.pop("PYTENSOR_FLAGS", None)
    env.pop("NUMBA_CACHE_DIR", None)
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, arguments)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def sample_in_new_process(folder: Path, fits: int, mean: float = 0.0) -> dict[str, int]:
    return run_in_new_process(SCRIPT, folder, fits, mean)


def test_cache_folder_is_versioned_and_can_be_disabled(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path))
    folder = cache.cache_dir()
    assert folder is not None and folder.parent == tmp_path
    assert folder.name == cache.versions_key()
    monkeypatch.setattr(cache, "_version", lambda package: "0.0-other")
    assert cache.cache_dir() != folder  # another package version -> another folder
    monkeypatch.setenv(cache.ENV_VAR, "off")
    assert cache.cache_dir() is None and cache.configure() is None


def test_configure_points_pytensor_and_numba_into_the_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path))
    monkeypatch.delenv("PYTENSOR_FLAGS", raising=False)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    folder = cache.configure()
    assert folder is not None
    assert os.environ["PYTENSOR_FLAGS"] == (
        f"numba__fastmath=False,base_compiledir={folder / 'pytensor'}"
    )
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/elsewhere")
    cache.configure()
    assert os.environ["NUMBA_CACHE_DIR"] == "/elsewhere"  # the user's choice is kept


@pytest.mark.slow
def test_second_process_uses_the_cache_and_a_changed_model_misses(tmp_path) -> None:
    first = sample_in_new_process(tmp_path, fits=3)
    folder = tmp_path / cache.versions_key()
    stored = cache.entries(folder)
    assert first["misses"] > 0 and stored["jax"] > 0
    assert first["exported"] == 1 and stored[cache.JAX_EXPORT] == 1
    second = sample_in_new_process(tmp_path, fits=3)
    # nothing traced, exported or compiled: the sampler and its executable come from the folder
    assert second["exported"] == 0 and second["misses"] == 0
    # every program it runs is loaded (fewer than the first compiled: the model is not converted)
    assert 0 < second["hits"] <= first["misses"]
    assert second["digest"] == first["digest"]  # the seed gives the same draws cold and warm
    assert cache.entries(folder) == stored  # nothing new written
    # another shape, or the same shape with another prior (a constant of the program): new entries
    for fits, mean in ((5, 0.0), (3, 0.5)):
        changed = sample_in_new_process(tmp_path, fits=fits, mean=mean)
        assert changed["exported"] == 1 and changed["misses"] > 0
    assert cache.entries(folder)[cache.JAX_EXPORT] == 3
    assert cache.entries(folder)["jax"] > stored["jax"]


def test_an_unreadable_exported_sampler_is_exported_again(tmp_path) -> None:
    import numpy as np

    from bayes_netlm.modeling.hazard_ratio import build_model
    from bayes_netlm.modeling.numpyro_nuts import sample_numpyro
    from bayes_netlm.modeling.sampling import SamplerSettings, dispersed_starts

    model = build_model(np.full(2, -0.3), np.full(2, 0.4), np.zeros(2), np.ones(2), ["a", "b"])
    settings = SamplerSettings(draws=10, tune=10, chains=1, cores=1)
    starts = dispersed_starts(model, 1, seed=1)

    def draws() -> np.ndarray:
        tree = sample_numpyro(model, starts, 1, settings, cache=tmp_path)
        return np.asarray(tree.posterior["log_hr"])

    first = draws()
    (entry,) = (tmp_path / cache.JAX_EXPORT).iterdir()
    entry.write_bytes(b"half-written")
    np.testing.assert_array_equal(draws(), first)
    assert entry.read_bytes() != b"half-written"  # replaced by a readable entry
    assert list(entry.parent.iterdir()) == [entry]  # no temporary file left


# Compiles the Weibull model for `rows` rows (nutpie, Numba), samples it briefly and prints how
# many of nutpie's two C callbacks came from the cache and a digest of the draws, as JSON.
NUTPIE_SCRIPT = """
import hashlib, json, sys
import numpy as np
from bayes_netlm.modeling.cache import configure
configure()
from bayes_netlm.modeling.nutpie_cache import cache_hits
from bayes_netlm.modeling.sampling import CompiledModel, SamplerSettings
from bayes_netlm.modeling.weibull import build_model
rows, covariates = int(sys.argv[1]), int(sys.argv[2])
names = [f"x{j}" for j in range(covariates)]
compiled = CompiledModel(build_model(rows, names))
rng = np.random.default_rng(5)
time = rng.weibull(1.2, rows) * 3
data = {"time": time, "log_time": np.log(time), "event": (rng.random(rows) < 0.7).astype(float),
        "group": (np.arange(rows) % 4 == 0).astype(float), "prior_sd": 1.0}
if covariates:
    data["design"] = rng.normal(size=(rows, covariates))
tree = compiled.sample(data, 3, SamplerSettings(draws=50, tune=50, chains=2, cores=1))
draws = np.asarray(tree.posterior["log_hr"])
print(json.dumps({"hits": cache_hits(compiled._compiled),
                  "digest": hashlib.sha256(draws.tobytes()).hexdigest()}))
"""


def compile_in_new_process(folder: Path, rows: int, covariates: int = 0) -> dict[str, object]:
    return run_in_new_process(NUTPIE_SCRIPT, folder, rows, covariates)


@pytest.mark.slow
def test_nutpie_callbacks_are_reused_by_a_second_process_and_missed_by_a_changed_model(
    tmp_path,
) -> None:
    first = compile_in_new_process(tmp_path, rows=30)
    folder = tmp_path / cache.versions_key()
    stored = cache.entries(folder)["nutpie"]
    assert first["hits"] == 0 and stored > 0
    second = compile_in_new_process(tmp_path, rows=30)
    assert second["hits"] == 2  # log density and expansion both loaded, not compiled
    assert second["digest"] == first["digest"]  # the cached code gives the same draws
    # the compiled code reads the number of rows at run time: another size reuses it, and gives
    # the draws that code compiled afresh for that size gives
    resized = compile_in_new_process(tmp_path, rows=45)
    assert resized["hits"] == 2
    assert cache.entries(folder)["nutpie"] == stored
    fresh = compile_in_new_process(tmp_path / "fresh", rows=45)
    assert fresh["hits"] == 0 and fresh["digest"] == resized["digest"]
    # another model (two adjustment covariates): another graph, compiled and stored
    changed = compile_in_new_process(tmp_path, rows=30, covariates=2)
    assert changed["hits"] == 0
    assert cache.entries(folder)["nutpie"] > stored


def test_callback_key_changes_with_every_part_it_covers() -> None:
    import numpy as np

    from bayes_netlm.modeling.nutpie_cache import callback_key

    record = np.dtype([("a", "<u8")])
    shared = [np.zeros(3), np.zeros(())]
    base = callback_key("logp", "graph-1", 4, shared, record)
    # values and sizes of the data are read at run time: not part of the key
    assert base == callback_key("logp", "graph-1", 4, [np.ones(3), np.ones(())], record)
    assert base == callback_key("logp", "graph-1", 4, [np.zeros(7), np.zeros(())], record)
    others = [
        callback_key("expand:5", "graph-1", 4, shared, record),
        callback_key("logp", "graph-2", 4, shared, record),
        callback_key("logp", "graph-1", 5, shared, record),
        callback_key("logp", "graph-1", 4, [np.zeros((3, 1)), np.zeros(())], record),
        callback_key("logp", "graph-1", 4, [np.zeros(3, dtype=np.float32), np.zeros(())], record),
        callback_key("logp", "graph-1", 4, shared, np.dtype([("b", "<u8")])),
    ]
    assert len({base, *others}) == len(others) + 1


def test_exported_sampler_key_changes_with_every_part_of_the_model() -> None:
    import numpy as np
    import pymc as pm
    from pymc.sampling.jax import get_default_varnames

    from bayes_netlm.modeling.numpyro_nuts import _graph_key
    from bayes_netlm.modeling.sampling import SamplerSettings

    def key(
        likelihood: str = "normal",
        data: tuple[float, ...] = (0.1, 0.2),
        prior_sd: float = 1.0,
        derived: str = "exp",
        settings: SamplerSettings = SamplerSettings(),
    ) -> str | None:
        with pm.Model() as model:
            mu = pm.Normal("mu", 0.0, prior_sd)
            pm.Deterministic("d", getattr(pm.math, derived)(mu))
            if likelihood == "normal":
                pm.Normal("y", mu, 1.0, observed=np.array(data))
            else:
                pm.StudentT("y", nu=5.0, mu=mu, sigma=1.0, observed=np.array(data))
        outputs = get_default_varnames(model.unobserved_value_vars, include_transformed=False)
        return _graph_key(model, list(outputs), [np.zeros((4,))], settings)

    base = key()
    assert base is not None and base == key()  # the same model built again: the same entry
    others = [
        key(likelihood="student"),  # another structure, the same shapes and data
        key(data=(0.1, 0.3)),  # other data
        key(data=(0.1, 0.2, 0.3)),  # other shape
        key(prior_sd=2.0),  # another prior
        key(derived="sigmoid"),  # another draw-to-variables map, the same log density
        key(settings=SamplerSettings(draws=SamplerSettings().draws + 1)),
    ]
    assert None not in others
    assert len({base, *others}) == len(others) + 1
    with pm.Model() as model:
        pm.Normal("mu")
    # a graph holding a random generator (the variable, not its value) has no key: not cached
    assert _graph_key(model, [model["mu"]], [np.zeros((4,))], SamplerSettings()) is None
