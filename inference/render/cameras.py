"""Cameras of a render, as values that carry the image size (OpenGL frame: looking down -z, y up).

`PinholeCamera`: the crop camera of inference/geometry.py (and a photo's camera), at the origin, focal and
principal point in pixels. `OrbitCamera`: any 4x4 camera-to-world pose with a vertical field of view, for
views around a body (`orbit_pose`, `view_pose` place it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PinholeCamera:
    """Camera at the origin looking down -z; `focal` in pixels, principal point `center` (x right, y down,
    pixels; None: the image centre); images of width x height pixels."""

    focal: float
    width: int
    height: int
    center: tuple[float, float] | None = None

    def __post_init__(self):
        object.__setattr__(self, "focal", float(self.focal))
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))
        if self.center is not None:
            object.__setattr__(self, "center", (float(self.center[0]), float(self.center[1])))

    @property
    def principal_point(self) -> tuple[float, float]:
        return self.center if self.center is not None else (self.width / 2, self.height / 2)

    @property
    def pose(self) -> np.ndarray:
        """4x4 camera-to-world pose (the identity)."""
        return np.eye(4)


@dataclass(frozen=True, eq=False)
class OrbitCamera:
    """Perspective camera with a 4x4 camera-to-world `pose` (OpenGL; read-only copy) and vertical field of
    view `yfov` (radians); images of width x height pixels."""

    pose: np.ndarray
    width: int
    height: int
    yfov: float = 0.6

    def __post_init__(self):
        pose = np.array(self.pose, np.float64)
        if pose.shape != (4, 4):
            raise ValueError(f"pose must be 4x4, got {pose.shape}")
        pose.flags.writeable = False
        object.__setattr__(self, "pose", pose)
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))
        object.__setattr__(self, "yfov", float(self.yfov))


Camera = PinholeCamera | OrbitCamera


def orbit_pose(yaw: float, pitch: float, distance: float, target: np.ndarray) -> np.ndarray:
    """4x4 camera-to-world pose on a sphere around `target` (3,), yaw/pitch in radians (OpenGL)."""
    cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    eye = np.asarray(target) + distance * np.array([sy * cp, sp, cy * cp])
    z = eye - target
    z /= np.linalg.norm(z)
    x = np.cross([0.0, 1.0, 0.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([x, y, z], axis=1)
    pose[:3, 3] = eye
    return pose


def view_pose(vertices: np.ndarray, view: str, yfov: float = 0.6, fill: float = 0.85) -> np.ndarray:
    """4x4 camera-to-world pose looking at a body (V, 3) from `view` (front, side: the subject's left, or
    back), framed so the body fills `fill` of a camera with vertical field of view `yfov`."""
    yaw = {"side": math.pi / 2, "back": math.pi, "front": 0.0}[view]
    lo, hi = vertices.min(0), vertices.max(0)
    centre = (lo + hi) / 2
    axes = orbit_pose(yaw, 0.0, 1.0, centre)[:3, :3]          # camera x, y, z (columns)
    local = (vertices - centre) @ axes                         # body in camera axes
    half = float(np.abs(local[:, :2]).max())
    distance = half / (math.tan(yfov / 2) * fill) + float(local[:, 2].max())
    return orbit_pose(yaw, 0.0, distance, centre)
