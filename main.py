"""NBF Studio entry point: `python main.py` opens the app; `python main.py COMMAND ...` runs the headless CLI."""
import sys

from cli.main import run_and_exit

if __name__ == "__main__":
    run_and_exit(sys.argv[1:])
