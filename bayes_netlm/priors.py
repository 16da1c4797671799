"""Named prior sets on the effect scales users think in, parsed from TOML or a short string.

Prior kinds
-----------
``NormalPrior(mean, sd)``
    Normal on a log ratio: log HR (survival) or log OR (rates, with a Normal prior on the reference
    group's log odds).
``BetaPrior(a, b)``
    Independent Beta(a, b) on each group's rate.

Rule-based sets are derived from the clinical thresholds of ``models/prior_sets.toml``. With
``z = Phi^{-1}(1 - tail)`` and an important log effect ``d = |log(effect)|``:

- skeptical: Normal(0, d / z): probability ``tail`` of benefit beyond the important effect;
- enthusiastic: Normal(-d, d / z) for HR (benefit below 1): probability ``tail`` of HR > 1;
- pessimistic: Normal(+d, d / z), its mirror.

For rates the benefit direction is a lower rate in the index group (OR < 1).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from statistics import NormalDist
from typing import Any

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.tomlfile import read_toml

__all__ = [
    "fmt_param",
    "BetaPrior",
    "ClinicalThresholds",
    "NormalPrior",
    "PriorCatalog",
    "PriorSet",
    "RatePriorSet",
    "load_prior_catalog",
    "check_normal",
    "parse_prior",
]

DEFAULT_PRIOR_FILE = Path(__file__).resolve().parent.parent / "models" / "prior_sets.toml"
RULES = ("skeptical", "enthusiastic", "pessimistic")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# Bounds that keep every derived quantity finite: exp(mean +- 1.96 sd) and 1 / sd^2 stay in range.
LOG_MEAN_MAX = 100.0
SD_RANGE = (1e-6, 100.0)
BETA_RANGE = (1e-3, 1e6)
_FORM = re.compile(rf"^\s*(?P<kind>[a-z]+)\s*:\s*(?P<a>{_NUMBER})\s*,\s*(?P<b>{_NUMBER})\s*$")


@dataclass(frozen=True)
class NormalPrior:
    """Normal prior on a log ratio (log HR or log OR)."""

    mean: float
    sd: float
    scale: str = "log_hr"

    def __str__(self) -> str:
        name = {"log_hr": "normal", "log_k": "lognormal"}.get(self.scale, "logor")
        return f"{name}:{fmt_param(self.mean)},{fmt_param(self.sd)}"


def fmt_param(value: float) -> str:
    """A prior parameter as written in a prior's text: 4 significant digits, near-zero as 0.

    A mean a numerical fit leaves at -4e-09 (an elicited interval centred on HR 1) reads 0.
    """
    return "0" if abs(value) < 5e-5 else f"{value:.4g}"


@dataclass(frozen=True)
class BetaPrior:
    """Independent Beta(a, b) prior on each group's rate."""

    a: float
    b: float

    def __str__(self) -> str:
        return f"beta:{self.a:.4g},{self.b:.4g}"


RatePrior = NormalPrior | BetaPrior


@dataclass(frozen=True)
class ClinicalThresholds:
    """What counts as a clinically important effect, and as practically equivalent."""

    hr_important: float
    hr_equivalence: tuple[float, float]
    or_important: float
    rd_important: float
    rd_equivalence: float
    tail_probability: float

    @property
    def hr_harm(self) -> float:
        """The mirror of the important benefit: harm beyond it is clinically important."""
        return 1.0 / self.hr_important


@dataclass(frozen=True)
class PriorSet:
    """A named prior set: one prior per effect scale, with its rationale."""

    name: str
    rationale: str
    log_hr: NormalPrior
    rates: RatePrior


@dataclass(frozen=True)
class RatePriorSet:
    """A rates-only prior set, per outcome: ``default`` for every rate, ``outcomes`` by name.

    Declared as ``[rate_priors.NAME]`` with ``all = "beta:A,B"`` and/or one key per outcome
    (e.g. ``mortality = "beta:1.6,78.4"``); an outcome with neither gets no fit under the set.
    """

    name: str
    rationale: str
    default: RatePrior | None
    outcomes: dict[str, RatePrior]

    def for_outcome(self, outcome: str) -> RatePrior | None:
        """The prior for one rate comparison, None when the set says nothing about it."""
        return self.outcomes.get(outcome, self.default)


@dataclass(frozen=True)
class PriorCatalog:
    """Every named set, the clinical thresholds they derive from, and the baseline prior."""

    sets: dict[str, PriorSet]
    clinical: ClinicalThresholds
    logit_reference: NormalPrior
    path: str
    rate_priors: dict[str, RatePriorSet] = field(default_factory=dict)
    shape_prior: NormalPrior | None = None

    @property
    def set_names(self) -> list[str]:
        """Every set's name once: the full sets, then the rates-only ones."""
        return list(dict.fromkeys([*self.sets, *self.rate_priors]))

    def rate_prior(self, name: str, outcome: str, where: str) -> RatePrior | None:
        """The rate prior of a set for one outcome: a rates-only set first, then a full set."""
        if name in self.rate_priors:
            return self.rate_priors[name].for_outcome(outcome)
        if name not in self.sets:
            choices = ", ".join(self.set_names)
            raise InputError.single(where, f"unknown prior set {name!r}", f"use one of {choices}")
        return self.sets[name].rates

    def get(self, name: str, where: str) -> PriorSet:
        """Look a set up by name; an unknown name is an :class:`InputError` naming the choices."""
        if name not in self.sets:
            raise InputError.single(
                where,
                f"unknown prior set {name!r}",
                f"use one of {', '.join(self.sets)} or a distribution such as normal:0,1",
            )
        return self.sets[name]


def _rule_prior(rule: str, important_log_effect: float, tail: float, scale: str) -> NormalPrior:
    """Derive a rule-based Normal prior; ``important_log_effect`` is the benefit (negative)."""
    d = abs(important_log_effect)
    sd = d / NormalDist().inv_cdf(1 - tail)  # stdlib, so parsing a prior never imports SciPy
    mean = {"skeptical": 0.0, "enthusiastic": -d, "pessimistic": d}[rule]
    return NormalPrior(mean, sd, scale)


def parse_prior(
    text: str,
    scale: str,
    where: str,
    clinical: ClinicalThresholds | None = None,
) -> NormalPrior | BetaPrior:
    """Parse a prior written as a string.

    Parameters
    ----------
    text : str
        ``"normal:MEAN,SD"`` (log HR), ``"logor:MEAN,SD"`` or ``"beta:A,B"`` (rates), or a rule
        name (``skeptical``, ``enthusiastic``, ``pessimistic``) when ``clinical`` is given.
    scale : {"log_hr", "rates"}
        The effect the prior is for; decides which forms are allowed.
    where : str
        Name of the input, for error messages.
    clinical : ClinicalThresholds, optional
        Thresholds from which rule-based priors are derived.

    Raises
    ------
    InputError
        Malformed string, a form that does not fit the scale, SD <= 0, or Beta parameters <= 0.

    """
    allowed = "normal:MEAN,SD" if scale == "log_hr" else "beta:A,B or logor:MEAN,SD"
    if clinical is not None and text.strip() in RULES:
        if scale == "log_hr":
            return _rule_prior(
                text.strip(), math.log(clinical.hr_important), clinical.tail_probability, scale
            )
        return _rule_prior(
            text.strip(), -math.log(clinical.or_important), clinical.tail_probability, "log_or"
        )
    match = _FORM.match(text)
    if not match:
        raise InputError.single(where, f"cannot read the prior {text!r}", f"write {allowed}")
    kind, a, b = match["kind"], float(match["a"]), float(match["b"])
    forms = {"log_hr": ("normal",), "rates": ("beta", "logor")}[scale]
    if kind not in forms:
        raise InputError.single(
            where, f"a {kind!r} prior does not fit this effect", f"write {allowed}"
        )
    if kind == "beta":
        low, high = BETA_RANGE
        if not (low <= a <= high and low <= b <= high):
            raise InputError.single(
                where,
                f"Beta parameters must lie between {low:g} and {high:g}, got {a:g}, {b:g}",
                "give e.g. beta:1,1",
            )
        return BetaPrior(a, b)
    problems = check_normal(a, b, where)
    if problems:
        raise InputError(problems)
    return NormalPrior(a, b, "log_hr" if kind == "normal" else "log_or")


def check_normal(mean: float, sd: float, where: str) -> list[Problem]:
    """What is wrong with a Normal prior on a log ratio (empty if nothing).

    The mean must be finite with ``|mean| <= 100`` and the SD between 1e-6 and 100, so that the
    posterior (precision ``1 / sd^2``) and the ratio scale (``exp(mean +- 1.96 sd)``) stay finite.
    """
    problems = []
    if not (math.isfinite(mean) and abs(mean) <= LOG_MEAN_MAX):
        problems.append(
            Problem(
                where,
                f"prior mean {mean:g} on the log scale is not a finite number within "
                f"+-{LOG_MEAN_MAX:g}",
                "give the mean of the log ratio, e.g. 0 (ratio 1) or -0.36 (ratio 0.7)",
            )
        )
    low, high = SD_RANGE
    if not low <= sd <= high:
        problems.append(
            Problem(
                where,
                f"prior SD {sd:g} is outside {low:g} to {high:g}",
                "give an SD on the log scale, e.g. 1 (weak) or 0.2 (strong)",
            )
        )
    return problems


def _clinical(table: dict[str, Any], where: str) -> ClinicalThresholds:
    not_numbers = [
        key
        for key in (f.name for f in fields(ClinicalThresholds))
        if isinstance(value := table.get(key, 0.0), str | bool)
        or (isinstance(value, list) and any(isinstance(v, str | bool) for v in value))
    ]
    if not_numbers:
        raise InputError.single(
            f"{where} [clinical] {not_numbers[0]}",
            f"is {table[not_numbers[0]]!r}, not a number",
            "write a number (no quotes, not true/false), e.g. hr_important = 0.7",
        )
    try:
        clinical = ClinicalThresholds(
            hr_important=float(table["hr_important"]),
            hr_equivalence=(float(table["hr_equivalence"][0]), float(table["hr_equivalence"][1])),
            or_important=float(table["or_important"]),
            rd_important=float(table["rd_important"]),
            rd_equivalence=float(table["rd_equivalence"]),
            tail_probability=float(table["tail_probability"]),
        )
    except KeyError as missing:
        raise InputError.single(
            f"{where} [clinical]", f"missing field {missing}", "add it"
        ) from None
    except (TypeError, ValueError, IndexError) as error:
        raise InputError.single(
            f"{where} [clinical]", f"invalid value ({error})", "use numbers"
        ) from None
    checks = [
        (0 < clinical.hr_important < 1, "hr_important must be between 0 and 1"),
        (
            0 < clinical.hr_equivalence[0] < 1 < clinical.hr_equivalence[1],
            "hr_equivalence must bracket 1",
        ),
        (clinical.or_important > 1, "or_important must be above 1"),
        (0 < clinical.rd_important < 1, "rd_important must be between 0 and 1"),
        (0 < clinical.rd_equivalence < 1, "rd_equivalence must be between 0 and 1"),
        (0 < clinical.tail_probability < 0.5, "tail_probability must be in (0, 0.5)"),
    ]
    problems = [
        Problem(f"{where} [clinical]", what, "fix the value") for ok, what in checks if not ok
    ]
    if problems:
        raise InputError(problems)
    return clinical


def load_prior_catalog(path: str | Path = DEFAULT_PRIOR_FILE) -> PriorCatalog:
    """Load the named prior sets and clinical thresholds from a TOML file.

    Raises
    ------
    InputError
        Unreadable file, missing thresholds, or every malformed prior, named by set and field.

    """
    path = Path(path)
    document, _ = read_toml(path)
    clinical = _clinical(document.get("clinical", {}), path.name)
    problems: list[Problem] = []
    sets: dict[str, PriorSet] = {}
    for name, table in document.get("prior_sets", {}).items():
        where = f"{path.name} [prior_sets.{name}]"
        keys = ("log_hr", "rates", "rationale")
        wrong = [
            Problem(f"{where}.{key}", "unknown key", f"use only {', '.join(keys)}")
            for key in table
            if key not in keys
        ]
        wrong += [
            Problem(where, f"missing field '{key}'", "give the set's prior on it")
            for key in keys[:2]
            if key not in table
        ]
        if wrong:
            problems += wrong
            continue
        try:
            log_hr = parse_prior(
                str(table.get("log_hr", "")), "log_hr", f"{where}.log_hr", clinical
            )
            rates = parse_prior(str(table.get("rates", "")), "rates", f"{where}.rates", clinical)
        except InputError as error:
            problems.extend(error.problems)
            continue
        assert isinstance(log_hr, NormalPrior)
        sets[name] = PriorSet(name, str(table.get("rationale", "")), log_hr, rates)
    baseline = document.get("baseline", {}).get("logit_reference", "normal:0,1.5")
    try:
        logit_reference = parse_prior(baseline, "log_hr", f"{path.name} [baseline]")
    except InputError as error:
        problems.extend(error.problems)
    if not sets:
        problems.append(Problem(path.name, "no [prior_sets.*] tables", "declare at least one set"))
    rate_priors = _rate_prior_sets(document.get("rate_priors", {}), path.name, clinical, problems)
    shape_prior = None
    if "weibull_shape" in document:
        try:
            shape = parse_prior(
                str(document["weibull_shape"].get("log_k", "")),
                "log_hr",
                f"{path.name} [weibull_shape].log_k",
            )
            shape_prior = NormalPrior(shape.mean, shape.sd, "log_k")  # type: ignore[union-attr]
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    assert isinstance(logit_reference, NormalPrior)
    return PriorCatalog(sets, clinical, logit_reference, str(path), rate_priors, shape_prior)


def _rate_prior_sets(
    tables: dict[str, Any], file: str, clinical: ClinicalThresholds, problems: list[Problem]
) -> dict[str, RatePriorSet]:
    """Parse ``[rate_priors.NAME]`` tables; malformed priors are appended to ``problems``."""
    out: dict[str, RatePriorSet] = {}
    for name, table in tables.items():
        default: RatePrior | None = None
        outcomes: dict[str, RatePrior] = {}
        for key, value in table.items():
            if key in ("rationale", "source"):
                continue
            try:
                prior = parse_prior(
                    str(value), "rates", f"{file} [rate_priors.{name}].{key}", clinical
                )
            except InputError as error:
                problems.extend(error.problems)
                continue
            if key == "all":
                default = prior
            else:
                outcomes[key] = prior
        out[name] = RatePriorSet(name, str(table.get("rationale", "")), default, outcomes)
    return out
