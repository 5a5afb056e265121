"""`synth-crowd`: write synthetic crowd frames (several people per wide frame, with per-person ground truth;
layout in training/synth/crowd.py).

Deterministic for a seed (frame i is drawn from rng([seed, i])) and resumable (complete frames are skipped).
The crowd test set of the wide-shot evaluation is
`python main.py synth-crowd --out data/crowds_test --n 60 --seed 20183`.
"""
from __future__ import annotations

from pathlib import Path

from cli.out_arg import out_path
from training.set_settings import refusal, seed_type

CROWD_TEST_SEED = 20183


def add_arguments(p, name: str) -> None:
    p.add_argument("--out", required=True, type=out_path, help="output folder")
    p.add_argument("--n", type=int, required=True, help="number of frames")
    p.add_argument("--seed", type=seed_type, default=0, help=f"random seed (the crowd test set uses {CROWD_TEST_SEED})")
    p.add_argument("--size", default="1024x640", help="frame width x height in pixels")
    p.add_argument("--people", default="4-8", help="people per frame, MIN-MAX")
    p.add_argument("--heights", default="50-320", help="body heights in pixels, MIN-MAX (log-uniform)")
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")


def _pair(text: str, cast, what: str, sep: str, ordered: bool = True):
    try:
        a, b = (cast(v) for v in text.lower().split(sep))
    except ValueError:
        raise SystemExit(f"error: {what} must look like A{sep}B, not {text!r}") from None
    if not (0 < a <= b if ordered else min(a, b) > 0):
        raise SystemExit(f"error: {what}: need 0 < {a}" + (f" <= {b}" if ordered else f" and 0 < {b}"))
    return a, b


def run(args) -> int:
    from tqdm import tqdm

    from inference.render.context import configure_gl

    configure_gl()
    from inference.body_model import BodyModel, BodyModelError
    from training.synth.crowd import CrowdRenderer, frame_stem, write_frame, write_meta

    w, h = _pair(args.size, int, "--size", "x", ordered=False)
    people = _pair(args.people, int, "--people", "-")
    heights = _pair(args.heights, float, "--heights", "-")
    if w < 64 or h < 64:
        print(f"error: --size {w}x{h}: frames are at least 64 x 64 px")
        return 2
    settings = {"seed": args.seed, "width": w, "height": h, "min_people": people[0], "max_people": people[1],
                "min_height": heights[0], "max_height": heights[1], "body_model": str(args.body_model or "")}
    why = refusal(args.out, "crowd.json", settings, args.n, "frames")
    if why:
        print(f"error: {why}")
        return 2
    todo = [i for i in range(args.n) if not Path(str(frame_stem(args.out, i)) + "_image.png").exists()]
    try:
        renderer = CrowdRenderer(BodyModel(args.body_model), w, h, people, heights) if todo else None
    except BodyModelError as exc:
        print(f"error: {exc}")
        return 2
    write_meta(args.out, n=args.n, **settings)
    for i in tqdm(todo, desc="synth-crowd", unit="frame", disable=len(todo) < 2):
        write_frame(args.out, i, renderer.render(args.seed, i))
    print(f"{args.n} crowd frames in {args.out} ({len(todo)} rendered now, {args.n - len(todo)} already there)")
    return 0
