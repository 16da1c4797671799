"""The whole re-analysis through the Python API (what `bayes-netlm run` computes, nothing more).

Prints the published-numbers probabilities under every prior set, the patient-level Weibull fit of
the bundled SYNTHETIC cohort, saves every DataTree and two ArviZ plots (rank plot, forest plot
across prior sets). `bayes-netlm run` writes the full results folder with the HTML report.

    python scripts/run_reanalysis.py --out reanalysis
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt

import bayes_netlm as bn
from bayes_netlm.errors import reported
from bayes_netlm.reporting.outputs import check_out_folder

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--spec", help="run specification (default: models/run.toml)")
parser.add_argument("--no-survival", action="store_true", help="skip the patient-level fits")
parser.add_argument(
    "--out", type=Path, default=Path("reanalysis"), help="output folder (default: %(default)s)"
)
parser.add_argument("--seed", type=int, default=bn.DEFAULT_SEED, help="seed (default: %(default)s)")
parser.add_argument("--draws", type=int, default=None, help="draws per chain (default: the spec's)")
args = parser.parse_args()

with reported(parser.prog):  # bad input: one line, exit status 2
    check_out_folder(args.out)  # before any fitting
    result = bn.reanalyse(
        args.spec, args.seed, survival=not args.no_survival, draws=args.draws, tune=args.draws
    )
    for prior in ("vague", "skeptical"):
        for endpoint, probabilities in result.probabilities("summary_hr", prior).items():
            shown = ", ".join(f"{k} = {v:.3f}" for k, v in probabilities.items())
            print(f"{endpoint} ({prior}): {shown}")
    if result.survival is not None:
        for endpoint, probabilities in result.probabilities("weibull", "vague").items():
            p = probabilities["P(HR < 1)"]
            print(f"{endpoint} (Weibull, SYNTHETIC cohort): P(HR < 1) = {p:.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    result.summary().to_csv(args.out / "summaries.csv", index=False)
    result.to_netcdf(args.out / "posteriors")
    for name, figure in [("rank", result.plot_rank()), ("forest", result.plot_forest("os_full"))]:
        figure.savefig(args.out / f"{name}.png", dpi=80)
        plt.close(figure)
    print(f"saved {args.out}/summaries.csv, posteriors/, rank.png, forest.png")
