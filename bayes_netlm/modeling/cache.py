"""One folder for every compile cache the toolkit's backends keep between runs.

Where: ``$BAYES_NETLM_CACHE_DIR`` if set (``off`` disables the caches), else
``$XDG_CACHE_HOME/bayes-netlm`` (``~/.cache/bayes-netlm``). Inside it one subfolder per set of
package versions (``v-<hash>`` of Python, PyTensor, Numba, JAX, jaxlib, NumPyro, PyMC, nutpie,
NumPy and the machine), so an upgrade never reads a stale entry; delete the folder to start cold.

What is kept, per backend:

- PyTensor (``base_compiledir``): its C modules and the Numba functions it generates for the
  Weibull model's log density (``numba/``), keyed by a hash of each function's graph, so a changed
  model structure gets new entries and an unchanged one is loaded instead of compiled.
- Numba (``NUMBA_CACHE_DIR``): functions compiled with ``cache=True``.
- JAX (``jax_compilation_cache_dir``): the XLA executables of the published-numbers models
  (NumPyro), keyed by the lowered program (model structure, shapes, constants) and the JAX
  version; every entry is kept (:data:`JAX_MIN_COMPILE_SECONDS` is 0: a threshold on compile time
  would make what is cached depend on the machine's load, and a warm run miss).
- jax.export (:data:`JAX_EXPORT`): the published-numbers samplers traced and lowered to StableHLO,
  so a warm run neither traces nor lowers them (:mod:`bayes_netlm.modeling.numpyro_nuts`, which
  keys them by the model's log density with its constants, the shapes and the sampler settings).
- nutpie (``nutpie/``): the two C callbacks nutpie wraps around a model's log density, which
  Numba alone cannot find again in a new process; :mod:`bayes_netlm.modeling.nutpie_cache` keys
  them by PyTensor's hash of the model's graph.

Sharing: each backend writes an entry to a temporary file and renames it into place (JAX, Numba
and the exported samplers) or holds its own lock on the compile directory (PyTensor), so two runs
sharing the folder never read a half-written entry; at worst both compile the same entry once.

:func:`configure` must run before PyTensor or Numba is imported in the process (it sets their
environment variables; a spawned child inherits them); :func:`configure_jax` can run any time
before the first JAX compilation. Both are idempotent and stdlib-only until JAX is configured.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["ENV_VAR", "JAX_EXPORT", "cache_dir", "configure", "configure_jax", "entries"]

ENV_VAR = "BAYES_NETLM_CACHE_DIR"
JAX_MIN_COMPILE_SECONDS = 0.0
#: subfolder of the exported NumPyro samplers
JAX_EXPORT = "jax-export"
_PACKAGES = ("pytensor", "numba", "jax", "jaxlib", "numpyro", "pymc", "nutpie", "numpy")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def versions_key() -> str:
    """Short hash of the Python, backend package versions and machine the caches depend on."""
    parts = [sys.version, platform.machine(), *(f"{p}={_version(p)}" for p in _PACKAGES)]
    return "v-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def cache_dir() -> Path | None:
    """The versioned cache folder, or None when the caches are disabled (``off``)."""
    given = os.environ.get(ENV_VAR)
    if given is not None and given.strip().lower() in ("off", "0", "none", ""):
        return None
    if given:
        root = Path(given).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(base) / "bayes-netlm"
    return root / versions_key()


def _add_pytensor_flag(name: str, entry: str) -> None:
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if name not in flags:
        os.environ["PYTENSOR_FLAGS"] = f"{flags},{entry}" if flags else entry


def configure() -> Path | None:
    """Point PyTensor's and Numba's caches into :func:`cache_dir` (environment, for children too).

    Also turns PyTensor's Numba ``fastmath`` off: with it on, code compiled fresh and the same
    code loaded from the cache round differently (measured: step sizes differing in the 14th
    digit, so different draws), and a seed would not give identical numbers on a cold and a warm
    run. Measured cost on the Weibull fits: none beyond the run-to-run noise (0.82 vs 0.77 s).

    A setting the user already made (``PYTENSOR_FLAGS`` naming a compiledir or fastmath,
    ``NUMBA_CACHE_DIR``) is left alone. Returns the folder, or None when disabled.
    """
    _add_pytensor_flag("fastmath", "numba__fastmath=False")
    folder = cache_dir()
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    _add_pytensor_flag("compiledir", f"base_compiledir={folder / 'pytensor'}")
    os.environ.setdefault("NUMBA_CACHE_DIR", str(folder / "numba"))
    return folder


def configure_jax() -> Path | None:
    """Turn on JAX's persistent compilation cache in :func:`cache_dir` (imports JAX)."""
    folder = cache_dir()
    if folder is None:
        return None
    import jax

    target = folder / "jax"
    target.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(target))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", JAX_MIN_COMPILE_SECONDS)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


def entries(folder: Path) -> dict[str, int]:
    """Number of files per cache subfolder, the exported samplers' (:data:`JAX_EXPORT`) too."""
    return {
        name: sum(1 for p in (folder / name).rglob("*") if p.is_file())
        if (folder / name).exists()
        else 0
        for name in ("pytensor", "numba", "jax", JAX_EXPORT, "nutpie")
    }
