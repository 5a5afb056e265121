"""Test-time refinement (NBF's stated future work): start from the network's fit and optimise pose,
shape and translation so the body's parts land on the predicted part map (and on 2D keypoints when a
detector supplies them), staying close to the network's estimate."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .optimize import FitWeights, fit_smpl
from .parts import vertex_part_labels
from .types import BodyParams, PartMap

REFINE_WEIGHTS = FitWeights(joints=1.0, parts=1.0, pose_prior=(0.3, 0.1), shape_prior=0.05, bend=0.5, stay=0.5,
                            fix_depth=True, iters=30, lr=0.01, silhouette=1.0)


def refine_fit(body, params: BodyParams, parts: PartMap, focal: float, size: int,
               joints2d: np.ndarray | None = None, conf: np.ndarray | None = None,
               cancel: Callable[[], bool] | None = None, weights: FitWeights = REFINE_WEIGHTS,
               silhouette: np.ndarray | None = None) -> BodyParams:
    """Refined BodyParams; joints2d (13 or 14, 2) LSP-order crop pixels (+ head) with conf (13 or 14,) and
    the person's silhouette (S, S) bool on the crop, when a detector supplies them."""
    if getattr(body, "_vertex_parts", None) is None:
        body._vertex_parts = vertex_part_labels(body.weights)
    if joints2d is not None and weights.fix_depth:  # keypoints constrain the scale: let the depth move
        from dataclasses import replace

        weights = replace(weights, fix_depth=False)
    out, _ = fit_smpl(body, params, focal, size, weights, joints2d=joints2d, conf=conf, labels=parts.labels,
                      vertex_parts=body._vertex_parts, cancel=cancel, silhouette=silhouette)
    return out
