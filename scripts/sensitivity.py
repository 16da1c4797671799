"""How much a published hazard ratio rests on its prior: grid, tipping points, power-scaling.

Default: overall survival of Ammann et al. 2025 (medians 13.8 vs 10.6 years, p = 0.513) under the
vague prior, swept over Normal priors on log HR (centres 0.5-2, SDs 0.2-2). Prints the grid and
the tipping points, saves the heat map, the DataTree and two ArviZ plots of the fit.

    python scripts/sensitivity.py --out sensitivity
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
parser.add_argument("--prior", default="vague", help="reference prior (default: %(default)s)")
parser.add_argument(
    "--centres", default="0.5,0.7,1,1.43,2", help="prior HR centres (default: %(default)s)"
)
parser.add_argument(
    "--sds", default="0.2,0.5,1,2", help="prior SDs on log HR (default: %(default)s)"
)
parser.add_argument(
    "--out", type=Path, default=Path("sensitivity"), help="output folder (default: %(default)s)"
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
        medians=args.medians, p=args.p, prior=args.prior, seed=args.seed, draws=args.draws
    )
    sens = bn.prior_sensitivity(
        fit, [float(c) for c in args.centres.split(",")], [float(s) for s in args.sds.split(",")]
    )
    print(sens.summary().round(3).to_string())
    for reading in sens.tipping["reading"]:
        print("tipping:", reading)
    print(sens.power_scaling[["variable", "prior_cjs", "likelihood_cjs", "diagnosis"]].to_string())

    args.out.mkdir(parents=True, exist_ok=True)
    fit.to_netcdf(args.out / "posterior.nc")
    sens.grid.to_csv(args.out / "grid.csv", index=False)
    for name, figure in [
        ("grid", sens.plot_grid()),
        ("trace", fit.plot_trace()),
        ("rank", fit.plot_rank()),
    ]:
        figure.savefig(args.out / f"{name}.png", dpi=80)
        plt.close(figure)
    print(f"saved {args.out}/posterior.nc, grid.csv, grid.png, trace.png, rank.png")
