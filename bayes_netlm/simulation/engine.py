"""Run simulation studies as tasks on ``dask.distributed``, reproducibly and compile-once.

- **Cluster**: :func:`cluster_client` opens a :class:`distributed.LocalCluster` sized to the machine
  (one single-threaded worker *process* per core) unless a scheduler address is given, in which case
  it connects to that cluster; either way the client (and a local cluster) is closed on exit.
- **Seeds**: simulation ``i`` of a study gets the ``i``-th child of
  ``numpy.random.SeedSequence(seed).spawn(n)``, so its data and its sampler seed depend on
  ``(seed, i)`` only: results are identical whatever the number of workers or the order in which
  tasks run (:func:`simulation_seeds`).
- **Compile once per worker**: :func:`worker_cached` keeps one object (e.g. a compiled Weibull
  model) per key in a module-level dict of the worker process, so every task a worker runs after
  the first reuses it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from distributed import Client, LocalCluster

from bayes_netlm.errors import InputError

__all__ = [
    "cluster_client",
    "default_workers",
    "map_tasks",
    "simulation_seeds",
    "worker_cached",
]

_CACHE: dict[Any, Any] = {}
#: seconds to wait for a scheduler given by --scheduler before saying it cannot be reached
SCHEDULER_TIMEOUT = 10


def default_workers() -> int:
    """One worker per available core (at least 1)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@contextmanager
def cluster_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A Dask client: on an existing scheduler, or on a fresh LocalCluster of worker processes.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); ``workers`` is then ignored.
    workers : int, optional
        Worker processes of the local cluster (default: one per core), one thread each.

    """
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, ValueError, TypeError) as error:
            _close_failed_client()
            raise InputError.single(
                "--scheduler",
                f"cannot reach a Dask scheduler at {scheduler!r} ({error})",
                "give the address of a running scheduler, e.g. tcp://host:8786",
            ) from None
        with client:
            yield client
        return
    n = workers or default_workers()
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            # any free port: distributed's default (8787, also with None) may be taken by another
            # cluster, e.g. a notebook's, and the clash is a warning (an error under the tests)
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _close_failed_client() -> None:
    """Close the client that a failed ``Client(address)`` left as the process's default.

    ``distributed`` makes a client the default scheduler (of dask, and so of xarray's netCDF
    writes) before it connects. When the address is malformed (``notanaddress``) the half-built
    client stayed the default, and every later dask computation in the process failed on its
    address. A client that is running (one the caller made before) is left alone.
    """
    from distributed import default_client

    try:
        failed = default_client()
    except ValueError:  # no default client: nothing was left behind
        return
    if failed.status != "running":
        failed.close()


def simulation_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Independent per-simulation seed sequences (children of ``SeedSequence(seed)``)."""
    return np.random.SeedSequence(seed).spawn(n)


def worker_cached(key: Any, factory: Callable[[], Any]) -> Any:
    """The object cached under ``key`` in this process, built by ``factory`` on first use."""
    if key not in _CACHE:
        _CACHE[key] = factory()
    return _CACHE[key]


def map_tasks(
    function: Callable[..., Any],
    items: Sequence[Any],
    client: Client | None = None,
    **kwargs: Any,
) -> list[Any]:
    """``[function(item, **kwargs) for item in items]``, as Dask tasks when a client is given.

    Results come back in the order of ``items``. Without a client the loop runs in this process
    (same results: every task depends on its own item only).
    """
    if client is None:
        return [function(item, **kwargs) for item in items]
    futures = client.map(function, list(items), pure=False, **kwargs)
    return list(client.gather(futures))
