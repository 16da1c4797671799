"""Atomic results: a run writes into a staging folder that replaces the old results only on success.

An interrupted or failed run leaves the previous results folder exactly as it was. A folder is only
ever replaced if it is empty or was made by bayes-netlm (it holds the marker file), so pointing
``--out`` at a folder of one's own cannot delete it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from bayes_netlm.errors import InputError

__all__ = ["MARKER", "ResultsFolder", "results_folder"]

MARKER = ".bayes-netlm-results"


class ResultsFolder:
    """Writes files under a staging folder; paths are relative to the final results folder."""

    def __init__(self, staging: Path) -> None:
        self.root = staging
        self.written: set[str] = set()

    def path(self, relative: str) -> Path:
        """The staging path of a result file, with its folder created.

        Raises
        ------
        RuntimeError
            The run already wrote this file: two results would share one name, one lost.

        """
        if relative in self.written:
            raise RuntimeError(f"{relative} would be written twice in one run")
        self.written.add(relative)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def csv(self, relative: str, table: pd.DataFrame) -> None:
        """Write a table as CSV."""
        table.to_csv(self.path(relative), index=False)

    def text(self, relative: str, content: str) -> None:
        """Write a text file (UTF-8)."""
        self.path(relative).write_text(content, encoding="utf-8")

    def json(self, relative: str, content: Any) -> None:
        """Write JSON, indented."""
        self.text(relative, json.dumps(content, indent=2, default=str) + "\n")

    def figure(self, relative: str, figure: Figure) -> None:
        """Save a matplotlib figure as PNG."""
        figure.savefig(self.path(relative), dpi=100)

    def netcdf(self, relative: str, tree: xr.DataTree) -> None:
        """Save a posterior DataTree as netCDF (h5netcdf engine)."""
        tree.to_netcdf(self.path(relative), engine="h5netcdf")


def _check_replaceable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError.single(str(out), "exists and is not a folder", "choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise InputError.single(
            str(out),
            "is a non-empty folder not made by bayes-netlm; it would be replaced",
            "choose an empty or new folder for --out",
        )


@contextmanager
def results_folder(out: str | Path) -> Iterator[ResultsFolder]:
    """Stage a run's results and swap them in as ``out`` only if the block finishes.

    Raises
    ------
    InputError
        ``out`` is a file, or a non-empty folder that bayes-netlm did not make.

    """
    out = Path(out).resolve()
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        folder = ResultsFolder(staging)
        yield folder
        (staging / MARKER).write_text("results of bayes-netlm\n", encoding="utf-8")
        previous = out.parent / f".{out.name}.previous-{os.getpid()}"
        if out.exists():
            out.rename(previous)
        staging.rename(out)
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
