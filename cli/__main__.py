"""`python -m cli`: the `nbf-studio` command where its console script is not on PATH (an installed copy run by its
Python alone); the same as `python main.py` in a checkout."""
from cli.main import run_and_exit

if __name__ == "__main__":
    run_and_exit()
