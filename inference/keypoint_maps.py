"""Detector keypoints as network inputs: limb maps (the extra input planes of the keypoint-conditioned
segmentation and fitting networks) and the keypoints as numbers (read by the fitting network's regressor).

The segmentation network alone confuses left with right and loses the course of thin limbs; the person
detector (trained on real people) knows both. Its 14 keypoints (LSP order + head, as
`inference.detect.person_inputs.crop_inputs` returns them) are drawn as one plane per limb segment, so the
network reads "the left forearm runs here" directly:

    maps = limb_maps(joints[None], valid[None], res=128, crop_size=256)   # (1, 12, 128, 128)
    coords = keypoint_coords(joints[None], valid[None], crop_size=256)     # (1, 42)

One implementation in torch serves inference (one person) and training (batches, on any device).
"""
from __future__ import annotations

import numpy as np
import torch

# Keypoint order (14): LSP's 13 (R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow,
# R shoulder, L shoulder, L elbow, L wrist, neck = mid-shoulders) and the head (mid-ears).
MID_HIP = 14  # a derived point (mean of the hips), index into the extended array
# Limb segments, one plane each; names say which body parts they run through (the subject's left/right).
LIMBS = (
    ("neck-head", 12, 13), ("shoulders", 8, 9), ("spine", 12, MID_HIP), ("hips", 2, 3),
    ("left upper arm", 9, 10), ("left forearm", 10, 11), ("right upper arm", 8, 7), ("right forearm", 7, 6),
    ("left thigh", 3, 4), ("left shin", 4, 5), ("right thigh", 2, 1), ("right shin", 1, 0),
)
NUM_LIMB_MAPS = len(LIMBS)
# Keypoint index each keypoint becomes in a horizontally mirrored image (left <-> right).
MIRROR_KEYPOINTS = np.array([5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13])
# Limb planes exchanged by a mirror (left <-> right limbs); (12,).
MIRROR_LIMBS = np.array([0, 1, 2, 3, 6, 7, 4, 5, 10, 11, 8, 9])
SIGMA_TORSO = 0.07     # line half-width (Gaussian sigma) as a fraction of the torso length
SIGMA_MIN_PX = 1.0     # ... at least this many map pixels
SIGMA_FALLBACK = 0.02  # of the map size, when the torso length is unknown
# exp() of arguments under about -87 gives subnormal floats or underflows, which the CPU computes tens of times
# slower (the 128 px maps: 2.5 ms of exp instead of 0.06) and which slow every later operation that touches them;
# from this floor the planes hold 1.8e-35 instead of 0 far from a limb, zero for any network
EXP_FLOOR = -80.0


def _extend(joints: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Append the mid-hip point: (B, 14, 2), (B, 14) -> (B, 15, 2), (B, 15)."""
    mid = joints[:, 2:4].mean(1, keepdim=True)
    mv = valid[:, 2:4].all(1, keepdim=True)
    return torch.cat([joints, mid], 1), torch.cat([valid, mv], 1)


def _segment_geometry(joints: torch.Tensor, valid: torch.Tensor, res: int, crop_size: float, pad: int = 0):
    """Squared distances (B, 12, P) of each map pixel to each limb segment (P = (res + 2 pad)^2: the map
    extended by pad pixels on every side), the limbs' presence (B, 12) float, and sigma (B,) in map pixels."""
    joints = torch.as_tensor(joints, dtype=torch.float32)
    valid = torch.as_tensor(valid, dtype=torch.bool, device=joints.device)
    p, v = _extend(joints * (res / crop_size), valid)
    a_idx = torch.tensor([a for _, a, _ in LIMBS], device=p.device)
    b_idx = torch.tensor([b for _, _, b in LIMBS], device=p.device)
    a, b = p[:, a_idx], p[:, b_idx]                                   # (B, L, 2)
    ok = (v[:, a_idx] & v[:, b_idx]).float()                           # (B, L)
    torso = (p[:, 12] - p[:, MID_HIP]).norm(dim=-1)                    # (B,)
    has_torso = v[:, 12] & v[:, MID_HIP]
    sigma = torch.where(has_torso, SIGMA_TORSO * torso, torch.full_like(torso, SIGMA_FALLBACK * res))
    sigma = sigma.clamp_min(SIGMA_MIN_PX)
    # x and y as separate (B, L, P) planes, updated in place: these maps are built for every training
    # batch, and stacked (..., 2) coordinates cost three times the memory traffic.
    c = torch.arange(-pad, res + pad, device=p.device, dtype=p.dtype) + 0.5
    gx = c.repeat(res + 2 * pad).view(1, 1, -1)                        # (1, 1, P), row-major pixels
    gy = c.repeat_interleave(res + 2 * pad).view(1, 1, -1)
    ab = b - a
    abx, aby = ab[..., 0:1], ab[..., 1:2]                              # (B, L, 1)
    dx = gx - a[..., 0:1]                                              # (B, L, P)
    dy = gy - a[..., 1:2]
    t = (dx * abx).add_(dy * aby).mul_(1.0 / (ab * ab).sum(-1, keepdim=True).clamp_min(1e-6)).clamp_(0, 1)
    dx.sub_(t * abx)
    dy.sub_(t.mul_(aby))
    return dx.mul_(dx).add_(dy.mul_(dy)), ok, sigma


def limb_maps(joints: torch.Tensor, valid: torch.Tensor, res: int, crop_size: float, pad: int = 0) -> torch.Tensor:
    """Limb planes (B, 12, res, res) in [0, 1]: exp(-d^2 / 2 sigma^2) of each map pixel's distance d to the
    segment between two valid keypoints, 0 where either end is missing.

    joints (B, 14, 2) float x, y in crop pixels of a crop of side `crop_size` (pixel centres at i + 0.5);
    valid (B, 14) bool. sigma = SIGMA_TORSO x torso length (neck to mid-hip), at least SIGMA_MIN_PX map px.
    `pad`: the planes of the map extended by pad pixels on every side, (B, 12, res + 2 pad, res + 2 pad) (the
    same sigma); the window [pad - dy : pad - dy + res, pad - dx : pad - dx + res] of it holds the planes of the
    keypoints moved by (dx, dy) map pixels (|dx|, |dy| <= pad), so moved views need one computation (`shifted`).
    """
    d2, ok, sigma = _segment_geometry(joints, valid, res, crop_size, pad)
    m = d2.mul_((-0.5 / sigma ** 2)[:, None, None]).clamp_min_(EXP_FLOOR).exp_().mul_(ok[:, :, None])
    return m.view(-1, NUM_LIMB_MAPS, res + 2 * pad, res + 2 * pad)


def shifted(padded: torch.Tensor, pad: int, dx: int, dy: int) -> torch.Tensor:
    """The window of padded planes (B, C, R + 2 pad, R + 2 pad) that shows them moved by (dx, dy) pixels (x right,
    y down): (B, C, R, R), a view. For `limb_maps(..., pad=pad)`, the planes of the keypoints moved by (dx, dy);
    for a padded part map, the map moved (`nets.fit_net.shift_part_map`)."""
    if max(abs(dx), abs(dy)) > pad:
        raise ValueError(f"a move of ({dx}, {dy}) px needs planes padded by {max(abs(dx), abs(dy))} or more, "
                         f"not {pad}")
    r = padded.shape[-1] - 2 * pad
    return padded[..., pad - dy:pad - dy + r, pad - dx:pad - dx + r]


NUM_KEYPOINT_COORDS = 14 * 3


def keypoint_coords(joints: torch.Tensor, valid: torch.Tensor, crop_size: float) -> torch.Tensor:
    """The keypoints as numbers (B, 42): per keypoint x, y scaled so the crop spans [-1, 1] (keypoints outside
    the crop are marked missing upstream, `detect.person_inputs.crop_inputs`) and 1, or three zeros when
    missing. joints (B, 14, 2) crop pixels, valid (B, 14) bool. The limb planes give their course; these give
    where each joint is to sub-pixel precision, which a coarse map loses."""
    joints = torch.as_tensor(joints, dtype=torch.float32)
    v = torch.as_tensor(valid, dtype=torch.bool, device=joints.device)[..., None].float()
    xy = (joints * (2.0 / crop_size) - 1.0) * v
    return torch.cat([xy, v], -1).flatten(1)


def mirror_coords(coords: torch.Tensor) -> torch.Tensor:
    """keypoint_coords (B, 42) of the horizontally mirrored crop: x -> -x, left <-> right keypoints."""
    k = coords.reshape(-1, 14, 3)[:, torch.as_tensor(MIRROR_KEYPOINTS, device=coords.device)]
    return (k * torch.tensor([-1.0, 1.0, 1.0], device=coords.device)).flatten(1)


def mirror_keypoints(joints: torch.Tensor, valid: torch.Tensor, crop_size: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The keypoints of the horizontally mirrored crop: x -> crop_size - x, left <-> right.
    joints (B, 14, 2), valid (B, 14) -> same shapes."""
    idx = torch.as_tensor(MIRROR_KEYPOINTS, device=joints.device)
    j = joints[:, idx].clone()
    j[..., 0] = crop_size - j[..., 0]
    return j, valid[:, idx]

