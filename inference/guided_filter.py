"""Edge-aware smoothing of per-pixel class probabilities along a photo's own edges: the guided filter with a colour
guide (He, Sun and Tang, "Guided Image Filtering", ECCV 2010).

The part map is the segmentation network's 128 px answer warped into the photo, so its part borders are as soft as
a network pixel; within each small window the filter makes the probabilities a linear function of the photo's
colour, which moves those borders onto the photo's edges (a sleeve's hem, a forearm in front of the torso).
"""
from __future__ import annotations

import cv2
import numpy as np


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over (2 radius + 1)^2 windows of x (h, w) or (h, w, k) float32, mirrored at the borders."""
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), borderType=cv2.BORDER_REFLECT).reshape(x.shape)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """src (h, w, k) float32 filtered under guide (h, w, 3) float32 (colour in [0, 1]) -> (h, w, k) float32.

    Each output pixel is the mean, over the windows of (2 radius + 1)^2 pixels holding it, of each window's
    least-squares linear map from the guide's colour to src, regularised by eps (the larger, the smoother: a window
    whose colour varies less than about sqrt(eps) is averaged)."""
    if not eps > 0:
        raise ValueError(f"eps must be positive (a flat window's colour covariance is singular), got {eps}")
    g = np.asarray(guide, np.float32)
    p = np.asarray(src, np.float32)
    r = max(1, int(radius))
    mg = [_box(np.ascontiguousarray(g[..., i]), r)[..., None] for i in range(3)]  # 3 x (h, w, 1)
    mp = _box(p, r)
    # each window's colour covariance (symmetric 3 x 3, eps on the diagonal), inverted by cofactors
    s = {(i, j): _box(g[..., i] * g[..., j], r)[..., None] - mg[i] * mg[j] for i in range(3) for j in range(i, 3)}
    for i in range(3):
        s[i, i] = s[i, i] + np.float32(eps)
    c00 = s[1, 1] * s[2, 2] - s[1, 2] * s[1, 2]
    c01 = s[0, 2] * s[1, 2] - s[0, 1] * s[2, 2]
    c02 = s[0, 1] * s[1, 2] - s[0, 2] * s[1, 1]
    c11 = s[0, 0] * s[2, 2] - s[0, 2] * s[0, 2]
    c12 = s[0, 1] * s[0, 2] - s[0, 0] * s[1, 2]
    c22 = s[0, 0] * s[1, 1] - s[0, 1] * s[0, 1]
    inv_det = 1.0 / (s[0, 0] * c00 + s[0, 1] * c01 + s[0, 2] * c02)
    # the colour's covariance with each class, (h, w, k) per colour channel
    cov = [_box(g[..., i:i + 1] * p, r) - mg[i] * mp for i in range(3)]
    a = [(c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) * inv_det,
         (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) * inv_det,
         (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) * inv_det]
    b = mp - a[0] * mg[0] - a[1] * mg[1] - a[2] * mg[2]
    out = _box(b, r)
    for i in range(3):
        out += _box(a[i], r) * g[..., i:i + 1]
    return out
