"""Fit the censored Weibull model to a two-group survival file (a thin caller of the CLI).

Usage: .venv/bin/python scripts/fit_survival.py --data FILE --time COL --event COL --group COL
       [--index-level VALUE] [--covariates a,b] [--shape common|group] [--prior NAME] [--json]
"""

import sys

from bayes_netlm.cli import main

if __name__ == "__main__":
    sys.exit(main(["survival", *sys.argv[1:]]))
