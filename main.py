"""NBF Studio entry point: `python main.py` opens the app; `python main.py COMMAND ...` runs the headless CLI."""
import sys

from inference.openmp import shorten_openmp_spin

shorten_openmp_spin()  # before any command imports torch

from cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
