"""A face-free person proposer for wide shots: where each person's hips are, how large and which way up.

BlazePose's detector keys on faces, so people whose face is a few pixels tall, turned away or hidden are
missed (docs/crowds.md). PeopleNet looks at the whole photo once and marks every person's hip centre on a
heatmap (CenterNet-style: one peak per person), with the radius of the circle around the hips that holds the
whole body and the direction from the hips to the shoulders at the peak. Each peak becomes a rotated ROI like
the ones BlazePose's detector gives (`PersonDetector.proposals`), which the landmark model then verifies
exactly as it verifies the detector's own (inference/detect/blazepose.py `PersonDetector.person_at`): the
proposer widens what is looked at, the landmark model still decides who is a person.

Network: the ImageNet-pretrained EfficientNet-Lite0 encoder (inference/nets/efficientnet_lite.py) up to
stride 16, a small decoder back to stride 4, three heads there. Input: the photo resized so that its long
side is INPUT_SIDE px (padded to a multiple of 16). Trained on synthetic crowd frames
(training/train_people.py; weights resources/weights/people.pt, see resources/weights/MODEL_CARD.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..nets.efficientnet_lite import EfficientNetLite0Encoder, load_pretrained
from ..nets.fold import fold_batchnorm

INPUT_SIDE = 640          # the photo's long side at the network's input (a 1024 px frame: 0.625 x)
STRIDE = 4                # output cells per input px
PAD = 16                  # input sides are padded to a multiple of this (the encoder's deepest stride)
ENCODER_BLOCKS = 11       # Lite0 blocks kept: up to stride 16 (blocks 11-15 at stride 32 add time, not recall)
PEAK_MIN = 0.4            # heatmap peak score of a proposal (chosen on crowds and person-free photos: docs/crowds.md)
MAX_PROPOSALS = 40
# The photo is read once more at this long side for the peaks alone (a 1024 px frame: 0.875 x): a 60 px person
# is 37 px tall at INPUT_SIDE, near the smallest the network learnt, and 52 px here: a few more small people
# found, no more false ones (docs/crowds.md, "The proposer at two sizes"). The heat witness reads the INPUT_SIDE
# maps alone, as it was chosen on them.
EXTRA_SIDES = (896,)
SAME_PEAK = 0.5           # two peaks (of either size) whose hips lie within this x the smaller radius are one person


@dataclass(frozen=True)
class Proposal:
    """One proposed person in photo pixels: hips (2,) x, y; radius of the circle about the hips that holds
    the body; angle of the hips -> shoulders direction (radians, 0 = straight up, positive clockwise in
    the image); score the heatmap's peak value in [0, 1]."""

    hips: np.ndarray
    radius: float
    angle: float
    score: float

    def scale_point(self) -> np.ndarray:
        """(2,) the point on the body's circle straight 'up' the body from the hips (BlazePose's detector
        gives the same pair: hip centre and a point on the full-body circle)."""
        return self.hips + self.radius * np.array([math.sin(self.angle), -math.cos(self.angle)])


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PeopleNet(nn.Module):
    """(B, 3, H, W) RGB in [0, 1], H and W multiples of 16 -> (B, 4, H/4, W/4): channel 0 the hip-centre
    heatmap's logit, 1 log(radius / STRIDE) (radius in input px), 2-3 the unit hips -> shoulders vector
    (x, y in image axes, y down). `pretrained`: the converted Lite0 file (training) or None (weights loaded
    afterwards)."""

    def __init__(self, width: int = 48, pretrained=None):
        super().__init__()
        enc = EfficientNetLite0Encoder(in_channels=3)
        if pretrained is not None:
            load_pretrained(enc, pretrained)
        enc.blocks = enc.blocks[:ENCODER_BLOCKS]
        self.encoder = enc
        _, c4, c8, c16, _ = enc.CHANNELS
        self.dec8 = _block(c16 + c8, 2 * width)
        self.dec4 = _block(2 * width + c4, width)
        self.head = nn.Conv2d(width, 4, 1)
        nn.init.constant_(self.head.bias, 0.0)
        with torch.no_grad():
            self.head.bias[0] = -4.0  # a rare positive: start the heatmap near 0 (CenterNet's prior)

    def freeze(self, blocks: int) -> None:
        """Training: keep the encoder's stem and first `blocks` blocks (the stride-2 and -4 stages for 3) at
        their ImageNet weights and BatchNorm statistics (a third less time per step on the CPU)."""
        self.frozen = [self.encoder.stem_conv, self.encoder.stem_bn, *self.encoder.blocks[:blocks]]
        for m in self.frozen:
            m.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        for m in getattr(self, "frozen", ()):
            m.eval()
        return self

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) RGB in [0, 1] -> (B, 4, H/4, W/4) maps (the class docstring says what each channel is)."""
        _, f4, f8, f16 = self.encoder.forward_features(rgb)
        d = self.dec8(torch.cat([F.interpolate(f16, size=f8.shape[-2:], mode="bilinear", align_corners=False),
                                 f8], 1))
        d = self.dec4(torch.cat([F.interpolate(d, size=f4.shape[-2:], mode="bilinear", align_corners=False),
                                 f4], 1))
        return self.head(d)


def network_input(image: np.ndarray, side: int = INPUT_SIDE) -> tuple[np.ndarray, float]:
    """(H, W, 3) uint8 photo -> ((h, w, 3) uint8 resized so the long side is `side` and padded with zeros at
    the right and bottom to multiples of PAD, the scale input px / photo px)."""
    h, w = image.shape[:2]
    s = side / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    out = np.zeros((-(-nh // PAD) * PAD, -(-nw // PAD) * PAD, 3), np.uint8)
    out[:nh, :nw] = small
    return out, s


@torch.no_grad()
def predict_maps(net: nn.Module, image: np.ndarray, side: int = INPUT_SIDE) -> tuple[np.ndarray, float]:
    """(4, h, w) float32 output of `net` (in eval mode) for an (H, W, 3) uint8 photo, and the input scale
    (input px / photo px); the photo goes through `network_input`, on the net's device."""
    x, s = network_input(image, side)
    device = next(net.parameters()).device
    t = torch.from_numpy(x).permute(2, 0, 1)[None].to(device).float() / 255.0
    return net(t)[0].float().cpu().numpy(), s


def decode(maps: np.ndarray, scale: float, peak_min: float = PEAK_MIN, limit: int = MAX_PROPOSALS
           ) -> list[Proposal]:
    """Network output (4, h, w) of one image -> proposals in photo px (`scale` = input px / photo px), best
    first: the heatmap's local maxima (3 x 3) above peak_min, at most `limit`."""
    heat = 1.0 / (1.0 + np.exp(-maps[0].astype(np.float64)))
    peak = heat >= cv2.dilate(heat, np.ones((3, 3), np.uint8))
    ys, xs = np.nonzero(peak & (heat > peak_min))
    order = np.argsort(-heat[ys, xs])[:limit]
    out = []
    for y, x in zip(ys[order], xs[order]):
        vx, vy = float(maps[2, y, x]), float(maps[3, y, x])
        norm = math.hypot(vx, vy)
        angle = math.atan2(vx, -vy) if norm > 1e-6 else 0.0
        hips = (np.array([x, y], np.float64) + 0.5) * STRIDE / scale
        radius = math.exp(float(maps[1, y, x])) * STRIDE / scale
        out.append(Proposal(hips=hips.astype(np.float32), radius=radius, angle=angle, score=float(heat[y, x])))
    return out


def merge_proposals(props: list[Proposal], limit: int = MAX_PROPOSALS) -> list[Proposal]:
    """Proposals of one or several input sizes -> one per person, best first: a peak whose hips lie within SAME_PEAK x
    the smaller radius of a better one's is the same person; at most `limit`."""
    kept: list[Proposal] = []
    for p in sorted(props, key=lambda p: -p.score):
        if not any(math.hypot(*(p.hips - q.hips)) < SAME_PEAK * min(p.radius, q.radius) for q in kept):
            kept.append(p)
    return kept[:limit]


def heat_near(maps: np.ndarray, scale: float, point: np.ndarray, radius: float) -> float:
    """The heatmap's highest value in [0, 1] within `radius` photo px (at least two cells) of `point` (2,) in
    photo px; `maps` (4, h, w) and `scale` (input px / photo px) as from `predict_maps`. 0 off the map."""
    c = np.asarray(point, np.float64) * scale / STRIDE - 0.5
    r = max(2.0, radius * scale / STRIDE)
    h, w = maps.shape[1:]
    x0, x1 = max(int(math.floor(c[0] - r)), 0), min(int(math.ceil(c[0] + r)) + 1, w)
    y0, y1 = max(int(math.floor(c[1] - r)), 0), min(int(math.ceil(c[1] + r)) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return 0.0
    yy, xx = np.mgrid[y0:y1, x0:x1]
    near = (xx - c[0]) ** 2 + (yy - c[1]) ** 2 <= r * r
    if not near.any():
        return 0.0
    return float(1.0 / (1.0 + np.exp(-float(maps[0, y0:y1, x0:x1][near].max()))))


class PeopleProposer:
    """The trained PeopleNet on the CPU, with the process's torch threads (the number is global to the
    process: setting it here would change it under a model running in another thread).
    `propose(image)` -> list[Proposal], from the photo at `side` and at each of `extra_sides`."""

    def __init__(self, path: Path):
        ck = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(ck, dict) or "model" not in ck:
            raise ValueError(f"{path}: not a people-proposer checkpoint")
        self.net = PeopleNet(width=int(ck.get("width", 48)))
        self.net.load_state_dict(ck["model"])
        # inference only: BatchNorm folded into the convolutions, channels-last activations (faster on the CPU)
        fold_batchnorm(self.net).to(memory_format=torch.channels_last)
        self.side = int(ck.get("input_side", INPUT_SIDE))
        self.extra_sides = EXTRA_SIDES

    def maps(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        """(4, h, w) float32 network output for an (H, W, 3) uint8 photo, and the input scale."""
        return predict_maps(self.net, image, self.side)

    def propose(self, image: np.ndarray, peak_min: float = PEAK_MIN,
                maps: tuple[np.ndarray, float] | None = None) -> list[Proposal]:
        """The (H, W, 3) uint8 photo's proposals (photo px), best first (`maps`: this photo's `maps(image)`, the
        (4, h, w) output and its input scale, when already computed), from the photo at `side` and again at each of
        `extra_sides`, merged (`merge_proposals`)."""
        levels = [maps if maps is not None else self.maps(image)]
        levels += [predict_maps(self.net, image, side) for side in self.extra_sides]
        return merge_proposals([p for level in levels for p in decode(*level, peak_min)])

    @staticmethod
    def heat(maps: tuple[np.ndarray, float], point: np.ndarray, radius: float) -> float:
        """`heat_near` on the (maps, scale) pair of `maps(image)`: the heatmap's highest value within `radius` photo
        px of `point` (2,) photo px."""
        return heat_near(maps[0], maps[1], point, radius)
