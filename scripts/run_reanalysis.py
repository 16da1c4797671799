"""Run the whole re-analysis (a thin caller of `bayes-netlm run`); same options."""

import sys

from bayes_netlm.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
