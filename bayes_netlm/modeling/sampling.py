"""Sample PyMC models and check every fit.

Two paths. A model fitted once (published summaries) is sampled by NumPyro's NUTS
(:func:`sample_once`), which compiles fastest. A model fitted many times (patient data: two
endpoints, two cohorts, every prior set) is compiled once by nutpie (:class:`CompiledModel`).

nutpie compiles the model's log density once (:func:`nutpie.compile_pymc_model`); each fit then
swaps the values of the model's ``pm.Data`` containers (observations and prior hyperparameters) with
``compiled.with_data(...)``, so a prior sweep or a second endpoint pays no compilation.

Convergence is judged on every fit: split R-hat <= 1.01, bulk and tail ESS >= 400 and no divergent
transition (Vehtari et al. 2021 thresholds for 4 chains).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bayes_netlm.modeling.sampler_settings import SamplerSettings

# PyMC, PyTensor, nutpie and ArviZ are imported where they are used, so that modules built on this
# one (and the command line's input checks) load in well under a second.
if TYPE_CHECKING:
    import pymc as pm
    import xarray as xr

__all__ = [
    "CompiledModel",
    "sample_once",
    "SamplerSettings",
    "convergence_table",
    "fit_passed",
]

RHAT_MAX = 1.01
ESS_MIN = 400
#: seconds between progress lines of a long fit
REPORT_SECONDS = 5.0


class CompiledModel:
    """A PyMC model compiled once by nutpie, sampled with new ``pm.Data`` values per fit.

    Parameters
    ----------
    model : pm.Model
        The model; every input that varies between fits must be a ``pm.Data`` container.

    """

    def __init__(self, model: pm.Model) -> None:
        from bayes_netlm.modeling.cache import cache_dir
        from bayes_netlm.modeling.dask_check import defer_dask_array_import
        from bayes_netlm.modeling.nutpie_cache import compile_pymc_model

        defer_dask_array_import()  # before the first draws become xarray objects
        self.model = model
        # the C callbacks are loaded from the project's cache when this model was compiled before
        self._compiled = compile_pymc_model(model, cache_dir())

    def sample(
        self,
        data: Mapping[str, Any],
        seed: int,
        settings: SamplerSettings = SamplerSettings(),
        report: Callable[[str], None] | None = None,
    ) -> xr.DataTree:
        """Draw from the posterior with the given data values.

        Parameters
        ----------
        data : mapping
            New values for ``pm.Data`` containers, by name; the shapes must match the compiled ones.
        seed : int
            Random seed: the same seed and data give identical draws.
        settings : SamplerSettings
        report : callable, optional
            Called with a line such as ``"sampling: 2400/8000 draws (30 %), tuning"`` every
            :data:`REPORT_SECONDS` while the sampler runs (from nutpie's progress thread).

        Returns
        -------
        xarray.DataTree
            ``posterior`` and ``sample_stats`` groups.

        """
        import nutpie

        unknown = sorted(set(data) - {v.name for v in self.model.data_vars})
        if unknown:
            raise KeyError(f"not data containers of the model: {', '.join(unknown)}")
        # a container the log density does not read (the Weibull model's observed times, whose
        # logarithm is a container of its own) is not part of the compiled model
        read = {v.name for v in self._compiled.shared_var_keys}
        updates = {name: value for name, value in data.items() if name in read}
        compiled = self._compiled.with_data(**updates) if updates else self._compiled
        callback = {} if report is None else {"progress_callback": _progress_lines(report)}
        tree = nutpie.sample(
            compiled,
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=settings.cores,
            seed=seed,
            progress_bar=False,
            progress_rate=500,
            save_warmup=False,
            **callback,
            target_accept=settings.target_accept,
        )
        # nutpie records its name and version on sample_stats only; the posterior, where ArviZ's
        # converters put them and the provenance reads them, is often kept without sample_stats
        recorded = tree.sample_stats.attrs
        tree.posterior.attrs.update(
            {k: recorded[k] for k in ("inference_library", "inference_library_version")}
        )
        return tree


def _progress_lines(report: Callable[[str], None]) -> Callable[[Sequence[Any]], None]:
    """A nutpie progress callback that reports draws done every REPORT_SECONDS."""
    last = [time.monotonic()]

    def callback(chains: Sequence[Any]) -> None:
        now = time.monotonic()
        if now - last[0] < REPORT_SECONDS:
            return
        last[0] = now
        done = sum(int(c.finished_draws) for c in chains)
        total = sum(int(c.total_draws) for c in chains)
        phase = "tuning" if any(c.tuning for c in chains) else "drawing"
        report(f"sampling: {done}/{total} draws ({100 * done / max(total, 1):.0f} %), {phase}")

    return callback


def sample_once(
    model: pm.Model, seed: int, settings: SamplerSettings = SamplerSettings()
) -> xr.DataTree:
    """Sample a model that is fitted once, with NumPyro's NUTS (JAX).

    For the small batched models of published summaries compilation is all that matters, and with
    a cold cache JAX compiles fastest here: the hazard-ratio, Beta-rates and log-OR-rates batches
    took 5.2 + 5.4 + 4.0 s with NumPyro, 9.0 + 13.9 + 9.1 s with PyMC's own NUTS (Numba) and
    7.8 + 13.3 + 10.5 s with nutpie, each including sampling. With a warm cache the traced sampler
    is loaded as well (:mod:`bayes_netlm.modeling.numpyro_nuts`).
    """
    import pytensor

    from bayes_netlm.modeling.cache import configure_jax
    from bayes_netlm.modeling.dask_check import defer_dask_array_import
    from bayes_netlm.modeling.numpyro_nuts import sample_numpyro

    defer_dask_array_import()  # before the first draws become xarray objects
    cache = configure_jax()  # XLA executables and exported samplers are kept between runs
    # PyTensor compiles a run-once helper here (the initial point); its default Numba mode would
    # spend seconds compiling it with a cold cache, the Python linker none.
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        starts = dispersed_starts(model, settings.chains, seed)
    return sample_numpyro(model, starts, seed, settings, cache)


def dispersed_starts(model: pm.Model, chains: int, seed: int) -> list[np.ndarray]:
    """Starting points: the model's initial point plus U(-1, 1) noise, one per chain.

    One array per value variable (``model.value_vars``, unconstrained scale) with a leading chain
    axis. The noise is added on the unconstrained scale, as PyMC's jitter does, so that chains
    start apart and R-hat can detect chains that do not mix.
    """
    rng = np.random.default_rng([seed, 7919])
    initial = model.initial_point()
    names = [value.name for value in model.value_vars]
    noise = [
        {name: rng.uniform(-1, 1, np.shape(initial[name])) for name in names} for _ in range(chains)
    ]
    return [np.stack([initial[name] + n[name] for n in noise]) for name in names]


def convergence_table(
    posterior: xr.DataTree, var_names: Sequence[str], label: str | None = None
) -> pd.DataFrame:
    """R-hat, bulk and tail ESS per fit (worst over ``var_names``), with divergences and a verdict.

    Parameters
    ----------
    posterior : xarray.DataTree
        Output of :meth:`CompiledModel.sample`.
    var_names : sequence of str
        Parameters to check; with a ``fit`` dimension (a batch of fits) each fit gets a row.
    label : str, optional
        Row label when the posterior holds one fit (no ``fit`` dimension).

    Returns
    -------
    pandas.DataFrame
        Indexed by fit label: ``r_hat``, ``ess_bulk``, ``ess_tail``, ``divergences``, ``converged``.
        Divergences are counted per draw, so fits sampled in one batch share the count.

    """
    import arviz as az
    import xarray as xr

    subset = posterior.posterior.to_dataset()[list(var_names)]
    if "fit" not in subset.dims:
        subset = subset.expand_dims(fit=[label or "fit"])
    rhat = az.rhat(subset)
    ess_bulk = az.ess(subset, method="bulk")
    ess_tail = az.ess(subset, method="tail")

    def worst(ds: xr.Dataset, reduce: str) -> np.ndarray:
        stacked = xr.concat([ds[v] for v in var_names], dim="variable")
        return np.asarray(getattr(stacked, reduce)("variable"))

    divergences = int(np.asarray(posterior.sample_stats["diverging"]).sum())
    table = pd.DataFrame(
        {
            "r_hat": worst(rhat, "max"),
            "ess_bulk": worst(ess_bulk, "min"),
            "ess_tail": worst(ess_tail, "min"),
            "divergences": divergences,
        },
        index=pd.Index(np.asarray(subset["fit"]), name="fit"),
    )
    table["converged"] = fit_passed(table)
    return table


def fit_passed(table: pd.DataFrame) -> pd.Series:
    """Whether each row of a convergence table meets every threshold."""
    return (
        (table["r_hat"] <= RHAT_MAX)
        & (table["ess_bulk"] >= ESS_MIN)
        & (table["ess_tail"] >= ESS_MIN)
        & (table["divergences"] == 0)
    )
