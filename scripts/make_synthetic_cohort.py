"""Write data/synthetic_cohort.csv: the synthetic cohort of the default seed (illustrative only).

Usage: .venv/bin/python scripts/make_synthetic_cohort.py [--seed N] [--out PATH]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bayes_netlm.evidence.synthetic import DEFAULT_SEED, make_synthetic_cohort

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "synthetic_cohort.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    cohort = make_synthetic_cohort(args.seed)
    # Temporary file then rename: an interrupted run leaves the previous file intact.
    partial = args.out.with_name(args.out.name + ".tmp")
    partial.write_text(cohort.to_csv(index=False))
    os.replace(partial, args.out)
    print(f"wrote {args.out} ({len(cohort)} patients, seed {args.seed})")


if __name__ == "__main__":
    main()
