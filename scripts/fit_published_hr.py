"""Re-analyse a published hazard ratio with bayes_netlm, as a PyMC user would script it.

Default: overall survival of Ammann et al. 2025 (medians 13.8 vs 10.6 years, p = 0.513, 12 vs
452 patients) under the skeptical prior. Prints the summary, saves the DataTree and two ArviZ
plots (trace, rank) and the posterior with its clinical thresholds.

    python scripts/fit_published_hr.py --prior skeptical --out hr_fit
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt

import bayes_netlm as bn
from bayes_netlm.errors import reported
from bayes_netlm.reporting.outputs import check_out_folder

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--medians",
    nargs=2,
    type=float,
    default=[13.8, 10.6],
    help="index, reference (default: %(default)s)",
)
parser.add_argument(
    "--p", type=float, default=0.513, help="two-sided p-value (default: %(default)s)"
)
parser.add_argument(
    "--n", nargs=2, type=int, default=[12, 452], help="group sizes (default: %(default)s)"
)
parser.add_argument(
    "--prior",
    default="skeptical",
    help="set name, normal:M,S or hr:0.5-2@95%% (default: %(default)s)",
)
parser.add_argument(
    "--out", type=Path, default=Path("hr_fit"), help="output folder (default: %(default)s)"
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
    fit = bn.hazard_ratio(
        medians=args.medians, p=args.p, n=args.n, prior=args.prior, seed=args.seed, draws=args.draws
    )
    columns = ["method", "quantity", "value", "lower", "upper", "mcse_value"]
    print(fit.summary()[columns].to_string())
    for name, value in fit.probabilities.items():
        print(f"{name} = {value:.3f}")
    for note in fit.notes:
        print("note:", note)

    args.out.mkdir(parents=True, exist_ok=True)
    fit.to_netcdf(args.out / "posterior.nc")
    for name, figure in [
        ("trace", fit.plot_trace()),
        ("rank", fit.plot_rank()),
        ("posterior", fit.plot_posterior()),
    ]:
        figure.savefig(args.out / f"{name}.png", dpi=80)
        plt.close(figure)
    print(f"saved {args.out}/posterior.nc, trace.png, rank.png, posterior.png")
