"""`synth`: write a synthetic labelled set in UP-3D layout (see inference/datasets.py).

Deterministic for a seed (case i is drawn from rng([seed, i])), resumable (complete cases are
skipped), with a progress bar. The fixed synthetic test split of NBF Studio is
`python main.py synth --out data/synth_test --n 500 --seed 20181 --split test`.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
from pathlib import Path

from cli.out_arg import make_out_folder, out_path
from training.set_settings import MAX_ITEMS, refusal, seed_type, whole_number, write_record

TEST_SEED = 20181

_W = {}


def add_arguments(p, name: str) -> None:
    p.add_argument("--out", required=True, type=out_path, help="output folder")
    p.add_argument("--n", type=int, required=True, help=f"number of cases (1 to {MAX_ITEMS:,})")
    p.add_argument("--seed", type=seed_type, default=0, help=f"random seed (the fixed test split uses {TEST_SEED})")
    p.add_argument("--split", choices=("train", "val", "test"), default=None,
                   help="list every case in this split (default: 80/10/10 train/val/test by index)")
    # more processes than cores render no faster, and each imports torch and holds a renderer (--workers 1000 would
    # start 1000 of them)
    cores = os.cpu_count() or 1
    p.add_argument("--workers", type=whole_number(1, maximum=cores, why_most="the CPU cores here"), default=1,
                   help=f"rendering processes (1 to the {cores} CPU cores here)")
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")


def _init(body_model):
    from inference.render.context import configure_gl

    configure_gl()
    import torch

    torch.set_num_threads(1)
    from inference.body_model import BodyModel
    from training.synth.generator import SampleRenderer

    _W["r"] = SampleRenderer(BodyModel(body_model))


def _close() -> None:
    """Close this process's renderer (`_init`'s) now: left to the garbage collector, a renderer replaced by a second
    run in the same process (a test, a script calling `cli.main.main` twice) closed its GL display under the new
    one (EGL_BAD_DISPLAY)."""
    r = _W.pop("r", None)
    if r is not None:
        r.renderer.close()


def _one(job):
    from inference.datasets import write_sample

    out, seed, i = job
    write_sample(out, i, _W["r"].render(seed, i))
    return i


SETTINGS_FILE = "synth.json"  # the settings the set was made with (training/set_settings.py)


def run(args) -> int:
    from tqdm import tqdm

    from inference.body_model import BodyModel, BodyModelError
    from inference.datasets import case_stem, write_splits
    from inference.file_writes import write_error_reason

    if args.body_model:  # a file that does not load is refused before the output folder is made
        try:
            BodyModel(args.body_model)
        except BodyModelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    settings = {"seed": args.seed, "split": args.split, "body_model": str(args.body_model or "")}
    why = refusal(args.out, SETTINGS_FILE, settings, args.n) or make_out_folder(args.out)
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    try:
        # the settings first: a run stopped part-way leaves cases that a rerun with other settings must not join
        write_record(args.out, SETTINGS_FILE, settings, args.n)
        todo = [i for i in range(args.n) if not Path(str(case_stem(args.out, i)) + "_image.png").exists()]
        jobs = [(args.out, args.seed, i) for i in todo]
        if not jobs:
            pass
        elif args.workers <= 1 or len(jobs) < 50:
            _init(args.body_model)
            try:
                for job in tqdm(jobs, desc="synth", unit="case"):
                    _one(job)
            finally:
                _close()
        else:
            try:
                pool = mp.get_context("spawn").Pool(args.workers, _init, (args.body_model,))
            except OSError as exc:  # the processes never started: not a write error in OUT, which the broken pipe
                # would otherwise be reported as
                print(f"error: cannot start {args.workers} rendering processes ({write_error_reason(exc)}): give a "
                      f"smaller --workers (the system may limit how many processes run)", file=sys.stderr)
                return 1
            with pool:
                for _ in tqdm(pool.imap_unordered(_one, jobs, chunksize=4), total=len(jobs), desc="synth", unit="case"):
                    pass
        write_splits(args.out, args.n, args.split)
    except BodyModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk: the cases written so far stay, and a rerun goes on from them
        print(f"error: cannot write in {args.out}: {write_error_reason(exc)}", file=sys.stderr)
        return 1
    print(f"{args.n} cases in {args.out} ({len(todo)} rendered now, {args.n - len(todo)} already there)")
    return 0
