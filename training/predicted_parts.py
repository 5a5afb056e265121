"""A fitting-network cache of *predicted* part maps: run a trained segmentation network over an RGB
cache and keep its label maps with the ground-truth body, so stage 2 learns the errors stage 1 makes
(missing limbs, left/right swaps, ragged edges) instead of only synthetic corruptions.

    python -m training.predicted_parts --seg runs/seg3/best.pt --data data/cache/seg --out data/cache/fit_pred

Shards mirror the source cache (same sample order); `labels` are argmax maps at the segmentation
resolution, every other array (pose, betas, transl, joints3d, joints2d) is copied. Prints the mIoU of
the predictions on the segmentation run's training and validation samples (the fit cache only helps
where the two are close: maps of images the network memorised are too clean).
"""
from __future__ import annotations

import argparse
import glob
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from inference.array_files import OWN_FILES, read_npz
from inference.camera import CROP_SIZE
from inference.json_files import read_json
from inference.keypoint_maps import MIRROR_LIMBS, limb_maps
from inference.metrics import IoUAccumulator
from inference.nets import SegNet
from inference.nets.seg_net import part_probabilities
from inference.parts import MIRROR_LABELS
from inference.pipeline import PredictionError, load_weights

from .cache import data_problem, drop_if_made_empty, write_shard
from .config import KIND_COMMANDS, RunConfig, config_from_dict, default
from .keypoint_sim import DetectorError, gt_keypoints, simulate_keypoints
from .loop import split_indices

COPY = ("pose", "betas", "transl", "joints3d", "joints2d")


def load_seg(path: Path, device: torch.device) -> SegNet:
    """The segmentation network of checkpoint `path`; ValueError (one line) for a file that does not load or holds
    another network (a train-fit run's, say)."""
    try:
        ck = load_weights(path, device)
    except PredictionError as exc:
        raise ValueError(f"--seg: {exc}") from None
    stored = ck.get("config")
    kind = stored.get("kind") if isinstance(stored, dict) else None
    if kind and kind != "seg":
        raise ValueError(f"--seg {path} is a {KIND_COMMANDS.get(kind, kind)} checkpoint, not a segmentation "
                         f"network's (train-seg's best.pt, or resources/weights/seg.pt)")
    try:
        net = SegNet.for_checkpoint(ck).to(device)
        net.load_state_dict(ck["model"])
    except (RuntimeError, KeyError, ValueError, TypeError) as exc:  # torch lists every key: the first line says it
        raise ValueError(f"--seg {path} does not hold the segmentation network these maps need ("
                         f"{str(exc).strip().splitlines()[0][:200]})") from None
    return net.eval()


@torch.no_grad()
def predict_labels(net, images: np.ndarray, joints2d: np.ndarray | None = None, seed: int = 0, batch: int = 64,
                   flip_test: bool = True) -> np.ndarray:
    """images (N, R, R, 3) uint8 -> argmax labels (N, R, R) uint8, flip-averaged as the Predictor does.
    A keypoint-conditioned network reads detector-like keypoints simulated from joints2d (N, 24, 2) with
    the measured detector error (training/keypoint_sim.py), seeded by `seed`."""
    out = []
    mirror = torch.as_tensor(MIRROR_LABELS) if flip_test else None
    n_limbs = getattr(net, "limb_channels", 0)
    err = DetectorError.load() if n_limbs else None
    g = torch.Generator().manual_seed(seed)
    for s in range(0, len(images), batch):
        x = torch.as_tensor(images[s:s + batch]).permute(0, 3, 1, 2).float().div(255)
        limbs = None
        if n_limbs:
            j, v = simulate_keypoints(gt_keypoints(joints2d[s:s + batch]), err, g, CROP_SIZE)
            limbs = limb_maps(j, v, x.shape[-1], CROP_SIZE)
        probs = part_probabilities(net, x, mirror, limbs, torch.as_tensor(MIRROR_LIMBS))
        out.append(probs.argmax(1).to(torch.uint8).numpy())
    return np.concatenate(out)


@dataclass(frozen=True)
class PredictedParts:
    """What `build` wrote: n maps, and their mIoU on the segmentation run's training and validation samples."""

    n: int
    train_miou: float
    val_miou: float


def build(seg: Path, data: Path, out: Path, threads: int = 0) -> PredictedParts:
    """Writes out/shard_*.npz for every shard of `data`. ValueError (one line), before `out` is made, for a
    checkpoint that is not a segmentation network's or a data folder without shards."""
    if threads:
        torch.set_num_threads(threads)
    why = data_problem(Path(data), "an RGB cache: python -m training.cache")
    if why:
        raise ValueError(why)
    net = load_seg(seg, torch.device("cpu"))
    stored = seg.parent / "config.json"  # the run's split of the cache into training and validation samples
    cfg = config_from_dict(read_json(stored)) if stored.exists() else None
    val_fraction = cfg.val_fraction if cfg else default(RunConfig, "val_fraction")
    split_seed = cfg.seed if cfg else default(RunConfig, "seed")
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(f for f in glob.glob(str(data / "shard_*.npz")) if not f.endswith(".tmp.npz"))
    gts, preds = [], []
    for f in files:
        dest = out / Path(f).name
        gt = read_npz(f, ("labels",), max_bytes=OWN_FILES)["labels"]
        if dest.exists():
            pred = read_npz(dest, ("labels",), max_bytes=OWN_FILES)["labels"]
        else:
            z = read_npz(f, ("images", *COPY), max_bytes=OWN_FILES)
            pred = predict_labels(net, z["images"], z["joints2d"], seed=len(gts))
            write_shard(dest, {"labels": pred, **{k: z[k] for k in COPY}})
        gts.append(gt)
        preds.append(pred)
        print(f"{dest.name}: {len(pred)} maps", flush=True)
    gt, pred = np.concatenate(gts), np.concatenate(preds)
    tr, va = split_indices(len(gt), val_fraction, split_seed)
    miou = []
    for idx in (tr, va):
        acc = IoUAccumulator(13)
        for i in idx:
            acc.update(pred[i], gt[i])
        miou.append(float(acc.mean()))
    return PredictedParts(int(len(gt)), *miou)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seg", type=Path, required=True, help="segmentation checkpoint (run folder's best.pt)")
    ap.add_argument("--data", type=Path, required=True, help="RGB cache (python -m training.cache ...)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args(argv)
    made = not a.out.exists()
    try:
        r = build(a.seg, a.data, a.out, a.threads)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:  # a run that failed before its first shard leaves no empty --out
        drop_if_made_empty(a.out, made)
    print(f"{r.n} predicted maps; mIoU on the segmentation run's training samples {r.train_miou:.3f}, "
          f"validation samples {r.val_miou:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
