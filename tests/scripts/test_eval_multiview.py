"""scripts/eval_multiview.py: the Qualisys calibration reader and the triangulation of the reference joints, on
cameras and points made here (the pose2sim wheel itself is not in the test environment)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_multiview as mv  # noqa: E402


def look_at(centre, target=(0.0, 0.0, 1.0), name="cam", dist=(0.0, 0.0, 0.0, 0.0, 0.0)) -> mv.CalibratedCamera:
    """An OpenCV camera at `centre` (world, metres; z up) looking at `target`, 1000 px focal on 1080 x 1920."""
    c, tgt = np.asarray(centre, float), np.asarray(target, float)
    z = (tgt - c) / np.linalg.norm(tgt - c)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])
    K = np.array([[1000.0, 0, 540], [0, 1000.0, 960], [0, 0, 1]])
    return mv.CalibratedCamera(name, K, np.asarray(dist, float), R, -R @ c)


@pytest.fixture
def cameras():
    return [look_at((3, 0, 1.5), name="a", dist=(-0.05, 0.14, 0.0006, 0.0007, 0.0)),
            look_at((0, 3, 1.8), name="b"), look_at((-3, 0.5, 1.6), name="c"), look_at((0.3, -3, 2.0), name="d")]


QCA = """<?xml version='1.0' encoding='ASCII'?>
<calibration><cameras>
<camera serial="cam01">
<fov_video left="8" top="0" right="1087" bottom="1919"/>
<transform r11="0" r12="1" r13="0" r21="0" r22="0" r23="1" r31="1" r32="0" r33="0" x="1000" y="-2000" z="1500"/>
<intrinsic centerPointU="34560" centerPointV="61440" focalLengthU="107520" focalLengthV="107584"
 radialDistortion1="-0.04" radialDistortion2="0.13" radialDistortion3="0.0"
 tangentalDistortion1="0.0006" tangentalDistortion2="0.0007"/>
</camera>
</cameras></calibration>"""


def test_read_qca_units_and_frame():
    cam, = mv.read_qca(QCA)
    assert cam.name == "cam01"
    # 1/64 pixel -> pixels: 107520 / 64 = 1680, 34560 / 64 = 540 (less the video window's 8 px), 61440 / 64 = 960
    assert np.allclose(cam.K, [[1680, 0, 532], [0, 1681, 960], [0, 0, 1]])
    assert np.allclose(cam.dist, [-0.04, 0.13, 0.0006, 0.0007, 0.0])
    # the camera sits at (1, -2, 1.5) m: there its own coordinates are zero
    assert np.allclose(cam.R @ np.array([1.0, -2.0, 1.5]) + cam.t, 0.0)
    # rows of the transform, y and z flipped into OpenCV's frame
    assert np.allclose(cam.R, [[0, 1, 0], [0, 0, -1], [-1, 0, 0]])
    assert np.isclose(np.linalg.det(cam.R), 1.0)


def test_read_qca_refuses_a_camera_without_intrinsics():
    with pytest.raises(ValueError, match="no transform or intrinsic"):
        mv.read_qca("<calibration><cameras><camera serial='x'><transform/></camera></cameras></calibration>")


def test_triangulate_recovers_a_point_through_lens_distortion(cameras):
    X = np.array([0.2, -0.1, 1.3])
    uv = np.array([c.project(X[None])[0] for c in cameras])
    assert np.allclose(mv.triangulate(cameras, uv, np.ones(4)), X, atol=1e-6)
    assert np.allclose(mv.triangulate(cameras, uv, np.array([0.0, 1.0, 0.0, 0.7])), X, atol=1e-6)
    assert np.isnan(mv.triangulate(cameras, uv, np.array([0.0, 1.0, 0.0, 0.0]))).all()


def test_robust_point_drops_the_view_that_misses(cameras):
    X = np.array([0.0, 0.3, 0.9])
    uv = np.array([c.project(X[None])[0] for c in cameras])
    uv[2] += (150.0, -90.0)  # a keypoint on another limb in one view
    naive = mv.triangulate(cameras, uv, np.ones(4))
    robust, used = mv.robust_point(cameras, uv, np.ones(4))
    assert np.linalg.norm(naive - X) > 0.02
    assert np.allclose(robust, X, atol=1e-6)
    assert used.tolist() == [1.0, 1.0, 0.0, 1.0]


def test_reference_joints_reads_a_mirrored_view_back(cameras):
    rng = np.random.default_rng(0)
    joints = rng.uniform([-0.3, -0.3, 0.1], [0.3, 0.3, 1.7], (12, 3))
    uv = np.array([c.project(joints) for c in cameras])
    uv[3] = uv[3][list(mv.MIRRORED)]  # the detector took view d's back for a front
    ref, swapped = mv.reference_joints(cameras, uv, np.ones((4, 12)))
    assert swapped == (False, False, False, True)
    assert np.allclose(ref, joints, atol=1e-6)


def test_faces_its_nose_tells_left_from_right():
    # a person standing at the origin facing +x (z up): their left is +y
    joints = np.zeros((12, 3))
    joints[8], joints[9] = (0.0, -0.2, 1.4), (0.0, 0.2, 1.4)  # right, left shoulder
    joints[2], joints[3] = (0.0, -0.1, 0.9), (0.0, 0.1, 0.9)  # right, left hip
    nose = np.array([0.1, 0.0, 1.6])
    assert mv.faces_its_nose(joints, nose)
    assert not mv.faces_its_nose(joints[list(mv.MIRRORED)], nose)
    assert not mv.faces_its_nose(joints, np.array([-0.1, 0.0, 1.6]))  # the same skeleton seen with the nose behind
    # lying on their back, head towards +x, facing up (+z): the torso's own axis, not the world's up, says front
    lying = np.zeros((12, 3))
    lying[8], lying[9] = (1.4, 0.2, 0.1), (1.4, -0.2, 0.1)
    lying[2], lying[3] = (0.9, 0.1, 0.1), (0.9, -0.1, 0.1)
    assert mv.faces_its_nose(lying, np.array([1.6, 0.0, 0.2]))
    assert not mv.faces_its_nose(lying, np.array([1.6, 0.0, 0.0]))


def test_person_reference_turns_every_view_round_when_the_nose_is_behind(cameras):
    rng = np.random.default_rng(1)
    joints = rng.uniform([-0.3, -0.3, 0.1], [0.3, 0.3, 1.7], (12, 3))
    joints[8], joints[9] = (0.0, -0.2, 1.4), (0.0, 0.2, 1.4)  # facing +x
    joints[2], joints[3] = (0.0, -0.1, 0.9), (0.0, 0.1, 0.9)
    nose = np.array([0.1, 0.0, 1.6])
    uv = np.array([c.project(joints) for c in cameras])
    nose_uv = np.array([c.project(nose[None])[0] for c in cameras])
    ref, swapped = mv.person_reference(cameras, uv, np.ones((4, 12)), nose_uv, np.ones(4))
    assert swapped == (False,) * 4 and np.allclose(ref, joints, atol=1e-6)
    # the first view, and so every reading, has the sides exchanged: the nose turns them back
    uv[0] = uv[0][list(mv.MIRRORED)]
    ref, swapped = mv.person_reference(cameras, uv, np.ones((4, 12)), nose_uv, np.ones(4))
    assert swapped == (True, False, False, False) and np.allclose(ref, joints, atol=1e-6)


def test_video_frames_reads_the_wanted_frames_in_order(tmp_path):
    import cv2
    from fetch_people_photos import video_frames

    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    assert writer.isOpened()
    for k in range(5):
        writer.write(np.full((48, 64, 3), 40 * k + 20, np.uint8))
    writer.release()
    got = list(video_frames(path, (3, 1), "clip.avi"))
    assert [k for k, _ in got] == [1, 3]
    assert np.allclose([float(img.mean()) for _, img in got], [60, 140], atol=3)  # within JPEG's error
    with pytest.raises(SystemExit, match="frame 5 of clip.avi"):
        list(video_frames(path, (5,), "clip.avi"))


def _skeleton(lean_deg: float) -> np.ndarray:
    """12 LSP joints (OpenCV camera frame, metres) of a torso 0.5 m long whose top leans `lean_deg` towards the
    camera (z away from it), hips 0.3 m apart."""
    j = np.zeros((12, 3))
    up = np.array([0.0, -np.cos(np.radians(lean_deg)), -np.sin(np.radians(lean_deg))])
    j[2], j[3] = (-0.15, 0.0, 3.0), (0.15, 0.0, 3.0)
    j[8], j[9] = j[2] + 0.5 * up, j[3] + 0.5 * up
    return j


def test_the_torsos_lean_towards_the_camera_is_measured_in_the_crops_view():
    """The torso's direction and its lean towards the camera (the error PA-MPJPE aligns away); a person off the
    photo's axis is seen by the crop as looking straight at them: a sideways turn of the view changes no lean."""
    upright, leaning = mv.torso_direction(_skeleton(0.0)), mv.torso_direction(_skeleton(20.0))
    np.testing.assert_allclose(upright, [0.0, -1.0, 0.0], atol=1e-12)
    assert mv.lean_towards_camera(upright) == pytest.approx(0.0, abs=1e-9)
    assert mv.lean_towards_camera(leaning) == pytest.approx(20.0)
    assert mv.torso_errors(leaning, upright) == pytest.approx((20.0, 20.0))
    assert mv.torso_errors(upright, leaning) == pytest.approx((20.0, -20.0))
    # a target 30 degrees to the right: the crop turns about the vertical, a vertical torso stays vertical
    right = np.array([np.sin(np.radians(30)), 0.0, np.cos(np.radians(30))])
    np.testing.assert_allclose(mv.as_seen_along_the_ray(upright, 3 * right), upright, atol=1e-12)
    np.testing.assert_allclose(mv.as_seen_along_the_ray(right, 3 * right), [0.0, 0.0, 1.0], atol=1e-12)
    # a target above the axis: the crop looks up at it, and a torso along that ray is seen end-on
    up = np.array([0.0, -np.sin(np.radians(25)), np.cos(np.radians(25))])
    np.testing.assert_allclose(mv.as_seen_along_the_ray(up, 2 * up), [0.0, 0.0, 1.0], atol=1e-12)
