"""Calibration and study design by simulation, on Dask.

- :mod:`.sbc`: simulation-based calibration of every model family at the study's sizes (12 vs 452)
  and censoring (:mod:`.design`); exact posteriors where they exist (:mod:`.sbc_summary`,
  :mod:`.sbc_rates`), MCMC with a model compiled once per worker otherwise (:mod:`.sbc_weibull`).
- Pass rule (:mod:`.calibration`): per quantity (parameters and derived HR, medians, RMST
  difference) the ECDF of the normalised ranks minus the uniform CDF stays inside its simultaneous
  band (Säilynoja et al. 2022) at level 1 - 0.05/m for a family of m quantities.
- :mod:`.prior_predictive`: what the baseline priors imply for median survival, S(5 years) and a
  90-day mortality rate, with a one-line plausibility verdict each.
- :mod:`.assurance`: probability that a future study reaches a decision rule, by a Normal
  approximation checked against Weibull simulation.
- :mod:`.engine`: Dask LocalCluster (or an existing scheduler), spawned per-simulation seeds,
  worker-level cache of compiled models. :mod:`.commands`, :mod:`.figures`, :mod:`.report`: the
  command functions, figures and the report's HTML fragment.
"""
