"""NumPyro's NUTS for PyMC models fitted once per run, the traced sampler kept between runs.

PyMC's route to NumPyro (``pm.sample(nuts_sampler="numpyro")``) traces and lowers the sampler
anew in every process; JAX's persistent cache keeps only the compiled executable, the last of the
three steps. For the published-numbers checks, each a few milliseconds of sampling, those steps
were the cost of a warm run: 3.2 s for a 16-fit hazard-ratio batch, the first fit in a process
(measured), while its sampling takes 0.06 s.

Here the whole fit is one JAX function of the chains' keys and starting points: for each chain
(one after the other, as NumPyro's sequential chain method runs them) NUTS warm-up and draws,
and each draw mapped to the model's variables (constrained scale, deterministics) with its sample
statistics.
The function is exported (:mod:`jax.export`, StableHLO) and serialized into
``<cache folder>/jax-export/<key>.bin``; a later run deserializes it, and JAX's persistent
compilation cache supplies the executable, so nothing is traced (measured: 0.5 s for the same fit
after PyMC's conversion of the model to JAX, which takes 0.25-0.4 s per model).

The key is a SHA-256 of everything the exported program depends on, read from the model's
PyTensor graph before it is converted to JAX, so a later run skips the conversion too (measured on
the run's four published-numbers batches: conversion 1.3-2.2 s in all, the keys 0.28 s): every
operation of the log density and of the draw-to-variables map with its parameters and
connections, every variable's type, the constants' and shared data's values (the data and prior
hyperparameters), the starting points' shapes and dtypes, the sampler settings, JAX's platform
(CPU) and this module's source; the package versions (PyTensor's, whose rewrites make the JAX
program, among them) select the cache folder
(:mod:`bayes_netlm.modeling.cache`). A changed model therefore misses and exports anew; a model
whose graph the key cannot describe by value is sampled without the cache. Entries
are written to a temporary file and renamed into place, so two runs sharing the folder never read
a half-written entry; an entry that cannot be read is exported again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pymc as pm
    import xarray as xr

    from bayes_netlm.modeling.sampling import SamplerSettings

__all__ = ["sample_numpyro"]
#: per-draw sample statistics, named as PyMC names NumPyro's
_STATS = ("lp", "energy", "n_steps", "step_size", "acceptance_rate", "diverging")


def _sampler(
    potential: Callable[[Sequence[Any]], Any],
    variables: Callable[..., Sequence[Any]],
    settings: SamplerSettings,
) -> Callable[[Any, Sequence[Any]], tuple[Any, ...]]:
    """The fit as a function of ``(keys, starts)``: (variables, statistics), each per chain."""
    import jax
    from numpyro.infer import NUTS
    from numpyro.util import fori_collect

    def chain(key: Any, start: Sequence[Any]) -> Any:
        kernel = NUTS(potential_fn=potential, target_accept_prob=settings.target_accept)
        state = kernel.init(key, settings.tune, list(start), model_args=(), model_kwargs={})
        return fori_collect(
            settings.tune,
            settings.tune + settings.draws,
            lambda s: kernel.sample(s, (), {}),
            state,
            transform=lambda s: (
                tuple(variables(*s.z)),
                (
                    -s.potential_energy,
                    s.energy,
                    s.num_steps,
                    s.adapt_state.step_size,
                    s.accept_prob,
                    s.diverging,
                ),
            ),
            progbar=False,
        )

    def fit(keys: Any, starts: Sequence[Any]) -> Any:
        return jax.lax.map(lambda args: chain(*args), (keys, tuple(starts)))

    return fit


def _graph_key(
    model: pm.Model,
    outputs: Sequence[Any],
    starts: Sequence[np.ndarray],
    settings: SamplerSettings,
) -> str | None:
    """SHA-256 of what the exported fit depends on, read from the model's PyTensor graph.

    The graph of the log density and of the draw-to-variables map, from the value variables:
    every operation in topological order (its class and parameters), how they connect, every
    variable's type and every constant's and shared variable's value; with the starting points'
    shapes and dtypes, the sampler settings, JAX's platform and this module's source. None when
    the graph holds something this cannot describe by value (an operation whose description
    names an object's address, an input that is neither a value variable, a constant nor numeric
    shared data); such a model is not cached.
    """
    import jax
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import io_toposort

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(jax.default_backend().encode())  # the program is exported for this platform
    number: dict[Any, int] = {}
    for value in model.value_vars:
        number[value] = len(number)
        digest.update(f"value {value.type}\n".encode())
    roots = [model.logp(), *outputs]
    for node in io_toposort(model.value_vars, roots):
        for variable in node.inputs:
            if variable in number:
                continue
            if isinstance(variable, Constant):
                data = np.asarray(variable.data)
            elif isinstance(variable, SharedVariable):
                data = np.asarray(variable.get_value(borrow=True))
            else:
                return None
            if data.dtype == object:  # a random generator, say: no value to hash
                return None
            number[variable] = len(number)
            digest.update(f"data {variable.type} {data.dtype} {data.shape}\n".encode())
            digest.update(np.ascontiguousarray(data).tobytes())
        props = getattr(node.op, "_props_dict", None)
        described = repr(props()) if props is not None else repr(node.op)
        if " at 0x" in described:
            return None
        op = type(node.op)
        inputs = [number[variable] for variable in node.inputs]
        digest.update(f"{op.__module__}.{op.__qualname__} {described} {inputs}\n".encode())
        for variable in node.outputs:
            number[variable] = len(number)
            digest.update(f"out {variable.type}\n".encode())
    digest.update(f"roots {[number.get(root, -1) for root in roots]}\n".encode())
    digest.update(repr([(s.shape, str(s.dtype)) for s in starts]).encode())
    # the settings the program depends on (``cores`` does not change it)
    used = (settings.draws, settings.tune, settings.chains, settings.target_accept)
    digest.update(repr(used).encode())
    return digest.hexdigest()


def _read(entry: Path | None) -> Any:  # jax.export.Exported | None
    """The exported fit in ``entry``, or None when there is none or it cannot be read."""
    from jax import export

    if entry is None or not entry.is_file():
        return None
    try:
        return export.deserialize(bytearray(entry.read_bytes()))
    except Exception:  # an unreadable entry is exported again and replaced
        return None


def _export(fit: Callable[..., Any], args: tuple[Any, ...], entry: Path | None) -> Any:
    """``fit`` traced, lowered and exported; written to ``entry`` (unless None) by a rename."""
    import jax
    from jax import export

    exported = export.export(jax.jit(fit))(*args)
    if entry is not None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=entry.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(exported.serialize())
        os.replace(temporary, entry)
    return exported


def sample_numpyro(
    model: pm.Model,
    starts: Sequence[np.ndarray],
    seed: int,
    settings: SamplerSettings,
    cache: Path | None,
) -> xr.DataTree:
    """Sample ``model`` with NumPyro's NUTS (diagonal mass matrix adapted in warm-up).

    Parameters
    ----------
    model : pm.Model
    starts : sequence of numpy.ndarray
        One array per value variable of the model (``model.value_vars``, unconstrained scale),
        each with a leading axis of ``settings.chains`` starting points.
    seed : int
        The same seed, model and starts give identical draws.
    settings : SamplerSettings
        ``draws``, ``tune``, ``chains`` and ``target_accept`` are used.
    cache : Path or None
        The cache folder (:func:`bayes_netlm.modeling.cache.cache_dir`); None exports nothing.

    Returns
    -------
    xarray.DataTree
        ``posterior`` (the model's free variables and deterministics, with its dims and coords),
        ``sample_stats`` (``lp``, ``energy``, ``n_steps``, ``tree_depth``, ``step_size``,
        ``acceptance_rate``, ``diverging``) and, where the model has them, ``observed_data``
        and ``constant_data``: the groups ``pm.sample`` returns.

    """
    import jax
    import numpyro
    from arviz_base import from_dict, make_attrs
    from pymc.backends.arviz import (
        coords_and_dims_for_inferencedata,
        find_constants,
        find_observations,
    )
    from pymc.sampling.jax import get_default_varnames, get_jaxified_graph, get_jaxified_logp

    from bayes_netlm.modeling.cache import JAX_EXPORT

    outputs = list(get_default_varnames(model.unobserved_value_vars, include_transformed=False))
    starts = [np.asarray(s) for s in starts]
    keys = jax.random.split(jax.random.PRNGKey(seed), settings.chains)
    key = None if cache is None else _graph_key(model, outputs, starts, settings)
    entry = None if cache is None or key is None else cache / JAX_EXPORT / f"{key}.bin"
    exported = _read(entry)
    if exported is None:  # convert the model to JAX, then trace, lower and export its fit
        potential = get_jaxified_logp(model, negative_logp=False)  # minus the log density
        variables = get_jaxified_graph(inputs=model.value_vars, outputs=outputs)
        exported = _export(_sampler(potential, variables, settings), (keys, starts), entry)
    started = time.perf_counter()  # sampling, with the executable's compilation or loading
    values, stats = jax.device_get(exported.call(keys, starts))
    elapsed = time.perf_counter() - started
    sample_stats = dict(zip(_STATS, stats, strict=True))
    sample_stats["tree_depth"] = np.log2(sample_stats["n_steps"]).astype(int) + 1
    coords, dims = coords_and_dims_for_inferencedata(model)
    groups: dict[str, Any] = {
        "posterior": {v.name: np.asarray(x) for v, x in zip(outputs, values, strict=True)},
        "sample_stats": {name: np.asarray(x) for name, x in sample_stats.items()},
    }
    for name, found in (
        ("observed_data", find_observations(model)),
        ("constant_data", find_constants(model)),
    ):
        if found:
            groups[name] = found
    attrs = {"sampling_time": elapsed, "tuning_steps": settings.tune}
    return from_dict(
        groups,
        coords=coords,
        dims=dims,
        sample_dims=["chain", "draw"],
        attrs={"posterior": make_attrs(attrs, inference_library=numpyro)},
    )
