"""Where the error of the two networks comes from, measured by taking one input away or making it exact.

    # segmentation: mIoU on held-out cache samples (the run's validation split) with the detector's keypoints
    # simulated at the measured error, exact (the ground-truth joints) and absent
    OMP_NUM_THREADS=1 python scripts/study_error_sources.py seg runs/seg8/best.pt --n 400

    # the resolution's ceiling: the ground-truth part map taken down to R px and back up (nearest), scored
    # against itself at the test image's size
    python scripts/study_error_sources.py resolution data/synth_tune2 --n 100

    # fitting from ground-truth part maps with the detector's keypoints, exact keypoints and none, and from
    # the predicted part map (the shipped pipeline), on a set of synthetic test people
    OMP_NUM_THREADS=1 python scripts/study_error_sources.py fit data/synth_tune2 [--weights DIR]

    # memorised or learnt: a segmentation run's predicted maps (python -m training.predicted_parts) scored
    # against the cache's ground truth on the samples it trained on and on the rest (here: the first 16,000)
    python scripts/study_error_sources.py heldout data/cache/fit_pred_g27 data/cache/seg --trained 16000

Figures and what they decided: docs/segmentation.md ("Where the errors are", "The width-32 network").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seg_keypoints(checkpoint: Path, n: int) -> None:

    from inference.nets import SegNet
    from training.cache import load_cache
    from training.keypoint_sim import DetectorError
    from training.loop import load_checkpoint, split_indices
    from training.seg_batches import SegBatcher
    from training.train_seg import evaluate_seg

    ck = load_checkpoint(checkpoint)
    cfg = ck["config"]
    net = SegNet.for_checkpoint(ck)
    net.load_state_dict(ck["model"])
    data = load_cache(Path(cfg["data"]), None, keys=("images", "labels", "joints2d"))
    _, val = split_indices(len(data), float(cfg["val_fraction"]), int(cfg["seed"]))
    val = val[:n]
    err, exact = DetectorError.load(), DetectorError.exact()
    print(f"{checkpoint}: mIoU on {len(val)} held-out samples of {cfg['data']}; per class (background first)")
    for name, model, missed in (("simulated", err, None), ("exact", exact, 0.0), ("none", exact, 1.0)):
        batcher = SegBatcher(data, model, True, seed=0, person_missed=missed)
        s = evaluate_seg(net, batcher, val, seed=0)
        print(f"  keypoints {name:9s} {s.miou:.3f}  " + " ".join(f"{v:.2f}" for v in s.per_class))


def resolution(data: Path, n: int) -> None:
    import cv2

    from inference.datasets import list_cases, read_case
    from inference.metrics import IoUAccumulator

    ids = list_cases(data, "test")[:n]
    for r in (64, 128, 192, 256):
        acc = IoUAccumulator(13)
        for cid in ids:
            labels = read_case(data, cid, None).labels
            size = labels.shape[0]
            small = cv2.resize(labels, (r, r), interpolation=cv2.INTER_NEAREST)
            acc.update(cv2.resize(small, (size, size), interpolation=cv2.INTER_NEAREST), labels)
        print(f"  ground truth at {r:3d} px, scored at {size} px: mIoU {acc.mean():.3f} ({len(ids)} people)")


def fit_keypoints(data: Path, weights: Path | None) -> None:
    import cv2
    import torch

    from inference.datasets import list_cases, read_case
    from inference.geometry import project_points
    from inference.metrics import body_errors_mm
    from training.evaluate import detecting_predictor, run_network
    from training.keypoint_sim import GT_FROM_SMPL

    torch.manual_seed(0)
    pred = detecting_predictor("detect", weights_dir=weights, device="cpu")
    body = pred.body_model
    rows: dict[str, list[float]] = {"GT parts, detector keypoints": [], "GT parts, exact keypoints": [],
                                    "GT parts, no keypoints": [], "predicted parts, detector keypoints": []}
    for cid in list_cases(data, "test"):
        case = read_case(data, cid, body)
        mesh = body.mesh(case.params)
        run = run_network(pred, case.image)
        size = case.image.shape[0]
        small = cv2.resize(case.labels, (pred.seg_res, pred.seg_res), interpolation=cv2.INTER_NEAREST)
        exact = project_points(mesh.joints[list(GT_FROM_SMPL)], case.focal, size) * (pred.size / size)
        for name, params in (
                ("GT parts, detector keypoints", pred.fit(small, run.joints2d, run.conf)),
                ("GT parts, exact keypoints", pred.fit(small, exact, np.ones(len(exact)))),
                ("GT parts, no keypoints", pred.fit(small, None, None)),
                ("predicted parts, detector keypoints", run.prediction.params)):
            rows[name].append(body_errors_mm(body.mesh(params), mesh).pa_mpjpe)
    print(f"PA-MPJPE (mm) over {len(rows['GT parts, no keypoints'])} people of {data}:")
    for name, v in rows.items():
        print(f"  {name:38s} {np.mean(v):.1f}")


def heldout(pred: Path, truth: Path, trained: int) -> tuple[float, float]:
    """mIoU of predicted label maps against the ground truth on samples [0, trained) and [trained, N)."""
    from inference.metrics import IoUAccumulator
    from training.cache import load_cache

    gt = load_cache(truth, keys=("labels",)).labels
    pr = load_cache(pred, keys=("labels",)).labels
    if pr.shape != gt.shape:
        raise SystemExit(f"{pred} holds {pr.shape} label maps, {truth} {gt.shape}: not the same samples")
    out = []
    for name, sl in ((f"samples 0-{trained - 1} (trained on)", slice(0, trained)),
                     (f"samples {trained}-{len(gt) - 1} (not trained on)", slice(trained, len(gt)))):
        acc = IoUAccumulator(13)
        for p, g in zip(pr[sl], gt[sl]):
            acc.update(p, g)
        out.append(float(acc.mean()))
        print(f"  {name:40s} mIoU {out[-1]:.3f}")
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    s = sub.add_parser("seg", help="segmentation mIoU with simulated, exact and no keypoints")
    s.add_argument("checkpoint", type=Path)
    s.add_argument("--n", type=int, default=400)
    r = sub.add_parser("resolution", help="mIoU of the ground truth taken down to R px and back")
    r.add_argument("data", type=Path)
    r.add_argument("--n", type=int, default=100)
    f = sub.add_parser("fit", help="fitting PA-MPJPE with detector, exact and no keypoints")
    f.add_argument("data", type=Path)
    f.add_argument("--weights", type=Path, default=None)
    h = sub.add_parser("heldout", help="predicted maps' mIoU on the samples trained on and on the rest")
    h.add_argument("pred", type=Path)
    h.add_argument("truth", type=Path)
    h.add_argument("--trained", type=int, required=True, help="the first this many samples were trained on")
    a = ap.parse_args()
    if a.what == "heldout":
        heldout(a.pred, a.truth, a.trained)
    elif a.what == "seg":
        seg_keypoints(a.checkpoint, a.n)
    elif a.what == "resolution":
        resolution(a.data, a.n)
    else:
        fit_keypoints(a.data, a.weights)


if __name__ == "__main__":
    main()
