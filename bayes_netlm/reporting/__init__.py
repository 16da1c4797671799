"""Figures (never fit), the HTML report, the atomic results folder and provenance."""
