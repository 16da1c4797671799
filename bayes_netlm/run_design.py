"""The design section of ``bayes-netlm run``: prior predictive checks, a future study's assurance.

Queued in the second process after the Weibull fits; the main process claims it first if it runs
out of its own work while those fits are still running (:mod:`bayes_netlm.claim`). Light to
import, so that either process can do it.
"""

from __future__ import annotations

from pathlib import Path

from threadpoolctl import threadpool_limits

from bayes_netlm.claim import claim
from bayes_netlm.reporting.rendered import Rendered

__all__ = ["design_part"]


def design_part(seed: int, marker: Path) -> tuple[str, Rendered] | None:
    """The design section's HTML and its two figures, to be written as ``figures/NAME.png``.

    None if the other process has claimed it first (:func:`bayes_netlm.claim.claim`).
    """
    if not claim(marker):
        return None
    from bayes_netlm.simulation.assurance import FutureStudy
    from bayes_netlm.simulation.commands import DEFAULT_GRID, assurance_tables
    from bayes_netlm.simulation.figures import assurance_figure, prior_predictive_figure
    from bayes_netlm.simulation.prior_predictive import prior_predictive_checks
    from bayes_netlm.simulation.report import simulation_section

    with threadpool_limits(limits=1, user_api="blas"):
        checks = prior_predictive_checks()
        assurance, _ = assurance_tables(FutureStudy(), "posterior_os", DEFAULT_GRID, (), 0, seed)
        figures = Rendered()
        figures.save("design_prior_predictive", "", prior_predictive_figure(checks))
        figures.save("design_assurance", "", assurance_figure(assurance))
    paths = {
        "prior_predictive": "figures/design_prior_predictive.png",
        "assurance": "figures/design_assurance.png",
    }
    return simulation_section([], checks, assurance, paths), figures
