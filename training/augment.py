"""Augmentations of part maps that make the fitting network robust to imperfect segmentations."""
from __future__ import annotations

import torch
import torch.nn.functional as F

NUM_CLASSES = 13


def one_hot(labels: torch.Tensor, num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """(B, H, W) int labels -> (B, C, H, W) float one-hot."""
    return F.one_hot(labels.long(), num_classes).permute(0, 3, 1, 2).float()


def corrupt_parts(labels: torch.Tensor, g: torch.Generator, p_boundary: float = 0.7, p_drop: float = 0.15,
                  p_merge: float = 0.1, p_occlude: float = 0.25) -> torch.Tensor:
    """Randomly corrupt a batch of label maps (B, H, W) uint8/long (0 background, 1..12 parts).

    boundary noise (blur the one-hot, add Gumbel noise, re-argmax), a missing part (-> background),
    a merged part (relabelled as another part), and occluding rectangles (-> background).
    """
    B, H, W = labels.shape
    lab = labels.long().clone()
    r = lambda: torch.rand(B, generator=g)  # noqa: E731
    noisy = r() < p_boundary
    if noisy.any():
        oh = one_hot(lab[noisy])
        k = 3
        oh = F.avg_pool2d(oh, k, 1, k // 2)
        gumbel = -torch.log(-torch.log(torch.rand(oh.shape, generator=g).clamp(1e-6, 1 - 1e-6)))
        lab[noisy] = (torch.log(oh + 1e-4) + 0.7 * gumbel).argmax(1)
    for b in torch.nonzero(r() < p_drop).flatten().tolist():
        part = int(torch.randint(1, 13, (1,), generator=g))
        lab[b][lab[b] == part] = 0
    for b in torch.nonzero(r() < p_merge).flatten().tolist():
        a, c = (int(x) for x in torch.randint(1, 13, (2,), generator=g))
        lab[b][lab[b] == a] = c
    for b in torch.nonzero(r() < p_occlude).flatten().tolist():
        h, w = (int(x) for x in torch.randint(H // 8, H // 2, (2,), generator=g))
        y, x = int(torch.randint(0, H - h, (1,), generator=g)), int(torch.randint(0, W - w, (1,), generator=g))
        lab[b, y:y + h, x:x + w] = 0
    return lab
