"""The project's crop camera: constants and framing, and the turn between OpenCV's and OpenGL's camera axes.

OpenGL camera frame (camera at the origin looking down -z, y up), a square crop of
CROP_SIZE x CROP_SIZE pixels, focal length FOCAL pixels, principal point at the crop centre
(see inference/geometry.py for the projection). A render at another size keeps the same
field of view with `focal_for_size(size)`.
"""
from __future__ import annotations

import numpy as np

CROP_SIZE: int = 256
FOCAL: float = 5000.0
# D: OpenCV camera axes (x right, y down, z away from the camera; also BlazePose's world landmarks) <-> OpenGL
# camera axes (y up, z towards the viewer), its own inverse; points (..., 3) as rows turn by its diagonal:
# p * np.diag(GL_FROM_CV).
GL_FROM_CV = np.diag([1.0, -1.0, -1.0])


def focal_for_size(size: int, focal: float = FOCAL, crop_size: int = CROP_SIZE) -> float:
    """Focal (pixels) giving a `size` px image the field of view of a `crop_size` px crop at `focal`."""
    return float(focal) * size / crop_size


def framing_translation(vertices: np.ndarray, focal: float = FOCAL, size: int = CROP_SIZE,
                        fill: float = 0.85) -> np.ndarray:
    """Translation (3,) float32 that centres a body in the crop and makes it fill `fill` of it.

    vertices (V, 3): the posed body without translation (metres, camera axes). The bounding
    box centre goes onto the optical axis at the depth where the larger of its width and height
    spans `fill * size` pixels (measured at the box's nearest face, so the whole body fits).
    """
    v = np.asarray(vertices, np.float64)
    lo, hi = v.min(0), v.max(0)
    centre = (lo + hi) / 2
    extent = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-3))
    depth = focal * extent / (fill * size) + (hi[2] - centre[2])  # distance to the box centre
    return np.array([-centre[0], -centre[1], -depth - centre[2]], np.float32)
