"""Calibration and study design by simulation: SBC, prior predictive checks, assurance (Dask)."""
