"""NBF's losses: L_lat on parameters (rotations, shape), L_3D on joints, L_2D on projected joints; and the
segmentation network's cross-entropy with a soft Dice term."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from inference.geometry import project_points, translation_to_weak_cam, weak_cam_to_translation

from .config import LossWeights

__all__ = ["FitLosses", "LossWeights", "SegLosses", "fit_losses", "seg_losses", "soft_dice_loss"]


@dataclass(frozen=True)
class FitLosses:
    """The fitting network's loss terms (scalar tensors) and their weighted sum."""

    lat: torch.Tensor    # rotation matrices, MSE per entry (3D-labelled samples)
    betas: torch.Tensor  # betas, MSE (3D-labelled samples)
    j3d: torch.Tensor    # root-relative 3D joints, mean squared distance in m^2 (3D-labelled samples)
    j2d: torch.Tensor    # 2D joints, normalised crop coordinates, mean squared distance (every sample)
    cam: torch.Tensor    # weak camera against the one of the true translation, MSE (3D-labelled samples)
    total: torch.Tensor  # the sum weighted by LossWeights


@dataclass(frozen=True)
class SegLosses:
    """The segmentation network's loss terms (scalar tensors) and their weighted sum."""

    ce: torch.Tensor     # class-weighted cross-entropy
    dice: torch.Tensor   # soft Dice loss (1 - overlap)
    total: torch.Tensor  # ce + dice weight * dice


def fit_losses(body, rot_pred: torch.Tensor, betas_pred: torch.Tensor, cam_pred: torch.Tensor,
               rot_gt: torch.Tensor, betas_gt: torch.Tensor, joints3d_gt: torch.Tensor, joints2d_gt: torch.Tensor,
               transl_gt: torch.Tensor, focal: float, size: int, w: LossWeights,
               has_3d: torch.Tensor | None = None) -> FitLosses:
    """All loss terms and their weighted sum.

    rot (B, 24, 3, 3), betas (B, 10), cam (B, 3); joints3d_gt (B, 24, 3) camera frame (with translation);
    joints2d_gt (B, 24, 2) crop pixels; transl_gt (B, 3).
    has_3d (B,) bool or 0/1: the samples whose 3D labels may be used (the paper's partial 3D supervision);
    the 3D terms (L_lat with the betas, L_3D, and the camera anchor, which reads the 3D translation) are
    summed over those samples and divided by B, so a labelled sample weighs as much as in a fully labelled
    batch; L_2D applies to every sample. None: all samples labelled.
    """
    B = rot_pred.shape[0]
    m = torch.ones(B, device=rot_pred.device) if has_3d is None else has_3d.to(rot_pred.device, torch.float32)

    def labelled(per_sample: torch.Tensor) -> torch.Tensor:  # (B,) -> mean over the batch of the labelled ones
        return (per_sample * m).sum() / B

    # smplx applies translation after posing about the rest pelvis, so GT joints minus transl are comparable
    lat = labelled(((rot_pred - rot_gt) ** 2).flatten(1).mean(1))
    betas = labelled(((betas_pred - betas_gt) ** 2).mean(1))
    joints = body.joints_rotmat(rot_pred, betas_pred)                  # (B, 24, 3), no translation
    rel_p = joints - joints[:, :1]
    gt_nt = joints3d_gt - transl_gt[:, None]
    rel_g = gt_nt - gt_nt[:, :1]
    j3d = labelled(((rel_p - rel_g) ** 2).sum(-1).mean(1))
    t = weak_cam_to_translation(cam_pred, focal, size)
    j2d_pred = project_points(joints + t[:, None], focal, size)
    half = size / 2
    j2d = (((j2d_pred - joints2d_gt) / half) ** 2).sum(-1).mean()
    cam = labelled(((cam_pred - translation_to_weak_cam(transl_gt, focal, size)) ** 2).mean(1))
    total = w.lat * lat + w.betas * betas + w.j3d * j3d + w.j2d * j2d + w.cam * cam
    return FitLosses(lat, betas, j3d, j2d, cam, total)


def soft_dice_loss(logits: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
    """1 - mean over classes present in the batch of the soft Dice overlap; logits (B, C, R, R), lab (B, R, R).
    Pulls on thin parts that cross-entropy, dominated by background and torso pixels, neglects."""
    # per class: the probabilities at its own pixels summed, and its pixel count, without the (B, C, R, R) one-hot
    # map (half the loss's time on a CPU step)
    C = logits.shape[1]
    p = F.softmax(logits, 1)
    flat = lab.reshape(-1)
    inter = p.new_zeros(C).index_add(0, flat, p.gather(1, lab[:, None]).reshape(-1))
    count = torch.bincount(flat, minlength=C).to(p.dtype)
    denom = p.sum((0, 2, 3)) + count
    present = count > 0
    return 1 - (2 * inter[present] / denom[present].clamp_min(1e-6)).mean()


def seg_losses(logits: torch.Tensor, lab: torch.Tensor, class_weights: torch.Tensor, dice: float) -> SegLosses:
    """Cross-entropy weighted per class (class_weights (C,)) plus `dice` times the soft Dice loss;
    logits (B, C, R, R) float, lab (B, R, R) long."""
    ce = F.cross_entropy(logits, lab, weight=class_weights)
    d = soft_dice_loss(logits, lab)
    return SegLosses(ce, d, ce + dice * d)
