"""nutpie's compiled log density kept between runs: its two C callbacks cached by Numba.

``nutpie.compile_pymc_model`` turns a PyMC model into two Numba C callbacks (log density with
gradient, and the expansion of a draw into the model's variables). PyTensor already caches the
Numba code it generates for the model's graph, but nutpie wraps it in ``numba.cfunc`` callbacks
that Numba cannot find again in a new process: they are closures defined inside nutpie, their
closure cells pickle differently every run (fresh dispatchers, random field names), and Numba's
cache index hashes those cells. Compiling them is most of a Weibull fit's start-up (measured
here: 13.8 s for the 464-row model with PyTensor's own cache warm).

:func:`compile_pymc_model` calls nutpie unchanged, with three scoped substitutions that make the
callbacks cacheable without changing what is compiled:

- the field names of nutpie's shared-data record are numbered instead of random, so the same
  model gives the same record layout and the same code;
- each callback is registered with a key: a SHA-256 of PyTensor's own cache key of the graph it
  wraps (which covers the graph's structure, ops and constants), the callback's kind, the number
  of parameters, the shared variables' ranks and dtypes in order, the record layout and the
  nutpie version; a model whose key PyTensor cannot compute is compiled without a cache. Data
  sizes are not in the key: the callbacks read each container's shape at run time (the model's
  ``pm.Data`` have no static shape), so a model compiled for one number of patients serves any
  other, with the draws a fresh compilation gives (tested);
- Numba's cache for a registered callback lives in ``<cache folder>/nutpie`` and is indexed by
  that key instead of the pickled closure cells.

The substitutions last only for the call (a lock keeps two threads from interleaving them). A
changed model changes PyTensor's key, so it misses the cache and compiles; Numba itself keys each
entry by the target machine and writes entries to a temporary file renamed into place, so two
runs sharing the folder never read a half-written entry.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pymc as pm

__all__ = ["callback_key", "compile_pymc_model", "cache_hits"]

#: callback function -> (its key, the folder its cache lives in)
_REGISTERED: weakref.WeakKeyDictionary[Callable[..., Any], tuple[str, Path]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def callback_key(kind: str, pytensor_key: str, n_dim: int, shared: list[Any], record: Any) -> str:
    """The cache key of one nutpie callback (see the module docstring for what it covers)."""
    parts = [
        kind,
        pytensor_key,
        str(n_dim),
        *(f"{a.ndim}:{a.dtype.str}" for a in shared),
        str(record.descr),
        f"nutpie={metadata.version('nutpie')}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _keyed_cache_class() -> type:
    """Numba's function cache, located and indexed by key (Numba loads only when compiling)."""
    from numba.core.caching import CompileResultCacheImpl, FunctionCache, _CacheLocator

    class KeyedLocator(_CacheLocator):
        def __init__(self, key: str, folder: Path) -> None:
            self._key, self._folder = key, folder

        def ensure_cache_path(self) -> None:
            self._folder.mkdir(parents=True, exist_ok=True)

        def get_cache_path(self) -> str:
            return str(self._folder)

        def get_source_stamp(self) -> int:
            return 0  # freshness is in the key

        def get_disambiguator(self) -> str:
            return self._key[:24]

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> KeyedLocator | None:
            entry = _REGISTERED.get(py_func)
            return None if entry is None else cls(*entry)

    class KeyedImpl(CompileResultCacheImpl):
        _locator_classes = [KeyedLocator]

    class KeyedCache(FunctionCache):
        _impl_class = KeyedImpl

        def _index_key(self, sig: Any, codegen: Any) -> tuple[Any, ...]:
            return (sig, codegen.magic_tuple(), _REGISTERED[self._py_func][0])

    return KeyedCache


@contextmanager
def _keyed_callbacks(folder: Path) -> Iterator[None]:
    import nutpie.compile_pymc as nutpie_compile
    from numba.core.caching import NullCache
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    ccallback: Any = importlib.import_module("numba.core.ccallback")  # where @cfunc finds its cache
    keyed_cache = _keyed_cache_class()
    counter = itertools.count()
    make_logp, make_expand = nutpie_compile._make_c_logp_func, nutpie_compile._make_c_expand_func

    def register(kind: str, raw: Any, inner: Any, n_dim: int, keys: Any, data: Any, record: Any):
        py_func = getattr(inner, "py_func", None)
        pytensor_key = None if py_func is None else CACHED_SRC_FUNCTIONS.get(py_func)
        if pytensor_key is not None:
            key = callback_key(kind, pytensor_key, n_dim, [data[k] for k in keys], record)
            _REGISTERED[raw] = (key, folder)

    def logp(n_dim, logp_fn, user_data, shared_keys, shared_data):
        raw, signature = make_logp(n_dim, logp_fn, user_data, shared_keys, shared_data)
        register("logp", raw, logp_fn, n_dim, shared_keys, shared_data, user_data.dtype)
        return raw, signature

    def expand(n_dim, n_expanded, expand_fn, user_data, shared_keys, shared_data):
        raw, signature = make_expand(
            n_dim, n_expanded, expand_fn, user_data, shared_keys, shared_data
        )
        register(
            f"expand:{n_expanded}", raw, expand_fn, n_dim, shared_keys, shared_data, user_data.dtype
        )
        return raw, signature

    def cache_for(py_func: Any) -> Any:
        return keyed_cache(py_func) if py_func in _REGISTERED else NullCache()

    saved = (nutpie_compile.uuid4, make_logp, make_expand, ccallback.FunctionCache)
    with _LOCK:
        nutpie_compile.uuid4 = lambda: uuid.UUID(int=next(counter))
        nutpie_compile._make_c_logp_func = logp
        nutpie_compile._make_c_expand_func = expand
        ccallback.FunctionCache = cache_for
        try:
            yield
        finally:
            (
                nutpie_compile.uuid4,
                nutpie_compile._make_c_logp_func,
                nutpie_compile._make_c_expand_func,
                ccallback.FunctionCache,
            ) = saved


def compile_pymc_model(model: pm.Model, folder: Path | None) -> Any:
    """``nutpie.compile_pymc_model(model)`` with its C callbacks cached in ``folder / "nutpie"``.

    With ``folder`` None (caches off) this is nutpie's own compilation.
    """
    import nutpie

    if folder is None:
        return nutpie.compile_pymc_model(model)
    with _keyed_callbacks(folder / "nutpie"):
        return nutpie.compile_pymc_model(model, cache=True)


def cache_hits(compiled: Any) -> int:
    """How many of a compiled model's two callbacks were loaded from the cache (0, 1 or 2)."""
    return int(compiled.compiled_logp_func.cache_hits) + int(
        compiled.compiled_expand_func.cache_hits
    )
