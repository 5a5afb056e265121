"""What the studies over a `main.py synth` folder share: their command line (the folder and its first N cases), the
case ids that names, and the Predictor they run, on one thread as their figures are taken.

    from _study import study_predictor, synth_cases, synth_parser

    args = synth_parser(__doc__).parse_args(argv)
    pred = study_predictor(refine=False)
    for cid in synth_cases(args.data, args.n):
        case = read_case(args.data, cid, pred.body_model)

(A study is run as `python scripts/NAME.py`, which puts scripts/ on the import path.)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def synth_parser(doc: str, n: int = 0) -> argparse.ArgumentParser:
    """The command line of a study over a `main.py synth` folder, described by the first paragraph of the study's
    docstring `doc`: `data` (the folder) and `--n` (its first N cases; default `n`, 0: all). The study adds its own
    options to it."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a folder written by main.py synth")
    ap.add_argument("--n", type=int, default=n, help="first N cases (0: all)")
    return ap


def synth_cases(data: Path, n: int = 0, split: str | None = None) -> list[str]:
    """The ids of the first `n` cases (0: all) of a `main.py synth` folder, in `inference.datasets.list_cases`'s
    order; split None: every case of the folder, its split lists aside."""
    from inference.datasets import list_cases

    if n < 0:  # a negative slice would drop the last cases quietly
        raise ValueError(f"n is 0 (all) or more, not {n}")
    return list_cases(data, split)[: n or None]


def study_predictor(**options):
    """`inference.pipeline.Predictor(**options)` with torch on one thread: the studies' figures and timings are taken
    so (their commands set OMP_NUM_THREADS=1), and several can run side by side."""
    import torch

    from inference.pipeline import Predictor

    torch.set_num_threads(1)
    return Predictor(**options)
