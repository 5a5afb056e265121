"""Stage 1: RGB crop -> 12 body parts + background (a compact U-Net for a 2-core CPU)."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def _block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


HEADS = ("bilinear", "shuffle")


class SegNet(nn.Module):
    """U-Net: (B, 3, R, R) float RGB in [0, 1] -> logits (B, 13, R, R); R divisible by 32.

    A stride-2 stem keeps the full-resolution work small. head="bilinear" predicts logits at R/2 and
    upsamples them (thin limbs lose about a third of their IoU that way); head="shuffle" predicts the
    four sub-pixels of each R/2 cell (a 3x3 conv and a pixel shuffle), full-resolution labels for
    almost no extra compute.
    """

    def __init__(self, width: int = 24, num_classes: int = 13, head: str = "bilinear"):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, not {head!r}")
        w = width
        self.head_kind = head
        self.register_buffer("mean", torch.tensor([0.45, 0.42, 0.40]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1))
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        self.enc1 = _block(w, w)                 # R/2
        self.enc2 = _block(w, 2 * w, 2)          # R/4
        self.enc3 = _block(2 * w, 4 * w, 2)      # R/8
        self.enc4 = _block(4 * w, 8 * w, 2)      # R/16
        self.mid = _block(8 * w, 8 * w, 2)       # R/32 (context)
        self.dec4 = _block(16 * w, 4 * w)
        self.dec3 = _block(8 * w, 2 * w)
        self.dec2 = _block(4 * w, w)
        self.dec1 = _block(2 * w, w)
        if head == "shuffle":
            self.head = nn.Sequential(nn.Conv2d(w, 4 * num_classes, 3, 1, 1), nn.PixelShuffle(2))
        else:
            self.head = nn.Conv2d(w, num_classes, 1)

    @classmethod
    def for_checkpoint(cls, ck: dict) -> "SegNet":
        """An untrained SegNet with the architecture a checkpoint records (width, head)."""
        return cls(width=int(ck.get("width", 16)), head=str(ck.get("head", "bilinear")))

    @staticmethod
    def _up(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=False)

    def features(self, rgb: torch.Tensor) -> torch.Tensor:
        """(B, 3, R, R) -> decoder features (B, width, R/2, R/2) that the head turns into logits."""
        x0 = (rgb - self.mean) / self.std
        e1 = self.enc1(self.stem(x0))
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        m = self.mid(e4)
        d4 = self.dec4(torch.cat([self._up(m, e4), e4], 1))
        d3 = self.dec3(torch.cat([self._up(d4, e3), e3], 1))
        d2 = self.dec2(torch.cat([self._up(d3, e2), e2], 1))
        return self.dec1(torch.cat([self._up(d2, e1), e1], 1))

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.features(rgb))
        if self.head_kind == "shuffle":
            return logits
        return F.interpolate(logits, size=rgb.shape[-2:], mode="bilinear", align_corners=False)


def shuffle_head_from_bilinear(state: dict) -> dict:
    """A bilinear-head state dict -> the same network with a shuffle head that starts out predicting
    each R/2 logit for all four of its sub-pixels (a warm start for the full-resolution head)."""
    state = dict(state)
    w, b = state.pop("head.weight"), state.pop("head.bias")  # (C, w, 1, 1), (C,)
    c, cin = w.shape[:2]
    w3 = torch.zeros(4 * c, cin, 3, 3, dtype=w.dtype)
    w3[:, :, 1, 1] = w[:, :, 0, 0].repeat_interleave(4, 0)  # PixelShuffle reads channel c*4 + sub-pixel
    state["head.0.weight"], state["head.0.bias"] = w3, b.repeat_interleave(4, 0)
    return state


def part_probabilities(net: SegNet, rgb: torch.Tensor, mirror: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax (B, 13, R, R) for RGB (B, 3, R, R) in [0, 1]. With `mirror` (13,) (the label each label
    becomes in a mirrored image, inference.parts.MIRROR_LABELS), averaged with the answer for the
    mirrored image mapped back: left/right mistakes of one view are outvoted by the other."""
    if mirror is None:
        return F.softmax(net(rgb), 1)
    both = F.softmax(net(torch.cat([rgb, rgb.flip(-1)])), 1)
    n = rgb.shape[0]
    return (both[:n] + both[n:].flip(-1)[:, mirror]) / 2
