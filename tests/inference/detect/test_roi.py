"""inference/detect/roi.py: a rotated ROI's point mapping and resampling agree."""
from __future__ import annotations

import numpy as np
import pytest

from inference.detect.roi import Roi, roi_from_points


def test_roi_affine_agrees_with_point_mapping():
    roi = Roi(cx=120.0, cy=80.0, side=64.0, angle=0.7)
    n = 16
    m = roi.affine(n)
    for j, i in ((0, 0), (15, 0), (3, 11)):
        by_matrix = m @ np.array([j, i, 1.0]) + 0.5  # pixel index -> continuous coordinate
        by_points = roi.to_image(np.array([(j + 0.5) / n, (i + 0.5) / n]))
        assert np.allclose(by_matrix, by_points, atol=1e-4)
    # an upright ROI: centre -> scale point straight up gives angle 0
    up = roi_from_points(np.array([50.0, 100.0]), np.array([50.0, 60.0]))
    assert abs(up.angle) < 1e-6 and up.side == pytest.approx(2 * 40 * 1.25)
    sideways = roi_from_points(np.array([50.0, 100.0]), np.array([90.0, 100.0]))  # head to the right
    assert sideways.angle == pytest.approx(np.pi / 2)
