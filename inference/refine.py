"""Test-time refinement (NBF's stated future work): start from the network's fit and optimise pose,
shape and translation so the body's parts land on the predicted part map (and on 2D keypoints when a
detector supplies them), staying close to the network's estimate."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .optimize import FitWeights, fit_smpl
from .parts import vertex_part_labels
from .types import BodyParams, PartMap

# Weights at the two ends of the trust range (see `TRUST_CONFIDENCE`). Trusted: a strong pull
# towards the network's pose (stay) and a light part term, so 2D evidence corrects the network's answer
# rather than replacing it. Tuned for PA-MPJPE on synthetic test cases 100-149, apart from the cases
# 0-99 that `main.py evaluate` reports (measurements in resources/weights/MODEL_CARD.md).
REFINE_WEIGHTS = FitWeights(joints=1.0, parts=0.3, pose_prior=(0.3, 0.1), shape_prior=0.05, bend=0.5, stay=4.0,
                            fix_depth=True, iters=30, lr=0.01, silhouette=1.0)
# Untrusted: the detector's silhouette and keypoints lead, shape may grow to fill clothing, and the
# optimisation runs longer. The silhouette weight is the one of those tried that gave the best mean
# mesh-to-mask IoU on the photos in resources/photos (scripts/eval_real_photos.py; measurements in the
# model card); both weaker and stronger scored lower.
UNTRUSTED = {"parts": 1.0, "stay": 0.5, "silhouette": 200.0, "shape_prior": 0.005, "joints": 3.0, "iters": 150,
             "lr": 0.03}
# Mean winning-class probability over the body's pixels below which the network is not trusted at all,
# and above which fully: the low end just above the best-scoring real photo, the high end near the
# 10th percentile of synthetic people, both as the shipped segmentation network scores them
# (scripts/seg_confidence.py measures them; rerun it and move these when the segmentation weights change).
# Real photos score lower than synthetic people because their segmentations are poorer, and so are the
# fits made from them (the network's fit misses a photo's detected keypoints by about twice as many
# pixels as a synthetic person's), so there the detector should lead.
TRUST_CONFIDENCE = (0.66, 0.74)
# SMPL joints of the legs (hips, knees, ankles, feet) and the LSP keypoints that show them (ankles, knees)
LEG_JOINTS = (1, 2, 4, 5, 7, 8, 10, 11)
LSP_LOWER_LEGS = (0, 1, 4, 5)
# LSP order (+ head) with left and right exchanged
MIRRORED_LSP = (5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13)


def trusted_weights(weights: FitWeights, trust: float) -> FitWeights:
    """`weights` (trust 1) moved towards UNTRUSTED (trust 0), geometrically: the weights are scales
    (1 and 100 meet at 10, not at 50)."""
    from dataclasses import replace

    t = float(np.clip(trust, 0.0, 1.0))
    mixed = {k: float(getattr(weights, k)) ** t * float(v) ** (1 - t) for k, v in UNTRUSTED.items()}
    mixed["iters"] = int(round(mixed["iters"]))
    return replace(weights, **mixed)


def _disagreement(projected: np.ndarray, joints2d: np.ndarray, conf: np.ndarray) -> float:
    """Median distance (px) between projected joints (n, 2) and the confident keypoints (n, 2)."""
    ok = np.asarray(conf) > 0
    return float(np.median(np.linalg.norm(projected - np.asarray(joints2d), axis=1)[ok])) if ok.any() else float("inf")


def resolve_left_right(body, params: BodyParams, focal: float, size: int, joints2d: np.ndarray, conf: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(joints2d, conf) with the keypoints' left and right exchanged when that agrees better with the
    body's projected LSP joints (+ head): the detector swaps sides on people seen from behind (6 of the
    39 detected synthetic test people 100-149 disagreed with the network by over 20 px, and refining
    towards their keypoints took them from 132 to 186 mm). For a trusted network only."""
    from .geometry import project_points
    from .joints import HEAD_JOINT, LSP_FROM_SMPL

    joint_ids = list(LSP_FROM_SMPL) + ([HEAD_JOINT] if len(joints2d) == 14 else [])
    projected = project_points(body.mesh(params).joints[joint_ids], focal, size)
    idx = list(MIRRORED_LSP[:len(joints2d)])
    if _disagreement(projected, joints2d[idx], conf[idx]) < _disagreement(projected, joints2d, conf):
        return joints2d[idx], conf[idx]
    return joints2d, conf


def standing_legs(params: BodyParams) -> BodyParams:
    """params with straight legs: zero rotation at the hips, knees, ankles and feet."""
    pose = np.array(params.body_pose, np.float32).reshape(23, 3)
    pose[[j - 1 for j in LEG_JOINTS]] = 0.0
    return params.with_(body_pose=pose.reshape(-1))


def refine_fit(body, params: BodyParams, parts: PartMap, focal: float, size: int,
               joints2d: np.ndarray | None = None, conf: np.ndarray | None = None,
               cancel: Callable[[], bool] | None = None, weights: FitWeights = REFINE_WEIGHTS,
               silhouette: np.ndarray | None = None, adaptive: bool = True,
               photo_area: np.ndarray | None = None) -> BodyParams:
    """Refined BodyParams; joints2d (13 or 14, 2) LSP-order crop pixels (+ head) with conf (13 or 14,) and
    the person's silhouette (S, S) bool on the crop, when a detector supplies them; photo_area (S, S) bool,
    the crop pixels inside the photo (`Crop.photo_area`), where the silhouette is known.

    adaptive: trust the network's pose as far as its segmentation is confident (`TRUST_CONFIDENCE`); a
    trusted network also decides which keypoint side is left (`resolve_left_right`). On a photo unlike
    the training data the network is far off and the evidence should move it freely."""
    from dataclasses import replace

    if getattr(body, "_vertex_parts", None) is None:
        body._vertex_parts = vertex_part_labels(body.weights)
    fixed: tuple[int, ...] = ()
    if adaptive:
        lo, hi = TRUST_CONFIDENCE
        trust = (parts.confidence() - lo) / (hi - lo)
        weights = trusted_weights(weights, trust)
        if joints2d is not None and trust >= 0.5:
            conf = np.ones(len(joints2d), np.float32) if conf is None else np.asarray(conf)
            joints2d, conf = resolve_left_right(body, params, focal, size, np.asarray(joints2d), conf)
        elif joints2d is not None and conf is not None and not np.any(np.asarray(conf)[list(LSP_LOWER_LEGS)] > 0):
            # an untrusted network and no knee or ankle in the photo (a half-length portrait): the
            # network tends to guess a sitting body, and the silhouette term would fold its legs up in
            # front of the torso to cover the coat; with no evidence either way, stand them up and hold them
            params, fixed = standing_legs(params), LEG_JOINTS
    if joints2d is not None and weights.fix_depth:  # keypoints constrain the scale: let the depth move
        weights = replace(weights, fix_depth=False)
    out, _ = fit_smpl(body, params, focal, size, weights, joints2d=joints2d, conf=conf, labels=parts.labels,
                      vertex_parts=body._vertex_parts, cancel=cancel, silhouette=silhouette,
                      photo_area=photo_area, fixed_joints=fixed)
    return out
