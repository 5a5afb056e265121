"""The 14 LSP joints (UP-3D's `_joints.npy`, a 2D detector's keypoints) on a SMPL body.

LSP order: R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder, L shoulder,
L elbow, L wrist, neck, head top. The first 13 are SMPL joints (`LSP_FROM_SMPL`); the head top is no
SMPL joint and is taken from a mesh vertex (`head_top_vertex`). A detector's optional 14th keypoint is
the head between the ears, SMPL's head joint (`HEAD_JOINT`). SMPL's own 24 joint names (`JOINT_NAMES`) are
here too, importable without torch.
"""
from __future__ import annotations

import weakref

import numpy as np

from .types import BodyParams

# SMPL's 24 joints in its order (inference.body_model re-exports it); here, without torch, for the window's
# names of the joints (app.body_loading), which must not wait for torch's import
JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)
LSP_FROM_SMPL = (8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20, 12)
HEAD_JOINT = 15
# SMPL joint each joint becomes in a mirrored body (left <-> right); (24,).
MIRROR_JOINTS = (0, 2, 1, 3, 5, 4, 6, 8, 7, 9, 11, 10, 12, 14, 13, 15, 17, 16, 19, 18, 21, 20, 23, 22)
LSP_NAMES = ("r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "r_wrist", "r_elbow", "r_shoulder",
             "l_shoulder", "l_elbow", "l_wrist", "neck", "head_top")

_HEAD_TOP: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()


def head_top_vertex(body_model) -> int:
    """Vertex id of the top of the head in the T-pose (the highest head vertex): LSP's 14th joint."""
    hit = _HEAD_TOP.get(body_model)
    if hit is not None:
        return hit
    v = body_model.mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10))).vertices
    head = np.flatnonzero(body_model.vertex_parts == 0)
    vid = int(head[np.argmax(v[head, 1])])
    _HEAD_TOP[body_model] = vid
    return vid
