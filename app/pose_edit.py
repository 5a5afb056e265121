"""Editing SMPL parameters from sliders: Euler angles in degrees <-> axis-angle (numpy in, numpy out).

Slider angles are intrinsic x-y-z Euler angles in degrees (`inference.geometry.euler_to_matrix`):
R = Rx(a) @ Ry(b) @ Rz(c), with a, c in [-180, 180] and b in [-90, 90], applied in the joint's parent
frame (SMPL axes: x to the subject's left, y up, z forwards). Joint 0 (pelvis) is the global orientation.
The b slider stops at +-89: at +-90 (gimbal lock) only a + c or a - c is defined, so a pose set there read
back (undo, another joint and back) moved the a and c sliders (30, 90, 20 -> 50, 90, 0); up to 89.5 the
float32 round trip gives the angles back.

The global orientation takes its angles in the order y-x-z (R = Ry(a) @ Rx(b) @ Rz(c), `EULER_ORDERS`): the first
slider turns the body about the vertical through a whole turn, the second leans it forwards or back, the third tilts
it sideways. In x-y-z order a body turned round (a back view) read x 180, y 0, z 180, and turning a front view
round asked for two sliders moved together, since y stopped at +-89.
"""
from __future__ import annotations

import numpy as np

from inference.types import NUM_BETAS, BodyParams

ANGLE_RANGES = ((-180.0, 180.0), (-89.0, 89.0), (-180.0, 180.0))
EULER_ORDERS = {0: "yxz"}  # the joints whose sliders are not in x-y-z order (0: the global orientation)


def euler_order(joint: int) -> str:
    """The axes of a joint's three sliders, in slider order ("xyz" but for EULER_ORDERS)."""
    return EULER_ORDERS.get(joint, "xyz")
BETA_RANGE = (-3.0, 3.0)


def joint_rotation(params: BodyParams, joint: int) -> np.ndarray:
    """Axis-angle (3,) of a joint (0 = global orientation)."""
    if joint == 0:
        return np.asarray(params.global_orient, np.float64)
    return np.asarray(params.body_pose[3 * (joint - 1): 3 * joint], np.float64)


def joint_euler(params: BodyParams, joint: int) -> np.ndarray:
    """(3,) degrees: a joint's rotation as its sliders' angles (`euler_order`)."""
    # (imported here: inference.geometry imports torch, 2 s of the GUI thread before the window's first paint when
    # this module loads with the window; by the first slider a body has been fitted and torch is loaded)
    from inference.geometry import axis_angle_to_euler

    return axis_angle_to_euler(joint_rotation(params, joint), euler_order(joint))


def with_joint_euler(params: BodyParams, joint: int, deg) -> BodyParams:
    """A copy of params with one joint's rotation set from its sliders' Euler angles (degrees, `euler_order`)."""
    from inference.geometry import euler_to_axis_angle

    aa = euler_to_axis_angle(np.asarray(deg, np.float64), euler_order(joint)).astype(np.float32)
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
