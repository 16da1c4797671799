"""Fit the Bayesian censored Weibull PH model to a patient table, lifelines-style.

Default: overall survival in the bundled SYNTHETIC cohort (data/synthetic_cohort.csv; times in
years), cystic vs solid, vague prior. Prints the summary and lifelines' Cox HR beside it, saves
the DataTree, two ArviZ plots (trace, rank) and the posterior S(t) over Kaplan-Meier.

    python scripts/fit_weibull.py --time os_time --event os_event --shape common --out weibull_fit
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt

import bayes_netlm as bn
from bayes_netlm.errors import reported
from bayes_netlm.evidence.table_files import SYNTHETIC_LINE
from bayes_netlm.reporting.outputs import check_out_folder

ROOT = Path(__file__).resolve().parent.parent

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--data",
    default=ROOT / "data" / "synthetic_cohort.csv",
    help="CSV or Parquet (default: the synthetic cohort)",
)
parser.add_argument("--time", default="os_time", help="time column, years (default: %(default)s)")
parser.add_argument("--event", default="os_event", help="event column (default: %(default)s)")
parser.add_argument("--group", default="group", help="group column (default: %(default)s)")
parser.add_argument(
    "--index-level", default="cystic", help="HR numerator group (default: %(default)s)"
)
parser.add_argument(
    "--shape",
    choices=["common", "group"],
    default="common",
    help="Weibull shape (default: %(default)s)",
)
parser.add_argument("--prior", default="vague", help="prior on log HR (default: %(default)s)")
parser.add_argument(
    "--out", type=Path, default=Path("weibull_fit"), help="output folder (default: %(default)s)"
)
parser.add_argument(
    "--seed", type=int, default=bn.DEFAULT_SEED, help="sampler seed (default: %(default)s)"
)
parser.add_argument(
    "--draws", type=int, default=1000, help="draws per chain (default: %(default)s)"
)
args = parser.parse_args()

with reported(parser.prog):  # bad input: one line, exit status 2
    check_out_folder(args.out)  # before any fitting
    model = bn.WeibullPH(shape=args.shape, prior=args.prior, draws=args.draws, tune=args.draws)
    fit = model.fit(
        args.data,
        duration_col=args.time,
        event_col=args.event,
        group_col=args.group,
        index_level=args.index_level,
        seed=args.seed,
    )
    if fit.synthetic:
        print(SYNTHETIC_LINE)
    print(fit.summary()[["quantity", "value", "lower", "upper", "converged"]].to_string())
    print(f"P(HR < 1) = {fit.probabilities['P(HR < 1)']:.3f}")
    cox = fit.frequentist
    lo, hi = cox["cox_ci95"]
    print(
        f"lifelines: Cox HR {cox['cox_hr']:.3f} ({lo:.3f}-{hi:.3f}), "
        f"log-rank p = {cox['logrank_p']:.3g}"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    fit.to_netcdf(args.out / "posterior.nc")
    for name, figure in [
        ("trace", fit.plot_trace(["log_hr", "log_k"])),
        ("rank", fit.plot_rank()),
        ("survival", fit.plot_survival()),
    ]:
        figure.savefig(args.out / f"{name}.png", dpi=80)
        plt.close(figure)
    print(f"saved {args.out}/posterior.nc, trace.png, rank.png, survival.png")
