"""A leaning or lying person turned upright for the networks, and their answer turned back.

The networks were trained on people standing more or less upright in their crop (the synthetic people's roll
is within a few degrees for 95 % of them, the segmentation's rotation augmentation is +-15 degrees). A person
whose torso leans far from the crop's vertical (a cartwheel, a handstand, someone lying on a bench) is
read poorly: the network's PA-MPJPE on synthetic test people turned by 90 degrees was 125 mm, 73 upright
(docs/real_photos.md, "A leaning person read upright").

So, as BlazePose turns its own region of interest before its landmark model reads it, the crop the networks read is
turned about its centre until the detector's torso (mid-hips to mid-shoulders) points up, when it leans at least
TURN_MIN_DEG; `Predictor.predict` keeps that reading when the segmentation network is surer of it than of the crop as
it is (the detector can draw a skeleton upside down). The turn is exact for the crop camera (a pinhole with its
principal point at the crop's centre): turning the picture about the principal point is turning the scene about the
optical axis. So the fitted body comes back to the upright crop by the inverse rotation about the camera's z axis
(`turn_params`), and the part map by the inverse warp (`turn_probs`); everything after the networks (refinement, the
photo camera, the photo-frame part map, the exports) sees the crop as before.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from .crop import apply_crop
from .types import BodyParams, Crop

# The torso's lean (degrees from the crop's vertical) from which the crop is turned. A lying, cartwheeling or
# upside-down person leans more; a person bending over (a photographer at his camera, a pool player at the table, a
# sprinter) leans less, with legs that stand upright, and is read best as they are. Measured on the tuning people
# (data/synth_tune2) as rendered, where any threshold from 0 to 50 degrees is level within the noise, turned by 25-45
# degrees, where lower thresholds leave less error, and on the project's real photos, whose moderate leans were all
# people bending over: docs/real_photos.md, "A leaning person read upright". With the network's surer
# reading kept, a lower threshold would cost the bending people little, but every person turned is segmented twice.
TURN_MIN_DEG = 40.0
# LSP joints of `detect.person_inputs.crop_inputs`' 14: right hip, left hip; right shoulder, left shoulder
_HIPS, _SHOULDERS = (2, 3), (8, 9)


def torso_turn(joints2d: np.ndarray | None, conf: np.ndarray | None, min_deg: float = TURN_MIN_DEG) -> float:
    """The turn (degrees, counter-clockwise on the screen) that brings the torso upright, from the detector's
    keypoints joints2d (14, 2) crop pixels and conf (14,) (`crop_inputs`): mid-hips to mid-shoulders rotated onto
    the crop's up direction. 0.0 when the torso leans less than `min_deg` or a hip or shoulder is missing."""
    if joints2d is None or conf is None:
        return 0.0
    j, c = np.asarray(joints2d, np.float64), np.asarray(conf)
    if not (c[list(_HIPS + _SHOULDERS)] > 0).all():
        return 0.0
    up = j[list(_SHOULDERS)].mean(0) - j[list(_HIPS)].mean(0)
    if not np.isfinite(up).all() or np.hypot(*up) < 1e-6:
        return 0.0
    # the torso's angle from the screen's up (0, -1), counter-clockwise positive (x right, y down)
    lean = math.degrees(math.atan2(-up[0], -up[1]))
    return -lean if abs(lean) >= min_deg else 0.0


def turn_matrix(angle: float, size: float) -> np.ndarray:
    """(2, 3) affine: a point of a `size` px map (continuous pixel coordinates, pixel i's centre at i + 0.5) to the
    same point after the map is turned by `angle` degrees counter-clockwise on the screen about its centre."""
    return cv2.getRotationMatrix2D((size / 2.0, size / 2.0), angle, 1.0)


def turn_points(points: np.ndarray, angle: float, size: float) -> np.ndarray:
    """Points (..., 2) of a `size` px map -> where they lie in the map turned by `angle` (float32)."""
    M = turn_matrix(angle, size)
    p = np.asarray(points, np.float64)
    return (p @ M[:, :2].T + M[:, 2]).astype(np.float32)


def _index_matrix(angle: float, size: int) -> np.ndarray:
    """turn_matrix for pixel indices (whose centres sit at index + 0.5) -> (2, 3)."""
    M = turn_matrix(angle, size)
    # index i has coordinate i + 0.5: p_idx' = M (p_idx + 0.5) + m - 0.5
    return np.concatenate([M[:, :2], (M[:, 2] + M[:, :2].sum(1) * 0.5 - 0.5)[:, None]], 1)


def turned_crop(image: np.ndarray, crop: Crop, angle: float, border: tuple[int, int, int] = (0, 0, 0)
                ) -> np.ndarray:
    """The crop (size, size, 3) of image (H, W, 3), turned by `angle` about its centre: sampled from the photo in
    one warp (not a turn of the cut crop, whose corners would come in black)."""
    return apply_crop(image, crop, border, then=_index_matrix(angle, crop.size))


def turn_map(values: np.ndarray, angle: float, border: float = 0.0) -> np.ndarray:
    """A square map (r, r) float turned by `angle` about its centre (bilinear; `border` outside) -> (r, r)."""
    r = values.shape[0]
    return cv2.warpAffine(np.ascontiguousarray(values, np.float32), _index_matrix(angle, r).astype(np.float32),
                          (r, r), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=float(border))


def turn_probs(probs: np.ndarray, angle: float) -> np.ndarray:
    """Class probabilities (13, r, r) turned by `angle` about the map's centre -> (13, r, r) float32; pixels from
    outside the map are background with probability 1."""
    return np.stack([turn_map(p, angle, border=1.0 if k == 0 else 0.0) for k, p in enumerate(probs)])


def z_rotation(angle: float) -> np.ndarray:
    """(3, 3) the rotation of the crop camera's frame (x right, y up, z towards the viewer) that moves the
    picture by `angle` degrees counter-clockwise on the screen: the camera looks down -z, so its x and y are the
    screen's right and up, and a counter-clockwise turn on the screen is a positive turn about z."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def turn_params(params: BodyParams, angle: float, body_model) -> BodyParams:
    """A body posed in the crop camera, turned with the picture by `angle` degrees about the optical axis: its
    projection is the old one turned by `angle` about the crop's centre. The root rotation is turned, and the
    translation with the root's rest position (`body_model.rest_joints(betas)[0]`: the body turns about its root
    joint, which lies off the origin)."""
    from .geometry import axis_angle_to_matrix, matrix_to_axis_angle

    R = z_rotation(angle)
    root = np.asarray(body_model.rest_joints(params.betas)[0], np.float64)
    g = R @ np.asarray(axis_angle_to_matrix(np.asarray(params.global_orient, np.float64)[None]))[0]
    orient = np.asarray(matrix_to_axis_angle(g[None]))[0]
    transl = R @ (np.asarray(params.transl, np.float64) + root) - root
    return params.with_(global_orient=orient, transl=transl)
