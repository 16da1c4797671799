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

# Samples the batched log-HR model (NumPyro, JAX) with `fits` entries and prints the JAX
# persistent-cache hits and misses this process saw, as JSON.
SCRIPT = """
import json, sys
import jax
from jax import monitoring
counts = {"hits": 0, "misses": 0}
def listen(event, **kwargs):
    if event.endswith("/cache_hits"):
        counts["hits"] += 1
    elif event.endswith("/cache_misses"):
        counts["misses"] += 1
monitoring.register_event_listener(listen)
import numpy as np
from bayes_netlm.modeling.hazard_ratio import build_model
from bayes_netlm.modeling.sampling import SamplerSettings, sample_once
fits = int(sys.argv[1])
model = build_model(np.full(fits, -0.3), np.full(fits, 0.4), np.zeros(fits), np.ones(fits),
                    [f"f{i}" for i in range(fits)])
sample_once(model, 1, SamplerSettings(draws=20, tune=20, chains=1, cores=1))
print(json.dumps(counts))
"""


def sample_in_new_process(folder: Path, fits: int) -> dict[str, int]:
    env = {**os.environ, cache.ENV_VAR: str(folder), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(fits)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    assert os.environ["PYTENSOR_FLAGS"] == f"base_compiledir={folder / 'pytensor'}"
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/elsewhere")
    cache.configure()
    assert os.environ["NUMBA_CACHE_DIR"] == "/elsewhere"  # the user's choice is kept


@pytest.mark.slow
def test_second_process_uses_the_cache_and_a_changed_model_misses(tmp_path) -> None:
    first = sample_in_new_process(tmp_path, fits=3)
    folder = tmp_path / cache.versions_key()
    stored = cache.entries(folder)["jax"]
    assert first["misses"] > 0 and stored > 0
    second = sample_in_new_process(tmp_path, fits=3)
    assert second["misses"] == 0 and second["hits"] >= first["misses"]
    assert cache.entries(folder)["jax"] == stored  # nothing new written
    changed = sample_in_new_process(tmp_path, fits=5)  # another shape: another program
    assert changed["misses"] > 0
    assert cache.entries(folder)["jax"] > stored
