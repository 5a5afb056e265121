"""Synthetic people turned in the picture: how the fit's 3D error grows with the person's lean.

    python scripts/eval_turned.py data/synth_test --limit 100 --angles 0,30,60,90,135,180 --out X.json

Each test image (a synthetic person filling the crop) is shrunk by SHRINK about its centre, so that a turned person's
limbs stay in the picture, the border filled with the image's mean colour, and turned by each angle; `Predictor.predict`
reads it as `main.py predict` reads a photo (the person search, the networks, the refinement). PA-MPJPE against the
ground truth is unchanged by the turn, so every angle is scored against the same 3D joints. A person the search misses
at some angle is counted, not scored; the search does not depend on `--min-deg`, so runs that differ only in it score
the same people (unless a reading's part map comes out empty, which the runs measured here never did).

`--min-deg` overrides `inference.upright.TURN_MIN_DEG` (the torso's lean from which the networks read the crop turned
upright; -1: never turned, the code before stop 62). Prints one line per angle; `--out` writes every case's errors.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHRINK = 1 / 1.45  # a person filling 85 % of the crop fits inside it at any angle


def turned_image(image: np.ndarray, angle: float, shrink: float = SHRINK) -> np.ndarray:
    """image (S, S, 3) uint8 shrunk by `shrink` and turned by `angle` degrees counter-clockwise about its centre (the
    pixel index (S/2, S/2), half a pixel off the exact centre, as the figures in docs/real_photos.md were measured),
    the uncovered border filled with its mean colour -> (S, S, 3) uint8."""
    h, w = image.shape[:2]
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, shrink)
    fill = tuple(int(v) for v in image.reshape(-1, 3).mean(0))
    return cv2.warpAffine(image, M, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a synthetic split folder (main.py synth)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=100, help="the first N cases (0: all)")
    ap.add_argument("--angles", default="0,30,60,90,135,180", help="degrees, comma-separated")
    ap.add_argument("--min-deg", type=float, default=None,
                    help="inference.upright.TURN_MIN_DEG for this run (-1: never turned)")
    ap.add_argument("--out", type=Path, help="JSON of every case's errors")
    args = ap.parse_args(argv)

    import inference.pipeline as pipeline
    from inference import upright

    torso_turn = pipeline.torso_turn
    if args.min_deg is not None:
        m = args.min_deg
        pipeline.torso_turn = (lambda j, c: 0.0) if m < 0 else (lambda j, c: upright.torso_turn(j, c, min_deg=m))
    try:
        return _run(args, pipeline, upright)
    finally:  # (a caller in the same process gets the shipped threshold back)
        pipeline.torso_turn = torso_turn


def _run(args, pipeline, upright) -> int:
    """The measure itself (`main` after parsing, with the threshold set): prints the table, writes --out."""
    from inference.datasets import list_cases, read_case
    from inference.errors import PredictionError
    from inference.metrics import body_errors_mm

    angles = [float(a) for a in args.angles.split(",")]
    ids = list_cases(args.data, args.split)
    ids = ids[:args.limit] if args.limit else ids
    if not ids:
        print(f"no cases in {args.data}", file=sys.stderr)
        return 2
    pred = pipeline.Predictor(refine=True)
    body = pred.body_model
    cases: list[dict] = []
    for cid in ids:
        case = read_case(args.data, cid, body)
        gt = body.mesh(case.params)
        for a in angles:
            row = {"id": cid, "angle": a}
            try:
                p = pred.predict(turned_image(case.image, a))
            except PredictionError as exc:
                row["missed"] = str(exc)
            else:
                net = p.network_params if p.network_params is not None else p.params
                row.update(turn=p.turn, network=body_errors_mm(body.mesh(net), gt).pa_mpjpe,
                           refined=body_errors_mm(p.mesh, gt).pa_mpjpe)
            cases.append(row)
    threshold = upright.TURN_MIN_DEG if args.min_deg is None else args.min_deg
    print(f"{args.data} ({args.split}, {len(ids)} people), TURN_MIN_DEG {'off' if threshold < 0 else f'{threshold:g}'}")
    print("| angle | scored | missed | turned | PA-MPJPE network (mm) | refined (mm) |\n|---|---|---|---|---|---|")
    for a in angles:
        rows = [r for r in cases if r["angle"] == a]
        ok = [r for r in rows if "missed" not in r]
        net = np.mean([r["network"] for r in ok]) if ok else float("nan")
        ref = np.mean([r["refined"] for r in ok]) if ok else float("nan")
        turned = sum(1 for r in ok if r["turn"])
        print(f"| {a:g} | {len(ok)} | {len(rows) - len(ok)} | {turned} | {net:.1f} | {ref:.1f} |")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(cases, indent=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
