"""Lights of a render, as values: directional lights fixed to the camera and an ambient level."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Light:
    """A directional light: `direction` (3,) points towards the light in the camera frame (OpenGL: x right,
    y up, +z towards the viewer), `color` (3,) linear RGB, `intensity` a multiplier of the colour."""

    direction: tuple[float, float, float]
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    intensity: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "direction", tuple(float(x) for x in self.direction))
        object.__setattr__(self, "color", tuple(float(x) for x in self.color))
        object.__setattr__(self, "intensity", float(self.intensity))

    def radiance(self) -> np.ndarray:
        """colour x intensity (3,) float32."""
        return np.asarray(self.color, np.float32) * self.intensity


@dataclass(frozen=True)
class Lights:
    """Up to two directional lights (the shaders light with two; a missing one is off) and an ambient level
    (the same on R, G and B). The lights move with the camera: an orbit view lights the side it sees."""

    lights: tuple[Light, ...]
    ambient: float

    def __post_init__(self):
        object.__setattr__(self, "lights", tuple(self.lights))
        object.__setattr__(self, "ambient", float(self.ambient))
        if len(self.lights) > 2:
            raise ValueError(f"at most two directional lights, got {len(self.lights)}")

    @classmethod
    def of(cls, lights: Iterable[tuple[np.ndarray, np.ndarray, float]], ambient: float) -> Lights:
        """From [(direction (3,), colour (3,), intensity)] and an ambient level."""
        return cls(tuple(Light(d, c, i) for d, c, i in lights), ambient)


# A key light on the camera and a weaker fill from the upper right-front: the look of every view the app
# and the CLI show.
DEFAULT_LIGHTS = Lights((Light((0.0, 0.0, 1.0), intensity=2.0), Light((0.6, -0.3, 1.0), intensity=0.8)), 0.35)


def look_rotation(direction: np.ndarray) -> np.ndarray:
    """(4, 4) float64 pose (no translation) whose +z axis is `direction` (3,) normalised (so its -z axis, the way a
    light shines, points away from it: a light placed there shines from `direction`)."""
    z = np.asarray(direction, np.float64)
    z = z / np.linalg.norm(z)
    x = np.cross([0.0, 1.0, 0.0], z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([x, y, z], axis=1)
    return pose
