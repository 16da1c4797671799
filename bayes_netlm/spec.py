"""The run specification (``models/run.toml``): data, models, prior sets, sampler settings.

The whole file is checked before any work, every problem listed at once. Reading it imports no
NumPy, pandas or PyMC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.modeling.sampler_settings import SamplerSettings
from bayes_netlm.priors import check_normal
from bayes_netlm.spec_checks import fit_name_problems, unknown_keys
from bayes_netlm.tomlfile import read_toml

__all__ = ["PROJECT_ROOT", "RunSpec", "load_spec"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = PROJECT_ROOT / "models" / "run.toml"


@dataclass(frozen=True)
class EndpointSpec:
    """One survival endpoint: columns (or curve files), shape choice and reference time.

    ``reference_time`` (years): the time whose hazard ratio carries the prior set when the index
    group has its own shape (non-proportional hazards). With ``source = "curves"`` the endpoint's
    patients are reconstructed from ``curve`` and ``at_risk`` (and ``events``, total events per
    arm, when the paper gives them) instead of read from the ``time`` and ``event`` columns.
    """

    name: str
    label: str
    time: str
    event: str
    group_shape: bool
    reference_time: float = 1.0
    curve: Path | None = None
    at_risk: Path | None = None
    events: tuple[tuple[str, int], ...] = ()


SOURCES = ("patients", "curves")


@dataclass(frozen=True)
class SurvivalSpec:
    """The patient-level survival analysis of the run.

    ``source`` is ``"patients"`` (one row per patient in ``data``) or ``"curves"`` (patients
    reconstructed from each endpoint's digitised Kaplan-Meier curves; no matching, since an OS
    and a PFS figure cannot be linked patient by patient). ``n_reconstructions`` plausible
    reconstructions per endpoint are fitted and pooled to carry the reconstruction's own
    uncertainty (0: none).
    """

    data: Path | None
    synthetic: bool
    group: str
    index_level: str | None
    prior_sets: tuple[str, ...]
    horizons: tuple[float, ...]
    rmst_horizon: float
    match_on: tuple[str, ...]
    match_ratio: int
    match_caliper: float
    endpoints: tuple[EndpointSpec, ...]
    source: str = "patients"
    n_reconstructions: int = 0

    @property
    def data_kind(self) -> str:
        """What the results rest on: ``synthetic``, ``reconstructed`` or ``patient`` data."""
        if self.synthetic:
            return "synthetic"
        return "reconstructed" if self.source == "curves" else "patient"


def _path(value: Any) -> Path | None:
    return None if value is None else PROJECT_ROOT / str(value)


def _endpoint(name: str, table: dict, source: str) -> EndpointSpec:
    shape = table.get("shape", "common")
    if shape not in ("common", "group"):
        raise ValueError(f"endpoint {name}: shape must be 'common' or 'group', not {shape!r}")
    reference_time = float(table.get("reference_time", 1.0))
    if not reference_time > 0:
        raise ValueError(f"endpoint {name}: reference_time must be positive, not {reference_time}")
    if source == "curves":
        if "curve" not in table or "at_risk" not in table:
            raise ValueError(f"endpoint {name}: source 'curves' needs curve and at_risk files")
        events = {str(arm): int(n) for arm, n in dict(table.get("events", {})).items()}
        if any(n < 0 for n in events.values()):
            raise ValueError(f"endpoint {name}: total events must be >= 0")
        return EndpointSpec(
            name,
            table["label"],
            "time",
            "event",
            shape == "group",
            reference_time,
            _path(table["curve"]),
            _path(table["at_risk"]),
            tuple(sorted(events.items())),
        )
    return EndpointSpec(
        name, table["label"], table["time"], table["event"], shape == "group", reference_time
    )


def _names(value: Any, where: str) -> tuple[str, ...]:
    """A list of distinct prior-set names (a bare string is not a list of one)."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f'{where} must be a list of prior-set names, e.g. ["vague"]')
    if len(set(value)) < len(value):
        raise ValueError(f"{where} names a prior set twice")
    return tuple(value)


def _number(table: dict, key: str, default: float, where: str) -> float:
    """A finite positive number (a quoted number or a boolean is refused)."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} {key} must be a number, not {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{where} {key} must be a finite number above 0, not {value!r}")
    return float(value)


def _survival(table: dict) -> SurvivalSpec:
    source = str(table.get("source", "patients"))
    if source not in SOURCES:
        raise ValueError(f"[survival] source must be one of {', '.join(SOURCES)}, not {source!r}")
    n_reconstructions = int(table.get("n_reconstructions", 0))
    horizons = tuple(float(h) for h in table.get("horizons", (1, 5, 10)))
    if not horizons or not all(math.isfinite(h) and h > 0 for h in horizons):
        raise ValueError("[survival] horizons must be one or more positive times (years)")
    if not 0 <= n_reconstructions <= 200:
        raise ValueError("[survival] n_reconstructions must be between 0 and 200")
    synthetic = table.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise ValueError(f"[survival] synthetic must be true or false, not {synthetic!r}")
    match_ratio = table.get("match_ratio", 3)
    if isinstance(match_ratio, bool) or not isinstance(match_ratio, int) or match_ratio < 1:
        raise ValueError(f"[survival] match_ratio must be a whole number >= 1, not {match_ratio!r}")
    return SurvivalSpec(
        data=_path(table["data"]) if source == "patients" else _path(table.get("data")),
        synthetic=synthetic,
        group=table["group"],
        index_level=table.get("index_level"),
        prior_sets=_names(table["prior_sets"], "[survival] prior_sets"),
        horizons=horizons,
        rmst_horizon=_number(table, "rmst_horizon", 10, "[survival]"),
        match_on=tuple(table.get("match_on", ())),
        match_ratio=match_ratio,
        match_caliper=_number(table, "match_caliper", 0.2, "[survival]"),
        endpoints=tuple(_endpoint(n, t, source) for n, t in table["endpoints"].items()),
        source=source,
        n_reconstructions=n_reconstructions,
    )


@dataclass(frozen=True)
class SensitivitySpec:
    """The prior grid, reference prior and Weibull fits of the sensitivity analysis."""

    prior_means: tuple[float, ...]
    prior_sds: tuple[float, ...]
    reference_prior: str
    weibull_fits: tuple[str, ...]


def _sensitivity(table: dict) -> SensitivitySpec:
    centres = [float(hr) for hr in table["prior_hr_means"]]
    if not all(math.isfinite(c) and c > 0 for c in centres):
        raise ValueError("[sensitivity] prior_hr_means must be positive finite hazard ratios")
    means = tuple(math.log(c) for c in centres)
    sds = tuple(float(s) for s in table["prior_sds"])
    if not means or not sds:
        raise ValueError("[sensitivity] needs at least one prior mean and one prior SD")
    problems = [p for m in means for p in check_normal(m, 1.0, "[sensitivity] prior_hr_means")]
    problems += [p for s in sds for p in check_normal(0.0, s, "[sensitivity] prior_sds")]
    if problems:
        raise ValueError("; ".join(f"{p.what} ({p.fix})" for p in problems))
    return SensitivitySpec(
        means, sds, str(table.get("reference_prior", "vague")), tuple(table.get("weibull_fits", ()))
    )


@dataclass(frozen=True)
class RunSpec:
    """Everything ``bayes-netlm run`` needs besides the seed."""

    published: Path
    prior_sets: Path
    hr_prior_sets: tuple[str, ...]
    rate_prior_sets: tuple[str, ...]
    survival: SurvivalSpec | None
    sensitivity: SensitivitySpec | None
    sampler_values: tuple[tuple[str, Any], ...]
    path: Path
    sha256: str

    @property
    def sampler(self) -> SamplerSettings:
        """The NUTS settings."""
        return SamplerSettings(**dict(self.sampler_values))


def load_spec(path: str | Path = DEFAULT_SPEC) -> RunSpec:
    """Read and check a run specification.

    Raises
    ------
    InputError
        Unreadable file, invalid TOML, or a missing or mistyped field.

    """
    path = Path(path)
    doc, sha256 = read_toml(path)
    problems = unknown_keys(doc, path) + _sampler_problems(doc.get("sampler", {}), path)
    try:
        spec = RunSpec(
            published=PROJECT_ROOT / doc["data"]["published"],
            prior_sets=PROJECT_ROOT / doc["data"]["prior_sets"],
            hr_prior_sets=_names(
                doc["summary_hazard_ratio"]["prior_sets"], "[summary_hazard_ratio] prior_sets"
            ),
            rate_prior_sets=_names(doc["rates"]["prior_sets"], "[rates] prior_sets"),
            survival=_survival(doc["survival"]) if "survival" in doc else None,
            sensitivity=_sensitivity(doc["sensitivity"]) if "sensitivity" in doc else None,
            sampler_values=_sampler_values(doc.get("sampler", {})),
            path=path,
            sha256=sha256,
        )
    except KeyError as missing:
        problems.append(Problem(str(path), f"missing field {missing}", "see models/run.toml"))
    except (TypeError, ValueError, AttributeError) as error:
        problems.append(Problem(str(path), f"invalid value ({error})", "see models/run.toml"))
    else:
        problems += fit_name_problems(spec)
    if problems:
        raise InputError(problems)
    return spec


# setting: (default, smallest allowed, largest allowed, kind)
SAMPLER_RULES: dict[str, tuple[Any, float, float, type]] = {
    "draws": (1000, 1, 10**6, int),
    "tune": (1000, 0, 10**6, int),
    "chains": (4, 1, 64, int),
    "cores": (2, 1, 256, int),
    "target_accept": (0.9, 0.5, 0.999, float),
}


def _sampler_values(table: Any) -> tuple[tuple[str, Any], ...]:
    table = table if isinstance(table, dict) else {}
    return tuple((key, table.get(key, rule[0])) for key, rule in SAMPLER_RULES.items())


def _sampler_problems(table: Any, path: Path) -> list[Problem]:
    """Every out-of-range, mistyped or unknown ``[sampler]`` setting."""
    where = f"{path} [sampler]"
    if not isinstance(table, dict):
        return [Problem(where, "is not a table", "write [sampler] with draws = 1000 etc.")]
    problems = [
        Problem(f"{where} {key}", "unknown setting", f"use only {', '.join(SAMPLER_RULES)}")
        for key in table
        if key not in SAMPLER_RULES
    ]
    for key, (default, low, high, kind) in SAMPLER_RULES.items():
        value = table.get(key, default)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if kind is int and not isinstance(value, int):
            number = False
        if not number or not (math.isfinite(value) and low <= value <= high):
            shown = "a whole number" if kind is int else "a number"
            problems.append(
                Problem(
                    f"{where} {key}",
                    f"{value!r} is not {shown} from {low:g} to {high:g}",
                    f"set {key} = {default} (the default) or another value in that range",
                )
            )
    return problems
