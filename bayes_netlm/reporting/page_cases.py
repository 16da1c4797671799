"""The cases that pin the page's computations to Python's closed forms (``tests/page_cases.json``).

Each case is computed here by the package's own functions (closed forms, the Beta mixture, the
log-OR quadrature); the browser tests feed the same inputs to the page and compare.
``python -m bayes_netlm.reporting.page_cases OUT`` rewrites the file.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from scipy import stats

from bayes_netlm.evidence.counts import parse_count
from bayes_netlm.modeling.hazard_ratio import (
    conjugate_posterior,
    from_ci,
    from_medians,
    from_p_value,
)
from bayes_netlm.modeling.rates import beta_mixture_posterior, exact_effects
from bayes_netlm.modeling.rates_logor import logor_effects
from bayes_netlm.priors import BetaPrior, NormalPrior, load_prior_catalog
from bayes_netlm.summaries import hr_summary_exact

__all__ = ["CLINICAL", "hr_cases", "logor_cases", "rate_cases"]

CLINICAL: dict[str, Any] = {
    "hr_important": 0.7,
    "hr_equivalence": [0.8, 1.25],
    "rd_important": 0.05,
    "rd_equivalence": 0.025,
}

HR_INPUTS = [  # (kind, numbers, prior mean, prior SD, threshold x, ROPE)
    ("ci", (0.7, 0.5, 0.98), 0.0, 5.0, 1.0, (0.8, 1.25)),
    ("ci", (1.3, 0.9, 1.9), -0.357, 0.217, 0.85, (0.9, 1.1)),
    ("p", (0.8, 0.2), 0.0, 0.354, 0.7, (0.8, 1.25)),
    ("medians", (13.8, 10.6, 0.2), 0.0, 1.0, 1.2, (0.5, 2.0)),
    ("medians", (0.71, 1.5, 0.54), 0.357, 0.217, 1.0, (0.8, 1.25)),
]

RATE_INPUTS = [  # (index count, n, reference count, n, Beta a, b)
    ("3", 12, "22%", 452, 1.0, 1.0),
    ("2", 12, "14%", 452, 0.5, 0.5),
    ("25%", 12, "31.4%", 452, 2.0, 8.0),
    ("0", 12, "2%", 452, 1.6, 78.4),
]

LOGOR_INPUTS = [  # (index count, n, reference count, n, prior mean, SD of log OR)
    ("25%", 12, "22%", 452, 0.0, 0.2465),  # the study's major morbidity, skeptical
    ("0%", 12, "2%", 452, 0.4055, 0.2465),  # zero events, pessimistic
    ("92%", 12, "77%", 452, -0.4055, 0.2465),
    ("0", 12, "2%", 452, 0.0, 2.0),  # a wide prior: the RD boundaries leave (0, 1) in the support
    ("40%", 1000, "3", 20, 0.0, 1.0),  # a large index group: its logit is the outer one
]
#: a log-OR prior from "95 % sure the OR is between 0.5 and 2", as the page rounds it (6 digits)
ELICITED_OR = (0.5, 2.0)


def _data(kind: str, numbers: tuple[float, ...]):
    if kind == "ci":
        return from_ci(*numbers)
    if kind == "p":
        return from_p_value(numbers[0], numbers[1])
    return from_medians(*numbers)


def hr_cases() -> list[dict[str, Any]]:
    """Published HR numbers + a Normal prior -> the exact HR summaries, P(HR < x), P(ROPE)."""
    from bayes_netlm.priors import ClinicalThresholds

    clinical = ClinicalThresholds(0.7, (0.8, 1.25), 1.5, 0.05, 0.025, 0.05)
    cases = []
    for kind, numbers, mean, sd, x, rope in HR_INPUTS:
        data = _data(kind, numbers)
        post = conjugate_posterior(NormalPrior(mean, sd), data)
        summary = hr_summary_exact(post, clinical)
        dist = stats.norm(post.mean, post.sd)
        expected = {k: v.value for k, v in summary.items()}
        expected |= {"hr_lower": summary["hr"].lower, "hr_upper": summary["hr"].upper}
        expected["p_below_x"] = float(dist.cdf(math.log(x)))
        expected["p_rope"] = float(dist.cdf(math.log(rope[1])) - dist.cdf(math.log(rope[0])))
        cases.append(
            {
                "kind": kind,
                "numbers": list(numbers),
                "prior": [mean, sd],
                "x": x,
                "rope": list(rope),
                "estimate": data.estimate,
                "se": data.se,
                "expected": expected,
            }
        )
    return cases


def rate_cases() -> list[dict[str, Any]]:
    """Two (possibly rounded) counts + a Beta prior -> exact RD/RR/OR summaries."""
    cases = []
    for k1, n1, k0, n0, a, b in RATE_INPUTS:
        index, reference = parse_count(k1, n1, "index"), parse_count(k0, n0, "reference")
        prior = BetaPrior(a, b)
        effects = exact_effects(
            beta_mixture_posterior(prior, index),
            beta_mixture_posterior(prior, reference),
            0.05,
            0.025,
        )
        cases.append(
            {
                "index": [k1, n1, index.low, index.high],
                "reference": [k0, n0, reference.low, reference.high],
                "prior": [a, b],
                "expected": _page_keys(effects),
            }
        )
    return cases


def _page_keys(effects: dict[str, float]) -> dict[str, float]:
    """The effects' summaries under the page's names (``p_rd_above_0``, ``rd``, ``rd_lower``)."""
    probabilities = (
        "rd_above_0",
        "rd_above_important",
        "rd_below_minus_important",
        "rd_equivalent",
        "rr_below_1",
    )
    expected = {f"p_{k}": effects[k] for k in probabilities}
    for effect in ("rd", "rr", "or"):
        expected[effect] = effects[f"{effect}_median"]
        expected[f"{effect}_lower"] = effects[f"{effect}_lower"]
        expected[f"{effect}_upper"] = effects[f"{effect}_upper"]
    return expected


def _elicited_or_prior() -> tuple[float, float]:
    lo, hi = (math.log(v) for v in ELICITED_OR)
    sd = (hi - lo) / (2 * float(stats.norm.ppf(0.975)))
    return (lo + hi) / 2, float(f"{sd:.6g}")


def logor_cases() -> list[dict[str, Any]]:
    """Two counts + a Normal prior on log OR -> the 2-D quadrature's RD/RR/OR summaries.

    The reference group's log odds has the default catalogue's baseline prior (the page's).
    The last case's prior is the one an elicited OR range gives (``or_range``).
    """
    baseline = load_prior_catalog().logit_reference
    inputs = [*LOGOR_INPUTS, ("3", 12, "22%", 452, *_elicited_or_prior())]
    cases = []
    for k1, n1, k0, n0, mean, sd in inputs:
        index, reference = parse_count(k1, n1, "index"), parse_count(k0, n0, "reference")
        effects = logor_effects(
            NormalPrior(mean, sd, "log_or"),
            baseline,
            index,
            reference,
            CLINICAL["rd_important"],
            CLINICAL["rd_equivalence"],
        )
        case = {
            "index": [k1, n1, index.low, index.high],
            "reference": [k0, n0, reference.low, reference.high],
            "prior": [mean, sd],
            "baseline": [baseline.mean, baseline.sd],
            "expected": _page_keys(effects),
        }
        cases.append(case)
    cases[-1]["or_range"] = list(ELICITED_OR)
    return cases


if __name__ == "__main__":
    text = json.dumps(
        {"clinical": CLINICAL, "hr": hr_cases(), "rates": rate_cases(), "logor": logor_cases()},
        indent=1,
    )
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(text + "\n")
