"""NBF's 12 body parts: grouping of SMPL joints, per-vertex labels, colour map.

Label values in part maps: 0 background, 1 + part index below. Left = the subject's left.
"""
from __future__ import annotations

import cv2
import numpy as np

PART_NAMES = (
    "head", "upper torso", "left forearm+hand", "right upper arm", "left thigh", "right thigh",
    "neck", "lower torso", "left upper arm", "right forearm+hand", "left shin+foot", "right shin+foot",
)
NUM_PARTS = 12
NUM_CLASSES = NUM_PARTS + 1  # with background

# NBF colours (RGB) by part index; background black.
PART_COLORS = np.array([
    (98, 255, 255), (255, 159, 255), (197, 255, 0), (0, 134, 167), (213, 95, 0), (41, 128, 0),
    (104, 0, 147), (181, 203, 255), (0, 68, 215), (255, 214, 0), (0, 66, 83), (134, 126, 0),
], np.uint8)
# Palette indexed by label value (0 background .. 12).
PALETTE = np.vstack([np.zeros((1, 3), np.uint8), PART_COLORS])
# Label values exchanged by a horizontal flip of the image (left <-> right parts); (13,) 0..12.
MIRROR_LABELS = np.arange(13)
for _a, _b in ((3, 10), (4, 9), (5, 6), (11, 12)):
    MIRROR_LABELS[_a], MIRROR_LABELS[_b] = _b, _a

# SMPL joint -> part index (the part a joint's skinning weight belongs to).
JOINT_TO_PART = np.array([
    7,  # pelvis -> lower torso
    4, 5,  # hips -> thighs
    7,  # spine1 -> lower torso
    10, 11,  # knees -> shins
    1,  # spine2 -> upper torso
    10, 11,  # ankles -> shin+foot
    1,  # spine3
    10, 11,  # feet
    6,  # neck
    1, 1,  # collars -> upper torso
    0,  # head
    8, 3,  # shoulders -> upper arms
    2, 9, 2, 9, 2, 9,  # elbows, wrists, hands -> forearm+hand
])

# Coarser groupings used by the input-representation ablation (number of parts -> label map).
GROUPINGS = {
    1: np.array([1] * 12),
    3: np.array([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]),  # torso+head / arms / legs
    6: np.array([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]),  # head, torso, L arm, R arm, L leg, R leg
}


def vertex_part_labels(weights: np.ndarray) -> np.ndarray:
    """Part index (V,) in 0..11 of each vertex from its skinning weights (V, 24).

    Weights are summed per part and the largest part wins, so the same rule serves the baked
    model and a real SMPL file.
    """
    per_part = np.zeros((weights.shape[0], NUM_PARTS), np.float64)
    np.add.at(per_part.T, JOINT_TO_PART, weights.T)
    return per_part.argmax(1).astype(np.int64)


def face_part_labels(faces: np.ndarray, vertex_labels: np.ndarray) -> np.ndarray:
    """Part index (F,) of each triangle of faces (F, 3): the majority of its three vertex labels (V,) (first on
    ties)."""
    lab = vertex_labels[faces]
    out = lab[:, 0].copy()
    out[lab[:, 1] == lab[:, 2]] = lab[lab[:, 1] == lab[:, 2], 1]
    return out


# each uint8 label's colour, RGBA: a label over 12 takes 12's colour (as clipping gives other dtypes), and the
# background is transparent
_RGBA_LUT = np.zeros((256, 4), np.uint8)
_RGBA_LUT[:NUM_CLASSES, :3] = PALETTE
_RGBA_LUT[1:, 3] = 255
_RGBA_LUT[NUM_CLASSES:] = _RGBA_LUT[NUM_CLASSES - 1]
_RGB_LUT = np.ascontiguousarray(_RGBA_LUT[:, None, :3])  # the same colours as OpenCV's LUT takes them


def colorize(labels: np.ndarray) -> np.ndarray:
    """Label map (H, W) with values 0..12 -> RGB image (H, W, 3) uint8 (a label past 12 takes 12's colour,
    one under 0 the background's)."""
    labels = np.asarray(labels)
    if labels.dtype == np.uint8 and labels.ndim == 2 and labels.size:
        # a table look-up by OpenCV: a 48-megapixel photo's map in a tenth of a second, not one
        return cv2.LUT(cv2.cvtColor(labels, cv2.COLOR_GRAY2RGB), _RGB_LUT)
    return PALETTE[np.clip(labels, 0, NUM_PARTS)]


def colorize_rgba(labels: np.ndarray) -> np.ndarray:
    """Label map (H, W) -> RGBA (H, W, 4) uint8: colorize's colours, transparent on the background (label 0), for
    an overlay. One gather through the table read as uint32 (a 2048 px map in a few ms: the app runs it on the
    GUI thread with every result)."""
    lab = np.asarray(labels)
    if lab.dtype != np.uint8:
        lab = np.clip(lab, 0, NUM_PARTS).astype(np.uint8)
    return _RGBA_LUT.view(np.uint32)[:, 0][lab].view(np.uint8).reshape(lab.shape + (4,))


def decode_colors(rgb: np.ndarray) -> np.ndarray:
    """RGB part image (H, W, 3) -> labels (H, W) uint8 by exact palette match (unmatched -> 0)."""
    key = lambda c: (c[..., 0].astype(np.int64) << 16) | (c[..., 1].astype(np.int64) << 8) | c[..., 2]  # noqa: E731
    pal = key(PALETTE)
    k = key(rgb)
    order = np.argsort(pal)
    pos = np.clip(np.searchsorted(pal[order], k), 0, len(pal) - 1)
    lab = order[pos]
    lab[pal[lab] != k] = 0
    return lab.astype(np.uint8)


def labels_from_probs(probs: np.ndarray, absent: tuple[int, ...] = (), body: np.ndarray | None = None) -> np.ndarray:
    """Part labels (...) uint8 from class probabilities (..., 13) (the classes last): the likeliest class, except
    that the label values in `absent` (1..12) are never given. A pixel whose likeliest class is absent stays body
    (the probabilities say "person" there, only not which part) and takes its likeliest other part. `body` (...)
    bool: which pixels are body, decided elsewhere (each then gets its likeliest allowed part, the others 0)."""
    if any(not 1 <= a <= NUM_PARTS for a in absent):
        raise ValueError(f"absent labels must be parts (1..{NUM_PARTS}), not {absent}")
    if body is None and not absent:
        return probs.argmax(-1).astype(np.uint8)
    parts = probs[..., 1:]
    if absent:
        parts = np.array(parts, np.float32, copy=True)
        parts[..., [a - 1 for a in absent]] = -np.inf
    if body is None:
        body = probs.argmax(-1) > 0
    return np.where(body, parts.argmax(-1) + 1, 0).astype(np.uint8)
