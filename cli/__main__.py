"""`python -m cli`: the `nbf-studio` command where its console script is not on PATH (an installed copy run by its
Python alone); the same as `python main.py` in a checkout."""
import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
