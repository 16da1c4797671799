"""``bayes-netlm run``: load, analyse, then write tables, posteriors, figures and the report.

The patient-level survival analysis runs in a second process while this one fits the
published-numbers models, so each uses one core: for compilation on a cold cache (Numba for the
Weibull model, JAX for the published models), and for sampling, figures and imports on a warm one.

This module stays light (standard library and the input loaders): it starts the second process
before importing the main process's libraries (:mod:`bayes_netlm.run_main`), so the two import
them side by side, and the second process, which unpickles :func:`_in_child` from here, starts
its own work without them.

Everything is written into a staging folder that replaces the results folder only when the whole
run has succeeded (:mod:`bayes_netlm.reporting.outputs`).

Interrupts: the survival process ignores SIGINT (Ctrl-C reaches the whole process group); this
process turns it into one line and exit status 130 and stops the survival process itself, so
neither prints a traceback and the staging folder is removed.
"""

from __future__ import annotations

import atexit
import ctypes
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import Any

from bayes_netlm.claim import DESIGN
from bayes_netlm.evidence.published import load_published
from bayes_netlm.gc_thresholds import raise_gc_thresholds
from bayes_netlm.modeling.lazy_modules import forget_unloaded_lazy_modules
from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.progress import Progress
from bayes_netlm.reporting.outputs import results_folder, signals_deferred
from bayes_netlm.spec import DEFAULT_SPEC, load_spec
from bayes_netlm.spec_checks import check_run_inputs, synthetic_label

__all__ = ["FITS_FAILED", "run_published"]

# In the run's final line when any fit failed its checks; the command then exits with status 3.
FITS_FAILED = "FITS FAILED their convergence checks"


def _in_child(target: str, *args: Any) -> Any:
    """Call ``module:function`` in the survival process.

    The function is named rather than passed, so this process never imports the patient-level
    modules (lifelines, nutpie): it has the published numbers to fit meanwhile.
    """
    module, name = target.split(":")
    function: Callable[..., Any] = getattr(import_module(module), name)
    forget_unloaded_lazy_modules()  # this process never uses JAX (0.5 s if SciPy imported it)
    return function(*args)


def _init_worker() -> None:
    """Initialiser of the survival process: the parent handles Ctrl-C and stops this process.

    On Linux the process is also told to stop when its parent dies, even by SIGKILL
    (``prctl(PR_SET_PDEATHSIG, SIGTERM)``), so a killed run leaves no fit running on.

    When the process ends normally it leaves right after its other exit handlers (registered
    later, so run first), without the interpreter finalising every module: by then
    multiprocessing has flushed the results to the parent, and with nutpie, Numba, lifelines and
    matplotlib loaded that finalisation kept the parent waiting 0.7 s at the end of a run. Like
    the command line's process, it collects garbage less often (:mod:`bayes_netlm.gc_thresholds`).
    """
    raise_gc_thresholds()
    atexit.register(os._exit, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the call
            os._exit(1)


@contextmanager
def _survival_process() -> Iterator[ProcessPoolExecutor]:
    """A one-worker spawned pool; on any exception or interrupt its worker is stopped at once."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )
    try:
        yield pool
    except BaseException:
        # shutdown() would wait for the survival fit to finish; stop the worker instead
        with signals_deferred():
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def run_published(
    out: Path,
    seed: int,
    spec_path: Path | None = None,
    started: float | None = None,
    quiet: bool = False,
) -> str:
    """Run the whole re-analysis into ``out``; returns the closing line with the time taken.

    Progress lines (stage, elapsed time) go to standard error unless ``quiet``.
    """
    started = time.perf_counter() if started is None else started
    progress = Progress(started, quiet)
    progress("reading the run specification, published numbers and prior sets")
    spec = load_spec(spec_path or DEFAULT_SPEC)
    study = load_published(spec.published)
    catalog = load_prior_catalog(spec.prior_sets)
    check_run_inputs(spec, catalog)
    spec, note = synthetic_label(spec)
    if note is not None:
        print(f"bayes-netlm run: note: {note}", file=sys.stderr)
    with (
        results_folder(out) as folder,
        tempfile.TemporaryDirectory(prefix="bayes-netlm-claims-") as claims,
        _survival_process() as pool,
    ):
        pending = (
            pool.submit(
                _in_child,
                "bayes_netlm.run_worker:survival_part",
                spec.survival,
                catalog,
                seed + 2,
                # one thread of chains: this process keeps the other core busy (nutpie gives the
                # same draws whatever its number of threads)
                replace(spec.sampler, cores=1),
                spec.sensitivity,
                seed,
            )
            if spec.survival is not None
            else None
        )
        design_pending = pool.submit(
            _in_child, "bayes_netlm.run_design:design_part", seed, Path(claims) / DESIGN
        )
        if pending is not None:
            progress("patient-level Weibull fits started in a second process")
        # imported only now: the second process imports its libraries meanwhile (~4 s each)
        from bayes_netlm.run_main import Child, main_part

        child = Child(
            lambda target, *args: pool.submit(_in_child, target, *args),
            pending,
            design_pending,
            Path(claims),
            lambda: pool.shutdown(wait=False),
        )
        all_convergence = main_part(folder, spec, study, catalog, seed, child, progress, started)
    failed = int((~all_convergence["converged"].astype(bool)).sum())
    status = "all fits converged" if not failed else f"{failed} {FITS_FAILED}"
    total = time.perf_counter() - started
    return f"bayes-netlm run: results in {out}; {status}; finished in {total:.1f} s"
