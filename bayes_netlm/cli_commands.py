"""The ``bayes-netlm`` subcommands: arguments checked, the Python API called, a dict returned.

Each returns a JSON-ready dict, formatted for the terminal by :mod:`bayes_netlm.cli_format`.

One code path: the numbers come from :mod:`bayes_netlm.api`, exactly as a script would get them.
Cheap checks run first, so a bad input never imports PyMC.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bayes_netlm import cli_checks as checks
from bayes_netlm.api._common import hr_prior, probability_name, rate_prior, with_thresholds
from bayes_netlm.errors import InputError
from bayes_netlm.evidence.table_files import check_table_path
from bayes_netlm.priors import PriorCatalog, load_prior_catalog

if TYPE_CHECKING:
    import pandas as pd

    from bayes_netlm.api.result import FitSummary

__all__ = ["hr", "rates", "reconstruct", "run", "sensitivity", "survival"]


def _prior_shown(prior: object, name: str, catalog: PriorCatalog, described: str = "") -> str:
    """The prior as the output names it: the distribution, and the set or statement it came from."""
    if described:
        return f"{prior} ({name}: {described})"
    if name in catalog.set_names:
        return f"{prior} ({name} prior set)"
    return str(prior)


def _interval(rows: pd.DataFrame, quantity: str) -> dict[str, Any]:
    row = rows[rows["quantity"] == quantity].iloc[0]
    out: dict[str, Any] = {"median": row["value"], "ci95": [row["lower"], row["upper"]]}
    if np.isfinite(row["mcse_value"]):
        out["mcse"] = {"median": row["mcse_value"], "ci95": [row["mcse_lower"], row["mcse_upper"]]}
    return out


def _probabilities(rows: pd.DataFrame, fit: FitSummary, mcse: bool = False) -> dict[str, float]:
    column = "mcse_value" if mcse else "value"
    return {
        probability_name(q, fit.clinical, fit.hr_label): v
        for q, v in zip(rows["quantity"], rows[column], strict=True)
        if str(q).startswith("p_")
    }


def _rows(fit: FitSummary, analysis: str, method: str) -> pd.DataFrame:
    table = fit.table
    return table[(table["analysis"] == analysis) & (table["method"] == method)]


def _check_block(fit: FitSummary, analysis: str, quantities: tuple[str, ...]) -> dict[str, Any]:
    rows = _rows(fit, analysis, "pymc")
    converged = (
        fit.convergence["converged"].astype(bool).all() if not fit.convergence.empty else True
    )
    estimates = {q.upper(): _interval(rows, q) for q in quantities}
    block: dict[str, Any] = (
        {"estimate": {"measure": "HR", **estimates["HR"]}}
        if quantities == ("hr",)
        else {"estimates": estimates}
    )
    return {
        **block,
        "probabilities": _probabilities(rows, fit),
        "probabilities_mcse": _probabilities(rows, fit, mcse=True),
        "converged": bool(converged),
    }


def hr(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm hr``: a published hazard ratio under a prior (exact, with an MCMC check)."""
    checks.hr_conflicts(args)
    catalog = load_prior_catalog()
    with_thresholds(
        catalog.clinical, hr_important=args.threshold, where="--threshold"
    )  # checked before the fit
    name, prior, described = hr_prior(args.prior, catalog, "--prior")
    if args.shape is not None and args.shape_prior is not None:
        raise InputError.single("--shape", "give --shape or --shape-prior", "drop one")
    shape = args.shape if args.shape is not None else args.shape_prior
    if shape is not None and args.medians is None:
        raise InputError.single("--shape", "applies to --medians only", "add --medians")
    import bayes_netlm as bn

    fit = bn.hazard_ratio(
        args.hr,
        args.ci,
        args.p,
        args.medians,
        prior=prior,
        shape=shape,
        n=args.n,
        threshold=args.threshold,
        mcmc=not args.exact_only,
        seed=args.seed,
    )
    assert fit.data is not None
    # with a shape prior the headline is the exact mixture over k, as in the API; the exponential
    # result (k = 1) is shown beside it (the headline was the exponential one, the mixture a note)
    exact = _rows(fit, fit.headline, "exact")
    method = "exact conjugate Normal-Normal"
    if fit.shape_prior is not None:
        method = "exact Normal mixture over the Weibull shape (Gauss-Hermite in log k)"
    result: dict[str, Any] = {
        "input": {
            "log_hr": fit.data.estimate,
            "se": fit.data.se,
            "derivation": fit.data.derivation,
        },
        "prior": _prior_shown(prior, name, catalog, described),
        "method": method,
        "estimate": {"measure": "HR", **_interval(exact, "hr")},
        "probabilities": _probabilities(exact, fit),
        "thresholds": {"important": fit.clinical.hr_important, "mirror": fit.clinical.hr_harm},
    }
    if fit.information is not None:
        check = fit.information
        result["information_check"] = {
            "implied": check.implied,
            "hard_bounds": [check.lowest, check.highest],
            "plausible_lowest": check.plausible_lowest,
            "within_bounds": check.within_bounds,
            "plausible": check.plausible,
            "consistent": check.consistent,
            "message": check.message,
        }
    if fit.shape_prior is not None:
        exponential = _rows(fit, "summary_hr", "exact")
        result["weibull_shape"] = {
            "shape_prior": str(fit.shape_prior),
            "posterior_mean_k": fit.shape_mean,
        }
        result["exponential"] = {
            "method": "exact conjugate Normal-Normal, exponential survival (k = 1)",
            "estimate": {"measure": "HR", **_interval(exponential, "hr")},
            "probabilities": _probabilities(exponential, fit),
        }
    if not args.exact_only:
        result["mcmc_check"] = _check_block(fit, fit.headline, ("hr",))
    result["notes"] = fit.notes
    return result


def _rates_method(headline: str, beta: bool) -> str:
    if headline != "exact":
        return "PyMC NUTS"
    if beta:
        return "exact Beta-binomial (mixture of Betas over interval counts)"
    return "2-D quadrature over (logit p_reference, log OR), interval-censored binomial"


def rates(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm rates``: two proportions (Beta mixture or log-OR quadrature; PyMC check)."""
    from bayes_netlm.evidence.counts import parse_count_of
    from bayes_netlm.priors import BetaPrior

    catalog = load_prior_catalog()
    with_thresholds(catalog.clinical, rd_important=args.threshold, where="--threshold")
    name, prior = rate_prior(args.prior, catalog, "--prior")
    (index_name, index_text), (reference_name, reference_text) = args.index, args.reference
    index = parse_count_of(index_text, "--index")
    reference = parse_count_of(reference_text, "--reference")
    import bayes_netlm as bn

    fit = bn.compare_rates(
        index,
        reference,
        names=(index_name, reference_name),
        prior=prior,
        threshold=args.threshold,
        mcmc=not args.exact_only,
        seed=args.seed,
    )
    headline = fit.headline_method
    rows = _rows(fit, "rates", headline)
    result: dict[str, Any] = {
        "index": {"name": index_name, "counts": str(index)},
        "reference": {"name": reference_name, "counts": str(reference)},
        "prior": _prior_shown(prior, name, catalog),
        "method": _rates_method(headline, isinstance(prior, BetaPrior)),
        "estimates": {q.upper(): _interval(rows, q) for q in ("rd", "rr", "or")},
        "probabilities": _probabilities(rows, fit),
        "thresholds": {"rd": fit.clinical.rd_important, "equivalence": fit.clinical.rd_equivalence},
    }
    if headline == "pymc":
        result["converged"] = fit.converged
    elif fit.tree is not None:
        result["mcmc_check"] = _check_block(fit, "rates", ("rd", "rr", "or"))
    return result


#: follow-up (years) beyond which, or below which, the times' unit is probably not the one given
PLAUSIBLE_YEARS = (1 / 365.25, 100.0)


def _unit_notes(longest: float, unit: str) -> list[str]:
    """A note when the longest follow-up is implausible in years.

    Days read as years printed a median survival of 4993 years without a word.
    """
    low, high = PLAUSIBLE_YEARS
    if low <= longest <= high:
        return []
    given = "no --time-unit (years)" if unit == "years" else f"--time-unit {unit}"
    return [
        f"the longest follow-up is {longest:.3g} years with {given}: if the times are in "
        "another unit, give --time-unit (days, weeks, months or years); every time, horizon "
        "and median here is in years"
    ]


def survival(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm survival``: the censored Weibull model with lifelines beside it."""
    check_table_path(args.data)  # before pandas, PyMC and lifelines load
    catalog = load_prior_catalog()
    name, prior, _ = hr_prior(args.prior, catalog, "--prior")
    requested = [c.strip() for c in args.covariates.split(",") if c.strip()]
    twice = sorted({c for c in requested if requested.count(c) > 1})
    if twice:
        raise InputError.single(
            "--covariates", f"{', '.join(twice)} listed twice", "list each covariate once"
        )
    import bayes_netlm as bn

    model = bn.WeibullPH(shape=args.shape, prior=prior, reference_time=args.reference_time)
    data = model.load(
        args.data,
        duration_col=args.time,
        event_col=args.event,
        group_col=args.group,
        index_level=args.index_level,
        covariates=requested,
        id_col=args.id,
    )
    if args.time_unit != "years":  # the horizons, reference time and outputs are in years
        years = data.time / checks.YEARS_PER[args.time_unit]
        years.setflags(write=False)  # SurvivalData's arrays are read-only
        data = replace(data, time=years)
    fit = model.fit_data(data, seed=args.seed, source=args.data)
    from bayes_netlm.modeling.survival_quantities import RMST_HORIZON  # the one the fit used

    rows = _rows(fit, "weibull", "pymc")
    names = {"index": data.index_label, "reference": data.reference_label}
    return {
        "data": {
            "file": str(args.data),
            "index": data.index_label,
            "reference": data.reference_label,
            "patients": int(data.time.size),
            "events": int(data.event.sum()),
            "covariates": list(data.covariates.columns),
            "time_unit": "years",
            "time_unit_of_file": args.time_unit,
            "synthetic": fit.synthetic,  # the file is a bundled synthetic table
            "notes": [*data.notes, *_unit_notes(float(data.time.max()), args.time_unit)],
        },
        "prior": _prior_shown(prior, name, catalog),
        "method": f"censored Weibull PH, {args.shape} shape, PyMC NUTS (nutpie)",
        "estimate": {"measure": fit.hr_label, **_interval(rows, "hr")},
        "probabilities": _probabilities(rows, fit),
        "medians": {names[g]: _interval(rows, f"median_{g}") for g in ("index", "reference")},
        "shape": {names[g]: _interval(rows, f"k_{g}") for g in ("index", "reference")},
        "rmst_difference": _interval(rows, "rmst_difference"),
        "rmst_horizon": RMST_HORIZON,
        "converged": fit.converged,
        "frequentist": fit.frequentist,
    }


def sensitivity(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm sensitivity``: prior grid, tipping points and custom priors, published HRs."""
    from bayes_netlm.evidence.published import load_published
    from bayes_netlm.spec import load_spec

    grid = None if args.grid is None else checks.parse_grid(args.grid)
    spec = load_spec()
    catalog = load_prior_catalog(spec.prior_sets)
    study = load_published(spec.published)
    by_name = {s.name: s for s in study.survival}
    chosen = args.endpoint or list(by_name)
    unknown = [e for e in chosen if e not in by_name]
    if unknown:
        raise InputError.single(
            "--endpoint", f"unknown endpoint {unknown[0]!r}", f"use one of {', '.join(by_name)}"
        )
    priors: dict[str, Any] = {name: (s.log_hr, "") for name, s in catalog.sets.items()}
    for text in args.prior or []:
        label, prior, described = hr_prior(text, catalog, "--prior")
        priors[text if described else label] = (prior, described)
    import bayes_netlm as bn
    from bayes_netlm.analyses.published import hazard_ratio_evidence

    reference_prior = spec.sensitivity.reference_prior if spec.sensitivity else "vague"
    centres = None if grid is None else [float(np.exp(m)) for m in grid[0]]
    sds = None if grid is None else list(grid[1])
    result: dict[str, Any] = {
        "elicited": {k: d for k, (_, d) in priors.items() if d},
        "endpoints": {},
    }
    for name in chosen:
        summary = by_name[name]
        args_hr = {
            "medians": (summary.median_index, summary.median_reference),
            "p": summary.p_value,
        }
        check = hazard_ratio_evidence(summary).check
        reference = bn.hazard_ratio(**args_hr, prior=reference_prior, mcmc=False)  # type: ignore[arg-type]
        sens = bn.prior_sensitivity(reference, centres, sds)
        if check is not None and not check.consistent:
            sens.warnings.append(check.message)
        posteriors = {}
        for label, (prior, _) in priors.items():
            fit = bn.hazard_ratio(**args_hr, prior=prior, mcmc=False)  # type: ignore[arg-type]
            rows = _rows(fit, "summary_hr", "exact")
            posteriors[label] = {
                "prior": str(prior),
                "estimate": {"measure": "HR", **_interval(rows, "hr")},
                "probabilities": _probabilities(rows, fit),
            }
        assert reference.data is not None
        result["endpoints"][name] = {
            "label": summary.label,
            "input": {
                "log_hr": reference.data.estimate,
                "se": reference.data.se,
                "derivation": reference.data.derivation,
            },
            "consistency": None if check is None else check.message,
            "warnings": sens.warnings,
            "priors": posteriors,
            "grid": sens.grid.to_dict("records"),
            "tipping_points": sens.tipping.replace({np.nan: None}).to_dict("records"),
        }
    return result


def reconstruct(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm reconstruct``: patients from a digitised curve, written atomically."""
    from bayes_netlm.evidence.curves import parse_total_events

    totals = parse_total_events(args.events) if args.events else None
    from bayes_netlm.reporting.outputs import check_out_file

    out = check_out_file(args.out, inputs={"--curve": args.curve, "--at-risk": args.at_risk})
    import bayes_netlm as bn

    rec = bn.reconstruct_curves(args.curve, args.at_risk, totals, seed=args.seed)
    rec.to_csv(out)
    return {"out": str(out), "arms": rec.quality_dict(), "notes": rec.notes}


def run(args: argparse.Namespace) -> str:
    """``bayes-netlm run``: every input checked, then the whole re-analysis written."""
    from bayes_netlm.evidence.published import load_published
    from bayes_netlm.reporting.outputs import check_out
    from bayes_netlm.spec import DEFAULT_SPEC, load_spec

    spec = load_spec(Path(args.spec) if args.spec else DEFAULT_SPEC)
    load_published(spec.published)
    load_prior_catalog(spec.prior_sets)
    check_out(args.out)
    from bayes_netlm.run import run_published

    return run_published(
        Path(args.out),
        args.seed,
        Path(args.spec) if args.spec else None,
        args.started,
        quiet=args.quiet,
    )
