"""The ``bayes-netlm`` command and its nine subcommands.

``run`` is the whole re-analysis; hr, rates, survival, sensitivity and reconstruct re-analyse any
study's numbers or files; calibrate and design simulate (calibration of the decision rules, a
future study's assurance); page writes the interactive calculator.

A thin layer over the Python API (:mod:`bayes_netlm.api`): the handlers in
:mod:`bayes_netlm.cli_commands` call it, :mod:`bayes_netlm.cli_format` prints the result.

Exit statuses: 0 success; 2 bad input (one message naming the input, nothing written); 3 the
reported fit failed its convergence checks; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
Inputs are parsed and checked before PyMC, JAX or lifelines are imported, so a bad input is
answered at once.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bayes_netlm import cli_checks as checks
from bayes_netlm import cli_commands, cli_format, cli_simulation
from bayes_netlm.api._common import DEFAULT_SEED
from bayes_netlm.errors import InputError, Interrupted, stoppable, system_refusal
from bayes_netlm.gc_thresholds import raise_gc_thresholds
from bayes_netlm.reporting.outputs import DiskFull

__all__ = ["main"]

NOT_CONVERGED = cli_format.NOT_CONVERGED

# looked up by name at call time (tests replace them)
_command_hr = cli_commands.hr
_command_rates = cli_commands.rates
_command_survival = cli_commands.survival
_command_sensitivity = cli_commands.sensitivity
_command_reconstruct = cli_commands.reconstruct
_command_run = cli_commands.run
_command_calibrate = cli_simulation.calibrate
_command_design = cli_simulation.design

PRIOR_HELP = (
    "prior on log HR: a set name from models/prior_sets.toml (vague, skeptical, enthusiastic, "
    "pessimistic; any case), normal:MEAN,SD, or a statement hr:0.5-2@95%% (default: %(default)s)"
)
SEED_HELP = "random seed of the sampler, 0 to 2**31-1 (default: %(default)s)"


def _hr_parser(sub: Any) -> None:
    hr = sub.add_parser("hr", help="re-analyse any published hazard ratio")
    positive = checks.positive_float
    hr.add_argument("--hr", type=positive, help="published hazard ratio (index vs reference)")
    hr.add_argument("--ci", type=positive, nargs=2, metavar=("LO", "HI"), help="its 95 %% CI")
    hr.add_argument("--p", type=checks.p_value, help="two-sided p-value")
    hr.add_argument(
        "--medians",
        type=positive,
        nargs=2,
        metavar=("INDEX", "REFERENCE"),
        help="median survivals (exponential survival unless --shape/--shape-prior)",
    )
    hr.add_argument("--prior", default="vague", help=PRIOR_HELP)
    hr.add_argument(
        "--threshold",
        type=checks.finite_float,
        help="clinically important HR (default: 0.7 from models/prior_sets.toml; its harm "
        "mirror is 1/threshold, 1.43)",
    )
    hr.add_argument(
        "--n",
        type=checks.group_size,
        nargs=2,
        metavar=("INDEX", "REFERENCE"),
        help="group sizes, for the information check (default: none, check skipped)",
    )
    hr.add_argument(
        "--shape",
        type=positive,
        help="fixed Weibull shape k for --medians: log HR = k log(m_ref/m_index) "
        "(default: none, k = 1, exponential)",
    )
    hr.add_argument(
        "--shape-prior",
        help="uncertain Weibull shape for --medians: lognormal:MU,SIGMA on log k, marginalised "
        "exactly (default: none; the run uses lognormal:0,0.5)",
    )
    _common(hr, exact_only=True)


def _rates_parser(sub: Any) -> None:
    rates = sub.add_parser("rates", help="compare two proportions (counts may be rounded)")
    counts = "counts K/N: 3/12, an interval 98-101/452 or a rounded percentage 22%%/452"
    rates.add_argument("--index", nargs=2, metavar=("NAME", "K/N"), required=True, help=counts)
    rates.add_argument("--reference", nargs=2, metavar=("NAME", "K/N"), required=True, help=counts)
    rates.add_argument(
        "--prior",
        default="beta:1,1",
        help="beta:A,B on both rates, logor:MEAN,SD on the log OR, a set name (any case), or a "
        "statement: rate:0.1-0.35@95%% (Beta on both rates) or or:0.5-2@95%% (Normal on the "
        "log OR) (default: %(default)s)",
    )
    rates.add_argument(
        "--threshold",
        type=checks.finite_float,
        help="clinically important RD (default: 0.05 from models/prior_sets.toml)",
    )
    _common(rates, exact_only=True)


def _survival_parser(sub: Any) -> None:
    survival = sub.add_parser("survival", help="censored Weibull model for any two-group file")
    survival.add_argument("--data", required=True, help="CSV or Parquet, one row per patient")
    survival.add_argument("--time", required=True, help="time column")
    survival.add_argument("--event", required=True, help="event column (1 = event, 0 = censored)")
    survival.add_argument("--group", required=True, help="group column (two labels)")
    survival.add_argument(
        "--index-level", help="label of the index group, the HR numerator (default: cystic)"
    )
    survival.add_argument(
        "--id",
        default=None,
        help="patient id column, checked for duplicates (default: id if present)",
    )
    survival.add_argument(
        "--covariates", default="", help="adjustment covariates: a,b,c (default: none)"
    )
    survival.add_argument(
        "--shape",
        choices=("common", "group"),
        default="common",
        help="one Weibull shape (proportional hazards) or one per group (default: %(default)s)",
    )
    survival.add_argument(
        "--reference-time",
        type=checks.positive_float,
        default=1.0,
        help="time in years whose HR carries the prior with --shape group (default: %(default)s)",
    )
    survival.add_argument(
        "--time-unit",
        choices=tuple(checks.YEARS_PER),
        default="years",
        help="unit of the time column; times are converted to years, the unit of every output "
        "(horizons 1, 5 and 10 years, medians, RMST) (default: %(default)s, as in "
        "data/DATA_DICTIONARY.md)",
    )
    survival.add_argument("--prior", default="vague", help=PRIOR_HELP)
    _common(survival, exact_only=False)


def _sensitivity_parser(sub: Any) -> None:
    sensitivity = sub.add_parser(
        "sensitivity", help="prior grid, tipping points and custom priors for the published HRs"
    )
    sensitivity.add_argument(
        "--endpoint",
        action="append",
        help="os_full, pfs_full, os_matched, pfs_matched (repeat; default: all)",
    )
    sensitivity.add_argument(
        "--grid",
        help="prior centres (HR) and SDs (log HR): 0.5,1,2:0.2,0.5,1 (default: models/run.toml)",
    )
    sensitivity.add_argument(
        "--prior",
        action="append",
        help="an extra prior beside the sets: a set name, normal:MEAN,SD or hr:0.5-2@95%% (repeat)",
    )
    sensitivity.add_argument("--json", action="store_true", help="print JSON")
    sensitivity.add_argument(
        "--seed",
        type=checks.seed,
        default=DEFAULT_SEED,
        help="accepted for scripts that pass it everywhere; the grid is exact, nothing is "
        "sampled (default: %(default)s)",
    )


def _reconstruct_parser(sub: Any) -> None:
    rec = sub.add_parser(
        "reconstruct", help="patient data from a digitised Kaplan-Meier figure (Guyot et al. 2012)"
    )
    rec.add_argument("--curve", required=True, help="digitised curve CSV: arm,time,survival")
    rec.add_argument("--at-risk", required=True, help="numbers at risk CSV: arm,time,n_at_risk")
    rec.add_argument("--events", help="total events per arm: cystic=7,solid=310 (default: none)")
    rec.add_argument("--out", required=True, help="patient CSV to write (id,arm,group,time,event)")
    rec.add_argument("--json", action="store_true", help="print JSON")
    rec.add_argument(
        "--seed",
        type=checks.seed,
        default=0,
        help="seed of the censoring placement (default: %(default)s)",
    )


def _common(command: argparse.ArgumentParser, exact_only: bool) -> None:
    command.add_argument("--json", action="store_true", help="print JSON")
    command.add_argument("--seed", type=checks.seed, default=DEFAULT_SEED, help=SEED_HELP)
    if exact_only:
        command.add_argument(
            "--exact-only",
            action="store_true",
            help="skip the MCMC check of the closed-form answer (default: the check runs)",
        )


def _parser() -> argparse.ArgumentParser:
    parser = checks.Parser(
        prog="bayes-netlm",
        description="Bayesian re-analysis of cystic vs solid NETLM (Ammann et al. 2025). "
        "HR = hazard(index)/hazard(reference): HR < 1 favours the index (cystic) group.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the whole re-analysis from the published numbers")
    run.add_argument("--out", default="results", help="results folder (default: %(default)s)")
    run.add_argument("--seed", type=checks.seed, default=DEFAULT_SEED, help=SEED_HELP)
    run.add_argument("--spec", help="run specification (default: models/run.toml)")
    run.add_argument(
        "--quiet", action="store_true", help="no progress lines on standard error, only the result"
    )
    _hr_parser(sub)
    _rates_parser(sub)
    _survival_parser(sub)
    _sensitivity_parser(sub)
    _reconstruct_parser(sub)
    cli_simulation.add_parsers(sub)
    page = sub.add_parser("page", help="write the offline interactive calculator page")
    page.add_argument(
        "--out",
        type=Path,
        default=Path("calculator.html"),
        help="page to write (default: %(default)s)",
    )
    return parser


def _print_result(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json or args.command in ("calibrate", "design"):  # their results are tables
        print(checks.json_text(result))
        return
    text = {
        "sensitivity": cli_format.format_sensitivity,
        "reconstruct": cli_format.format_reconstruct,
        "survival": cli_format.format_survival,
    }.get(args.command, cli_format.format_result)
    try:
        print(text(result))
    except KeyError:  # a result without the survival details (e.g. a replaced handler)
        print(cli_format.format_result(result))


def _run(args: argparse.Namespace) -> int:
    line = globals()["_command_run"](args)
    print(f"{line}; report: {Path(args.out) / 'report.html'}")
    from bayes_netlm.run import FITS_FAILED  # loaded by the run already

    return 3 if FITS_FAILED in line else 0


def _page(args: argparse.Namespace) -> int:
    from bayes_netlm.reporting.outputs import check_out_file
    from bayes_netlm.reporting.page import write_calculator

    print(f"bayes-netlm page: wrote {write_calculator(check_out_file(args.out))}")
    return 0


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
    name = f"bayes-netlm {args.command}"
    try:
        if args.command == "page":
            return _page(args)
        with stoppable():
            if args.command == "run":
                return _run(args)
            result = globals()[f"_command_{args.command}"](args)
    except OSError as error:  # the system refused a file or a connection: not the user's data
        print(f"{name}: error: {system_refusal(error)}", file=sys.stderr)
        return 2
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


def console() -> None:
    """The ``bayes-netlm`` console script: :func:`main`, then a quick exit with its status.

    The process collects garbage less often (:mod:`bayes_netlm.gc_thresholds`).

    Once the command has returned, everything is written; the exit handlers run (logging,
    multiprocessing and temporary-folder clean-up), the streams are flushed, and the process ends
    without the interpreter finalising every module: with PyMC, JAX, Numba and matplotlib loaded
    that finalisation took 1.5-2.5 s after a ``run`` had finished (measured), with nothing left to
    write. Callers of :func:`main` in Python keep their interpreter.
    """
    raise_gc_thresholds()  # collections over long-lived objects: 1.6 s of a warm run's CPU
    status = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a closed pipe (`bayes-netlm ... | head`): nothing more can be shown
            pass
    os._exit(status)


if __name__ == "__main__":
    console()
