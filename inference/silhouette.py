"""The detector's person silhouette weighed against the segmentation's background, at any resolution: on the
network's crop before fitting (`detect.person_inputs.restrict_parts`) and in the photo's own frame for the part
map users see (`crop.uncrop_parts`). One rule for both, so the two maps differ only by resolution."""
from __future__ import annotations

import numpy as np

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
