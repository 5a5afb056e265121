"""`synth-crowd`: write synthetic crowd frames (several people per wide frame, with per-person ground truth;
layout in training/synth/crowd.py).

Deterministic for a seed (frame i is drawn from rng([seed, i])) and resumable (complete frames are skipped).
The crowd test set of the wide-shot evaluation is
`python main.py synth-crowd --out data/crowds_test --n 60 --seed 20183`.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from cli.out_arg import make_out_folder, out_path
from training.set_settings import MAX_ITEMS, refusal, seed_type, write_record

CROWD_TEST_SEED = 20183


# the frame is composed in float32 at full size, several whole-frame warps per person: 4096 px a side is about
# 200 MB a plane; the person ids are stored as uint8 (0 background), so at most 255 people
MAX_SIDE = 4096
MAX_PEOPLE = 255
# a person this many frame heights tall shows a patch of the body at best (its feet stay within 0.6 of its height
# below the frame): --heights 1e6-1e7 made frames in which no one was visible
MAX_HEIGHT_PER_FRAME = 8


def _pair(cast, what: str, sep: str, ordered: bool = True):
    """argparse type of a pair 'AsepB' of positive finite numbers (A <= B when `ordered`): exit 2 otherwise."""
    def parse(text: str):
        try:
            a, b = (cast(v) for v in text.lower().split(sep))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must look like A{sep}B, not {text!r}") from None
        if not (math.isfinite(a) and math.isfinite(b)):
            raise argparse.ArgumentTypeError(f"needs finite numbers, not {text!r}")
        if not (0 < a <= b if ordered else min(a, b) > 0):
            raise argparse.ArgumentTypeError(f"need 0 < {a}" + (f" <= {b}" if ordered else f" and 0 < {b}"))
        return a, b

    parse.__name__ = what  # argparse names the type in its message
    return parse


def add_arguments(p, name: str) -> None:
    p.add_argument("--out", required=True, type=out_path, help="output folder")
    p.add_argument("--n", type=int, required=True, help=f"number of frames (1 to {MAX_ITEMS:,})")
    p.add_argument("--seed", type=seed_type, default=0, help=f"random seed (the crowd test set uses {CROWD_TEST_SEED})")
    p.add_argument("--size", default=(1024, 640), type=_pair(int, "size", "x", ordered=False),
                   help=f"frame width x height in pixels (64 to {MAX_SIDE} a side; default 1024x640)")
    p.add_argument("--people", default=(4, 8), type=_pair(int, "people", "-"),
                   help=f"people per frame, MIN-MAX (at most {MAX_PEOPLE}; default 4-8)")
    p.add_argument("--heights", default=(50.0, 320.0), type=_pair(float, "heights", "-"),
                   help=f"body heights in pixels, MIN-MAX (log-uniform; at most {MAX_HEIGHT_PER_FRAME} times the "
                        f"frame's height; default 50-320)")
    p.add_argument("--inside", action="store_true",
                   help="every body wholly inside the frame, none cut by its edges (people still overlap): a "
                        "street whose walkers can all be seen; by default a quarter are placed across an edge")
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")


def run(args) -> int:
    from tqdm import tqdm

    from inference.render.context import configure_gl

    configure_gl()
    from inference.body_model import BodyModel, BodyModelError
    from inference.file_writes import write_error_reason
    from training.synth.crowd import CrowdRenderer, frame_stem, write_frame

    (w, h), people, heights = args.size, args.people, args.heights
    if not (64 <= w <= MAX_SIDE and 64 <= h <= MAX_SIDE):
        print(f"error: --size {w}x{h}: frames are 64 to {MAX_SIDE} px a side", file=sys.stderr)
        return 2
    if people[1] > MAX_PEOPLE:
        print(f"error: --people {people[0]}-{people[1]}: at most {MAX_PEOPLE} people a frame (their ids are "
              "stored in 8 bits)", file=sys.stderr)
        return 2
    if heights[1] > MAX_HEIGHT_PER_FRAME * h:
        print(f"error: --heights {heights[0]:g}-{heights[1]:g}: a body is at most {MAX_HEIGHT_PER_FRAME} times the "
              f"frame's height ({MAX_HEIGHT_PER_FRAME * h} px here); a taller one is out of the frame", file=sys.stderr)
        return 2
    settings = {"seed": args.seed, "width": w, "height": h, "min_people": people[0], "max_people": people[1],
                "min_height": heights[0], "max_height": heights[1], "body_model": str(args.body_model or ""),
                "inside": bool(args.inside)}
    why = refusal(args.out, "crowd.json", settings, args.n, "frames")
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    todo = [i for i in range(args.n) if not Path(str(frame_stem(args.out, i)) + "_image.png").exists()]
    try:
        renderer = CrowdRenderer(BodyModel(args.body_model), w, h, people, heights,
                                 inside=args.inside) if todo else None
    except BodyModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    why = make_out_folder(args.out)
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    try:
        write_record(args.out, "crowd.json", settings, args.n)
        for i in tqdm(todo, desc="synth-crowd", unit="frame", disable=len(todo) < 2):
            write_frame(args.out, i, renderer.render(args.seed, i))
    except OSError as exc:  # a full disk: the frames written so far stay, and a rerun goes on from them
        print(f"error: cannot write in {args.out}: {write_error_reason(exc)}", file=sys.stderr)
        return 1
    print(f"{args.n} crowd frames in {args.out} ({len(todo)} rendered now, {args.n - len(todo)} already there)")
    return 0
