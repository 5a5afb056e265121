"""The detector's person silhouette weighed against the segmentation's background, at any resolution: on the
network's crop before fitting (`detect.person_inputs.restrict_parts`) and in the photo's own frame for the part
map users see (`crop.uncrop_parts`). One rule for both, so the two maps differ only by resolution."""
from __future__ import annotations

import cv2
import numpy as np

from .types import Silhouette

MASK_KEEP = 0.3         # silhouette probability above which part labels are kept
MASK_CLIP = 1e-3        # the silhouette's probability is trusted up to 1:999 against the network's background


def weigh(probs: np.ndarray, mask: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Weigh class probabilities probs (13, ...) (float32, changed in place and returned; a view such as
    np.moveaxis(a, -1, 0) changes a) against the person probability mask (...) as independent experts: the
    background's probability is scaled by (1 - m) / m and each pixel renormalised; where `inside` (...) bool is
    False every part is cleared (background 1)."""
    m = np.clip(np.asarray(mask, np.float32), MASK_CLIP, 1.0 - MASK_CLIP)
    probs[0] *= (1.0 - m) / m
    probs /= probs.sum(0, keepdims=True)
    probs[1:] *= np.asarray(inside, bool)
    probs[0] = 1.0 - probs[1:].sum(0)
    return probs


def scaled_copy(source: tuple[int, int], shape: tuple[int, int]) -> bool:
    """Whether an image of `shape` (h, w) is a scaled copy of one of `source` (h, w): a copy's scale is its long
    side's, and its short side is rounded to a pixel (`image_io.display_size`)."""
    s = max(shape) / max(source)
    return abs(source[0] * s - shape[0]) <= 1.0 and abs(source[1] * s - shape[1]) <= 1.0


def silhouette_at(silhouette: Silhouette, shape: tuple[int, int]) -> Silhouette | None:
    """The photo-frame silhouette on an image of `shape` (h, w): itself at the photo's size, resized for a scaled
    copy of the photo (the app's display copy of a large photo: the same aspect within a pixel), None for an image
    of another shape (not this photo's: the weighed crop map is all there is)."""
    sh, sw = silhouette.shape
    h, w = shape
    if (sh, sw) == (h, w):
        return silhouette
    if not scaled_copy((sh, sw), (h, w)):
        return None
    if not silhouette.values.size:
        return Silhouette(silhouette.values, 0, 0, (h, w))
    # the window's pixels on the copy, grown by a pixel for the resampled edge, sampled bilinearly at their centres
    # (a shrink by two averages each 2 x 2 block, as an area resize does)
    a0, c0, a1, c1 = silhouette.bounds
    x0, y0 = max(int(np.floor(a0 * w / sw)) - 1, 0), max(int(np.floor(c0 * h / sh)) - 1, 0)
    x1, y1 = min(int(np.ceil(a1 * w / sw)) + 1, w), min(int(np.ceil(c1 * h / sh)) + 1, h)
    kx, ky = sw / w, sh / h  # photo px per copy px
    m = np.array([[kx, 0, (x0 + 0.5) * kx - 0.5 - a0], [0, ky, (y0 + 0.5) * ky - 0.5 - c0]], np.float64)
    values = cv2.warpAffine(np.asarray(silhouette.values, np.float32), m, (x1 - x0, y1 - y0),
                            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=0)
    return Silhouette.of(values, x0, y0, (h, w))
