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
    g = pose_edit.with_joint_euler(p, 0, (90, 0, 0))  # the global orientation's first slider turns about y
    np.testing.assert_allclose(g.global_orient, [0, np.pi / 2, 0], atol=1e-6)
    assert pose_edit.with_beta(p, 3, 1.5).betas[3] == pytest.approx(1.5)


@pytest.mark.parametrize("deg", [(180, 0, 0), (-150, 30, 10), (170, -80, -170), (0, 20, 0)])
def test_the_global_orientation_turns_round_with_one_slider(deg):
    """helper-82: a body seen from behind read x 180, y 0, z 180 and turning a front view round took two sliders
    (y stopped at 89). In y-x-z order the first slider is the turn about the vertical, through a whole turn: a back
    view is (180, 0, 0), and every setting reads back as set."""
    q = pose_edit.with_joint_euler(BodyParams.zeros(), 0, deg)
    off = (pose_edit.joint_euler(q, 0) - deg + 180) % 360 - 180  # (180 and -180 are one turn)
    np.testing.assert_allclose(off, 0, atol=1e-3)
    R = axis_angle_to_matrix(np.asarray(q.global_orient, np.float64))
    if deg == (180, 0, 0):
        np.testing.assert_allclose(R, np.diag([-1.0, 1.0, -1.0]), atol=1e-6)  # turned round about y, upright
    if deg == (0, 20, 0):  # leaning: about x, the vertical tipped towards z
        np.testing.assert_allclose(R @ [0, 1, 0], [0, np.cos(np.radians(20)), np.sin(np.radians(20))], atol=1e-6)
