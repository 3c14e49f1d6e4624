"""``python -m forecaster``: the same command line as the ``forecaster`` script."""

import sys

from forecaster.cli import main

if __name__ == "__main__":
    sys.exit(main())
