"""The run specification (``models/run.toml``): data, models, prior sets, sampler settings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from bayes_netlm.errors import InputError
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.tomlfile import read_toml

__all__ = ["PROJECT_ROOT", "RunSpec", "load_spec"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = PROJECT_ROOT / "models" / "run.toml"


@dataclass(frozen=True)
class EndpointSpec:
    """One survival endpoint: columns, shape choice and reference time.

    ``reference_time`` (years): the time whose hazard ratio carries the prior set when the index
    group has its own shape (non-proportional hazards).
    """

    name: str
    label: str
    time: str
    event: str
    group_shape: bool
    reference_time: float = 1.0


@dataclass(frozen=True)
class SurvivalSpec:
    """The patient-level survival analysis of the run."""

    data: Path
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


def _endpoint(name: str, table: dict) -> EndpointSpec:
    shape = table.get("shape", "common")
    if shape not in ("common", "group"):
        raise ValueError(f"endpoint {name}: shape must be 'common' or 'group', not {shape!r}")
    reference_time = float(table.get("reference_time", 1.0))
    if not reference_time > 0:
        raise ValueError(f"endpoint {name}: reference_time must be positive, not {reference_time}")
    return EndpointSpec(
        name, table["label"], table["time"], table["event"], shape == "group", reference_time
    )


def _survival(table: dict) -> SurvivalSpec:
    return SurvivalSpec(
        data=PROJECT_ROOT / table["data"],
        synthetic=bool(table.get("synthetic", False)),
        group=table["group"],
        index_level=table.get("index_level"),
        prior_sets=tuple(table["prior_sets"]),
        horizons=tuple(float(h) for h in table.get("horizons", (1, 5, 10))),
        rmst_horizon=float(table.get("rmst_horizon", 10)),
        match_on=tuple(table.get("match_on", ())),
        match_ratio=int(table.get("match_ratio", 3)),
        match_caliper=float(table.get("match_caliper", 0.2)),
        endpoints=tuple(_endpoint(n, t) for n, t in table["endpoints"].items()),
    )


@dataclass(frozen=True)
class SensitivitySpec:
    """The prior grid, reference prior and Weibull fits of the sensitivity analysis."""

    prior_means: tuple[float, ...]
    prior_sds: tuple[float, ...]
    reference_prior: str
    weibull_fits: tuple[str, ...]


def _sensitivity(table: dict) -> SensitivitySpec:
    means = tuple(math.log(float(hr)) for hr in table["prior_hr_means"])
    sds = tuple(float(s) for s in table["prior_sds"])
    if not means or not sds:
        raise ValueError("[sensitivity] needs at least one prior mean and one prior SD")
    if any(s <= 0 for s in sds):
        raise ValueError("[sensitivity] prior_sds must be positive")
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
    sampler: SamplerSettings
    path: Path
    sha256: str


def load_spec(path: str | Path = DEFAULT_SPEC) -> RunSpec:
    """Read and check a run specification.

    Raises
    ------
    InputError
        Unreadable file, invalid TOML, or a missing or mistyped field.

    """
    path = Path(path)
    doc, sha256 = read_toml(path)
    try:
        sampler = doc.get("sampler", {})
        return RunSpec(
            published=PROJECT_ROOT / doc["data"]["published"],
            prior_sets=PROJECT_ROOT / doc["data"]["prior_sets"],
            hr_prior_sets=tuple(doc["summary_hazard_ratio"]["prior_sets"]),
            rate_prior_sets=tuple(doc["rates"]["prior_sets"]),
            survival=_survival(doc["survival"]) if "survival" in doc else None,
            sensitivity=_sensitivity(doc["sensitivity"]) if "sensitivity" in doc else None,
            sampler=SamplerSettings(
                draws=int(sampler.get("draws", 1000)),
                tune=int(sampler.get("tune", 1000)),
                chains=int(sampler.get("chains", 4)),
                cores=int(sampler.get("cores", 2)),
                target_accept=float(sampler.get("target_accept", 0.9)),
            ),
            path=path,
            sha256=sha256,
        )
    except KeyError as missing:
        raise InputError.single(
            str(path), f"missing field {missing}", "see models/run.toml"
        ) from None
    except (TypeError, ValueError) as error:
        raise InputError.single(
            str(path), f"invalid value ({error})", "see models/run.toml"
        ) from None
