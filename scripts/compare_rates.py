"""Compare two rates from published counts (exact, intervals or rounded percentages).

Default: 30-day mortality-style counts, 0 of 12 cystic vs "2%" of 452 solid (every count that
rounds to 2 %), under a flat Beta(1, 1) prior on each rate: exact Beta-mixture posterior, with the
PyMC fit beside it. Saves the DataTree and two ArviZ plots.

    python scripts/compare_rates.py --index 0/12 --reference 2%/452 --out rates_fit
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt

import bayes_netlm as bn
from bayes_netlm.errors import reported
from bayes_netlm.reporting.outputs import check_out_folder

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--index", default="0/12", help="index counts K/N (default: %(default)s)")
parser.add_argument("--reference", default="2%/452", help="reference counts (default: %(default)s)")
parser.add_argument(
    "--prior", default="beta:1,1", help="beta:A,B or logor:M,S (default: %(default)s)"
)
parser.add_argument(
    "--out", type=Path, default=Path("rates_fit"), help="output folder (default: %(default)s)"
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
    fit = bn.compare_rates(
        args.index,
        args.reference,
        names=("cystic", "solid"),
        prior=args.prior,
        seed=args.seed,
        draws=args.draws,
    )
    print(fit.summary()[["method", "quantity", "value", "lower", "upper"]].to_string())
    for name, value in fit.probabilities.items():
        print(f"{name} = {value:.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    fit.to_netcdf(args.out / "posterior.nc")
    for name, figure in [
        ("trace", fit.plot_trace(["rd"])),
        ("rank", fit.plot_rank("rd")),
        ("posterior", fit.plot_posterior()),
    ]:
        figure.savefig(args.out / f"{name}.png", dpi=80)
        plt.close(figure)
    print(f"saved {args.out}/posterior.nc, trace.png, rank.png, posterior.png")
