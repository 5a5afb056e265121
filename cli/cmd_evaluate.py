"""`evaluate`: the paper-style table (MPJPE, PA-MPJPE, PVE, mIoU, time) on a labelled set in UP-3D layout."""
from __future__ import annotations

from pathlib import Path


def add_arguments(p, name: str) -> None:
    p.add_argument("data", type=Path, help="labelled set (e.g. the fixed synthetic test split data/synth_test)")
    p.add_argument("--out", type=Path, default=Path("docs/eval"), help="where eval.md and eval.json go")
    p.add_argument("--split", default="test")
    p.add_argument("--limit", type=int, default=0, help="first N cases only (0: all)")
    p.add_argument("--baseline-limit", type=int, default=50, help="cases for the (slow) optimisation baseline")
    p.add_argument("--refine-limit", type=int, default=100, help="cases for test-time refinement")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--keypoints", choices=("detect", "none"), default="detect",
                   help="2D joints for refinement and the second baseline: BlazePose detections, or none")
    p.add_argument("--weights", type=Path, default=None, help="folder with seg.pt and fit.pt (default: shipped)")


def run(args) -> int:
    from inference.render.context import configure_gl

    configure_gl()
    from training.evaluate import evaluate, markdown_table

    r = evaluate(args.data, args.out, args.split, args.limit, args.baseline_limit, args.refine_limit, args.device,
                 args.weights, keypoints=args.keypoints)
    print(markdown_table(r))
    print(f"written: {args.out / 'eval.md'}, {args.out / 'eval.json'}")
    return 0
