"""framing_translation against the pinhole geometry worked out here: the box around the body is centred on the
optical axis, and its nearest face lies at the depth where the larger of its width and height spans `fill` of the
image (focal x extent / depth = fill x size)."""
from __future__ import annotations

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import framing_translation
from inference.types import BodyParams


def _box_points(lo, hi) -> np.ndarray:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    return np.vstack([corners, (lo + hi) / 2])


def _project(p, focal, size):
    return np.stack([size / 2 + focal * p[:, 0] / -p[:, 2], size / 2 - focal * p[:, 1] / -p[:, 2]], 1)


@pytest.mark.parametrize("focal, size, fill", [(5000.0, 256, 0.85), (1000.0, 512, 0.6)])
def test_an_off_centre_deep_box_is_centred_and_its_front_fills_the_frame(focal, size, fill):
    # 0.6 m wide, 1.8 m tall, 2.5 m deep (deeper than tall: depth is no part of the extent), off the axis
    lo, hi = np.array([0.1, 0.3, -0.2]), np.array([0.7, 2.1, 2.3])
    t = framing_translation(_box_points(lo, hi), focal, size, fill).astype(np.float64)
    centre = (lo + hi) / 2
    np.testing.assert_allclose(t[:2], -centre[:2], atol=1e-6)
    front = hi[2] + t[2]          # the face nearest the camera
    want_distance = focal * 1.8 / (fill * size)
    assert -front == pytest.approx(want_distance, rel=1e-6)
    # the front face's top and bottom edges project fill * size apart, centred vertically
    edge = np.array([[0.0, lo[1], hi[2]], [0.0, hi[1], hi[2]]]) + t
    uv = _project(edge, focal, size)
    assert abs(uv[0, 1] - uv[1, 1]) == pytest.approx(fill * size, rel=1e-5)
    assert (uv[0, 1] + uv[1, 1]) / 2 == pytest.approx(size / 2, abs=1e-4)


def test_the_t_pose_fills_the_crop_and_sits_in_its_middle():
    """The T-pose is wider than tall: its projected width is at most fill x size (exactly that at the nearest
    face, the rest being farther), nearly that, and its box centre is the crop centre within a pixel."""
    mesh = BodyModel().mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10)))
    v = np.asarray(mesh.vertices, np.float64)
    t = framing_translation(v).astype(np.float64)
    uv = _project(v + t, 5000.0, 256)
    width, height = np.ptp(uv[:, 0]), np.ptp(uv[:, 1])
    assert np.ptp(v[:, 0]) > np.ptp(v[:, 1])
    assert 0.98 * 0.85 * 256 < width <= 0.85 * 256 * 1.0001
    assert height < width
    assert (uv[:, 0].min() + uv[:, 0].max()) / 2 == pytest.approx(128, abs=1.0)
    assert (uv[:, 1].min() + uv[:, 1].max()) / 2 == pytest.approx(128, abs=1.0)
