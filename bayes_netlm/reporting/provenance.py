"""What produced a result: package versions, input files (relative path, SHA-256), priors, seed.

Kept on posteriors as JSON strings in the DataTree's root attributes (they survive netCDF). The
sampler actually used is read from the posterior itself (ArviZ records ``inference_library`` and
its version: numpyro for the one-off fits, nutpie for the compiled Weibull model), and the
versions of JAX, NumPyro and nutpie are recorded beside PyMC's.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import xarray as xr

__all__ = ["PACKAGES", "file_record", "package_versions", "sampler_used", "stamp"]

PACKAGES = (
    "bayes-netlm",
    "pymc",
    "pytensor",
    "nutpie",
    "numpyro",
    "jax",
    "jaxlib",
    "arviz",
    "arviz-base",
    "arviz-stats",
    "arviz-plots",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
    "lifelines",
    "preliz",
    # the writer of every posterior file (reporting/outputs.py); h5netcdf only reads them in tests
    "netCDF4",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape a result, and the Python version."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_record(path: str | Path, root: str | Path | None = None) -> dict[str, str]:
    """A file's path relative to ``root`` (default: the working folder) and its SHA-256.

    A path outside ``root`` is kept as given; a missing file has no hash (``"missing"``).
    """
    path = Path(path)
    base = Path(root) if root is not None else Path.cwd()
    try:
        shown = os.path.relpath(path.resolve(), base.resolve())
        shown = str(path) if shown.startswith("..") else shown
    except ValueError:  # another drive (Windows)
        shown = str(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    return {"path": shown, "sha256": digest}


def sampler_used(tree: xr.DataTree) -> dict[str, str]:
    """The sampler recorded on the posterior by ArviZ (library and version), if any."""
    if "posterior" not in tree.children:
        return {}
    attrs = tree.posterior.attrs
    return {
        key: str(attrs[key])
        for key in ("inference_library", "inference_library_version")
        if key in attrs
    }


def stamp(tree: xr.DataTree, record: dict[str, Any]) -> xr.DataTree:
    """Record provenance on a posterior's root attributes (JSON strings survive netCDF)."""
    full = {**record, "sampler": sampler_used(tree), "packages": package_versions()}
    tree.attrs.update(
        {f"bayes_netlm_{key}": json.dumps(value, default=str) for key, value in full.items()}
    )
    return tree
