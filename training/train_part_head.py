"""Train the part head (inference/nets/part_head.py): the segmentation's part probabilities -> corrected ones.

    python -m training.train_part_head extract data/synth_head --out data/cache/part_head
    python -m training.train_part_head train --data data/cache/part_head --out runs/part_head --epochs 6

`extract` runs the shipped pipeline (detector on, refinement off, no part head) on a synthetic folder
(`main.py synth`) and keeps, for each person it finds, the segmentation's probabilities on the person's crop
(`PartMap.network_probs`: every view averaged, before the silhouette is weighed in) beside the exact part labels
warped into that crop. The head thus learns from the very maps it will correct. `train` is training/loop.py's
loop on them; the loss is plain cross-entropy, and maps are mirrored (left <->
right labels exchanged) half the time.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inference.metrics import IoUAccumulator
from inference.nets.part_head import FLOOR, PartHead
from inference.parts import MIRROR_LABELS

from .cache import write_shard
from .config import PartHeadConfig
from .loop import autocast, train

SHARD = 500


def gt_in_crop(labels: np.ndarray, crop, res: int) -> np.ndarray:
    """Exact part labels (H, W) of the photo -> (res, res) on the person's crop (nearest), as `crop.uncrop_labels`
    maps a crop's map back."""
    import cv2

    from inference.crop import map_affine

    return cv2.warpAffine(labels, map_affine(crop, res), (res, res), flags=cv2.INTER_NEAREST, borderValue=0)


def extract(folder: Path, out: Path, limit: int = 0) -> int:
    """Write out/shard_NNNNN.npz ("probs" (n, 13, R, R) float16, "labels" (n, R, R) uint8) for the cases of a
    synthetic folder whose person the detector finds; the number of maps written. Resumes: a shard already
    written is kept."""
    from inference.array_files import OWN_FILES, read_npz
    from inference.datasets import list_cases, read_part_labels
    from inference.errors import PredictionError
    from inference.image_io import load_image
    from inference.pipeline import Predictor

    out.mkdir(parents=True, exist_ok=True)
    ids = list_cases(folder, None)
    ids = ids[:limit] if limit else ids
    pred = None
    written = 0
    for k, start in enumerate(range(0, len(ids), SHARD)):
        path = out / f"shard_{k:05d}.npz"
        if path.exists():
            written += len(read_npz(path, ("labels",), max_bytes=OWN_FILES)["labels"])
            continue
        pred = pred or Predictor(detect="on", refine=False, part_head=False)
        probs, labels = [], []
        for cid in ids[start:start + SHARD]:
            stem = folder / f"{cid}"
            try:
                p = pred.predict(load_image(f"{stem}_image.png"))
            except PredictionError:
                continue
            if p.person < 0 or p.parts.network_probs is None:
                continue
            raw = p.parts.network_probs
            probs.append(raw.astype(np.float16))
            labels.append(gt_in_crop(read_part_labels(Path(f"{stem}_parts.png")), p.crop, raw.shape[-1]))
        r = pred.seg_res  # (a shard without a person found is written empty, so a resumed run skips it too)
        write_shard(path, {"probs": np.stack(probs) if probs else np.zeros((0, 13, r, r), np.float16),
                           "labels": np.stack(labels).astype(np.uint8) if labels else np.zeros((0, r, r), np.uint8)})
        written += len(labels)
        print(f"{path.name}: {len(labels)} maps", flush=True)
    return written


@dataclass(frozen=True)
class HeadScore:
    """Validation: mIoU (13 classes) of the head's labels, and of the segmentation's own for comparison."""

    miou: float
    before: float

    @property
    def value(self) -> float:
        return self.miou

    def describe(self) -> str:
        return f"val mIoU {self.miou:.4f} (segmentation alone {self.before:.4f})"


@dataclass
class HeadLosses:
    """One batch's loss: total, the cross-entropy of the corrected logits against the labels (a scalar tensor)."""

    total: torch.Tensor


class PartHeadTask:
    """The part head as training/loop.py's `train` drives it."""

    name = "train-part-head"
    higher_is_better = True

    def __init__(self, cfg: PartHeadConfig):
        self.cfg = cfg

    def load(self, device: torch.device) -> int:
        from inference.array_files import OWN_FILES, read_npz

        files = sorted(p for d in self.cfg.data.split(",") for p in Path(d).glob("shard_*.npz")
                       if not p.name.endswith(".tmp.npz"))
        if not files:
            raise FileNotFoundError(f"no shard_*.npz in {self.cfg.data} (run `extract` first)")
        shards = [read_npz(f, max_bytes=OWN_FILES) for f in files]
        self.probs = np.concatenate([s["probs"] for s in shards])
        self.labels = np.concatenate([s["labels"] for s in shards])
        if self.cfg.max_samples:
            self.probs, self.labels = self.probs[:self.cfg.max_samples], self.labels[:self.cfg.max_samples]
        return len(self.labels)

    def build_net(self, device: torch.device) -> torch.nn.Module:
        """The head, its input normalisation from the first 500 maps (a warm start or a resumed run then loads
        the normalisation its weights were trained with)."""
        self.net = PartHead(width=self.cfg.width)
        x = torch.log(torch.from_numpy(self.probs[:500].astype(np.float32)) + FLOOR)
        self.net.mean.copy_(x.mean((0, 2, 3), keepdim=True))
        self.net.std.copy_(x.std((0, 2, 3), keepdim=True) + 1e-3)
        self.net = self.net.to(device)
        return self.net

    def adapt_init(self, state: dict) -> dict:
        return state

    def begin(self, device: torch.device, rank: int, train_idx: np.ndarray) -> None:
        self.device = device
        self.g = torch.Generator().manual_seed(self.cfg.seed * 1000 + rank)
        self.mirror = torch.as_tensor(MIRROR_LABELS)

    def generators(self) -> list[torch.Generator]:
        return [self.g]  # (stored in latest.pt, restored on a resume: training/loop.py)

    def _batch(self, idx: np.ndarray, augment: bool) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.from_numpy(self.probs[idx].astype(np.float32))
        y = torch.from_numpy(self.labels[idx].astype(np.int64))
        if augment:  # mirrored maps: flipped, and each left part's channel and label made the right one's
            flip = torch.rand(len(idx), generator=self.g) < 0.5
            x[flip] = x[flip].flip(-1)[:, self.mirror]
            y[flip] = self.mirror[y[flip].flip(-1)]
        return x.to(self.device), y.to(self.device)

    def loss(self, model: torch.nn.Module, idx: np.ndarray) -> HeadLosses:
        x, y = self._batch(idx, augment=True)
        with autocast(self.device, self.cfg.bf16 or self.device.type == "cuda"):
            logits = model(x)  # (through DDP's forward under torchrun: gradients averaged)
        return HeadLosses(F.cross_entropy(logits.float(), y))

    def shown(self, losses: HeadLosses) -> dict[str, float]:
        return {"loss": float(losses.total.detach())}

    def validate(self, net: torch.nn.Module, val_idx: np.ndarray) -> HeadScore:
        after, before = IoUAccumulator(13), IoUAccumulator(13)
        net.eval()
        with torch.no_grad():
            for s in range(0, len(val_idx), 64):
                x, y = self._batch(val_idx[s:s + 64], augment=False)
                after.update(net(x).argmax(1).cpu().numpy(), y.cpu().numpy())
                before.update(x.argmax(1).cpu().numpy(), y.cpu().numpy())
        net.train()
        return HeadScore(float(after.mean()), float(before.mean()))

    def meta(self) -> dict:
        return {"width": self.cfg.width, "res": int(self.labels.shape[-1])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="the pipeline's part probabilities of a synthetic folder's people")
    ex.add_argument("folder", type=Path)
    ex.add_argument("--out", type=Path, required=True)
    ex.add_argument("--limit", type=int, default=0)
    tr = sub.add_parser("train", help="train the head on extracted maps (training/loop.py)")
    tr.add_argument("--data", required=True)
    tr.add_argument("--out", required=True)
    tr.add_argument("--epochs", type=int, default=6)
    tr.add_argument("--batch-size", type=int, default=16)
    tr.add_argument("--lr", type=float, default=1e-3)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--width", type=int, default=32)
    tr.add_argument("--threads", type=int, default=0)
    tr.add_argument("--minutes", type=float, default=0.0)
    tr.add_argument("--max-samples", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cmd == "extract":
        n = extract(args.folder, args.out, args.limit)
        print(f"{n} maps in {args.out}")
        return 0
    cfg = PartHeadConfig(data=args.data, out=args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, width=args.width, threads=args.threads, minutes=args.minutes,
                         max_samples=args.max_samples)
    print(train(PartHeadTask(cfg)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
