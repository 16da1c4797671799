"""NUTS settings, in a module of their own that imports neither NumPy nor pandas.

``bayes-netlm run`` builds these settings before it starts its second process; importing them
with :mod:`bayes_netlm.modeling.sampling` (NumPy, pandas) delayed that start by about 0.3 s.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SamplerSettings"]


@dataclass(frozen=True)
class SamplerSettings:
    """NUTS settings; ``cores=2`` because PyMC would count this machine as one core."""

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    cores: int = 2
    target_accept: float = 0.9
