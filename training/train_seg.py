"""Train the segmentation network (stage 1) on pre-rendered synthetic RGB samples.

    python main.py train-seg --data data/cache/seg --out runs/seg --epochs 8

The loop (schedule, DDP, checkpoints, resume) is training/loop.py's; this module is what is particular
to segmentation: the network, augmented batches with simulated limb maps, cross-entropy + Dice, mIoU.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from inference.keypoint_maps import NUM_LIMB_MAPS
from inference.metrics import IoUAccumulator
from inference.nets import SegNet
from inference.nets.seg_net import LiteSegNet, add_missing, shuffle_head_from_bilinear, widen_segnet, widen_stem

from .cache import Cache, load_cache
from .config import SegConfig
from .keypoint_sim import DetectorError
from .loop import autocast, train
from .losses import SegLosses, seg_losses
from .seg_batches import SegBatcher


def person_free_images(n: int, size: int, seed: int) -> np.ndarray:
    """(n, size, size, 3) uint8 RGB images without a person: synthetic backgrounds, occluder-like clutter
    and camera artefacts, deterministic for a seed. Their labels are all background; without them the
    network, which has only seen images with a person, finds body parts in an empty wall."""
    from .synth.appearance import add_occluders, camera_artefacts, sample_background

    out = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        rng = np.random.default_rng([seed, 7919, i])
        img = sample_background(size, rng)
        if rng.random() < 0.5:
            add_occluders(img, np.zeros((size, size), np.uint8), rng)
        out[i] = camera_artefacts(img, rng)
    return out


def class_weights(labels: np.ndarray) -> torch.Tensor:
    """Cross-entropy weights (13,) proportional to 1/sqrt(frequency) of the labels (N, R, R) 0..12 (the first 2000
    maps counted), mean 1."""
    freq = np.bincount(labels[:2000].ravel(), minlength=13).astype(np.float64) + 1
    w = 1 / np.sqrt(freq / freq.sum())
    return torch.tensor(w / w.mean(), dtype=torch.float32)


@dataclass(frozen=True)
class SegScore:
    """Validation of the segmentation network: mIoU and per-class IoU (13,) with background first."""

    miou: float
    per_class: list[float]

    @property
    def value(self) -> float:
        return self.miou

    def describe(self) -> str:
        return f"val mIoU {self.miou:.3f}"


def evaluate_seg(net, batcher: SegBatcher, idx: np.ndarray, batch: int = 64, seed: int = 0) -> SegScore:
    """mIoU (13 classes) and per-class IoU over the cached samples idx (N,) (limb maps, if any, simulated with a
    fixed seed)."""
    acc = IoUAccumulator(13)
    g = torch.Generator().manual_seed(seed)
    net.eval()
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = batcher.make(idx[s:s + batch], g, augment=False)
            acc.update(net(b.img, b.limbs).argmax(1).cpu().numpy(), b.labels.cpu().numpy())
    net.train()
    return SegScore(float(acc.mean()), [float(v) for v in acc.per_class()])


def build_net(arch: str, width: int, head: str, limbs: int, pretrained: str | None,
              deep_limbs: bool = False) -> torch.nn.Module:
    if arch == "lite":
        return LiteSegNet(limb_channels=limbs, pretrained=pretrained)
    return SegNet(width=width, head=head, limb_channels=limbs, deep_limbs=deep_limbs)


class SegTask:
    """Segmentation as training/loop.py's `train` drives it."""

    name = "train-seg"
    higher_is_better = True

    def __init__(self, cfg: SegConfig):
        self.cfg = cfg
        self.limbs = NUM_LIMB_MAPS if cfg.keypoints else 0
        self.deep = cfg.deep_limbs and self.limbs > 0
        self.data: Cache | None = None
        self.test_shifts = None  # the test-time views of the checkpoint the weights come from (when it says)

    def load(self, device: torch.device) -> int:
        keys = ("images", "labels", "joints2d") if self.limbs else ("images", "labels")
        self.data = load_cache(self.cfg.data, self.cfg.max_samples or None, keys=keys)
        return len(self.data)

    def build_net(self, device: torch.device) -> torch.nn.Module:
        c = self.cfg
        self.net = build_net(c.arch, c.width, c.head, self.limbs, c.pretrained, self.deep).to(device)
        return self.net

    def adapt_init(self, state: dict) -> dict:
        """Warm starts: bilinear -> shuffle head, RGB-only -> limb planes, a narrower SegNet -> this width."""
        if self.cfg.head == "shuffle" and "head.weight" in state:
            state = shuffle_head_from_bilinear(state)
        if self.limbs and "stem.0.weight" in state:
            state = widen_stem(state, "stem.0.weight", self.limbs)
        if self.deep:
            state = add_missing(state, self.net)
        if self.cfg.arch == "segnet":
            state = widen_segnet(state, self.net)
        return state

    def begin(self, device: torch.device, rank: int, train_idx: np.ndarray) -> None:
        c, data = self.cfg, self.data
        self.device = device
        self.cw = class_weights(data.labels).to(device)
        err = DetectorError.load() if self.limbs else None
        empty = person_free_images(1000, self.res, c.seed) if c.empty > 0 else None
        self.batcher = SegBatcher(data, err, bool(self.limbs), empty, c.empty, device=device,
                                  seed=c.seed * 1000 + rank)
        self.g = torch.Generator().manual_seed(c.seed * 1000 + rank)

    def generators(self) -> list[torch.Generator]:
        return [self.g, self.batcher.dg]  # (stored in latest.pt, restored on a resume: training/loop.py)

    @property
    def res(self) -> int:
        return int(self.data.images.shape[1])

    def loss(self, model: torch.nn.Module, idx: np.ndarray) -> SegLosses:
        batch = self.batcher.make(idx, self.g)
        with autocast(self.device, self.cfg.bf16 or self.device.type == "cuda"):
            logits = model(batch.img, batch.limbs)
        return seg_losses(logits.float(), batch.labels, self.cw, self.cfg.dice)

    def shown(self, losses: SegLosses) -> dict[str, float]:
        return {"loss": float(losses.total.detach())}

    def validate(self, net: torch.nn.Module, val_idx: np.ndarray) -> SegScore:
        return evaluate_seg(net, self.batcher, val_idx, seed=self.cfg.seed)

    def carry(self, ck: dict) -> None:
        """Keep the --init's (or the resumed run's) "test_shifts": a continuation of a network packaged to be read
        with 2 views is read with 2 views too (scripts/package_weights.py, inference.nets.seg_net.seg_test_shifts)."""
        if isinstance(ck.get("test_shifts"), list):
            self.test_shifts = ck["test_shifts"]

    def meta(self) -> dict:
        c = self.cfg
        shifts = {} if self.test_shifts is None else {"test_shifts": self.test_shifts}
        return {"res": self.res, "width": c.width, "head": c.head, "arch": c.arch, "limb_channels": self.limbs,
                "deep_limbs": self.deep, **shifts}


def train_seg(cfg: SegConfig) -> Path:
    """Train (or resume) the segmentation network in cfg.out; returns the path of best.pt."""
    return train(SegTask(cfg))
