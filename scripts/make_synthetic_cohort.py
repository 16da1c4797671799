"""Write data/synthetic_cohort.csv: the SYNTHETIC cohort of the default seeds (illustrative only).

The default seeds were chosen by scripts/calibrate_synthetic_cohort.py so that the cohort's own
Kaplan-Meier medians and log-rank p-values reproduce the published ones (see
bayes_netlm/evidence/synthetic.py).

Usage: .venv/bin/python scripts/make_synthetic_cohort.py [--out PATH]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bayes_netlm.evidence.synthetic import DEFAULT_SEEDS, make_synthetic_cohort

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "synthetic_cohort.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    cohort = make_synthetic_cohort(DEFAULT_SEEDS)
    # Temporary file then rename: an interrupted run leaves the previous file intact.
    partial = args.out.with_name(args.out.name + ".tmp")
    partial.write_text(cohort.to_csv(index=False))
    os.replace(partial, args.out)
    print(f"wrote {args.out} ({len(cohort)} patients, {DEFAULT_SEEDS})")


if __name__ == "__main__":
    main()
