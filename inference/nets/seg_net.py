"""Stage 1: RGB crop (+ the detector's limb maps) -> 12 body parts + background.

Two architectures share one interface, `net(rgb, limbs)` -> logits (B, 13, R, R):
- SegNet: a compact U-Net trained from scratch (the paper's RGB-only setting when limbs is None);
- LiteSegNet: a U-Net decoder on the ImageNet-pretrained EfficientNet-Lite0 encoder
  (inference/nets/efficientnet_lite.py).
Both read the person detector's keypoints as extra input planes (inference/keypoint_maps.py,
`limb_channels` of them, all zero when no keypoint is known): which limb is left or right and where the
thin limbs run come from a detector trained on real people.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


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
    almost no extra compute. Width and head have no defaults here: a new network takes them from the
    training configuration (`training.config.SegConfig`), a trained one from its checkpoint.
    """

    def __init__(self, *, width: int, head: str, num_classes: int = 13, limb_channels: int = 0,
                 deep_limbs: bool = False):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, not {head!r}")
        w = width
        self.head_kind = head
        self.limb_channels = limb_channels
        self.deep_limbs = bool(deep_limbs and limb_channels)
        self.register_buffer("mean", torch.tensor([0.45, 0.42, 0.40]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1))
        self.stem = nn.Sequential(nn.Conv2d(3 + limb_channels, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w),
                                  nn.ReLU(inplace=True))
        self.enc1 = _block(w, w)                 # R/2
        self.enc2 = _block(w, 2 * w, 2)          # R/4
        self.enc3 = _block(2 * w, 4 * w, 2)      # R/8
        self.enc4 = _block(4 * w, 8 * w, 2)      # R/16
        self.mid = _block(8 * w, 8 * w, 2)       # R/32 (context)
        if self.deep_limbs:
            # The limb planes again at every encoder scale (area-pooled, a 1x1 conv added to the stage's
            # output): through the stem alone they reach the deep layers diluted, and the network learnt
            # to lean on RGB. Zero at the start, so a warm start behaves exactly like its parent.
            self.limb_in = nn.ModuleList(nn.Conv2d(limb_channels, c, 1) for c in (w, 2 * w, 4 * w, 8 * w, 8 * w))
            for conv in self.limb_in:
                nn.init.zeros_(conv.weight)
                nn.init.zeros_(conv.bias)
        self.dec4 = _block(16 * w, 4 * w)
        self.dec3 = _block(8 * w, 2 * w)
        self.dec2 = _block(4 * w, w)
        self.dec1 = _block(2 * w, w)
        if head == "shuffle":
            self.head = nn.Sequential(nn.Conv2d(w, 4 * num_classes, 3, 1, 1), nn.PixelShuffle(2))
        else:
            self.head = nn.Conv2d(w, num_classes, 1)

    @classmethod
    def for_checkpoint(cls, ck: dict) -> nn.Module:
        """An untrained network with the architecture a checkpoint records (arch, width, head, limb channels);
        checkpoints written before a key was recorded had the value given here."""
        limbs = int(ck.get("limb_channels", 0))
        if ck.get("arch", "segnet") == "lite":
            return LiteSegNet(limb_channels=limbs, pretrained=None)
        return cls(width=int(ck.get("width", 16)), head=str(ck.get("head", "bilinear")), limb_channels=limbs,
                   deep_limbs=bool(ck.get("deep_limbs", False)))

    @staticmethod
    def _up(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=False)

    def features(self, rgb: torch.Tensor, limbs: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 3, R, R), limbs (B, limb_channels, R, R) or None -> decoder features (B, width, R/2, R/2)."""
        x0 = with_limbs((rgb - self.mean) / self.std, limbs, self.limb_channels)
        e1 = self.enc1(self.stem(x0))
        if self.deep_limbs:  # no keypoints: zero planes, as in training when the detector misses
            # each scale's planes pooled from the one above (the same area means as pooling the full planes by 2, 4,
            # ..., 32, read once instead of five times)
            lim = x0[:, 3:].contiguous(memory_format=torch.channels_last)
            add = []
            for conv in self.limb_in:
                lim = F.avg_pool2d(lim, 2)
                add.append(conv(lim))
            e1 = e1 + add[0]
            e2 = self.enc2(e1) + add[1]
            e3 = self.enc3(e2) + add[2]
            e4 = self.enc4(e3) + add[3]
            m = self.mid(e4) + add[4]
        else:
            e2 = self.enc2(e1)
            e3 = self.enc3(e2)
            e4 = self.enc4(e3)
            m = self.mid(e4)
        d4 = self.dec4(torch.cat([self._up(m, e4), e4], 1))
        d3 = self.dec3(torch.cat([self._up(d4, e3), e3], 1))
        d2 = self.dec2(torch.cat([self._up(d3, e2), e2], 1))
        return self.dec1(torch.cat([self._up(d2, e1), e1], 1))

    def forward(self, rgb: torch.Tensor, limbs: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 3, R, R) RGB in [0, 1], limbs (B, limb_channels, R, R) or None -> logits (B, 13, R, R) (either
        head: the shuffle head's own sub-pixels, the bilinear head's R/2 logits upsampled)."""
        logits = self.head(self.features(rgb, limbs))
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


def with_limbs(x: torch.Tensor, limbs: torch.Tensor | None, n: int) -> torch.Tensor:
    """(B, 3, R, R) normalised RGB -> (B, 3 + n, R, R) with the limb planes (zeros when None)."""
    if n == 0:
        return x
    if limbs is None:
        limbs = x.new_zeros(x.shape[0], n, *x.shape[-2:])
    return torch.cat([x, limbs.to(x.dtype)], 1)


def add_missing(state: dict, net: nn.Module) -> dict:
    """A state dict completed with `net`'s own (zero-initialised) tensors for keys it lacks: a warm start
    from a parent without the deep limb pathway."""
    state = dict(state)
    for k, v in net.state_dict().items():
        state.setdefault(k, v.detach().clone())
    return state


def widen_stem(state: dict, key: str, extra: int) -> dict:
    """A state dict whose input conv `key` (C, 3, k, k) gets `extra` zero input channels: a warm start
    that behaves exactly as before until training gives the new planes weight."""
    state = dict(state)
    w = state[key]
    if w.shape[1] == 3 and extra > 0:
        state[key] = torch.cat([w, w.new_zeros(w.shape[0], extra, *w.shape[2:])], 1)
    return state


# Channel layout of each SegNet module, (input of its first conv, output), in multiples of the width, the
# concatenated decoder inputs as two groups; (None,): a size that does not depend on the width (the stem's and
# limb convs' inputs, the head's output).
_SEGNET_LAYOUT = {
    "stem": ((None,), (1,)), "enc1": ((1,), (1,)), "enc2": ((1,), (2,)), "enc3": ((2,), (4,)),
    "enc4": ((4,), (8,)), "mid": ((8,), (8,)), "dec4": ((8, 8), (4,)), "dec3": ((4, 4), (2,)),
    "dec2": ((2, 2), (1,)), "dec1": ((1, 1), (1,)), "head": ((1,), (None,)),
    "limb_in.0": ((None,), (1,)), "limb_in.1": ((None,), (2,)), "limb_in.2": ((None,), (4,)),
    "limb_in.3": ((None,), (8,)), "limb_in.4": ((None,), (8,)),
}


def _channel_index(groups: tuple, old_w: int, new_w: int, size: int) -> torch.Tensor:
    """Where each of a narrower tensor's `size` channels sits in the wider network's same dimension."""
    if groups == (None,):
        return torch.arange(size)
    parts, start = [], 0
    for m in groups:
        parts.append(torch.arange(start, start + m * old_w))
        start += m * new_w
    return torch.cat(parts)


def widen_segnet(state: dict, net: SegNet) -> dict:
    """A narrower SegNet's state dict -> a state dict for the wider `net` that answers exactly as the
    narrower one: its weights keep their channels, each new channel reads the old ones with `net`'s own
    fresh initial weights and is read by nothing (zero weights) until training gives it weight. The
    network is short of capacity (its training and validation mIoU are close), and a warm start keeps the
    narrower network's CPU hours."""
    old_w = int(state["stem.0.weight"].shape[0])
    new_w = net.stem[0].out_channels
    if old_w == new_w:
        return state
    if old_w > new_w:
        raise ValueError(f"cannot narrow a SegNet from width {old_w} to {new_w}")
    fresh = net.state_dict()
    out = {}
    for key, new in fresh.items():
        old = state[key]
        if old.shape == new.shape:
            out[key] = old.clone()
            continue
        module = next(m for m in _SEGNET_LAYOUT if key.startswith(m + "."))
        ins, outs = _SEGNET_LAYOUT[module]
        if key.startswith(module + ".3."):  # a block's second conv reads its first's output
            ins = outs
        rows = _channel_index(outs, old_w, new_w, old.shape[0])
        t = new.detach().clone()
        if old.dim() == 4:  # conv (out, in, k, k): old rows read only old channels
            cols = _channel_index(ins, old_w, new_w, old.shape[1])
            t[rows] = 0
            t[rows[:, None], cols[None, :]] = old
        else:               # conv bias or batch norm (out,)
            t[rows] = old
        out[key] = t
    return out


class LiteSegNet(nn.Module):
    """U-Net decoder on the ImageNet-pretrained EfficientNet-Lite0 encoder:
    (B, 3, R, R) RGB in [0, 1] (+ limbs (B, limb_channels, R, R)) -> logits (B, 13, R, R); R divisible by 32.

    Decoder: at each stride (32 -> 2) upsample, concatenate the encoder's skip, two 3x3 convs; a
    pixel-shuffle head turns the stride-2 features into full-resolution logits. `pretrained` is the
    converted encoder file (scripts/convert_efficientnet_lite.py) or None (weights loaded later)."""

    def __init__(self, limb_channels: int = 0, num_classes: int = 13, width: int = 32, pretrained=None):
        super().__init__()
        from .efficientnet_lite import EfficientNetLite0Encoder, load_pretrained

        self.limb_channels = limb_channels
        self.encoder = EfficientNetLite0Encoder(in_channels=3 + limb_channels)
        if pretrained is not None:
            load_pretrained(self.encoder, pretrained)
        c2, c4, c8, c16, c32 = self.encoder.CHANNELS
        w = width
        self.dec16 = _block(c32 + c16, 4 * w)
        self.dec8 = _block(4 * w + c8, 2 * w)
        self.dec4 = _block(2 * w + c4, w)
        self.dec2 = _block(w + c2, w)
        self.head = nn.Sequential(nn.Conv2d(w, 4 * num_classes, 3, 1, 1), nn.PixelShuffle(2))

    def forward(self, rgb: torch.Tensor, limbs: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 3, R, R) RGB in [0, 1], limbs (B, limb_channels, R, R) or None -> logits (B, 13, R, R)."""
        f2, f4, f8, f16, f32 = self.encoder.forward_features(with_limbs(rgb, limbs, self.limb_channels))
        up = SegNet._up
        d = self.dec16(torch.cat([up(f32, f16), f16], 1))
        d = self.dec8(torch.cat([up(d, f8), f8], 1))
        d = self.dec4(torch.cat([up(d, f4), f4], 1))
        d = self.dec2(torch.cat([up(d, f2), f2], 1))
        return self.head(d)


# Test-time views of the segmentation's input besides the image itself: rolled by (dy, dx) pixels of the
# network's input, their answers rolled back and averaged. A CNN's answer does not move exactly with a small
# shift of its input; the average of a few shifted views is steadier at part borders and on thin limbs
# (chosen on a tuning set of synthetic people, seed 4244: see the model card). Left and right shifts in
# pairs, so that the mirrored image gives the mirrored answer.
SHIFTS = ((0, 2), (0, -2))


def seg_test_shifts(ck: dict) -> tuple[tuple[int, int], ...]:
    """The shifted views a packaged seg checkpoint is read with: its "test_shifts" ([[dy, dx], ...], written by
    scripts/package_weights.py --seg-shifts; [] for the image and its mirror alone), else `SHIFTS`. A wider
    network is read with fewer views to stay within the time budget. Raises ValueError for a malformed entry."""
    raw = ck.get("test_shifts")
    if raw is None:
        return SHIFTS
    try:
        shifts = tuple((int(dy), int(dx)) for dy, dx in raw)
    except (TypeError, ValueError):
        raise ValueError(f"test_shifts must be a list of [dy, dx] pixel pairs, not {raw!r}") from None
    if any(max(abs(dy), abs(dx)) > 8 for dy, dx in shifts) or any((dy, -dx) not in shifts for dy, dx in shifts):
        raise ValueError(f"test_shifts {raw!r}: shifts of at most 8 px, each with its mirror (dy, -dx)")
    return shifts


def part_probabilities(net: nn.Module, rgb: torch.Tensor, mirror: torch.Tensor | None = None,
                       limbs: torch.Tensor | None = None, mirror_limbs: torch.Tensor | None = None,
                       shifts: tuple[tuple[int, int], ...] = ()) -> torch.Tensor:
    """Softmax (B, 13, R, R) for RGB (B, 3, R, R) in [0, 1] and limb planes (B, L, R, R) or None. With
    `mirror` (13,) (the label each label becomes in a mirrored image, inference.parts.MIRROR_LABELS),
    averaged with the answer for the mirrored image mapped back (the limb planes mirrored too, their
    left/right exchanged by `mirror_limbs` (L,)): left/right mistakes of one view are outvoted. `shifts`:
    more views, the input (and limb planes) rolled by (dy, dx) pixels and each answer rolled back (`SHIFTS`);
    every view runs in one batch."""
    views = ((0, 0),) + tuple(shifts)
    n = rgb.shape[0]
    rgb = torch.cat([torch.roll(rgb, v, (-2, -1)) if v != (0, 0) else rgb for v in views])
    if limbs is not None:
        limbs = torch.cat([torch.roll(limbs, v, (-2, -1)) if v != (0, 0) else limbs for v in views])
    if mirror is None:
        probs = F.softmax(net(rgb, limbs), 1)
    else:
        both_limbs = None if limbs is None else torch.cat([limbs, limbs.flip(-1)[:, mirror_limbs]])
        both = F.softmax(net(torch.cat([rgb, rgb.flip(-1)]), both_limbs), 1)
        m = rgb.shape[0]
        probs = (both[:m] + both[m:].flip(-1)[:, mirror]) / 2
    if len(views) == 1:
        return probs
    back = [torch.roll(probs[k * n:(k + 1) * n], (-v[0], -v[1]), (-2, -1)) for k, v in enumerate(views)]
    return torch.stack(back).mean(0)
