"""A small network after the segmentation: the part probabilities the segmentation network gives a crop (its views
averaged) -> the same probabilities corrected where the map is unlike a body (a torso with a hole, a forearm on the
wrong side of its upper arm, a speck of thigh on the chest).

It reads the map alone, never the image: what it learns is the shape of part maps, which synthetic people teach
as well as real ones (their part maps are exact). It adds its answer to the log-probabilities it reads and starts
as zero, so it begins as the identity and keeps what the segmentation gets right.
"""
from __future__ import annotations

import torch
from torch import nn

FLOOR = 1e-4  # added before the log: a class the segmentation rules out stays finite


class PartHead(nn.Module):
    """(B, 13, R, R) probabilities -> (B, 13, R, R) corrected logits (`correct`: probabilities). Three 3x3
    convolutions of `width` channels with dilations 1, 2 and 4 (a 15 px field at R = 128, a forearm's length in a
    full-body crop) and a 1x1 to the 13 classes; the input's log is normalised by per-class `mean` and `std`
    (buffers, from the training maps)."""

    def __init__(self, width: int = 32, num_classes: int = 13):
        super().__init__()
        self.register_buffer("mean", torch.zeros(1, num_classes, 1, 1))
        self.register_buffer("std", torch.ones(1, num_classes, 1, 1))
        layers: list[nn.Module] = []
        cin = num_classes
        for d in (1, 2, 4):
            layers += [nn.Conv2d(cin, width, 3, padding=d, dilation=d), nn.ReLU(inplace=True)]
            cin = width
        layers.append(nn.Conv2d(width, num_classes, 1))
        self.body = nn.Sequential(*layers)
        nn.init.zeros_(self.body[-1].weight)
        nn.init.zeros_(self.body[-1].bias)

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        """(B, 13, R, R) probabilities -> (B, 13, R, R) corrected logits (what training's loss reads)."""
        x = torch.log(probs.float() + FLOOR)
        return x + self.body((x - self.mean) / self.std)

    def correct(self, probs: torch.Tensor) -> torch.Tensor:
        """(B, 13, R, R) probabilities -> (B, 13, R, R) corrected probabilities."""
        return torch.softmax(self(probs), 1)
