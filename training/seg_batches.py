"""Training batches for the segmentation network: synthetic crops made to look like what the pipeline
feeds the network on real photos, with detector-like keypoints drawn as limb maps.

    batch = SegBatcher(data, err, limbs=True).make(idx, g, device)   # SegBatch (img, limbs, labels)

Per sample, in this order: person-free replacement (labelled all background), a random similarity
transform (scale, shift, small rotation: detector boxes frame people less tightly than the renders),
a horizontal flip (left/right labels and keypoints exchanged), a frame cut (the photo's edge: black
beyond it, background labels, keypoints lost; most often below the hips, as a half-length person
extended to a full-body box looks), then colour, blur, noise and grey-scale on the pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from inference.camera import CROP_SIZE
from inference.keypoint_maps import limb_maps, mirror_keypoints
from inference.parts import MIRROR_LABELS

from .cache import Cache
from .keypoint_sim import DetectorError, gt_keypoints, simulate_keypoints

FLIP_LUT = torch.as_tensor(MIRROR_LABELS)


@dataclass(frozen=True)
class SegBatch:
    """img (B, 3, R, R) float [0, 1]; limbs (B, 12, R, R) or None; labels (B, R, R) long."""

    img: torch.Tensor
    limbs: torch.Tensor | None
    labels: torch.Tensor


@dataclass(frozen=True)
class AugmentConfig:
    affine: float = 0.7       # probability of a random similarity transform
    scale: tuple[float, float] = (0.7, 1.15)
    shift: float = 0.08       # of the crop side
    rotate: float = 15.0      # degrees
    cut: float = 0.3          # probability of a frame cut
    blur: float = 0.3
    noise: float = 0.3
    grey: float = 0.1


def _affine(img, lab, kp, g, cfg: AugmentConfig):
    """Random similarity transform of img (B, 3, R, R), lab (B, R, R) and kp (B, 14, 2) crop px (side CROP_SIZE)."""
    B, _, R, _ = img.shape
    dev = img.device
    on = torch.rand(B, generator=g) < cfg.affine
    s = torch.empty(B).uniform_(*cfg.scale, generator=g)
    a = torch.empty(B).uniform_(-cfg.rotate, cfg.rotate, generator=g) * math.pi / 180
    t = (torch.rand(B, 2, generator=g) * 2 - 1) * cfg.shift * 2  # in normalised [-1, 1] units
    s, a = torch.where(on, s, torch.ones_like(s)), torch.where(on, a, torch.zeros_like(a))
    t = torch.where(on[:, None], t, torch.zeros_like(t))
    cos, sin = torch.cos(a), torch.sin(a)
    # forward map (normalised coords): p' = s R p + t; grid_sample needs the inverse
    fwd = torch.stack([torch.stack([s * cos, -s * sin], -1), torch.stack([s * sin, s * cos], -1)], 1)  # (B, 2, 2)
    inv = torch.linalg.inv(fwd)
    theta = torch.cat([inv, -(inv @ t[..., None])], 2).to(dev)
    fwd, t = fwd.to(dev), t.to(dev)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    img = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    lab = F.grid_sample(lab[:, None].float(), grid, mode="nearest", padding_mode="zeros",
                        align_corners=False)[:, 0].long()
    p = kp / CROP_SIZE * 2 - 1
    p = (fwd @ p.transpose(1, 2)).transpose(1, 2) + t[:, None]
    return img, lab, (p + 1) / 2 * CROP_SIZE


def _frame_cut(img, lab, kp, valid, g, p: float):
    """The photo's edge: beyond a random line (bottom 70%, sides 20%, top 10%) black, background, no keypoints."""
    B, _, R, _ = img.shape
    dev = img.device
    on = (torch.rand(B, generator=g) < p).to(dev)
    side = torch.multinomial(torch.tensor([0.7, 0.1, 0.1, 0.1]), B, replacement=True, generator=g)
    frac = torch.empty(B).uniform_(0.45, 0.9, generator=g)
    frac = torch.where(side == 0, frac, torch.empty(B).uniform_(0.15, 0.35, generator=g))
    side, frac = side.to(dev), frac.to(dev)
    c = (torch.arange(R, device=dev) + 0.5) / R
    ys, xs = c.view(1, R, 1), c.view(1, 1, R)
    f = frac.view(B, 1, 1)
    sd = side.view(B, 1, 1)
    cut = torch.where(sd == 0, ys > f, torch.where(sd == 1, ys < f, torch.where(sd == 2, xs < f, xs > 1 - f)))
    cut &= on.view(B, 1, 1)
    img = img.masked_fill(cut[:, None], 0.0)
    lab = lab.masked_fill(cut, 0)
    u, sk, fk = kp / CROP_SIZE, side.view(B, 1), frac.view(B, 1)
    kcut = torch.where(sk == 0, u[..., 1] > fk, torch.where(sk == 1, u[..., 1] < fk,
                       torch.where(sk == 2, u[..., 0] < fk, u[..., 0] > 1 - fk)))
    return img, lab, valid & ~(kcut & on[:, None])


def _photometric(img, g, cfg: AugmentConfig, dg: torch.Generator):
    """Colour gain and offset, grey-scale, blur, noise; dg a generator on img's device (for the noise field)."""
    B = img.shape[0]
    r = lambda *s: torch.rand(*s, generator=g).to(img.device)  # noqa: E731
    img = img * (1 + 0.4 * (r(B, 3, 1, 1) - 0.5)) + 0.2 * (r(B, 1, 1, 1) - 0.5)
    grey = (r(B) < cfg.grey).view(B, 1, 1, 1)
    img = torch.where(grey, img.mean(1, keepdim=True).expand_as(img), img)
    blur = (r(B) < cfg.blur).view(B, 1, 1, 1)
    k = torch.tensor([1.0, 2.0, 1.0]) / 4
    k2 = (k[:, None] * k[None]).view(1, 1, 3, 3).repeat(3, 1, 1, 1).to(img)
    img = torch.where(blur, F.conv2d(F.pad(img, (1, 1, 1, 1), mode="replicate"), k2, groups=3), img)
    noise = (r(B) < cfg.noise).view(B, 1, 1, 1)
    sigma = 0.06 * r(B, 1, 1, 1)
    n = torch.randn(img.shape, generator=dg, device=img.device)
    return torch.where(noise, img + sigma * n, img).clamp(0, 1)


class SegBatcher:
    """Builds augmented batches from a cache's images, labels and (with `limbs`) joints2d; `limbs` adds
    simulated detector limb maps; `empty` (M, R, R, 3) uint8 person-free images mixed in at rate `empty_rate`;
    `person_missed`: the share of samples drawn without keypoints (None: the error model's; 0 and an error
    model of zeros give exact keypoints, 1 none, for studies of what the keypoints are worth)."""

    def __init__(self, data: Cache, err: DetectorError | None, limbs: bool, empty: np.ndarray | None = None,
                 empty_rate: float = 0.0, aug: AugmentConfig | None = None, device: torch.device | str = "cpu",
                 seed: int = 0, person_missed: float | None = None):
        dev = torch.device(device)
        self.device = dev
        # the whole set lives on the training device (uint8), batches are cut and augmented there
        self.images = torch.as_tensor(data.images).to(dev)
        self.labels = torch.as_tensor(data.labels).to(dev)
        self.keypoints = gt_keypoints(data.joints2d) if limbs else None
        self.err, self.limbs = err, limbs
        self.person_missed = person_missed  # None: the error model's rate (at least MIN_PERSON_MISSED)
        self.empty = None if empty is None else torch.as_tensor(empty).to(dev)
        self.empty_rate = empty_rate
        self.aug = aug or AugmentConfig()
        self.dg = torch.Generator(device=dev).manual_seed(seed)

    def make(self, idx: np.ndarray, g: torch.Generator, augment: bool = True) -> SegBatch:
        """The batch of cached samples idx (B,) on the batcher's device (`SegBatch`: img (B, 3, R, R), limbs
        (B, 12, R, R) with `limbs`, labels (B, R, R)); with `augment`, person-free images mixed in, a random
        similarity transform, a mirror, frame cuts and photometric jitter, drawn from `g` (CPU) and the batcher's
        own device generator."""
        B, dev = len(idx), self.device
        ti = torch.as_tensor(np.asarray(idx), device=dev)
        img = self.images[ti].permute(0, 3, 1, 2).float().div(255)
        lab = self.labels[ti].long()
        R = img.shape[-1]
        kp = self.keypoints[torch.as_tensor(np.asarray(idx))] if self.limbs else torch.zeros(B, 14, 2)
        if augment:
            if self.empty is not None and self.empty_rate > 0:
                pick = torch.rand(B, generator=g) < self.empty_rate
                if bool(pick.any()):
                    src = torch.randint(len(self.empty), (int(pick.sum()),), generator=g)
                    pd = pick.to(dev)
                    img[pd] = self.empty[src.to(dev)].permute(0, 3, 1, 2).float().div(255)
                    lab[pd] = 0
                    kp[pick] = -1.0  # keypoints outside the crop: none
            img, lab, kp = _affine(img, lab, kp.to(dev), g, self.aug)
            flip = torch.rand(B, generator=g) < 0.5
            fd = flip.to(dev)
            img = torch.where(fd[:, None, None, None], img.flip(-1), img)
            lab = torch.where(fd[:, None, None], FLIP_LUT.to(dev)[lab.flip(-1)], lab)
            kp = kp.cpu()
            kpm, _ = mirror_keypoints(kp, torch.ones(kp.shape[:2], dtype=torch.bool), CROP_SIZE)
            kp = torch.where(flip[:, None, None], kpm, kp)
        limbs = None
        if self.limbs:
            joints, valid = simulate_keypoints(kp, self.err, g, CROP_SIZE, self.person_missed)
            joints, valid = joints.to(dev), valid.to(dev)
            if augment:
                img, lab, valid = _frame_cut(img, lab, joints, valid, g, self.aug.cut)
            limbs = limb_maps(joints, valid, R, CROP_SIZE)
        elif augment:
            img, lab, _ = _frame_cut(img, lab, kp.to(dev), torch.zeros(B, 14, dtype=torch.bool, device=dev), g,
                                     self.aug.cut)
        if augment:
            img = _photometric(img, g, self.aug, self.dg)
        return SegBatch(img, limbs, lab)

