"""NBF's losses: L_lat on parameters (rotations, shape), L_3D on joints, L_2D on projected joints."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from inference.geometry import project_points, translation_to_weak_cam, weak_cam_to_translation


@dataclass(frozen=True)
class LossWeights:
    """Weights of the loss terms (set a weight to 0 to switch a term off, as in the ablations)."""

    lat: float = 1.0     # rotation matrices, MSE per entry
    betas: float = 0.01  # betas, MSE
    j3d: float = 10.0    # root-relative 3D joints, MSE in m^2
    j2d: float = 1.0     # 2D joints in crop coordinates normalised to [-1, 1], MSE
    cam: float = 0.1     # weak camera (s, tx, ty), MSE (a small anchor for the scale)


def fit_losses(body, rot_pred: torch.Tensor, betas_pred: torch.Tensor, cam_pred: torch.Tensor,
               rot_gt: torch.Tensor, betas_gt: torch.Tensor, joints3d_gt: torch.Tensor, joints2d_gt: torch.Tensor,
               transl_gt: torch.Tensor, focal: float, size: int, w: LossWeights,
               has_3d: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """All loss terms and their weighted sum ('total').

    rot (B, 24, 3, 3), betas (B, 10), cam (B, 3); joints3d_gt (B, 24, 3) camera frame (with translation);
    joints2d_gt (B, 24, 2) crop pixels; transl_gt (B, 3).
    has_3d (B,) bool or 0/1: the samples whose 3D labels may be used (the paper's partial 3D supervision);
    the 3D terms (L_lat with the betas, L_3D, and the camera anchor, which reads the 3D translation) are
    summed over those samples and divided by B, so a labelled sample weighs as much as in a fully labelled
    batch; L_2D applies to every sample. None: all samples labelled.
    """
    out: dict[str, torch.Tensor] = {}
    B = rot_pred.shape[0]
    m = torch.ones(B, device=rot_pred.device) if has_3d is None else has_3d.to(rot_pred.device, torch.float32)

    def labelled(per_sample: torch.Tensor) -> torch.Tensor:  # (B,) -> mean over the batch of the labelled ones
        return (per_sample * m).sum() / B

    # smplx applies translation after posing about the rest pelvis, so GT joints minus transl are comparable
    out["lat"] = labelled(((rot_pred - rot_gt) ** 2).flatten(1).mean(1))
    out["betas"] = labelled(((betas_pred - betas_gt) ** 2).mean(1))
    joints = body.joints_rotmat(rot_pred, betas_pred)                  # (B, 24, 3), no translation
    rel_p = joints - joints[:, :1]
    gt_nt = joints3d_gt - transl_gt[:, None]
    rel_g = gt_nt - gt_nt[:, :1]
    out["j3d"] = labelled(((rel_p - rel_g) ** 2).sum(-1).mean(1))
    t = weak_cam_to_translation(cam_pred, focal, size)
    j2d = project_points(joints + t[:, None], focal, size)
    half = size / 2
    out["j2d"] = (((j2d - joints2d_gt) / half) ** 2).sum(-1).mean()
    out["cam"] = labelled(((cam_pred - translation_to_weak_cam(transl_gt, focal, size)) ** 2).mean(1))
    out["total"] = (w.lat * out["lat"] + w.betas * out["betas"] + w.j3d * out["j3d"] + w.j2d * out["j2d"]
                    + w.cam * out["cam"])
    return out
