"""`evaluate`: the paper-style table (MPJPE, PA-MPJPE, PVE, mIoU, time) on a labelled set in UP-3D layout."""
from __future__ import annotations

import sys
from pathlib import Path

from cli.out_arg import out_path

DEFAULT_SPLIT = "test"


class EvaluateInputError(ValueError):
    """A data folder or split that cannot be evaluated (one-line message, exit 2 as `predict` does)."""


def add_arguments(p, name: str) -> None:
    # defaults are written into each help text (not ArgumentDefaultsHelpFormatter, which would also print
    # "default: None" for --weights, where None means the shipped weights)
    p.add_argument("data", type=Path, metavar="DATA",
                   help="labelled set (e.g. the fixed synthetic test split data/synth_test)")
    p.add_argument("--out", type=out_path, default=Path("docs/eval"),
                   help="where eval.md and eval.json go (default: %(default)s; the default overwrites the "
                        "committed docs/eval tables: give another folder for a trial run)")
    # default None, not "test": an explicitly given split must exist, the default one may fall back
    p.add_argument("--split", default=None, metavar="NAME",
                   help=f"the cases listed in DATA/NAME.txt (default: {DEFAULT_SPLIT}; a folder without any "
                        "split list is evaluated on all its cases)")
    p.add_argument("--limit", type=int, default=0, help="first N cases only (default: 0, all)")
    p.add_argument("--baseline-limit", type=int, default=50,
                   help="cases for the (slow) optimisation baseline (default: %(default)s)")
    p.add_argument("--refine-limit", type=int, default=100,
                   help="cases for test-time refinement (default: %(default)s)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where the networks run (default: %(default)s: a GPU when there is one)")
    p.add_argument("--precision", default="auto", choices=("auto", "float32", "bfloat16"),
                   help="the networks' number format, the detector's animal check included (default auto: bfloat16 "
                        "on a CPU with AMX matrix units, where it is about twice as fast, else float32; NBF_PRECISION "
                        "in the environment decides auto)")
    p.add_argument("--keypoints", choices=("detect", "none"), default="detect",
                   help="2D joints for refinement and the second baseline: BlazePose detections, or none "
                        "(default: %(default)s)")
    p.add_argument("--weights", type=Path, default=None,
                   help="folder with seg.pt and fit.pt (default: the shipped weights)")


def check_cases(data: Path, split: str | None) -> tuple[str, list[str]]:
    """The split to evaluate and its case ids, checked before any model loads; EvaluateInputError when there
    is nothing to evaluate. `split` None is the default split: when DATA has no split list at all (a set made
    without lists) every case is evaluated, as list_cases falls back to; a split given by name must have its
    list, else a typo would quietly evaluate every case, training cases included."""
    from inference.datasets import SPLITS, list_cases

    if split is not None and not split.strip():  # `--split ""` (an empty shell variable): not the default quietly
        raise EvaluateInputError("--split needs a name: test, val, train or another NAME.txt list in DATA")
    expected = f"expected NNNNN_image.png files (and a {split or DEFAULT_SPLIT}.txt split list)"
    if not data.is_dir():
        why = "not a folder" if data.exists() else "no such folder"
        raise EvaluateInputError(f"no cases found in {data} ({why}): {expected}")
    lists = sorted(p.stem for p in data.glob("*.txt") if p.is_file())  # any NAME.txt is a split --split takes
    name = split or DEFAULT_SPLIT
    has_lists = any((data / f"{s}.txt").is_file() for s in SPLITS)  # a notes.txt does not make a split set
    if not (data / f"{name}.txt").is_file() and (split is not None or has_lists):
        there = f"splits there: {', '.join(lists)}" if lists else "it has no split lists"
        raise EvaluateInputError(f"--split {name}: no {name}.txt in {data} ({there})")
    ids = list_cases(data, name)
    if not ids:
        raise EvaluateInputError(f"no cases found in {data}: {expected}")
    return name, ids


def run(args) -> int:
    try:
        split, _ = check_cases(args.data, args.split)
    except EvaluateInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from inference.render.context import configure_gl

    configure_gl()
    from inference.nets.precision import for_process
    from inference.pipeline import PredictionError
    from training.evaluate import evaluate, markdown_table

    for_process(args.precision)  # before the shared detector is built: its animal check follows the flag too

    try:
        r = evaluate(args.data, args.out, split, args.limit, args.baseline_limit, args.refine_limit, args.device,
                     args.weights, keypoints=args.keypoints, precision=args.precision)
    except PredictionError as exc:  # weights missing or damaged, no GPU, NBF_PRECISION misspelt
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(markdown_table(r))
    print(f"written: {args.out / 'eval.md'}, {args.out / 'eval.json'}")
    return 0
