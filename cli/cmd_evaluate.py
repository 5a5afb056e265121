"""`evaluate`: the paper-style table (MPJPE, PA-MPJPE, PVE, mIoU, time) on a labelled set in UP-3D layout."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cli.out_arg import drop_if_empty, in_path, make_out_folder, out_path
from training.set_settings import whole_number

DEFAULT_SPLIT = "test"
RESULT_FILES = ("eval.md", "eval.json")  # what a run writes into --out (training.evaluate.write_results)

EPILOG = """\
exit status:
  0    every listed case scored; OUT/eval.md and OUT/eval.json written
  1    a case could not be read (its image or body pickle missing or unreadable, or its part map unreadable:
       named on stderr, left out, and listed in eval.md and eval.json, which are still written; a missing part
       map is drawn from the body pickle, as for UP-3D's own cases), no case could be read
       (nothing written), or the results could not be written (the previous ones are left as they were)
  2    bad arguments: DATA not a labelled set in UP-3D layout, a split without its list or with a line that
       cannot name a case (a NUL byte, a name longer than the file system takes), a negative limit, an
       --out that cannot be used or that holds eval.md or eval.json already (without --overwrite),
       --weights without seg.pt and fit.pt, weights that cannot be loaded (nothing evaluated)"""


class EvaluateInputError(ValueError):
    """A data folder or split that cannot be evaluated (one-line message, exit 2 as `predict` does)."""


def add_arguments(p, name: str) -> None:
    # defaults are written into each help text (not ArgumentDefaultsHelpFormatter, which would also print
    # "default: None" for --weights, where None means the shipped weights)
    p.add_argument("data", type=in_path, metavar="DATA",
                   help="labelled set (e.g. the fixed synthetic test split data/synth_test)")
    p.add_argument("--out", type=out_path, default=Path("docs/eval"),
                   help="where eval.md and eval.json go (default: %(default)s: the committed tables, replaced only "
                        "with --overwrite; give another folder for a trial run)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace eval.md and eval.json in --out (without it, a run into a folder that holds them is "
                        "refused before any work)")
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter  # the epilog's table as written
    # default None, not "test": an explicitly given split must exist, the default one may fall back
    p.add_argument("--split", default=None, metavar="NAME",
                   help=f"the cases listed in DATA/NAME.txt (default: {DEFAULT_SPLIT}; a folder without any "
                        "split list is evaluated on all its cases)")
    p.add_argument("--limit", type=whole_number(0), default=0, help="first N cases only (default: 0, all)")
    p.add_argument("--baseline-limit", type=whole_number(0), default=50,
                   help="cases for the (slow) optimisation baseline, the first scored (default: %(default)s; 0: none)")
    p.add_argument("--refine-limit", type=whole_number(0), default=100,
                   help="cases for test-time refinement, the first scored (default: %(default)s; 0: none)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where the networks run (default: %(default)s: a GPU when there is one)")
    p.add_argument("--precision", default="auto", choices=("auto", "float32", "bfloat16"),
                   help="the networks' number format, the detector's animal check included (default auto: bfloat16 "
                        "on a CPU with bfloat16 units (AMX, AVX512-BF16), where it is 1.5-2 times as fast, else "
                        "float32; NBF_PRECISION in the environment decides auto)")
    p.add_argument("--keypoints", choices=("detect", "none"), default="detect",
                   help="2D joints for refinement and the second baseline: BlazePose detections, or none "
                        "(default: %(default)s)")
    p.add_argument("--weights", type=in_path, default=None,
                   help="folder with seg.pt and fit.pt, as scripts/package_weights.py --dest writes it from training "
                        "runs' best.pt, and optionally people.pt, the person detector's proposer (default: the "
                        "shipped weights, resources/weights; the shipped people.pt where the folder has none); "
                        "eval.md and eval.json record the folder and each network's SHA-256")


def check_cases(data: Path, split: str | None) -> tuple[str, list[str]]:
    """The split to evaluate and its case ids, checked before any model loads; EvaluateInputError when there
    is nothing to evaluate. `split` None is the default split: when DATA has no split list at all (a set made
    without lists) every case is evaluated, as list_cases falls back to; a split given by name must have its
    list, else a typo would quietly evaluate every case, training cases included."""
    from inference.datasets import SPLITS, case_id_problem, list_cases
    from training.set_settings import other_kind

    if split is not None and not split.strip():  # `--split ""` (an empty shell variable): not the default quietly
        raise EvaluateInputError("--split needs a name: test, val, train or another NAME.txt list in DATA")
    if split is not None and (Path(split).name != split or split in (".", "..")):  # (../other/test read outside)
        raise EvaluateInputError(f"--split {split}: a split is the name of a NAME.txt list in DATA, not a path: "
                                 f"copy the list into {data}, or give the set that holds it as DATA")
    expected = f"expected NNNNN_image.png files (and a {split or DEFAULT_SPLIT}.txt split list)"
    if not data.is_dir():
        why = "not a folder" if data.exists() else "no such folder"
        raise EvaluateInputError(f"no cases found in {data} ({why}): {expected}")
    other = other_kind(data, "synth.json")  # crowd frames also are NNNNN_image.png: not cases to score one by one
    if other:
        tip = "; crowd frames are scored by scripts/eval_crowds.py" if "synth-crowd" in other else ""
        raise EvaluateInputError(f"{data} holds {other}, not labelled cases in UP-3D layout (NNNNN_image.png with "
                                 f"NNNNN_body.pkl){tip}")
    lists = sorted(p.stem for p in data.glob("*.txt") if p.is_file())  # any NAME.txt is a split --split takes
    name = split or DEFAULT_SPLIT
    has_lists = any((data / f"{s}.txt").is_file() for s in SPLITS)  # a notes.txt does not make a split set
    if not (data / f"{name}.txt").is_file() and (split is not None or has_lists):
        there = f"splits there: {', '.join(lists)}" if lists else "it has no split lists"
        raise EvaluateInputError(f"--split {name}: no {name}.txt in {data} ({there})")
    ids = list_cases(data, name)
    if not ids:
        raise EvaluateInputError(f"no cases found in {data}: {expected}")
    bad = [(cid, why) for cid in ids if (why := case_id_problem(data, cid))]
    if bad:  # (a damaged list, not a missing case: refused before the models load, as a missing list is)
        cid, why = bad[0]
        shown = repr(cid if len(cid) <= 40 else cid[:30] + "...")
        more = f" (and {len(bad) - 1} more such lines)" if len(bad) > 1 else ""
        raise EvaluateInputError(f"--split {name}: {data / (name + '.txt')} lists {shown}, which {why}, not a case "
                                 f"name (NNNNN, as in /NNNNN_image.png){more}: mend the list or make it again")
    # no ground-truth body at all: not a labelled set (a set with some bodies missing is evaluated: those cases are
    # named and left out, `training.evaluate.evaluate`)
    if next(data.glob("*_body.pkl"), None) is None:
        raise EvaluateInputError(f"{data} has no NNNNN_body.pkl files: nothing to score against (evaluate "
                                 "needs labelled cases in UP-3D layout: NNNNN_image.png with NNNNN_body.pkl)")
    return name, ids


def check_weights(weights: Path | None) -> None:
    """A --weights folder holds seg.pt and fit.pt (None: the shipped ones); EvaluateInputError otherwise, before
    any model loads, in `predict --weights`'s and the Predictor's words (`inference.weights_folder`): a training
    run's folder is said to be one, with how to make a weights folder of it."""
    from inference.weights_folder import weights_folder_problem

    why = weights_folder_problem(weights)
    if why:
        raise EvaluateInputError(why)


def check_results(out: Path, overwrite: bool) -> None:
    """EvaluateInputError naming the results (RESULT_FILES) a run would replace in `out`, unless `overwrite`: the
    README's command, run on a smaller or changed set, replaced the committed docs/eval table without a word."""
    there = [out / n for n in RESULT_FILES if os.path.lexists(out / n)]
    if there and not overwrite:
        names = " and ".join(str(p) for p in there)
        raise EvaluateInputError(f"{names} {'exist' if len(there) > 1 else 'exists'}: give --overwrite to replace "
                                 f"{'them' if len(there) > 1 else 'it'}, or another --out")


def run(args) -> int:
    try:
        split, _ = check_cases(args.data, args.split)
        check_weights(args.weights)
        check_results(args.out, getattr(args, "overwrite", False))
    except EvaluateInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    made = not args.out.exists()  # a run that fails before writing its results leaves no empty folder behind
    why = make_out_folder(args.out)  # before any work: a run of minutes must not end on an --out it cannot use
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    try:
        return _evaluate(args, split)
    finally:  # (--device cuda without a GPU left the --out it had made, empty)
        drop_if_empty(args.out, made)


def _evaluate(args, split: str) -> int:
    """`run` once the arguments are checked and --out made: the evaluation and its results."""
    from inference.render.context import configure_gl

    configure_gl()
    from inference.file_writes import describe_os_error
    from inference.nets.precision import for_process
    from inference.pipeline import PredictionError
    from training.evaluate import NoCaseScored, evaluate, markdown_table, write_results

    for_process(args.precision)  # before the shared detector is built: its animal check follows the flag too

    try:
        r = evaluate(args.data, None, split, args.limit, args.baseline_limit, args.refine_limit, args.device,
                     args.weights, keypoints=args.keypoints, precision=args.precision)
    except PredictionError as exc:  # weights missing or damaged, no GPU, NBF_PRECISION misspelt
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except NoCaseScored as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(markdown_table(r))
    try:
        write_results(r, args.out)
    except OSError as exc:  # --out was writable at the start: a full disk or the like
        print(f"error: results not written: {describe_os_error(exc)} (earlier results there are left as they "
              "were)", file=sys.stderr)
        return 1
    print(f"written: {args.out / 'eval.md'}, {args.out / 'eval.json'}")
    if r.skipped:
        print(f"error: {len(r.skipped)} of the {len(r.skipped) + r.n} cases could not be read and are left out "
              "(named above and in eval.md)", file=sys.stderr)
        return 1
    return 0
