"""Glue between a detected Person and the NBF crop: the person's mask and LSP keypoints in crop pixels, and
the part map restricted to the person's silhouette.  Pure numpy/OpenCV; no detector runtime needed.

    person = max(people, key=lambda p: p.area)
    crop = crop_for_box(tuple(person.box), rgb.shape, size)
    joints2d, conf, mask_crop = crop_inputs(person, crop, rgb.shape)
    parts = restrict_parts(parts, mask_crop)            # before fitting
    refine_fit(..., joints2d=joints2d, conf=conf)
"""
from __future__ import annotations

import cv2
import numpy as np

from ..types import Crop, PartMap
from . import Person

MIN_JOINT_CONF = 0.5    # BlazePose visibility below this is a guess (occluded or outside the photo)
MASK_KEEP = 0.3         # silhouette probability above which part labels are kept


def mask_to_crop(mask: np.ndarray, crop: Crop) -> np.ndarray:
    """An image-sized (H, W) float mask -> (S, S) float32 on the crop (0 outside the image)."""
    m = np.array([[crop.scale, 0, -crop.offset[0] * crop.scale],
                  [0, crop.scale, -crop.offset[1] * crop.scale]], np.float32)
    interp = cv2.INTER_AREA if crop.scale < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(np.asarray(mask, np.float32), m, (crop.size, crop.size), flags=interp,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def crop_inputs(person: Person, crop: Crop, image_shape: tuple[int, ...], min_conf: float = MIN_JOINT_CONF
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(joints2d (13, 2) float32 LSP-order crop pixels, conf (13,) float32, mask (S, S) float32 or None) for
    refine_fit(joints2d=..., conf=...) and restrict_parts.  Joints below min_conf, outside the photo or
    outside the crop get confidence 0."""
    j = person.lsp13(image_shape)
    joints = crop.to_crop(j[:, :2]).astype(np.float32)
    conf = np.where(j[:, 2] >= min_conf, j[:, 2], 0.0).astype(np.float32)
    outside = (joints < 0).any(1) | (joints > crop.size).any(1)
    conf[outside] = 0.0
    mask = mask_to_crop(person.mask, crop) if person.mask is not None else None
    return joints, conf, mask


def restrict_parts(parts: PartMap, mask_crop: np.ndarray | None, keep: float = MASK_KEEP, grow: int = 1) -> PartMap:
    """The part map with every label outside the person's silhouette set to background (other people and
    person-like clutter in the crop); the silhouette is grown by `grow` label pixels so a slightly tight
    mask does not shave the limbs.  probs (when present) move the removed mass to the background."""
    if mask_crop is None:
        return parts
    r = parts.labels.shape[0]
    m = cv2.resize(np.asarray(mask_crop, np.float32), (parts.labels.shape[1], r), interpolation=cv2.INTER_AREA)
    inside = (m > keep).astype(np.uint8)
    if grow > 0:
        inside = cv2.dilate(inside, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    inside = inside.astype(bool)
    labels = np.where(inside, parts.labels, 0).astype(parts.labels.dtype)
    probs = None
    if parts.probs is not None:
        probs = parts.probs.copy()
        probs[1:] *= inside
        probs[0] = 1.0 - probs[1:].sum(0)
    return PartMap(labels, probs)
