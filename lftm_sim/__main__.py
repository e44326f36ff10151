"""``python -m lftm_sim`` is the `lftm` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
