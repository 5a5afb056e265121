"""scripts/study_world_landmarks.py: bone directions of the body model's joints and the angle between bone sets; the
landmarks mixed into the network's joints."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from study_world_landmarks import blend, blend_report, bone_angles, joint_weights, smpl_bones  # noqa: E402


def test_bones_of_a_standing_body_point_the_right_way():
    from inference.body_model import BodyModel
    from inference.types import BodyParams

    body = BodyModel()
    bones = smpl_bones(body.mesh(BodyParams.zeros()).joints)
    assert bones.shape == (11, 3)
    assert np.allclose(np.linalg.norm(bones, axis=1), 1.0, atol=1e-6)
    assert bones[0, 1] < -0.9 and bones[2, 1] < -0.9   # thigh and shin point down
    assert bones[8, 1] > 0.9 and bones[4, 0] > 0.9     # the spine points up; the arms (T pose) sideways
    assert bone_angles(bones, bones) < 0.1
    assert abs(bone_angles(bones, -bones) - 180.0) < 0.1


def _people(n=40, seed=0):
    """Truth (n, 12, 3) and two noisy estimates of it, the second in another pose of the camera and scale."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(0, 0.3, (n, 12, 3))
    net = truth + rng.normal(0, 0.03, truth.shape)
    c, s = np.cos(0.7), np.sin(0.7)
    turn = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    world = 1.7 * (truth + rng.normal(0, 0.03, truth.shape)) @ turn.T + 0.5
    return net, world, truth


def test_blend_ends_are_the_network_and_the_aligned_landmarks():
    net, world, truth = _people()
    assert np.allclose(blend(net, world, 0.0), net)
    from inference.metrics import pa_mpjpe
    # the landmarks, moved onto the network's frame, keep their own shape: as far from the truth as before
    assert np.allclose(pa_mpjpe(blend(net, world, 1.0), truth), pa_mpjpe(world, truth))


def test_two_equally_good_independent_estimates_are_best_mixed_half_and_half():
    net, world, truth = _people(400)
    w = joint_weights(net, world, truth)
    assert w.shape == (12,) and np.all(np.abs(w - 0.5) < 0.1)
    from inference.metrics import pa_mpjpe
    assert pa_mpjpe(blend(net, world, w), truth).mean() < 0.8 * pa_mpjpe(net, truth).mean()
    lines = blend_report(net, world, truth)
    assert len(lines) == 3 and "per-joint weights fitted on 200 people" in lines[1]


def test_a_useless_witness_gets_no_weight():
    net, world, truth = _people()
    world = np.random.default_rng(1).normal(0, 0.3, world.shape)
    assert np.all(joint_weights(net, world, truth) < 0.15)
