"""What produced a result: package versions, input hashes, priors, seed; kept on posteriors."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from typing import Any

import xarray as xr

__all__ = ["PACKAGES", "package_versions", "stamp"]

PACKAGES = (
    "bayes-netlm",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "arviz-base",
    "arviz-stats",
    "arviz-plots",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
    "lifelines",
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


def stamp(tree: xr.DataTree, record: dict[str, Any]) -> xr.DataTree:
    """Record provenance on a posterior's root attributes (JSON strings survive netCDF)."""
    full = {**record, "packages": package_versions()}
    tree.attrs.update(
        {f"bayes_netlm_{key}": json.dumps(value, default=str) for key, value in full.items()}
    )
    return tree
