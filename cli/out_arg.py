"""The --out argument of the commands that write files: a path, never the empty string (which Path reads as the
current folder, so that `--out ""` or an unset shell variable would write there without a word)."""
from __future__ import annotations

import argparse
from pathlib import Path


def out_path(text: str) -> Path:
    """argparse type of --out: Path(text); an empty or blank text is refused (exit 2 with the message)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give the folder or file to write (an unset shell variable?)")
    return Path(text)
