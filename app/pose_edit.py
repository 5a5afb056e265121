"""Editing SMPL parameters from sliders: Euler angles in degrees <-> axis-angle (numpy in, numpy out).

Slider angles are intrinsic x-y-z Euler angles in degrees (`inference.geometry.euler_to_matrix`):
R = Rx(a) @ Ry(b) @ Rz(c), with a, c in [-180, 180] and b in [-90, 90], applied in the joint's parent
frame (SMPL axes: x to the subject's left, y up, z forwards). Joint 0 (pelvis) is the global orientation.
The b slider stops at +-89: at +-90 (gimbal lock) only a + c or a - c is defined, so a pose set there read
back (undo, another joint and back) moved the a and c sliders (30, 90, 20 -> 50, 90, 0); up to 89.5 the
float32 round trip gives the angles back.
"""
from __future__ import annotations

import numpy as np

from inference.geometry import axis_angle_to_euler, euler_to_axis_angle
from inference.types import NUM_BETAS, BodyParams

ANGLE_RANGES = ((-180.0, 180.0), (-89.0, 89.0), (-180.0, 180.0))
BETA_RANGE = (-3.0, 3.0)


def joint_rotation(params: BodyParams, joint: int) -> np.ndarray:
    """Axis-angle (3,) of a joint (0 = global orientation)."""
    if joint == 0:
        return np.asarray(params.global_orient, np.float64)
    return np.asarray(params.body_pose[3 * (joint - 1): 3 * joint], np.float64)


def joint_euler(params: BodyParams, joint: int) -> np.ndarray:
    return axis_angle_to_euler(joint_rotation(params, joint))


def with_joint_euler(params: BodyParams, joint: int, deg) -> BodyParams:
    """A copy of params with one joint's rotation set from Euler angles (degrees)."""
    aa = euler_to_axis_angle(np.asarray(deg, np.float64)).astype(np.float32)
    if joint == 0:
        return params.with_(global_orient=aa)
    pose = np.array(params.body_pose, np.float32)
    pose[3 * (joint - 1): 3 * joint] = aa
    return params.with_(body_pose=pose)


def with_beta(params: BodyParams, index: int, value: float) -> BodyParams:
    if not 0 <= index < NUM_BETAS:
        raise IndexError(index)
    b = np.array(params.betas, np.float32)
    b[index] = value
    return params.with_(betas=b)
