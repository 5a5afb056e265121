"""The synthetic pose prior: shapes, joint limits, determinism, activity coverage and left/right symmetry."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from inference.geometry import euler_to_axis_angle
from training.synth.pose_prior import (
    ACTIVITIES,
    ACTIVITY_WEIGHTS,
    LIMITS,
    LR_PAIRS,
    PosePrior,
    _mirror_euler,
    sample_betas,
)

N = 2000
TOL_DEG = 1e-3
KNEES = (4, 5)
ELBOWS = (18, 19)  # their y range reaches -150 deg, past the +-90 deg where as_euler("XYZ") is unique


@pytest.fixture(scope="module")
def sampled():
    """2000 poses (one sample of the whole mixture, ~0.5 s) and their activity names."""
    return PosePrior().sample(N, np.random.default_rng(123))


def _euler(poses: np.ndarray) -> np.ndarray:
    """(n, 72) axis-angle -> (n, 24, 3) intrinsic XYZ euler angles in degrees (the prior's convention)."""
    R = Rotation.from_rotvec(poses.reshape(-1, 3).astype(np.float64))
    return R.as_euler("XYZ", degrees=True).reshape(-1, 24, 3)


def _swap() -> np.ndarray:
    idx = np.arange(24)
    for a, b in LR_PAIRS:
        idx[a], idx[b] = b, a
    return idx


def test_shape_dtype_and_finite(sampled):
    poses, acts = sampled
    assert poses.shape == (N, 72) and poses.dtype == np.float32
    assert np.isfinite(poses).all()
    assert len(acts) == N and set(acts) <= set(ACTIVITIES)
    # axis-angle of a proper rotation: angle within [0, pi]
    assert (np.linalg.norm(poses.reshape(N, 24, 3), axis=-1) <= np.pi + 1e-5).all()
    betas = sample_betas(50, np.random.default_rng(0))
    assert betas.shape == (50, 10) and betas.dtype == np.float32 and np.abs(betas).max() <= 3


def test_knees_never_bend_backwards(sampled):
    E = _euler(sampled[0])
    knee_x = E[:, KNEES, 0]
    assert knee_x.min() >= -TOL_DEG, f"a knee bends backwards: {knee_x.min():.3f} deg"
    assert knee_x.max() <= 150 + TOL_DEG
    assert (knee_x > 30).mean() > 0.2, "knees should often be visibly bent (sit, run, crouch...)"


def test_all_joints_within_limits_after_round_trip(sampled):
    """Every body joint, converted back from axis-angle, lies within LIMITS (elbows: see ELBOWS)."""
    E = _euler(sampled[0])
    joints = [j for j in range(1, 24) if j not in ELBOWS]
    lo, hi = LIMITS[joints, :, 0], LIMITS[joints, :, 1]
    e = E[:, joints]
    bad = (e < lo - TOL_DEG) | (e > hi + TOL_DEG)
    assert not bad.any(), f"joints out of limits: {sorted(set(np.array(joints)[np.nonzero(bad)[1]].tolist()))}"


def test_euler_body_pose_is_clipped_to_limits():
    prior, rng = PosePrior(), np.random.default_rng(5)
    for _ in range(200):
        E, act = prior.sample_body_euler(rng)
        assert act in ACTIVITIES and E.shape == (24, 3)
        assert (E[0] == 0).all()
        assert (E >= LIMITS[..., 0] - 1e-9).all() and (E <= LIMITS[..., 1] + 1e-9).all()
        # elbows only bend forwards: left y <= 0, right y >= 0
        assert E[18, 1] <= 0 <= E[19, 1]


def test_deterministic_for_a_seed():
    p = PosePrior()
    a, acts_a = p.sample(20, np.random.default_rng(42))
    b, acts_b = p.sample(20, np.random.default_rng(42))
    c, _ = p.sample(20, np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert acts_a == acts_b
    assert not np.allclose(a, c)


def test_every_activity_appears_with_its_weight(sampled):
    counts = Counter(sampled[1])
    missing = set(ACTIVITIES) - set(counts)
    assert not missing, f"activities never sampled in {N}: {missing}"
    p = ACTIVITY_WEIGHTS / ACTIVITY_WEIGHTS.sum()
    for act, w in zip(ACTIVITIES, p):
        sigma = np.sqrt(N * w * (1 - w))
        assert abs(counts[act] - N * w) < 5 * sigma, (act, counts[act], N * w)


def test_global_orientation_mostly_upright(sampled):
    """Headings cover all directions; the body's up axis stays near the camera's y axis for most samples."""
    R = Rotation.from_rotvec(sampled[0][:, :3].astype(np.float64)).as_matrix()
    up = R[:, :, 1]  # where the body's y axis points
    assert (up[:, 1] > np.cos(np.radians(30))).mean() > 0.85
    fwd = R[:, :, 2]
    heading = np.degrees(np.arctan2(fwd[:, 0], fwd[:, 2]))
    assert np.histogram(heading, bins=8, range=(-180, 180))[0].min() > N / 8 * 0.5


def test_mirror_is_an_involution_and_limits_are_symmetric():
    E, _ = PosePrior().sample_body_euler(np.random.default_rng(9))
    np.testing.assert_array_equal(_mirror_euler(_mirror_euler(E)), E)
    for left, right in LR_PAIRS:
        np.testing.assert_array_equal(LIMITS[right, 0], LIMITS[left, 0])                # x (flexion) shared
        np.testing.assert_array_equal(LIMITS[right, 1:], -LIMITS[left, 1:, ::-1])       # y, z negated
    # the mirrored limit box is the limit box: clipping commutes with mirroring
    rng = np.random.default_rng(1)
    X = rng.uniform(-200, 200, (24, 3))
    clip = lambda a: np.clip(a, LIMITS[..., 0], LIMITS[..., 1])  # noqa: E731
    np.testing.assert_allclose(clip(_mirror_euler(X)), _mirror_euler(clip(X)))


def test_mirrored_rotations_are_reflections():
    """R(mirror(E))[j] == S R(E)[swap(j)] S with S the reflection x -> -x."""
    E, _ = PosePrior().sample_body_euler(np.random.default_rng(3))
    R = Rotation.from_rotvec(euler_to_axis_angle(E)).as_matrix()
    Rm = Rotation.from_rotvec(euler_to_axis_angle(_mirror_euler(E))).as_matrix()
    S = np.diag([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(Rm, S @ R[_swap()] @ S, atol=1e-9)


def test_mirrored_body_is_the_reflected_body():
    """With the (left/right symmetric) embedded body model, a mirrored pose puts each joint where the
    reflection of its partner was."""
    from inference.body_model import BodyModel
    from inference.types import BodyParams

    body = BodyModel()
    E, _ = PosePrior().sample_body_euler(np.random.default_rng(11))
    pose = euler_to_axis_angle(E).reshape(72)
    pose_m = euler_to_axis_angle(_mirror_euler(E)).reshape(72)
    j = body.mesh(BodyParams.from_pose(pose, np.zeros(10))).joints
    jm = body.mesh(BodyParams.from_pose(pose_m, np.zeros(10))).joints
    reflected = j[_swap()] * np.array([-1.0, 1.0, 1.0])
    assert np.abs(jm - reflected).max() < 2e-3  # metres; the template is symmetric to ~0.1 mm


def test_sampled_distribution_is_left_right_symmetric(sampled):
    """Mirroring half of the samples makes left and right statistically alike (knee flexion, arm lift)."""
    E = _euler(sampled[0])
    for left, right in ((4, 5), (1, 2)):
        a, b = E[:, left, 0], E[:, right, 0]
        se = np.sqrt(a.var() / N + b.var() / N)
        assert abs(a.mean() - b.mean()) < 5 * se + 1.0, (left, a.mean(), b.mean())
    # shoulders: left z and right -z (arm raised sideways) alike
    a, b = E[:, 16, 2], -E[:, 17, 2]
    se = np.sqrt(a.var() / N + b.var() / N)
    assert abs(a.mean() - b.mean()) < 5 * se + 1.0
