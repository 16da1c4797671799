"""Prior sensitivity of the published hazard ratios (a thin caller of `bayes-netlm sensitivity`)."""

import sys

from bayes_netlm.cli import main

if __name__ == "__main__":
    sys.exit(main(["sensitivity", *sys.argv[1:]]))
