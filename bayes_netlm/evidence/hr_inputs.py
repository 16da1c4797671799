"""Which published hazard-ratio inputs make one complete estimate (light: no model libraries).

A hazard ratio comes in as ``hr`` with its 95 % ``ci`` or its two-sided ``p``, or as two
``medians`` with ``p`` (the estimate derived from them). :func:`hr_input_problems` lists every
incomplete or conflicting combination, so ``bayes-netlm hr`` answers before the model's libraries
load and the API (:func:`bayes_netlm.log_hazard_ratio`) refuses the same inputs with the same words.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from bayes_netlm.errors import Problem

__all__ = ["hr_input_problems"]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _form_problems(hr: object, ci: object, p: object, medians: object) -> list[Problem]:
    """Values that are not numbers, pairs that are not two numbers, ratios that are not > 0.

    From Python these ended deep in the model (TypeError, IndexError) or with a misleading word
    ("does not bracket" for a negative HR); the command line's parser reads only numbers.
    """
    problems = []
    for name, value in (("--hr", hr), ("--p", p)):
        if value is not None and not _is_number(value):
            problems.append(Problem(name, f"{value!r} is not a number", "give a number, e.g. 0.77"))
    for name, pair in (("--ci", ci), ("--medians", medians)):
        if pair is None:
            continue
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            problems.append(Problem(name, f"{pair!r} is not two numbers", "give e.g. (0.35, 1.69)"))
        elif not all(_is_number(v) and math.isfinite(v) and v > 0 for v in pair):
            problems.append(
                Problem(name, f"{pair!r} are not two positive numbers", "give e.g. (0.35, 1.69)")
            )
    if isinstance(hr, numbers.Real) and not isinstance(hr, bool):
        if not (math.isfinite(hr) and float(hr) > 0):
            problems.append(Problem("--hr", f"{hr} is not a positive number", "give e.g. 0.77"))
    return problems


def hr_input_problems(
    hr: float | None,
    ci: Sequence[float] | None,
    p: float | None,
    medians: Sequence[float] | None,
) -> list[Problem]:
    """Every problem with this combination of inputs (empty if they make one estimate).

    ``--medians`` with ``--p`` derives the estimate itself, so ``--hr`` or ``--ci`` beside it
    conflict; ``--ci`` and ``--p`` are two alternative ways to get the SE, and ``--hr`` needs one
    of them; a ``--ci`` must bracket ``--hr`` (the model checks this too).
    """
    problems = _form_problems(hr, ci, p, medians)
    if problems:  # the combination is judged only on well-formed numbers
        return problems
    if medians is not None:
        for name, value in (("--hr", hr), ("--ci", ci)):
            if value is not None:
                problems.append(
                    Problem(
                        name,
                        "given together with --medians, which derives the estimate itself",
                        f"give either --medians INDEX REFERENCE --p P or {name} (not both)",
                    )
                )
        if p is None:
            problems.append(Problem("--medians", "needs the two-sided --p", "add --p P"))
    elif ci is not None and p is not None:
        problems.append(
            Problem(
                "--ci/--p",
                "both given; each alone determines the standard error, so one would be ignored",
                "give --hr X with either --ci LO HI or --p P",
            )
        )
    elif hr is None:
        problems.append(
            Problem("--hr", "no estimate given", "give --hr X with --ci LO HI or --p P")
        )
    elif ci is None and p is None:
        problems.append(Problem("--hr", "needs --ci LO HI or --p P", "add one of them"))
    if hr is not None and ci is not None and not ci[0] < hr < ci[1]:
        lower, upper = ci
        problems.append(
            Problem(
                "--ci",
                f"the interval {lower:g}-{upper:g} does not bracket the hazard ratio {hr:g}",
                "give LO < HR < HI",
            )
        )
    return problems
