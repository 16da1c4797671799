"""Write data/examples/: digitised-style curves of the SYNTHETIC cohort, to try reconstruction.

The Kaplan-Meier curves of the synthetic cohort (cystic vs solid, overall and hepatic
progression-free survival) are read off as a digitiser would (both corners of every drop, with up
to 0.2 % of each axis of error) with a numbers-at-risk table at regular times. They stand in for a
published figure, so that the path "digitised figure -> reconstructed patients -> Weibull
posterior" can be run end to end (`models/run_curves.toml`). They are synthetic, not the study's.

Usage: .venv/bin/python scripts/make_example_curves.py
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_netlm.evidence.reconstruct_validation import digitise

ROOT = Path(__file__).resolve().parents[1]
SEED = 20250101
ENDPOINTS = {"os": ("os_time", "os_event"), "pfs": ("pfs_time", "pfs_event")}


def _write(frame: pd.DataFrame, path: Path) -> None:
    partial = path.with_name(path.name + ".tmp")
    frame.to_csv(partial, index=False, float_format="%.5f")
    os.replace(partial, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "examples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cohort = pd.read_csv(ROOT / "data" / "synthetic_cohort.csv")
    rng = np.random.default_rng(SEED)
    for name, (time, event) in ENDPOINTS.items():
        patients = cohort.rename(columns={"group": "arm", time: "time", event: "event"})
        curve, at_risk = digitise(patients[["arm", "time", "event"]], rng, error=0.002)
        _write(curve, args.out / f"synthetic_{name}_curve.csv")
        _write(at_risk, args.out / f"synthetic_{name}_at_risk.csv")
        print(f"wrote synthetic_{name}_curve.csv ({len(curve)} points), _at_risk.csv")


if __name__ == "__main__":
    main()
