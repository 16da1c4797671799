"""Shared by the API modules: priors from names or strings, probability names, sampler settings.

Nothing here imports PyMC; the prior catalog and the parsing are cheap (standard library, NumPy).
"""

from __future__ import annotations

import numbers
from dataclasses import replace
from typing import TYPE_CHECKING

from bayes_netlm.errors import InputError
from bayes_netlm.priors import (
    BetaPrior,
    ClinicalThresholds,
    NormalPrior,
    PriorCatalog,
    load_prior_catalog,
    parse_prior,
)

if TYPE_CHECKING:
    from bayes_netlm.modeling.sampling import SamplerSettings

__all__ = [
    "DEFAULT_SEED",
    "HrPriorLike",
    "RatePriorLike",
    "hr_prior",
    "probability_name",
    "rate_prior",
    "sampler_settings",
    "with_thresholds",
]

#: The seed of every command and function unless one is given.
DEFAULT_SEED = 20250101

HrPriorLike = str | NormalPrior
RatePriorLike = str | NormalPrior | BetaPrior


def _set_name(text: str, catalog: PriorCatalog) -> str | None:
    """The catalog's spelling of a set name given in any case, or None."""
    wanted = text.strip().lower()
    names = {name.lower(): name for name in catalog.set_names}
    return names.get(wanted)


def hr_prior(
    prior: HrPriorLike, catalog: PriorCatalog | None = None, where: str = "prior"
) -> tuple[str, NormalPrior, str]:
    """A Normal prior on log HR from a set name, ``"normal:M,S"``, ``"hr:LO-HI@MASS%"`` or a prior.

    Returns
    -------
    tuple
        ``(name, prior, description)``: the name shown in tables (the set's name or the text),
        the prior, and how an elicited prior was derived (empty otherwise).

    Raises
    ------
    InputError
        Unknown set name, malformed text or an out-of-range prior.

    """
    if isinstance(prior, NormalPrior):
        return str(prior), prior, ""
    catalog = catalog or load_prior_catalog()
    text = str(prior).strip()
    name = _set_name(text, catalog)
    if name is not None and name in catalog.sets:
        return name, catalog.sets[name].log_hr, ""
    if ":" not in text:
        catalog.get(text, where)  # raises, naming the choices
    if text.split(":", 1)[0].strip().lower() == "hr":
        from bayes_netlm.sensitivity.elicitation import parse_statement

        elicited = parse_statement(text, where)
        assert isinstance(elicited.prior, NormalPrior)
        return text, elicited.prior, elicited.description
    parsed = parse_prior(text, "log_hr", where)
    assert isinstance(parsed, NormalPrior)
    return text, parsed, ""


def rate_prior(
    prior: RatePriorLike, catalog: PriorCatalog | None = None, where: str = "prior"
) -> tuple[str, NormalPrior | BetaPrior]:
    """A rate prior (Beta on both rates, or Normal on log OR) from a set name, text or a prior."""
    if isinstance(prior, NormalPrior | BetaPrior):
        return str(prior), prior
    catalog = catalog or load_prior_catalog()
    text = str(prior).strip()
    name = _set_name(text, catalog)
    if name is not None:
        found = catalog.rate_prior(name, "rates", where)
        if found is None:
            raise InputError.single(
                where, f"set {name!r} has no general rate prior", "give beta:A,B"
            )
        return name, found
    if ":" not in text:  # the rate sets and forms, not those of a hazard ratio
        choices = ", ".join(catalog.set_names)
        raise InputError.single(
            where,
            f"unknown prior set {text!r}",
            f"use one of {choices} or a distribution such as beta:1,1 or logor:0,0.5",
        )
    if text.split(":", 1)[0].strip().lower() in ("or", "rate"):
        from bayes_netlm.sensitivity.elicitation import parse_statement

        elicited = parse_statement(text, where)
        assert isinstance(elicited.prior, NormalPrior | BetaPrior)
        return text, elicited.prior
    return text, parse_prior(text, "rates", where)


def with_thresholds(
    clinical: ClinicalThresholds,
    hr_important: float | None = None,
    rd_important: float | None = None,
    where: str = "threshold",
) -> ClinicalThresholds:
    """The clinical thresholds with the important HR or RD replaced (checked).

    ``where`` names the input in an error: the API's ``threshold``, the command's ``--threshold``.
    """
    if hr_important is not None:
        if not 0 < hr_important < 1:
            raise InputError.single(
                where, f"{hr_important:g} is not a hazard ratio below 1", "give e.g. 0.7"
            )
        clinical = replace(clinical, hr_important=hr_important)
    if rd_important is not None:
        if not 0 < rd_important < 1:
            raise InputError.single(
                where, f"{rd_important:g} is not a risk difference in (0, 1)", "give 0.05"
            )
        clinical = replace(clinical, rd_important=rd_important)
    return clinical


def probability_name(quantity: str, clinical: ClinicalThresholds, hr: str = "HR") -> str:
    """A probability's name with its threshold, e.g. ``"P(HR < 0.7)"``, ``"P(|RD| < 0.025)"``."""
    from bayes_netlm.summaries import quantity_label

    return quantity_label(quantity, clinical, hr).split(":")[0].strip()


def sampler_settings(
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    target_accept: float = 0.9,
    seed: int | None = None,
) -> SamplerSettings:
    """NUTS settings (PyMC's defaults, with the project's acceptance target).

    ``seed``, if given, is checked here too: a whole number from 0 to 2**31 - 1, as on the
    command line (a negative one ended 14 frames deep in NumPy).
    """
    from bayes_netlm.cli_checks import MAX_SEED
    from bayes_netlm.modeling.sampling import SamplerSettings

    if seed is not None and (
        isinstance(seed, bool)
        or not isinstance(seed, numbers.Integral)
        or not 0 <= seed <= MAX_SEED
    ):
        raise InputError.single(
            "seed", f"{seed!r} is not a whole number from 0 to {MAX_SEED}", "give e.g. 20250101"
        )

    for name, value in (("draws", draws), ("tune", tune), ("chains", chains)):
        if int(value) < 1:
            raise InputError.single(name, f"{value} is not a positive whole number", "give >= 1")
    return SamplerSettings(
        draws=int(draws), tune=int(tune), chains=int(chains), target_accept=target_accept
    )
