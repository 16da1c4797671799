"""Lazy modules that ArviZ registers, forgotten in a process that never uses them.

Importing ArviZ (``arviz_base``) registers ``jax`` and ``numpyro`` in ``sys.modules`` as lazy
modules, for its NumPyro converter. SciPy's array-API helpers take a name in ``sys.modules`` to
mean that library's arrays may be about, and look up its array type, which imports it: in
``bayes-netlm run``'s second process the first ``scipy.special.logsumexp`` of ArviZ's
power-scaling imported JAX, 0.5 s of CPU (measured), although that process never uses JAX.

:func:`forget_unloaded_lazy_modules` removes such entries while they are still unloaded. A later
``import jax`` then imports JAX as usual; only ArviZ's NumPyro converter, which keeps its own
reference, could no longer load it, so this is for processes that do not convert NumPyro fits
with ArviZ (the run's second process fits with nutpie).
"""

from __future__ import annotations

import sys

__all__ = ["LAZY_MODULES", "forget_unloaded_lazy_modules"]

#: the modules ArviZ registers lazily
LAZY_MODULES = ("jax", "numpyro")


def _unloaded_lazy(module: object) -> bool:
    # type() reads no attribute: any attribute of a lazy module would load it
    kind = type(module)
    return kind.__name__ == "_LazyModule" and kind.__module__ == "importlib.util"


def forget_unloaded_lazy_modules(names: tuple[str, ...] = LAZY_MODULES) -> list[str]:
    """Remove the still-unloaded lazy modules ``names`` from ``sys.modules``; the names removed."""
    removed = [name for name in names if _unloaded_lazy(sys.modules.get(name))]
    for name in removed:
        del sys.modules[name]
    return removed
