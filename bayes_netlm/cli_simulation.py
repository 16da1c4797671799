"""The simulation subcommands: ``calibrate`` (simulation-based calibration) and ``design``.

Parsers and handlers only; the work is in :mod:`bayes_netlm.simulation`, imported when a command
runs (after its arguments were checked), so a bad argument is answered without loading Dask.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bayes_netlm import cli_checks as checks
from bayes_netlm.errors import InputError
from bayes_netlm.reporting.outputs import check_out_folder

__all__ = ["FAMILIES", "add_parsers", "calibrate", "design"]

# the model families of bayes_netlm.simulation.sbc (kept here so --help needs no import)
FAMILIES = (
    "summary_hr",
    "summary_hr_shape",
    "rates_beta",
    "rates_logor",
    "weibull",
    "weibull_group_shape",
)
DEFAULT_SIM_SEED = 20260101


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give group sizes >= 1, e.g. 10,50,100")
    return sizes


def _count(text: str, least: int = 1) -> int:
    """An argparse type: a whole number from ``least`` to 1,000,000."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not least <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{value} is not from {least} to 1,000,000")
    return value


def _simulations(text: str) -> int:
    """An argparse type: simulations of an SBC, at least 2 (one rank says nothing on its own)."""
    return _count(text, least=2)


def add_parsers(sub: Any) -> None:
    """Add ``calibrate`` and ``design`` to the subcommands."""
    cal = sub.add_parser("calibrate", help="simulation-based calibration of a model family")
    cal.add_argument(
        "--model", required=True, choices=(*FAMILIES, "all"), help="model family, or all"
    )
    cal.add_argument(
        "--sims",
        type=_simulations,
        default=1000,
        help="simulations, at least 2 (default: %(default)s)",
    )
    cal.add_argument(
        "--misspecified",
        action="store_true",
        help="simulate from a different prior than the model's: the rule must then fail",
    )
    des = sub.add_parser("design", help="assurance of a future study over cystic group sizes")
    des.add_argument("--endpoint", choices=("os", "pfs"), default="os", help="(default: os)")
    des.add_argument(
        "--design-prior",
        help="posterior_os (default for os), posterior_pfs, a prior set name, or hr:VALUE",
    )
    des.add_argument(
        "--grid",
        type=_sizes,
        default=[10, 20, 30, 50, 75, 100, 150, 200],
        help="cystic group sizes (default: 10,20,30,50,75,100,150,200)",
    )
    des.add_argument(
        "--check",
        type=_sizes,
        default=[20, 50, 100, 200],
        help="sizes checked by Weibull simulation (default: 20,50,100,200)",
    )
    des.add_argument(
        "--n-reference", type=_count, default=1000, help="solid patients (default: %(default)s)"
    )
    des.add_argument(
        "--accrual", type=checks.positive_float, default=5.0, help="years (default: %(default)s)"
    )
    des.add_argument(
        "--follow-up", type=checks.positive_float, default=5.0, help="years (default: %(default)s)"
    )
    des.add_argument(
        "--sims", type=_count, default=1000, help="simulations per checked size (default: 1000)"
    )
    for command in (cal, des):
        command.add_argument("--json", action="store_true", help="print JSON")
        command.add_argument(
            "--seed",
            type=checks.seed,
            default=DEFAULT_SIM_SEED,
            help="seed; the same seed gives the same numbers whatever the workers "
            "(default: %(default)s)",
        )
        command.add_argument(
            "--scheduler", help="address of an existing Dask scheduler (default: a local cluster)"
        )
        command.add_argument(
            "--workers", type=_count, help="local worker processes (default: one per core)"
        )
        command.add_argument("--out", help="folder for the figures (default: none written)")


def calibrate(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm calibrate``: SBC of one family (or all) on Dask."""
    if args.out:
        check_out_folder(args.out)
    from bayes_netlm.simulation.commands import calibrate as run

    return run(
        args.model,
        args.sims,
        args.seed,
        args.scheduler,
        args.workers,
        misspecified=args.misspecified,
        out=Path(args.out) if args.out else None,
    )


def design(args: argparse.Namespace) -> dict[str, Any]:
    """``bayes-netlm design``: assurance by the Normal approximation, checked by simulation."""
    if args.out:
        check_out_folder(args.out)
    from bayes_netlm.simulation.assurance import design_prior
    from bayes_netlm.simulation.commands import design as run

    if args.design_prior is not None:
        try:
            design_prior(args.design_prior)
        except InputError:
            raise
        except (ValueError, KeyError) as error:
            raise InputError.single(
                "--design-prior", f"cannot use {args.design_prior!r} ({error})", "see --help"
            ) from None
    return run(
        endpoint=args.endpoint,
        prior=args.design_prior,
        grid=args.grid,
        n_reference=args.n_reference,
        accrual=args.accrual,
        follow_up=args.follow_up,
        checks=args.check,
        sims=args.sims,
        seed=args.seed,
        scheduler=args.scheduler,
        workers=args.workers,
        out=Path(args.out) if args.out else None,
    )
