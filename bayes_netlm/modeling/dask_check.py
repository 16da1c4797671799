"""xarray's check for dask arrays, answered without importing ``dask.array``.

For every array it wraps, xarray asks whether it is a dask array. With dask installed (it is: the
simulation engine runs on ``distributed``) the first question imports ``dask.array`` to get its
type: 0.6 s in each process of ``bayes-netlm run`` (measured), although nothing here makes a dask
array.

:func:`defer_dask_array_import` gives xarray a type that answers the same question without the
import: an object is an instance of ``dask.array.Array`` only if ``dask.array`` has been imported,
so the check looks that module up in ``sys.modules`` and, when it is there, asks it. xarray's
answers are unchanged, dask arrays included. xarray keeps these types in a private cache
(``xarray.namedarray.pycompat._cached_duck_array_modules``); if another xarray version has no such
cache, nothing is done and xarray imports ``dask.array`` as before.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["defer_dask_array_import"]


class _DaskArrayCheck(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        module = sys.modules.get("dask.array")
        return module is not None and isinstance(instance, module.Array)


class _DaskArray(metaclass=_DaskArrayCheck):
    """Stands for ``dask.array.Array`` in ``isinstance`` checks without importing it."""


def defer_dask_array_import() -> None:
    """Let xarray recognise dask arrays without importing ``dask.array`` first (see module)."""
    from packaging.version import Version
    from xarray.namedarray import pycompat

    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    entry_type = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or entry_type is None or "dask" in cache:
        return
    try:
        installed = Version(version("dask"))
    except PackageNotFoundError:  # xarray's own check then imports nothing either
        return
    entry = object.__new__(entry_type)
    entry.module = sys.modules.get("dask")
    entry.version = installed
    entry.type = (_DaskArray,)
    entry.available = True
    cache["dask"] = entry
