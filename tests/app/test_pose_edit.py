import numpy as np
import pytest

from app import pose_edit
from inference.geometry import axis_angle_to_matrix, euler_to_matrix, matrix_to_axis_angle
from inference.types import BodyParams


@pytest.mark.parametrize("deg", [(0, 0, 0), (30, -20, 45), (-170, 80, 10), (90, 0, -90)])
def test_euler_round_trip(deg):
    """A joint set from the sliders reads back as the same slider angles."""
    q = pose_edit.with_joint_euler(BodyParams.zeros(), 5, deg)
    np.testing.assert_allclose(pose_edit.joint_euler(q, 5), deg, atol=1e-4)


def test_every_slider_setting_reads_back_unchanged():
    """The middle slider's ends included: at 90 degrees (gimbal lock) 30, 90, 20 read back as 50, 90, 0, so
    the sliders jumped after an undo; the range stops where the float32 parameters still give them back."""
    (lo_a, hi_a), (lo_b, hi_b), (lo_c, hi_c) = pose_edit.ANGLE_RANGES
    for deg in [(30, hi_b, 20), (-120, lo_b, 75), (hi_a - 1, hi_b, lo_c + 1), (lo_a + 1, lo_b, hi_c - 1)]:
        q = pose_edit.with_joint_euler(BodyParams.zeros(), 5, deg)
        np.testing.assert_allclose(pose_edit.joint_euler(q, 5), deg, atol=0.05)


def test_matrix_axis_angle_near_pi():
    R = euler_to_matrix(np.array([180.0, 0.0, 0.0]))
    aa = matrix_to_axis_angle(R)
    np.testing.assert_allclose(axis_angle_to_matrix(aa), R, atol=1e-6)


def test_with_joint_euler_and_beta():
    p = BodyParams.zeros()
    q = pose_edit.with_joint_euler(p, 18, (0, 0, 90))
    np.testing.assert_allclose(q.body_pose[51:54], [0, 0, np.pi / 2], atol=1e-6)
    assert np.count_nonzero(q.body_pose) == 1
    g = pose_edit.with_joint_euler(p, 0, (90, 0, 0))
    np.testing.assert_allclose(g.global_orient, [np.pi / 2, 0, 0], atol=1e-6)
    assert pose_edit.with_beta(p, 3, 1.5).betas[3] == pytest.approx(1.5)
