"""Axis-aligned boxes (x0, y0, x1, y1) in pixels, and how much two of them overlap.

Every measure takes boxes a (n, 4) and b (m, 4) (a single box (4,) counts as n = 1) and answers for every pair,
(n, m) float64: the detector's decisions (`>= 0.5`, `> 0.3`) and the crowd scoring that judges them then see the
same number at a tie. An inverted side (x1 < x0) counts as zero width, so such a box has no area and overlaps
nothing.
"""
from __future__ import annotations

import numpy as np


def _as_boxes(boxes) -> np.ndarray:
    return np.asarray(boxes, np.float64).reshape(-1, 4)


def box_area(boxes) -> np.ndarray:
    """Areas (n,) float64 of boxes (n, 4) (a single box (4,): (1,))."""
    b = _as_boxes(boxes)
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def box_intersection(a, b) -> np.ndarray:
    """Intersection areas (n, m) float64 of boxes a (n, 4) with boxes b (m, 4)."""
    a, b = _as_boxes(a), _as_boxes(b)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    return ix * iy


def box_iou(a, b) -> np.ndarray:
    """Intersection over union (n, m) float64 of boxes a (n, 4) with boxes b (m, 4); 0 for two empty boxes."""
    inter = box_intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return inter / np.maximum(union, 1e-9)


def box_share(a, b) -> np.ndarray:
    """The fraction (n, m) float64 of each box a (n, 4) that lies inside each box b (m, 4); 0 for an empty a."""
    return box_intersection(a, b) / np.maximum(box_area(a), 1e-9)[:, None]


def smaller_box_share(a, b) -> np.ndarray:
    """The fraction (n, m) float64 of the smaller box of each pair (a (n, 4), b (m, 4)) that lies inside the other:
    1 when one box holds the other, however large the outer one; 0 when either is empty."""
    smaller = np.minimum(box_area(a)[:, None], box_area(b)[None, :])
    return box_intersection(a, b) / np.maximum(smaller, 1e-9)


def in_photo(xy, shape: tuple[int, ...]) -> np.ndarray:
    """(N,) bool: which points xy (N, 2) (photo pixels) lie inside a photo of `shape` (H, W, ...). Pixel i covers
    [i, i + 1), so 0 <= x < W and 0 <= y < H: the rule by which inference.metrics.keypoint_part_agreement counts a
    keypoint on a part map in the photo's frame, and by which a detected joint outside the photo is not a joint to
    fit or to score. NaN is outside."""
    p = np.asarray(xy, np.float64).reshape(-1, 2)
    h, w = shape[:2]
    return (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
