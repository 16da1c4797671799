"""Terminal text of the ``bayes-netlm`` subcommands' results (the JSON is the dict itself)."""

from __future__ import annotations

import math
from typing import Any

from bayes_netlm.evidence.table_files import SYNTHETIC_LINE

__all__ = [
    "NOT_CONVERGED",
    "format_reconstruct",
    "format_result",
    "format_sensitivity",
    "format_survival",
]

NOT_CONVERGED = (
    "WARNING: this fit FAILED its convergence checks (R-hat <= 1.01, ESS >= 400, no divergences); "
    "the numbers below are NOT reliable"
)


def _interval(name: str, block: dict[str, Any], unit: str = "") -> str:
    lo, hi = block["ci95"]
    return f"{name}: median {block['median']:.3f}{unit}, 95 % CrI {lo:.3f} to {hi:.3f}{unit}"


def _probability_lines(probabilities: dict[str, float]) -> list[str]:
    return [f"{name} = {value:.3f}" for name, value in probabilities.items()]


def format_result(result: dict[str, Any]) -> str:
    """``hr`` and ``rates``: prior, method, estimates, probabilities, notes, the MCMC check."""
    lines = [NOT_CONVERGED] if result.get("converged") is False else []
    lines.append(f"prior: {result['prior']}    method: {result.get('method', '')}")
    if "input" in result:
        lines.append(f"input: {result['input']['derivation']}")
    if "index" in result:  # rates: which group is which, and the direction of each effect
        index, reference = result["index"]["name"], result["reference"]["name"]
        lines.append(
            f"data: {index} {result['index']['counts']} vs {reference} "
            f"{result['reference']['counts']}; RD = rate({index}) - rate({reference}), "
            f"RR and OR = {index} / {reference}"
        )
    estimates = result.get("estimates") or {
        result["estimate"].get("measure", "HR"): result["estimate"]
    }
    lines += [_interval(name, block) for name, block in estimates.items()]
    lines += _probability_lines(result["probabilities"])
    if "weibull_shape" in result:  # hr with a shape prior: k's prior, the exponential beside it
        shape, exponential = result["weibull_shape"], result["exponential"]
        lines.append(
            f"Weibull shape: {shape['shape_prior']} on log k, marginalised "
            f"(posterior mean k = {shape['posterior_mean_k']:.2f})"
        )
        p_below = exponential["probabilities"]["P(HR < 1)"]
        lines.append(
            f"with exponential survival (k = 1) instead: "
            f"{_interval('HR', exponential['estimate'])}, P(HR < 1) = {p_below:.3f}"
        )
    lines += [f"note: {note}" for note in result.get("notes", [])]
    if "mcmc_check" in result:
        check = result["mcmc_check"]
        name, first = next(iter(check.get("estimates", {"HR": check.get("estimate")}).items()))
        mcse = first.get("mcse", {}).get("median", math.nan)
        lines.append(
            f"MCMC check: {name} median {first['median']:.3f} (MCSE {mcse:.3f}); "
            f"converged: {'yes' if check['converged'] else 'NO'}"
        )
    return "\n".join(lines)


def _number(x: float | None) -> str:
    return "not reached" if x is None or not math.isfinite(x) else f"{x:.2f}"


def _ci(block: dict[str, Any]) -> str:
    lo, hi = block["ci95"]
    fmt = _number
    return f"{fmt(block['median'])} (95 % CI {fmt(lo)} to {fmt(hi)})"


def format_survival(result: dict[str, Any]) -> str:
    """``survival``: the Bayesian Weibull fit, then the lifelines results beside it."""
    data, unit = result["data"], result["data"]["time_unit"]
    converted = (
        f" (converted from {data['time_unit_of_file']})"
        if data["time_unit_of_file"] != unit
        else ""
    )
    lines = [NOT_CONVERGED] if result.get("converged") is False else []
    if data.get("synthetic"):
        lines.append(SYNTHETIC_LINE)
    lines.append(
        f"data: {data['file']}: {data['patients']} patients, {data['events']} events; "
        f"HR = hazard({data['index']}) / hazard({data['reference']}); time unit: {unit}"
        f"{converted}"
    )
    covariates = data.get("covariates") or []
    at = " at the covariates' means" if covariates else ""
    measure = result["estimate"]["measure"]
    if covariates:
        lines.append(
            f"adjusted for {', '.join(covariates)}: the {measure} and the Cox HR are adjusted; "
            "medians and RMST are those of a patient at the covariates' means; Kaplan-Meier and "
            "log-rank are unadjusted"
        )
    lines.append(f"prior: {result['prior']}    method: {result['method']}")
    lines.append(_interval(measure, result["estimate"]))
    lines += _probability_lines(result["probabilities"])
    if measure != "HR":  # a group-specific shape: the hazard ratio changes over time
        lines.append(
            f"note: the {measure} compares the hazards at that time, P(S(t) higher) the "
            "cumulative risk up to t; with crossing hazards the two can point different ways"
        )
    for group, block in result["medians"].items():
        lines.append(_interval(f"median survival{at}, {group} ({unit})", block))
    lines.append(
        _interval(
            f"RMST difference to {result['rmst_horizon']:g} {unit}{at}, "
            f"{data['index']} - {data['reference']} ({unit})",
            result["rmst_difference"],
        )
    )
    freq = result["frequentist"]
    lines.append("lifelines (frequentist, beside it):")
    for group, block in freq["km_medians"].items():
        lines.append(
            f"  Kaplan-Meier median, {group} ({block['n']} patients, {block['events']} events): "
            f"{_ci(block)} {unit}"
        )
    lines.append(f"  log-rank p = {freq['logrank_p']:.4g}")
    lo, hi = freq["cox_ci95"]
    adjusted = " (adjusted)" if covariates else ""
    if freq.get("cox_note"):
        lines.append(f"  Cox HR{adjusted}: none; {freq['cox_note']}")
    else:
        lines.append(f"  Cox HR{adjusted} {freq['cox_hr']:.3f} (95 % CI {lo:.3f} to {hi:.3f})")
    lines += [f"note: {note}" for note in data["notes"]]
    return "\n".join(lines)


def format_sensitivity(result: dict[str, Any]) -> str:
    """``sensitivity``: per endpoint, the posteriors, the grid, warnings and tipping points."""
    lines = [f"elicited {k}: {v}" for k, v in result["elicited"].items()]
    for block in result["endpoints"].values():
        lines.append(f"\n{block['label']}")
        lines += [f"  {w}" for w in block.get("warnings", [])]
        for label, post in block["priors"].items():
            lo, hi = post["estimate"]["ci95"]
            p = post["probabilities"]["P(HR < 1)"]
            lines.append(
                f"  {label:>14}: HR {post['estimate']['median']:.2f} ({lo:.2f}-{hi:.2f}), "
                f"P(HR < 1) = {p:.3f}"
            )
        lines += _grid_lines(block["grid"])
        for row in block["tipping_points"]:
            if row["tipping_sd"] is not None:
                lines.append(f"  tipping: {row['reading']}")
    return "\n".join(lines)


def _grid_lines(grid: list[dict[str, Any]]) -> list[str]:
    """P(HR < c) by prior centre (rows) and SD (columns), one block per threshold."""
    lines = []
    for threshold in sorted({row["threshold"] for row in grid}, reverse=True):
        cells = [row for row in grid if row["threshold"] == threshold]
        sds = sorted({row["prior_sd"] for row in cells})
        lines.append(
            f"  P(HR < {threshold:g}) over the prior grid (rows: prior HR centre, "
            f"columns: prior SD on log HR)"
        )
        lines.append("    centre " + "".join(f"{sd:>8g}" for sd in sds))
        for centre in sorted({row["prior_hr_centre"] for row in cells}):
            values = {
                r["prior_sd"]: r["probability"] for r in cells if r["prior_hr_centre"] == centre
            }
            lines.append(f"    {centre:>6.3g} " + "".join(f"{values[sd]:>8.3f}" for sd in sds))
    return lines


#: numbers at risk rebuilt further than this from the given ones are warned about (rounding of
#: the at-risk times to the digitised points moves them by a patient or so)
AT_RISK_TOLERANCE = 1


def format_reconstruct(result: dict[str, Any]) -> str:
    """``reconstruct``: where the patients went and how well each arm fits the figure."""
    synthetic = [n for n in result["notes"] if n == SYNTHETIC_LINE]
    lines = [*synthetic, f"patients written to {result['out']}"]
    warnings = []
    for arm, q in result["arms"].items():
        worst = max((abs(r["given"] - r["reconstructed"]) for r in q["at_risk"]), default=0)
        given = q.get("total_events_given")
        events = f"{q['events']} events" + (f" ({given} given)" if given is not None else "")
        lines.append(
            f"  {arm}: {q['n']} patients, {events}; KM vs curve: max |diff| "
            f"{q['max_abs_diff']:.3f}, RMSE {q['rmse']:.3f}; at-risk mismatch at most {worst}"
        )
        if given is not None and given != q["events"]:
            warnings.append(
                f"WARNING: arm {arm!r}: {q['events']} events rebuilt where {given} were given: "
                "the curve and the total disagree; check both before using the patients"
            )
        if worst > AT_RISK_TOLERANCE:
            warnings.append(
                f"WARNING: arm {arm!r}: numbers at risk rebuilt up to {worst} from those given; "
                "check the digitised points and the at-risk table before using the patients"
            )
    lines += warnings
    lines += [f"note: {note}" for note in result["notes"] if note not in synthetic]
    return "\n".join(lines)
