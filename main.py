"""NBF Studio entry point: `python main.py` opens the app; `python main.py COMMAND ...` runs the headless CLI."""
import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
