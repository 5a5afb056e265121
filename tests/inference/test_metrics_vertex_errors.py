"""The per-vertex Procrustes-aligned error (`inference.metrics.vertex_errors_mm`) the app's case details colour the
mesh by: it measures a body's shape, not where it stands or how large it is."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.metrics import pa_pve, vertex_errors_mm
from inference.types import BodyParams


@pytest.fixture(scope="module")
def gt():
    return BodyModel().mesh(BodyParams.zeros(3.0))


def _with_vertices(mesh, vertices):
    return replace(mesh, vertices=np.asarray(vertices, np.float32))


def test_a_moved_scaled_and_turned_copy_has_no_error(gt):
    c, s = np.cos(0.4), np.sin(0.4)
    R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    moved = _with_vertices(gt, 1.1 * gt.vertices @ R.T + [0.3, -0.2, 2.0])
    errors = vertex_errors_mm(moved, gt)
    assert errors.mm.shape == (len(gt.vertices),) and errors.mm.dtype == np.float32 and errors.mm.max() < 0.01
    np.testing.assert_allclose(errors.aligned.vertices, gt.vertices, atol=1e-4)


def test_one_vertex_moved_10_cm_has_about_100_mm_and_the_mean_is_pa_pve(gt):
    bumped = gt.vertices.copy()
    bumped[100] += [0.1, 0, 0]
    pred = _with_vertices(gt, bumped)
    errors = vertex_errors_mm(pred, gt)
    assert 90 < errors.mm[100] < 101 and np.median(errors.mm) < 1.0
    assert errors.mm.mean() == pytest.approx(1000 * pa_pve(pred.vertices[None], gt.vertices[None])[0], rel=1e-5)


def test_the_joints_and_extra_points_move_with_the_vertices(gt):
    grown = {name: (2 * getattr(gt, name) + 1).astype(np.float32) for name in ("vertices", "joints", "extra")}
    moved = replace(gt, **grown)
    aligned = vertex_errors_mm(moved, gt).aligned
    np.testing.assert_allclose(aligned.joints, gt.joints, atol=1e-4)
    np.testing.assert_allclose(aligned.extra, gt.extra, atol=1e-4)
    assert aligned.extra.shape == gt.extra.shape
