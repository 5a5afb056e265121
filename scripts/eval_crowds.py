"""Wide shots on synthetic crowds: person detection recall / precision and per-person fitting error by size.

    python main.py synth-crowd --out data/crowds_test --n 60 --seed 20183
    python scripts/eval_crowds.py data/crowds_test --out crowds_table.md --pictures docs/crowds

(--out writes the tables alone: docs/crowds.md is a longer hand-written report whose tables are copied from it,
so --out docs/crowds.md would overwrite the report.)

For every frame (training/synth/crowd.py) the person detector runs as the app and `predict` run it (tiled wide-shot
passes included), every person found is fitted (`Predictor.predict(frame, person=k)`: cropped around the person
and resized to the network's 256 px input, upscaled for small people), and detections are matched one-to-one to
the ground-truth people (IoU >= 0.5 with the visible or the frame-clipped whole-body box). Recall counts people at
least half visible (`visible` >= 0.5); precision counts every detection (one matched to a person below the
size or visibility bar is not a false one); recall is also given by view (facing the camera, back to it,
side-on: `facing`, from the ground-truth joints) and for people hidden by nearer ones. PA-MPJPE compares the
24 fitted SMPL joints with the person's own (similarity Procrustes), per matched person, bucketed by the
person's full height in pixels.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUCKETS = ((50, 60), (60, 90), (90, 150), (150, 400))
MIN_VISIBLE = 0.5
SIDE_ON = 0.015    # |facing| below this: side-on (see facing)
OCCLUDED = 0.2     # more than this fraction of the body inside the frame hidden by nearer people


def facing(lsp2d: np.ndarray, height: float) -> float:
    """How squarely a person faces the camera, from the ground-truth LSP joints (14, 3) in frame px: the mean
    of the subject's left-minus-right shoulder and hip x offsets over the body height; > 0 facing the camera
    (their left on the image's right), < 0 back to it, about 0 side-on."""
    return float((lsp2d[9, 0] - lsp2d[8, 0] + lsp2d[3, 0] - lsp2d[2, 0]) / 2 / max(height, 1.0))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a crowd folder (main.py synth-crowd)")
    ap.add_argument("--out", type=Path, default=None, help="write the tables here (markdown)")
    ap.add_argument("--limit", type=int, default=0, help="first N frames only")
    ap.add_argument("--no-fit", action="store_true", help="detection only")
    ap.add_argument("--pictures", type=Path, default=None, help="folder for a few frames with boxes drawn")
    ap.add_argument("--rows", type=Path, default=None,
                    help="write one JSON row per ground-truth person here (frame, height, visibility, found, error)")
    args = ap.parse_args(argv)

    from inference.render.context import configure_gl

    configure_gl()
    import cv2
    import torch

    from inference.metrics import pa_mpjpe
    from inference.pipeline import PredictionError, Predictor
    from training.synth.crowd import frame_indices, match_people, read_frame

    torch.set_num_threads(1)  # the detector has its own threads; 2 torch threads on a shared 2-core machine thrash
    frames = frame_indices(args.data)[: args.limit or None]
    if not frames:
        print(f"error: no crowd frames in {args.data}", file=sys.stderr)
        return 2
    pred = Predictor(detect="on")
    rows, fps, det_times, fit_times, frame_times = [], 0, [], [], []
    n_det = 0
    for i in frames:
        f = read_frame(args.data, i)
        P = f.people
        t0 = time.perf_counter()
        people = pred.people(f.image)  # the detector's, less doubtful people the part map does not follow
        t1 = time.perf_counter()
        det_times.append(t1 - t0)
        m = match_people(P, f.image.shape, np.array([p.box for p in people], np.float32).reshape(-1, 4))
        n_det += len(people)
        fps += int((m < 0).sum())
        err = {}
        if not args.no_fit:
            for k in range(len(people)):
                t2 = time.perf_counter()
                try:
                    out = pred.predict(f.image, person=k)
                except PredictionError:
                    continue
                fit_times.append(time.perf_counter() - t2)
                if m[k] >= 0:
                    err[int(m[k])] = float(pa_mpjpe(out.mesh.joints[None], P["joints3d"][m[k]][None])[0]) * 1000
        frame_times.append(time.perf_counter() - t0)
        for g in range(len(f)):
            rows.append(dict(frame=i, height=float(P["height"][g]), visible=float(P["visible"][g]),
                             cut=bool(P["in_frame"][g] < 0.98), head=bool(P["head_in_frame"][g]),
                             facing=facing(P["lsp2d"][g], float(P["height"][g])),
                             hidden=1 - float(P["visible"][g]) / max(float(P["in_frame"][g]), 1e-6),
                             found=bool((m == g).any()), err=err.get(g, np.nan)))
        if args.pictures is not None and i < frames[0] + 4:
            args.pictures.mkdir(parents=True, exist_ok=True)
            img = f.image.copy()
            for g in range(len(f)):
                b = P["full_box"][g].astype(int)
                counted = P["visible"][g] >= MIN_VISIBLE and P["height"][g] >= 60
                col = (0, 200, 0) if (m == g).any() else ((255, 40, 40) if counted else (150, 150, 150))
                cv2.rectangle(img, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])), col, 1)
            for k, p in enumerate(people):
                b = p.box.astype(int)
                cv2.rectangle(img, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])),
                              (255, 230, 0) if m[k] >= 0 else (255, 0, 255), 2)
                cv2.putText(img, str(k + 1), (int(b[0]) + 2, int(b[1]) + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                            (255, 230, 0), 1)
            cv2.imwrite(str(args.pictures / f"frame_{i:05d}.png"), img[..., ::-1])
        print(f"frame {i}: {len(f)} people, {len(people)} found, {int((m >= 0).sum())} matched, "
              f"{t1 - t0:.2f} s detect, {frame_times[-1]:.2f} s in all", flush=True)

    h = np.array([r["height"] for r in rows])
    vis = np.array([r["visible"] for r in rows]) >= MIN_VISIBLE
    found = np.array([r["found"] for r in rows])
    cut = np.array([r["cut"] for r in rows])
    head = np.array([r["head"] for r in rows])
    err = np.array([r["err"] for r in rows])
    face = np.array([r["facing"] for r in rows])
    hidden = np.array([r["hidden"] for r in rows]) > OCCLUDED
    big = vis & (h >= 60)

    def share(s: np.ndarray) -> str:
        return f"{found[s].mean() if s.any() else float('nan'):.3f} ({found[s].sum()} of {s.sum()})"

    recall = found[big].mean()
    precision = (n_det - fps) / max(n_det, 1)
    lines = [f"# Wide shots: synthetic crowds ({args.data}, {len(frames)} frames, {len(rows)} people)", "",
             "Measured by `python scripts/eval_crowds.py " + " ".join(argv if argv is not None else sys.argv[1:])
             + "` (2-core CPU, shared).", "",
             f"- Detection recall, people >= 60 px tall and at least half visible: **{recall:.3f}** "
             f"({found[big].sum()} of {big.sum()})",
             f"- Detection precision: **{precision:.3f}** ({n_det - fps} of {n_det} detections are people)",
             f"- Recall of those cut by the frame (< 98 % of the body inside): {found[big & cut].mean():.3f} "
             f"({found[big & cut].sum()} of {(big & cut).sum()}); with the head outside the frame: "
             f"{found[big & ~head].mean() if (big & ~head).any() else float('nan'):.3f} "
             f"({found[big & ~head].sum()} of {(big & ~head).sum()})",
             f"- Recall by view (same people): facing the camera {share(big & (face > SIDE_ON))}, back to it "
             f"{share(big & (face < -SIDE_ON))}, side-on {share(big & (np.abs(face) <= SIDE_ON))}; more than "
             f"{OCCLUDED:.0%} of the body in the frame hidden by nearer people {share(big & hidden)}",
             f"- Time per frame ({f.image.shape[1]} x {f.image.shape[0]}): detection median "
             f"{np.median(det_times):.2f} s"
             + ("" if args.no_fit else f", one fit median {np.median(fit_times) * 1000:.0f} ms, detection and all "
                f"fits median {np.median(frame_times):.2f} s"), "",
             "| height (px) | people (>= half visible) | recall | PA-MPJPE mean (mm) | median | fitted |",
             "|---|---|---|---|---|---|"]
    for lo, hi in BUCKETS:
        s = vis & (h >= lo) & (h < hi)
        e = err[s & ~np.isnan(err)]
        lines.append(f"| {lo}-{hi} | {s.sum()} | {found[s].mean() if s.any() else float('nan'):.3f} | "
                     + (f"{e.mean():.1f} | {np.median(e):.1f} | {len(e)} |" if len(e) else "- | - | 0 |"))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.rows is not None:
        import json

        args.rows.parent.mkdir(parents=True, exist_ok=True)
        args.rows.write_text(json.dumps([{k: (None if isinstance(v, float) and np.isnan(v) else v)
                                          for k, v in r.items()} for r in rows], indent=0))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
