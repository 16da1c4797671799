"""The ``bayes-netlm`` command: ``run`` (the whole re-analysis), ``hr`` and ``rates`` (any study).

Exit statuses: 0 success; 2 bad input (one message naming the input, nothing written); 3 the
reported fit failed its convergence checks; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
Inputs are parsed and checked before PyMC, JAX or lifelines are imported, so a bad input is
answered at once.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bayes_netlm import cli_checks as checks
from bayes_netlm.errors import InputError, Interrupted, stoppable
from bayes_netlm.evidence.counts import parse_count_of
from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.priors import (
    BetaPrior,
    ClinicalThresholds,
    NormalPrior,
    PriorCatalog,
    load_prior_catalog,
    parse_prior,
)
from bayes_netlm.reporting.outputs import DiskFull

if TYPE_CHECKING:
    from bayes_netlm.summaries import Summary

__all__ = ["main"]

DEFAULT_SEED = 20250101


def _prior(text: str, scale: str, catalog: PriorCatalog) -> NormalPrior | BetaPrior:
    """A named set's prior for the scale, or a distribution string."""
    if ":" not in text:
        prior_set = catalog.get(text, "--prior")
        return prior_set.log_hr if scale == "log_hr" else prior_set.rates
    return parse_prior(text, scale, "--prior")


def _hr_threshold(clinical: ClinicalThresholds, threshold: float | None) -> ClinicalThresholds:
    if threshold is None:
        return clinical
    if not 0 < threshold < 1:
        raise InputError.single(
            "--threshold",
            f"{threshold:g} is not a hazard ratio below 1",
            "give 0 < HR < 1, e.g. 0.7",
        )
    return replace(clinical, hr_important=threshold)


def _rd_threshold(clinical: ClinicalThresholds, threshold: float | None) -> ClinicalThresholds:
    if threshold is None:
        return clinical
    if not 0 < threshold < 1:
        raise InputError.single(
            "--threshold", f"{threshold:g} is not a risk difference in (0, 1)", "give e.g. 0.05"
        )
    return replace(clinical, rd_important=threshold)


def _interval(summary: Summary, key: str) -> dict[str, Any]:
    estimate = summary[key]
    result = {"median": estimate.value, "ci95": [estimate.lower, estimate.upper]}
    if math.isfinite(estimate.mcse_value):
        result["mcse"] = {
            "median": estimate.mcse_value,
            "ci95": [estimate.mcse_lower, estimate.mcse_upper],
        }
    return result


def _probabilities(summary: Summary, keys: dict[str, str]) -> dict:
    return {name: summary[key].value for name, key in keys.items()}


def _probability_mcses(summary: Summary, keys: dict[str, str]) -> dict:
    return {name: summary[key].mcse_value for name, key in keys.items()}


HR_PROBABILITIES = {
    "below_1": "p_below_1",
    "below_threshold": "p_benefit",
    "above_mirror": "p_harm",
    "equivalent": "p_equivalent",
}
RATE_PROBABILITIES = {
    "rd_above_0": "p_rd_above_0",
    "rd_above_threshold": "p_rd_above_important",
    "rd_below_minus_threshold": "p_rd_below_minus_important",
    "rd_equivalent": "p_rd_equivalent",
    "rr_below_1": "p_rr_below_1",
}


def _command_hr(args: argparse.Namespace) -> dict[str, Any]:
    checks.hr_conflicts(args)
    catalog = load_prior_catalog()
    clinical = _hr_threshold(catalog.clinical, args.threshold)
    prior = _prior(args.prior, "log_hr", catalog)
    assert isinstance(prior, NormalPrior)
    from bayes_netlm.modeling import hazard_ratio as hr_model
    from bayes_netlm.modeling import weibull_shape
    from bayes_netlm.summaries import (
        hr_summary_exact,
        hr_summary_from_distribution,
        hr_summary_from_draws,
    )

    shape = None
    if args.shape is not None or args.shape_prior is not None:
        if args.medians is None:
            raise InputError.single("--shape", "applies to --medians only", "add --medians")
        if args.shape is not None and args.shape_prior is not None:
            raise InputError.single("--shape", "give --shape or --shape-prior", "drop one")
        where = "--shape" if args.shape is not None else "--shape-prior"
        shape = weibull_shape.parse_shape_prior(str(args.shape or args.shape_prior), where)
    if args.medians is not None:
        if args.p is None:
            raise InputError.single("--medians", "needs the two-sided --p", "add --p P")
        data = hr_model.from_medians(args.medians[0], args.medians[1], args.p)
        if shape is not None and shape.sd == 0:  # a fixed shape k: log HR = k r, SE = k sigma_r
            k = math.exp(shape.mean)
            data = hr_model.LogHazardRatio(
                k * data.estimate,
                k * data.se,
                f"{data.derivation}; Weibull shape k = {k:g}: log HR and SE times k",
            )
    elif args.hr is None:
        raise InputError.single("--hr", "no estimate given", "give --hr X with --ci LO HI or --p P")
    elif args.ci is not None:
        data = hr_model.from_ci(args.hr, args.ci[0], args.ci[1])
    elif args.p is not None:
        data = hr_model.from_p_value(args.hr, args.p)
    else:
        raise InputError.single("--hr", "needs --ci LO HI or --p P", "add one of them")
    exact = hr_summary_exact(hr_model.conjugate_posterior(prior, data), clinical)
    notes: list[str] = []
    result: dict[str, Any] = {
        "input": {"log_hr": data.estimate, "se": data.se, "derivation": data.derivation},
        "prior": str(prior),
        "method": "exact conjugate Normal-Normal",
        "estimate": {"measure": "HR", **_interval(exact, "hr")},
        "probabilities": _probabilities(exact, HR_PROBABILITIES),
        "thresholds": {"important": clinical.hr_important, "mirror": clinical.hr_harm},
    }
    if args.n is not None:
        check = hr_model.information_check(data, args.n[0], args.n[1])
        result["information_check"] = {
            "implied": check.implied,
            "hard_bounds": [check.lowest, check.highest],
            "plausible_lowest": check.plausible_lowest,
            "within_bounds": check.within_bounds,
            "plausible": check.plausible,
            "consistent": check.consistent,
            "message": check.message,
        }
        notes.append(f"information check: {check.message}")
        if not check.consistent:
            notes.append(
                "the numbers do not fit proportional hazards (curves may cross): even the "
                "direction of P(HR < 1) is unsafe"
            )
    elif args.medians is not None:
        notes.append("information check skipped: give the group sizes with --n INDEX REFERENCE")
    restated = hr_model.p_value_restated(exact["p_below_1"].value, data, args.p)
    if restated is not None and args.ci is None:
        notes.append(restated)
    if shape is not None and shape.sd > 0:
        mixture = weibull_shape.shape_marginal_posterior(data, prior, shape)
        marginal = hr_summary_from_distribution(mixture.log_hr, clinical)
        block: dict[str, Any] = {
            "shape_prior": str(shape),
            "method": "exact Normal mixture over the Weibull shape (Gauss-Hermite in log k)",
            "posterior_mean_k": mixture.shape_mean,
            "estimate": {"measure": "HR", **_interval(marginal, "hr")},
            "probabilities": _probabilities(marginal, HR_PROBABILITIES),
        }
        if not args.exact_only:
            evidence = hr_model.HazardRatioEvidence("hr", "hazard ratio", data, args.p)
            fit = weibull_shape.fit_shape_marginalised(
                [evidence], {"prior": prior}, shape, clinical, args.seed
            )
            draws = fit.posteriors[weibull_shape.ANALYSIS].posterior["log_hr"].values
            mcmc = hr_summary_from_draws(draws, clinical)
            block["mcmc_check"] = {
                "estimate": {"measure": "HR", **_interval(mcmc, "hr")},
                "probabilities": _probabilities(mcmc, HR_PROBABILITIES),
                "probabilities_mcse": _probability_mcses(mcmc, HR_PROBABILITIES),
                "converged": bool(fit.convergence["converged"].all()),
            }
        result["weibull_shape"] = block
        hr_block = block["estimate"]
        notes.append(
            f"Weibull shape {shape} marginalised: HR {hr_block['median']:.3f} "
            f"({hr_block['ci95'][0]:.3f} to {hr_block['ci95'][1]:.3f}), "
            f"P(HR < 1) = {marginal['p_below_1'].value:.3f}, "
            f"P(HR < {clinical.hr_important:g}) = {marginal['p_benefit'].value:.3f}"
        )
    if not args.exact_only:
        evidence = hr_model.HazardRatioEvidence("hr", "hazard ratio", data)
        fit = hr_model.fit_hazard_ratios([evidence], {"prior": prior}, clinical, args.seed)
        draws = fit.posteriors["summary_hr"].posterior["log_hr"].values
        mcmc = hr_summary_from_draws(draws, clinical)
        result["mcmc_check"] = {
            "estimate": {"measure": "HR", **_interval(mcmc, "hr")},
            "probabilities": _probabilities(mcmc, HR_PROBABILITIES),
            "probabilities_mcse": _probability_mcses(mcmc, HR_PROBABILITIES),
            "converged": bool(fit.convergence["converged"].all()),
        }
    result["notes"] = notes
    return result


def _command_rates(args: argparse.Namespace) -> dict[str, Any]:
    catalog = load_prior_catalog()
    clinical = _rd_threshold(catalog.clinical, args.threshold)
    prior = _prior(args.prior, "rates", catalog)
    index_name, index_text = args.index
    reference_name, reference_text = args.reference
    comparison = RateEvidence(
        name="rates",
        label=f"{index_name} vs {reference_name}",
        kind="outcome",
        index=parse_count_of(index_text, "--index"),
        reference=parse_count_of(reference_text, "--reference"),
        p_value=math.nan,
    )
    from bayes_netlm.modeling import rates as rate_model
    from bayes_netlm.summaries import rates_summary_exact, rates_summary_from_draws

    result: dict[str, Any] = {
        "index": {"name": index_name, "counts": str(comparison.index)},
        "reference": {"name": reference_name, "counts": str(comparison.reference)},
        "prior": str(prior),
    }
    summary = None
    if isinstance(prior, BetaPrior):
        exact = rate_model.exact_effects(
            rate_model.beta_mixture_posterior(prior, comparison.index),
            rate_model.beta_mixture_posterior(prior, comparison.reference),
            clinical.rd_important,
            clinical.rd_equivalence,
        )
        summary = rates_summary_exact(exact)
        result["method"] = "exact Beta-binomial (mixture of Betas over interval counts)"
    if not args.exact_only or summary is None:
        fit = rate_model.fit_rates(
            [comparison], {"prior": prior}, clinical, catalog.logit_reference, args.seed
        )
        posterior = next(iter(fit.posteriors.values())).posterior
        mcmc = rates_summary_from_draws(
            posterior["p_index"].values, posterior["p_reference"].values, clinical
        )
        block = {
            "estimates": {key.upper(): _interval(mcmc, key) for key in ("rd", "rr", "or")},
            "probabilities": _probabilities(mcmc, RATE_PROBABILITIES),
            "probabilities_mcse": _probability_mcses(mcmc, RATE_PROBABILITIES),
            "converged": bool(fit.convergence["converged"].all()),
        }
        if summary is None:
            summary = mcmc
            result["method"] = "PyMC NUTS"
            result["converged"] = block["converged"]
        else:
            result["mcmc_check"] = block
    result["estimates"] = {key.upper(): _interval(summary, key) for key in ("rd", "rr", "or")}
    result["probabilities"] = _probabilities(summary, RATE_PROBABILITIES)
    result["thresholds"] = {"rd": clinical.rd_important, "equivalence": clinical.rd_equivalence}
    return result


def _command_survival(args: argparse.Namespace) -> dict[str, Any]:
    from bayes_netlm.evidence.patients import check_identifiable, load_survival, read_table

    catalog = load_prior_catalog()
    prior = _prior(args.prior, "log_hr", catalog)
    assert isinstance(prior, NormalPrior)
    requested = [c.strip() for c in args.covariates.split(",") if c.strip()]
    frame = read_table(args.data)
    # a column named ``id`` is checked for repeated patients even without --id
    id_col = "id" if args.id is None and "id" in frame.columns else args.id
    data = load_survival(
        frame,
        time=args.time,
        event=args.event,
        group=args.group,
        index_level=args.index_level,
        covariates=requested,
        id_col=id_col,
        source=Path(args.data).name,
    )
    check_identifiable(data)
    for note in data.notes:
        print(f"bayes-netlm survival: note: {note}", file=sys.stderr)
    from bayes_netlm.analyses import frequentist
    from bayes_netlm.modeling.weibull import SurvivalFit, fit_survival

    group_shape = args.shape == "group"
    survival_fit = SurvivalFit(
        "survival", Path(args.data).name, data, group_shape, args.reference_time
    )
    fit = fit_survival(
        [survival_fit],
        {"prior": prior},
        catalog.clinical,
        args.seed,
        covariates=list(data.covariates.columns),
    )
    summary = fit.table.set_index("quantity")

    def interval(quantity: str) -> dict[str, Any]:
        row = summary.loc[quantity]
        return {"median": row["value"], "ci95": [row["lower"], row["upper"]]}

    cox = frequentist.cox_hazard_ratio(data)
    km = frequentist.kaplan_meier_medians(data).set_index("group")
    return {
        "data": {
            "file": str(args.data),
            "index": data.index_label,
            "reference": data.reference_label,
            "patients": int(data.time.size),
            "events": int(data.event.sum()),
            "covariates": list(data.covariates.columns),
            "notes": list(data.notes),
        },
        "prior": str(prior),
        "method": f"censored Weibull PH, {args.shape} shape, PyMC NUTS (nutpie)",
        "estimate": {"measure": survival_fit.hr_name, **interval("hr")},
        "probabilities": {
            name: summary.loc[key, "value"] for name, key in HR_PROBABILITIES.items()
        },
        "medians": {
            "index": interval("median_index"),
            "reference": interval("median_reference"),
        },
        "shape": {"index": interval("k_index"), "reference": interval("k_reference")},
        "rmst_difference": interval("rmst_difference"),
        "converged": bool(fit.convergence["converged"].all()),
        "frequentist": {
            "cox_hr": cox["hr"],
            "cox_ci95": [cox["lower"], cox["upper"]],
            "logrank_p": frequentist.logrank(data),
            "km_median_index": km.loc[data.index_label, "median"],
            "km_median_reference": km.loc[data.reference_label, "median"],
        },
    }


def _command_sensitivity(args: argparse.Namespace) -> dict[str, Any]:
    from bayes_netlm.evidence.published import load_published
    from bayes_netlm.spec import load_spec

    grid = None if args.grid is None else checks.parse_grid(args.grid)
    spec = load_spec()
    catalog = load_prior_catalog(spec.prior_sets)
    study = load_published(spec.published)
    names = [s.name for s in study.survival]
    chosen = args.endpoint or names
    unknown = [e for e in chosen if e not in names]
    if unknown:
        raise InputError.single(
            "--endpoint", f"unknown endpoint {unknown[0]!r}", f"use one of {', '.join(names)}"
        )
    assert spec.sensitivity is not None
    means, sds = grid or (spec.sensitivity.prior_means, spec.sensitivity.prior_sds)
    priors: dict[str, NormalPrior] = {name: s.log_hr for name, s in catalog.sets.items()}
    shown: dict[str, str] = {}
    for text in args.prior or []:
        if ":" in text and text.split(":", 1)[0].lower() == "hr":
            from bayes_netlm.sensitivity.elicitation import parse_statement

            elicited = parse_statement(text, "--prior")
            assert isinstance(elicited.prior, NormalPrior)
            priors[text] = elicited.prior
            shown[text] = elicited.description
        else:
            prior = _prior(text, "log_hr", catalog)
            assert isinstance(prior, NormalPrior)
            priors[text] = prior
    reference = catalog.get(spec.sensitivity.reference_prior, "[sensitivity] reference_prior")
    from bayes_netlm.analyses.published import hazard_ratio_evidence
    from bayes_netlm.modeling.hazard_ratio import conjugate_posterior
    from bayes_netlm.sensitivity.grid import exact_probability, grid_table, tipping_table
    from bayes_netlm.summaries import hr_summary_exact

    evidence = {s.name: hazard_ratio_evidence(s) for s in study.survival}
    clinical = catalog.clinical
    result: dict[str, Any] = {"elicited": shown, "endpoints": {}}
    for name in chosen:
        data = evidence[name].data

        def probability(prior: NormalPrior, threshold: float, data: Any = data) -> float:
            return exact_probability(data, prior, threshold)

        grid = grid_table(probability, means, sds, (1.0, clinical.hr_important))
        tipping = tipping_table(probability, reference.log_hr, clinical)
        posteriors = {}
        for label, prior in priors.items():
            summary = hr_summary_exact(conjugate_posterior(prior, data), clinical)
            posteriors[label] = {
                "prior": str(prior),
                "estimate": {"measure": "HR", **_interval(summary, "hr")},
                "probabilities": _probabilities(summary, HR_PROBABILITIES),
            }
        result["endpoints"][name] = {
            "label": evidence[name].label,
            "input": {"log_hr": data.estimate, "se": data.se, "derivation": data.derivation},
            "consistency": getattr(evidence[name].check, "message", None),
            "priors": posteriors,
            "grid": grid.assign(prior_hr_centre=np.exp(grid.prior_mean)).to_dict("records"),
            "tipping_points": tipping.replace({np.nan: None}).to_dict("records"),
        }
    return result


def _format_sensitivity(result: dict[str, Any]) -> str:
    lines = [f"elicited {k}: {v}" for k, v in result["elicited"].items()]
    for block in result["endpoints"].values():
        lines.append(f"\n{block['label']}")
        for label, post in block["priors"].items():
            lo, hi = post["estimate"]["ci95"]
            p = post["probabilities"]["below_1"]
            lines.append(
                f"  {label:>14}: HR {post['estimate']['median']:.2f} ({lo:.2f}-{hi:.2f}), "
                f"P(HR < 1) = {p:.3f}"
            )
        for row in block["tipping_points"]:
            if row["tipping_sd"] is not None:
                lines.append(f"  tipping: {row['reading']}")
    return "\n".join(lines)


NOT_CONVERGED = (
    "WARNING: this fit FAILED its convergence checks (R-hat <= 1.01, ESS >= 400, no divergences); "
    "the numbers below are NOT reliable"
)


def _format_result(result: dict[str, Any]) -> str:
    lines = [NOT_CONVERGED] if result.get("converged") is False else []
    lines.append(f"prior: {result['prior']}    method: {result.get('method', '')}")
    if "input" in result:
        lines.append(f"input: {result['input']['derivation']}")
    estimates = result.get("estimates") or {"HR": result["estimate"]}
    for group, block in result.get("medians", {}).items():
        estimates[f"median survival, {group}"] = block
    for name, block in estimates.items():
        lo, hi = block["ci95"]
        lines.append(f"{name}: median {block['median']:.3f}, 95 % CrI {lo:.3f} to {hi:.3f}")
    for name, value in result["probabilities"].items():
        lines.append(f"P({name}) = {value:.3f}")
    lines += [f"note: {note}" for note in result.get("notes", [])]
    if "mcmc_check" in result:
        check = result["mcmc_check"]
        first = next(iter(check.get("estimates", {"HR": check.get("estimate")}).items()))
        mcse = first[1].get("mcse", {}).get("median", math.nan)
        lines.append(
            f"MCMC check: {first[0]} median {first[1]['median']:.3f} (MCSE {mcse:.3f}); "
            f"converged: {'yes' if check['converged'] else 'NO'}"
        )
    return "\n".join(lines)


def _command_run(args: argparse.Namespace) -> str:
    from bayes_netlm.evidence.published import load_published
    from bayes_netlm.reporting.outputs import check_out
    from bayes_netlm.spec import DEFAULT_SPEC, load_spec

    # everything the run reads is checked before the heavy libraries load
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


def _parser() -> argparse.ArgumentParser:
    parser = checks.Parser(
        prog="bayes-netlm",
        description="Bayesian re-analysis of cystic vs solid NETLM (Ammann et al. 2025). "
        "HR = hazard(index)/hazard(reference): HR < 1 favours the index (cystic) group.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="the whole re-analysis from the published numbers")
    run.add_argument("--out", default="results", help="results folder (default: results)")
    run.add_argument("--seed", type=checks.seed, default=DEFAULT_SEED)
    run.add_argument("--spec", help="run specification (default: models/run.toml)")
    run.add_argument(
        "--quiet", action="store_true", help="no progress lines on standard error, only the result"
    )

    hr = sub.add_parser("hr", help="re-analyse any published hazard ratio")
    positive = checks.positive_float
    hr.add_argument("--hr", type=positive, help="published hazard ratio (index vs reference)")
    hr.add_argument("--ci", type=positive, nargs=2, metavar=("LO", "HI"), help="its 95 %% CI")
    hr.add_argument("--p", type=checks.p_value, help="two-sided p-value")
    hr.add_argument(
        "--medians", type=positive, nargs=2, metavar=("INDEX", "REFERENCE"), help="median survivals"
    )
    hr.add_argument("--prior", default="vague", help="prior set name or normal:MEAN,SD on log HR")
    hr.add_argument(
        "--threshold", type=checks.finite_float, help="clinically important HR (default 0.7)"
    )
    hr.add_argument(
        "--n",
        type=checks.group_size,
        nargs=2,
        metavar=("INDEX", "REFERENCE"),
        help="group sizes (information check)",
    )
    hr.add_argument("--shape", type=positive, help="fixed Weibull shape k for --medians (HR^k)")
    hr.add_argument(
        "--shape-prior", help="uncertain Weibull shape for --medians: lognormal:MU,SIGMA on log k"
    )

    rates = sub.add_parser("rates", help="compare two proportions (counts may be rounded)")
    rates.add_argument("--index", nargs=2, metavar=("NAME", "K/N"), required=True)
    rates.add_argument("--reference", nargs=2, metavar=("NAME", "K/N"), required=True)
    rates.add_argument("--prior", default="beta:1,1", help="beta:A,B, logor:MEAN,SD or a set name")
    rates.add_argument(
        "--threshold", type=checks.finite_float, help="clinically important RD (default 0.05)"
    )

    survival = sub.add_parser("survival", help="censored Weibull model for any two-group file")
    survival.add_argument("--data", required=True, help="CSV or Parquet, one row per patient")
    survival.add_argument("--time", required=True, help="time column")
    survival.add_argument("--event", required=True, help="event column (0/1)")
    survival.add_argument("--group", required=True, help="group column (two labels)")
    survival.add_argument("--index-level", help="label of the index group (HR numerator)")
    survival.add_argument("--id", default=None, help="patient id column (checked for duplicates)")
    survival.add_argument("--covariates", default="", help="adjustment covariates: a,b,c")
    survival.add_argument("--shape", choices=("common", "group"), default="common")
    survival.add_argument(
        "--reference-time",
        type=float,
        default=1.0,
        help="time (data's unit) whose HR carries the prior with --shape group (default 1)",
    )
    survival.add_argument("--prior", default="vague", help="prior set or normal:MEAN,SD on log HR")

    sensitivity = sub.add_parser(
        "sensitivity", help="prior grid, tipping points and custom priors for the published HRs"
    )
    sensitivity.add_argument(
        "--endpoint", action="append", help="os_full, pfs_full, os_matched, pfs_matched (repeat)"
    )
    sensitivity.add_argument("--grid", help="prior centres (HR) and SDs: 0.5,1,2:0.2,0.5,1")
    sensitivity.add_argument(
        "--prior",
        action="append",
        help="a set name, normal:MEAN,SD, or a statement hr:0.5-2@95%% (repeat)",
    )
    page = sub.add_parser("page", help="write the offline interactive calculator page")
    page.add_argument("--out", type=Path, default=Path("calculator.html"))

    for command in (hr, rates, survival, sensitivity):
        command.add_argument("--json", action="store_true", help="print JSON")
        command.add_argument("--seed", type=checks.seed, default=DEFAULT_SEED)
        command.add_argument(
            "--exact-only",
            action="store_true",
            help="skip the MCMC check where a closed form exists",
        )
    return parser


def _print_result(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json:
        print(checks.json_text(result))
    elif args.command == "sensitivity":
        print(_format_sensitivity(result))
    else:
        print(_format_result(result))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bayes-netlm`` console script; returns the exit status.

    0 success, 2 bad input, 3 the reported fit failed its convergence checks, 130 interrupted
    (SIGINT), 143 terminated (SIGTERM). Nothing is written unless the status is 0 or 3.
    """
    started = time.perf_counter()
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a bad argument (2, message already printed)
        return stop.code if isinstance(stop.code, int) else 2
    args.started = started
    if args.command == "page":
        from bayes_netlm.reporting.page import write_calculator

        print(f"bayes-netlm page: wrote {write_calculator(args.out)}")
        return 0
    commands = {
        "hr": _command_hr,
        "rates": _command_rates,
        "survival": _command_survival,
        "sensitivity": _command_sensitivity,
    }
    name = f"bayes-netlm {args.command}"
    try:
        with stoppable():
            if args.command == "run":
                line = _command_run(args)
                print(line)
                from bayes_netlm.run import FITS_FAILED  # loaded by the run already

                return 3 if FITS_FAILED in line else 0
            result = commands[args.command](args)
    except InputError as error:
        print(f"{name}: error: {error}", file=sys.stderr)
        if isinstance(error, DiskFull):
            # half-written HDF5 files crash h5py when finalised: leave without finalising
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(2)
        return 2
    except (KeyboardInterrupt, Interrupted) as stop:
        status = stop.status if isinstance(stop, Interrupted) else 130
        kept = "; previous results left as they were" if args.command == "run" else ""
        print(f"{name}: interrupted, nothing written{kept}", file=sys.stderr)
        return status
    _print_result(args, result)
    if result.get("converged") is False:
        print(f"{name}: {NOT_CONVERGED} (exit status 3)", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
