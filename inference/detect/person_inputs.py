"""The networks' and the refinement's inputs from a detected Person: the whole-body crop box, the person's
mask and LSP keypoints in crop pixels, the 3D bone directions of its world landmarks, and the part map
restricted to the person's silhouette.  Pure numpy/OpenCV; no detector runtime needed.

    person = people[0]                                  # the detector's default person first
    crop = crop_for_box(tuple(body_box(person, rgb.shape)), rgb.shape, size)
    joints2d, conf, mask_crop = crop_inputs(person, crop, rgb.shape)
    parts = restrict_parts(parts, mask_crop)            # before fitting
    refine_fit(..., joints2d=joints2d, conf=conf, silhouette=mask_crop > 0.5, bones=world_bones(person))
"""
from __future__ import annotations

import cv2
import numpy as np

from ..camera import GL_FROM_CV
from ..crop import apply_crop
from ..silhouette import MASK_KEEP, weigh
from ..types import BoneDirections, Crop, PartMap, Silhouette
from .person import EARS, FEET, HIPS, SHOULDERS, Person

MIN_JOINT_CONF = 0.5    # BlazePose visibility below this is a guess (occluded or outside the photo)


# Body proportions (fractions of standing height, from the embedded model's mean body) used to place
# the parts of a person that the photo cuts off.
SHOULDER_TO_HIP = 0.29     # mid-shoulders to mid-hips
TOP_TO_SHOULDER = 0.18     # top of the head to mid-shoulders
SHOULDER_WIDTH = 0.21      # shoulder landmark to shoulder landmark


def body_box(person: Person, image_shape: tuple[int, ...], min_conf: float = MIN_JOINT_CONF) -> np.ndarray:
    """(4,) x0, y0, x1, y1: the box the whole standing body would fill, for the NBF crop.

    NBF expects the whole person in the crop at a known scale (training crops frame people at 60-92%
    of the crop). A half-length portrait cropped to its visible box shows a torso as large as a whole
    body; here the legs the photo cuts off are extended below it from body proportions (torso length
    or shoulder width, whichever says taller: both only shrink when foreshortened), so the network sees
    the upper body at the size and place it would have in a full-body crop. Unchanged when the feet
    are in the picture."""
    box = np.asarray(person.box, np.float32).copy()
    kp = np.asarray(person.keypoints, np.float32)
    h, w = image_shape[:2]
    seen = (kp[:, 2] >= min_conf) & (kp[:, 0] >= 0) & (kp[:, 1] >= 0) & (kp[:, 0] < w) & (kp[:, 1] < h)
    if seen[list(FEET)].any() or not seen[list(SHOULDERS)].all():
        return box
    sh = kp[list(SHOULDERS), :2].mean(0)
    hips = bool(seen[list(HIPS)].all())
    heights = [float(np.linalg.norm(kp[SHOULDERS[0], :2] - kp[SHOULDERS[1], :2])) / SHOULDER_WIDTH]
    if hips:
        heights.append(float(np.linalg.norm(kp[list(HIPS), :2].mean(0) - sh)) / SHOULDER_TO_HIP)
    height = max(heights)
    top = min(float(box[1]), float(sh[1]) - TOP_TO_SHOULDER * height)
    box[1] = top
    box[3] = max(float(box[3]), top + height)
    half = max(float(box[2] - box[0]) / 2, 0.2 * height)  # at least a body's width around the shoulders
    cx = float((sh[0] + kp[list(HIPS), 0].mean()) / 2) if hips else float(sh[0])
    box[0], box[2] = min(float(box[0]), cx - half), max(float(box[2]), cx + half)
    return box


def mask_to_crop(mask: Silhouette, crop: Crop) -> np.ndarray:
    """A person's silhouette on the photo -> (S, S) float32 on the crop (0 outside the image), pixel-centre
    aligned with the crop image (apply_crop)."""
    if not mask.values.size:
        return np.zeros((crop.size, crop.size), np.float32)
    at = Crop(offset=(np.asarray(crop.offset, np.float64) - (mask.x, mask.y)).astype(np.float32), scale=crop.scale,
              size=crop.size)  # the crop on the silhouette's window: zero around it
    return apply_crop(np.asarray(mask.values, np.float32), at)


def crop_inputs(person: Person, crop: Crop, image_shape: tuple[int, ...], min_conf: float = MIN_JOINT_CONF
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(joints2d (14, 2) float32 crop pixels: LSP order + the head (mid-ears), conf (14,) float32, mask (S, S)
    float32 or None) for refine_fit(joints2d=..., conf=..., silhouette=mask > 0.5) and restrict_parts.
    Joints below min_conf, outside the photo or outside the crop get confidence 0."""
    kp = np.asarray(person.keypoints, np.float32)
    l_ear, r_ear = EARS
    head = np.array([[*(kp[l_ear, :2] + kp[r_ear, :2]) / 2, min(kp[l_ear, 2], kp[r_ear, 2])]], np.float32)
    j = np.concatenate([person.lsp13(image_shape), head])
    h, w = image_shape[:2]
    if not (0 <= head[0, 0] < w and 0 <= head[0, 1] < h):
        j[13, 2] = 0.0
    joints = crop.to_crop(j[:, :2]).astype(np.float32)
    conf = np.where(j[:, 2] >= min_conf, j[:, 2], 0.0).astype(np.float32)
    outside = (joints < 0).any(1) | (joints > crop.size).any(1)
    conf[outside] = 0.0
    mask = mask_to_crop(person.mask, crop) if person.mask is not None else None
    return joints, conf, mask


# Bones seen by both the body model and BlazePose's world landmarks: (SMPL joints at the start, SMPL joints at
# the end, BlazePose landmarks at the start, at the end); a pair is averaged (mid-hips, mid-shoulders).
# Only directions are compared: BlazePose's hips sit wider and its shoulders higher than SMPL's joints,
# but the limbs and the torso point the same way.
WORLD_BONES = (
    ((1, 1), (4, 4), (23, 23), (25, 25)),      # left thigh
    ((2, 2), (5, 5), (24, 24), (26, 26)),      # right thigh
    ((4, 4), (7, 7), (25, 25), (27, 27)),      # left shin
    ((5, 5), (8, 8), (26, 26), (28, 28)),      # right shin
    ((16, 16), (18, 18), (11, 11), (13, 13)),  # left upper arm
    ((17, 17), (19, 19), (12, 12), (14, 14)),  # right upper arm
    ((18, 18), (20, 20), (13, 13), (15, 15)),  # left forearm
    ((19, 19), (21, 21), (14, 14), (16, 16)),  # right forearm
    ((1, 2), (16, 17), (23, 24), (11, 12)),    # spine: mid-hips to mid-shoulders
    ((2, 2), (1, 1), (24, 24), (23, 23)),      # hips, right to left
    ((17, 17), (16, 16), (12, 12), (11, 11)),  # shoulders, right to left
)
UNSEEN_BONE_CONF = 0.5   # weight of the landmark model's guess for a bone it cannot see
WORLD_BONES_MIRROR = (1, 0, 3, 2, 5, 4, 7, 6, 8, 9, 10)  # left and right limbs swap; hips and shoulders
WORLD_BONES_MIRROR_SIGN = (1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1)  # turn round


def world_bones(person: Person, min_conf: float = MIN_JOINT_CONF, guess: float = UNSEEN_BONE_CONF
                ) -> BoneDirections | None:
    """The directions of WORLD_BONES from the person's 3D world landmarks, in the NBF camera frame (the
    landmarks' y down and z away become y up and z towards the viewer), or None without world landmarks.
    A bone's confidence is the smaller visibility of its landmarks, or `guess` below min_conf: the
    landmark model still places limbs it cannot see (a portrait's legs hang below the hips), a guess
    learnt from real people, better than none."""
    if person.world is None:
        return None
    w = np.asarray(person.world, np.float32) * np.diag(GL_FROM_CV).astype(np.float32)
    vis = np.asarray(person.keypoints, np.float32)[:, 2]
    ends = np.array([[b[0], b[1]] for b in WORLD_BONES], np.int64)               # (K, 2, 2)
    lm = np.array([[b[2], b[3]] for b in WORLD_BONES], np.int64)                 # (K, 2, 2)
    d = w[lm[:, 1]].mean(1) - w[lm[:, 0]].mean(1)
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)
    conf = vis[lm.reshape(len(lm), 4)].min(1)
    conf = np.where(conf >= min_conf, conf, guess).astype(np.float32)
    return BoneDirections(ends, d.astype(np.float32), conf, np.array(WORLD_BONES_MIRROR, np.int64),
                          np.array(WORLD_BONES_MIRROR_SIGN, np.float32))


def restrict_parts(parts: PartMap, mask_crop: np.ndarray | None, keep: float = MASK_KEEP, grow: int = 1,
                   photo_mask: Silhouette | None = None) -> PartMap:
    """The part map combined with the person's silhouette (mask_crop (S, S) float, the detector's person
    probability on the crop).

    Inside, the two are weighed as independent experts (`inference.silhouette.weigh`): each pixel's background
    probability is scaled by (1 - m) / m and the pixel renormalised, so a body pixel the network left unlabelled
    (a dark coat, the far side of a uniform) turns to its likeliest part where the detector is sure it is
    person, and a stray label on the sky goes where it is sure it is not. BlazePose's mask, trained on real
    people, outlines the person better than the segmentation does (silhouette IoU 0.92 against 0.88 on 156
    detected synthetic tuning people; docs/segmentation.md). Outside the silhouette (m <= `keep`, grown
    by `grow` label pixels so a slightly tight mask does not shave the limbs) every label is background:
    other people and person-like clutter in the crop. Without probabilities only the restriction applies.
    The result's `network_confidence` is the network's own over the body pixels it kept (the refinement's
    trust is calibrated on it). photo_mask: the same silhouette in the photo's frame, kept in the result
    with the network's own probabilities so that the photo-frame map is weighed at the photo's resolution
    (`crop.uncrop_parts`)."""
    if mask_crop is None:
        return parts
    r = parts.labels.shape[0]
    m = cv2.resize(np.asarray(mask_crop, np.float32), (parts.labels.shape[1], r), interpolation=cv2.INTER_AREA)
    inside = (m > keep).astype(np.uint8)
    if grow > 0:
        inside = cv2.dilate(inside, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    inside = inside.astype(bool)
    if parts.probs is None:
        return PartMap(np.where(inside, parts.labels, 0).astype(parts.labels.dtype), None)
    # the network's confidence with only the restriction applied: the fusion below makes it surer
    own = PartMap(np.where(inside, parts.labels, 0), parts.probs).confidence()
    probs = weigh(np.array(parts.probs, np.float32, copy=True), m, inside)
    return PartMap(probs.argmax(0).astype(parts.labels.dtype), probs, own,
                   network_probs=None if photo_mask is None else parts.probs, silhouette=photo_mask)
