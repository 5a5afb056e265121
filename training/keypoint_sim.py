"""Detector keypoints simulated from ground truth with the detector's measured error (training only).

The keypoint-conditioned segmentation network reads the person detector's 14 keypoints at test time;
in training they are drawn from the ground-truth joints with the error measured by running the
detector on synthetic people (`scripts/measure_detector_error.py` -> `training/detector_error.json`):
whole people missed, keypoints missing, left/right swaps, gross errors, and an offset plus spread per
keypoint in units of the torso length.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from inference.joints import HEAD_JOINT, LSP_FROM_SMPL
from inference.json_files import read_json
from inference.keypoint_maps import MIRROR_KEYPOINTS

# SMPL joint ids of the 14 keypoints: LSP's 13 (neck = SMPL neck) and the head joint.
GT_FROM_SMPL = LSP_FROM_SMPL + (HEAD_JOINT,)
MIRROR = MIRROR_KEYPOINTS
GROSS = 0.5  # a keypoint further than this (torso lengths) from its joint is a gross error
ERROR_FILE = Path(__file__).with_name("detector_error.json")
MIN_PERSON_MISSED = 0.1  # at least this often the network trains without keypoints (detector off, missed)


@dataclass(frozen=True)
class DetectorError:
    """The measured error model: person_missed (scalar) and per keypoint (14,) missing, swap, gross rates,
    bias (14, 2) and spread (14, 2) in torso lengths."""

    person_missed: float
    person_swapped: float
    missing: np.ndarray
    swap: np.ndarray
    gross: np.ndarray
    bias: np.ndarray
    spread: np.ndarray

    @classmethod
    def exact(cls) -> DetectorError:
        """A detector without error (every rate, offset and spread zero): with `person_missed` 0 the keypoints
        are the ground truth, with 1 there are none."""
        z = np.zeros(14, np.float32)
        return cls(0.0, 0.0, z, z, z, np.zeros((14, 2), np.float32), np.zeros((14, 2), np.float32))

    @classmethod
    def load(cls, path: Path | None = None) -> DetectorError:
        d = read_json(path or ERROR_FILE)
        k = d["keypoints"]
        arr = lambda key: np.array([x[key] for x in k], np.float32)  # noqa: E731
        return cls(float(d["person_missed"]), float(d.get("person_swapped", 0.0)), arr("missing"), arr("swap"),
                   arr("gross"), arr("bias"), arr("spread"))


def gt_keypoints(joints2d: np.ndarray | torch.Tensor) -> torch.Tensor:
    """SMPL joints (B, 24, 2) in crop pixels -> the 14 keypoints (B, 14, 2)."""
    return torch.as_tensor(np.asarray(joints2d))[:, list(GT_FROM_SMPL)].float()


def simulate_keypoints(gt: torch.Tensor, err: DetectorError, g: torch.Generator, crop_size: float,
                       person_missed: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Detector-like keypoints from ground truth: gt (B, 14, 2) crop pixels -> (joints (B, 14, 2), valid (B, 14)).
    Keypoints outside the crop are invalid, as `crop_inputs` makes them at test time."""
    B = gt.shape[0]
    u = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
    torso = (gt[:, 12] - gt[:, 2:4].mean(1)).norm(dim=-1).clamp_min(1.0)[:, None, None]  # (B, 1, 1)
    j = gt.clone()
    # left/right swaps: the whole body (a person seen from behind taken as facing the camera), or pair by
    # pair (both members of a pair exchange places). One draw per pair, the pair's first member's: the measured
    # rate counts a swapped pair on each member, so a draw per member would swap pairs at about twice that rate
    swap_rate = torch.as_tensor(np.maximum(err.swap, err.swap[MIRROR]))
    draw = u(B, 14)
    draw = torch.where(torch.as_tensor(np.arange(14) <= np.asarray(MIRROR))[None], draw, draw[:, MIRROR])
    pair_sw = (draw < swap_rate) | (u(B, 1) < err.person_swapped)
    j = torch.where(pair_sw[..., None], gt[:, MIRROR], j)
    bias = torch.as_tensor(err.bias)[None]
    spread = torch.as_tensor(err.spread)[None]
    j = j + torso * (bias + spread * torch.randn(B, 14, 2, generator=g))
    gross = u(B, 14) < torch.as_tensor(err.gross)
    direction = torch.nn.functional.normalize(torch.randn(B, 14, 2, generator=g), dim=-1)
    far = torso * (GROSS + 0.5 * u(B, 14, 1)) * direction
    j = torch.where(gross[..., None], gt + far, j)
    valid = u(B, 14) >= torch.as_tensor(err.missing)
    pm = max(MIN_PERSON_MISSED, err.person_missed) if person_missed is None else person_missed
    valid &= (u(B) >= pm)[:, None]
    valid &= ((j >= 0) & (j <= crop_size)).all(-1)
    return j, valid
