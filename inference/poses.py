"""A few named preset poses (SMPL axis-angle, 72 values) for the CLI, docs and tests.

Each preset is a handful of joint rotations on top of the zero pose (the T-pose). Rotations are
given in the parent joint's frame with SMPL's body axes: x towards the subject's left, y up,
z forwards (the way the body faces). A joint's entry lists (axis, radians) steps applied in
order, e.g. first lower the arm about z, then swing it forwards about x.
"""
from __future__ import annotations

import numpy as np

_AXES = {"x": 0, "y": 1, "z": 2}

# preset -> {joint name: [(axis, angle in radians), ...]}
_PRESETS: dict[str, dict[str, list[tuple[str, float]]]] = {
    "tpose": {},
    "apose": {
        "left_shoulder": [("z", -0.80)], "right_shoulder": [("z", 0.80)],
    },
    "walk": {  # left leg forwards, right leg back, arms swinging the other way
        "left_hip": [("x", -0.45)], "left_knee": [("x", 0.15)], "left_ankle": [("x", -0.10)],
        "right_hip": [("x", 0.30)], "right_knee": [("x", 0.55)], "right_ankle": [("x", 0.20)],
        "left_shoulder": [("z", -1.25), ("x", 0.35)], "left_elbow": [("y", -0.25)],
        "right_shoulder": [("z", 1.25), ("x", -0.35)], "right_elbow": [("y", 0.45)],
    },
    "sit": {  # thighs horizontal, shins vertical, hands resting on the thighs
        "left_hip": [("x", -1.50)], "right_hip": [("x", -1.50)],
        "left_knee": [("x", 1.50)], "right_knee": [("x", 1.50)],
        "left_shoulder": [("z", -1.25), ("x", -0.35)], "right_shoulder": [("z", 1.25), ("x", -0.35)],
        "left_elbow": [("y", -1.10)], "right_elbow": [("y", 1.10)],
    },
    "wave": {  # right upper arm out to the side, forearm up; left arm down
        "right_shoulder": [("z", -0.20)], "right_elbow": [("z", -1.45)],
        "left_shoulder": [("z", -1.25)], "left_elbow": [("y", -0.20)],
        "spine3": [("z", 0.05)], "head": [("z", 0.10)],
    },
}
PRESET_NAMES: tuple[str, ...] = tuple(_PRESETS)


def preset_pose(name: str) -> np.ndarray:
    """(72,) float32 SMPL pose of a named preset (global orientation zero). KeyError names the choices."""
    from .geometry import axis_angle_to_matrix, matrix_to_axis_angle
    from .joints import JOINT_NAMES

    if name not in _PRESETS:
        raise KeyError(f"unknown pose preset {name!r}; choose one of {', '.join(PRESET_NAMES)}")
    pose = np.zeros((24, 3), np.float64)
    for joint, steps in _PRESETS[name].items():
        R = np.eye(3)
        for axis, angle in steps:
            R = np.asarray(axis_angle_to_matrix(np.eye(3)[_AXES[axis]] * angle), np.float64) @ R
        pose[JOINT_NAMES.index(joint)] = matrix_to_axis_angle(R)
    return pose.reshape(72).astype(np.float32)
