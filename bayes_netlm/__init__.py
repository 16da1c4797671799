"""bayes-netlm: Bayesian re-analysis of published survival and rate comparisons.

The public API (each name loads its module on first use, so ``import bayes_netlm`` stays light):

- :func:`hazard_ratio` - a published HR (HR + CI, HR + p, or medians + p) under any prior;
- :func:`compare_rates` - two proportions from counts, intervals or rounded percentages;
- :class:`WeibullPH` - the censored Weibull PH model on a patient table, lifelines-style;
- :func:`prior_sensitivity` - prior grid, tipping points and power-scaling of any result;
- :func:`reanalyse` - the whole re-analysis of a run specification (what ``run`` computes);
- :func:`reconstruct_curves` - patients from a digitised Kaplan-Meier figure.

Examples
--------
>>> import bayes_netlm as bn
>>> fit = bn.hazard_ratio(hr=0.5, ci=(0.25, 1.0), prior="vague", mcmc=False)
>>> sorted(fit.probabilities)[0]
'P(0.8 < HR < 1.25)'

"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bayes_netlm.api._common import DEFAULT_SEED
    from bayes_netlm.api.hazard_ratio import HazardRatioResult, hazard_ratio, log_hazard_ratio
    from bayes_netlm.api.rates import RatesResult, compare_rates
    from bayes_netlm.api.reanalysis import Reanalysis, reanalyse
    from bayes_netlm.api.reconstruction import Reconstruction, ReconstructionFit, reconstruct_curves
    from bayes_netlm.api.result import FitSummary
    from bayes_netlm.api.sensitivity import SensitivityResult, prior_sensitivity
    from bayes_netlm.api.survival import WeibullPH, WeibullResult
    from bayes_netlm.errors import InputError
    from bayes_netlm.priors import BetaPrior, NormalPrior

__all__ = [
    "DEFAULT_SEED",
    "BetaPrior",
    "FitSummary",
    "HazardRatioResult",
    "InputError",
    "NormalPrior",
    "RatesResult",
    "Reanalysis",
    "Reconstruction",
    "ReconstructionFit",
    "SensitivityResult",
    "WeibullPH",
    "WeibullResult",
    "compare_rates",
    "hazard_ratio",
    "log_hazard_ratio",
    "prior_sensitivity",
    "reanalyse",
    "reconstruct_curves",
]

_HOMES = {
    "DEFAULT_SEED": "api._common",
    "BetaPrior": "priors",
    "NormalPrior": "priors",
    "InputError": "errors",
    "FitSummary": "api.result",
    "HazardRatioResult": "api.hazard_ratio",
    "hazard_ratio": "api.hazard_ratio",
    "log_hazard_ratio": "api.hazard_ratio",
    "RatesResult": "api.rates",
    "compare_rates": "api.rates",
    "WeibullPH": "api.survival",
    "WeibullResult": "api.survival",
    "SensitivityResult": "api.sensitivity",
    "prior_sensitivity": "api.sensitivity",
    "Reanalysis": "api.reanalysis",
    "reanalyse": "api.reanalysis",
    "Reconstruction": "api.reconstruction",
    "ReconstructionFit": "api.reconstruction",
    "reconstruct_curves": "api.reconstruction",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'bayes_netlm' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bayes_netlm.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
