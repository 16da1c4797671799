"""Command-line input checks that run before any heavy library is imported.

Everything here is cheap (standard library, NumPy): argument types that reject what no analysis
can use (NaN, infinity, negative seeds), the parser whose errors are one line with exit status 2,
conflicting options, the prior grid, and JSON that never holds NaN or Infinity.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, NoReturn

import numpy as np

from bayes_netlm.errors import InputError
from bayes_netlm.evidence.hr_inputs import hr_input_problems
from bayes_netlm.priors import check_normal

__all__ = [
    "MAX_GRID",
    "MAX_SEED",
    "MIN_P_VALUE",
    "Parser",
    "finite_float",
    "hr_conflicts",
    "json_text",
    "json_safe",
    "parse_grid",
    "positive_float",
    "p_value",
    "seed",
    "YEARS_PER",
]

#: ``survival --time-unit``: how many of each unit make a year (times are converted to years)
YEARS_PER = {"years": 1.0, "months": 12.0, "weeks": 365.25 / 7, "days": 365.25}

MAX_SEED = 2**31 - 1
# Below this a p-value cannot be told apart from 0 in double precision (z is then about 37).
MIN_P_VALUE = 1e-300


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` and exit with status 2."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; give a real value")
    return value


def finite_float(text: str) -> float:
    """An argparse type: a finite number (no NaN, no infinity)."""
    return _number(text)


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0 (hazard ratios, CI bounds, medians)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0 (a ratio or a time)")
    return value


def p_value(text: str) -> float:
    """An argparse type: a two-sided p-value in [1e-300, 1]."""
    value = _number(text)
    if not MIN_P_VALUE <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"p-value {text!r} is outside {MIN_P_VALUE:g} to 1; give e.g. 0.03 "
            f"(write a p reported as '< 0.001' as 0.001)"
        )
    return value


def seed(text: str) -> int:
    """An argparse type: a random seed, a whole number from 0 to 2**31 - 1."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seed {text!r} is not a whole number; give e.g. 20250101"
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"seed {value} is outside 0 to {MAX_SEED}; give e.g. 20250101"
        )
    return value


def group_size(text: str) -> int:
    """An argparse type: a number of patients, a whole number of at least 1."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"group size {text!r} is not a whole number; give e.g. 12"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"group size {value} must be at least 1")
    return value


def hr_conflicts(args: argparse.Namespace) -> None:
    """Refuse ``hr`` inputs that are incomplete or conflict (:func:`hr_input_problems`).

    Answered here, before the model's libraries load.
    """
    problems = hr_input_problems(args.hr, args.ci, args.p, args.medians)
    if problems:
        raise InputError(problems)


#: the most priors a --grid may hold
MAX_GRID = 2500


def parse_grid(text: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Parse ``HR,HR,...:SD,SD,...`` into prior means (log HR) and SDs, every cell checked.

    Raises
    ------
    InputError
        Malformed text, a centre that is not a positive finite HR, or a cell whose Normal prior
        is out of range (see :func:`bayes_netlm.priors.check_normal`).

    """
    fix = "write prior centres (HR) and SDs as e.g. 0.5,1,2:0.2,0.5,1"
    parts = text.split(":")
    if len(parts) != 2:
        raise InputError.single("--grid", f"cannot read {text!r}", fix)
    try:
        centres = [float(x) for x in parts[0].split(",") if x.strip()]
        sds = [float(x) for x in parts[1].split(",") if x.strip()]
    except ValueError:
        raise InputError.single(
            "--grid", f"{text!r} holds something that is not a number", fix
        ) from None
    if not centres or not sds:
        raise InputError.single("--grid", "the grid has no points", fix)
    if len(centres) * len(sds) > MAX_GRID:  # 1000 x 500 priors ran for minutes
        raise InputError.single(
            "--grid",
            f"{len(centres)} centres x {len(sds)} SDs = {len(centres) * len(sds):,} priors "
            f"(at most {MAX_GRID:,})",
            "give fewer points: a heat map of about 10 x 10 shows the dependence",
        )
    bad = [c for c in centres if not (math.isfinite(c) and c > 0)]
    if bad:
        raise InputError.single("--grid", f"centre {bad[0]:g} is not a positive finite HR", fix)
    means = tuple(math.log(c) for c in centres)
    problems = [p for m in means for p in check_normal(m, 1.0, "--grid")]
    problems += [p for s in sds for p in check_normal(0.0, s, "--grid")]
    if problems:
        raise InputError(problems)
    return means, tuple(sds)


def json_safe(value: Any) -> Any:
    """Plain JSON values: NumPy scalars unwrapped, NaN and +-Infinity turned into ``None``."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def json_text(result: Any) -> str:
    """Valid JSON (RFC 8259: no NaN, no Infinity) for a command's result."""
    return json.dumps(json_safe(result), indent=2, allow_nan=False, default=str)
