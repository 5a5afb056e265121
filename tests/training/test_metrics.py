"""Tests for training.metrics with hand-computed expected values."""

import math

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from training.metrics import (
    IoUAccumulator,
    confusion_matrix,
    mean_joint_rotation_error,
    miou,
    mpjpe,
    pa_mpjpe,
    pa_pve,
    part_iou,
    pck,
    pve,
    rotation_error_deg,
    similarity_procrustes,
)


def _rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------- MPJPE
def test_mpjpe_translation_invariant_after_root_alignment():
    gt = _rng().normal(size=(2, 4, 3))
    pred = gt + np.array([1.0, 0.0, 0.0])
    assert np.allclose(mpjpe(pred, gt), 0.0)
    # without alignment the error is the shift
    assert np.allclose(mpjpe(pred, gt, root=None), 1.0)


def test_mpjpe_one_joint_moved():
    gt = _rng(1).normal(size=(1, 4, 3))
    pred = gt.copy()
    pred[0, 2, 1] += 0.1  # non-root joint moved by 0.1
    out = mpjpe(pred, gt)
    assert out.shape == (1,)
    assert out[0] == pytest.approx(0.025)


def test_mpjpe_root_index_and_torch_input():
    gt = np.zeros((1, 3, 3))
    pred = np.zeros((1, 3, 3))
    pred[0, 1] = [0.3, 0.0, 0.0]  # move joint 1
    # root 0: joint 1 off by 0.3 -> mean 0.1
    assert mpjpe(pred, gt, root=0)[0] == pytest.approx(0.1)
    # root 1: the other two joints are off by 0.3 -> mean 0.2
    assert mpjpe(torch.tensor(pred), torch.tensor(gt), root=1)[0] == pytest.approx(0.2)


# -------------------------------------------------------------- Procrustes
def test_similarity_procrustes_recovers_transform():
    gt = _rng(2).normal(size=(24, 3))
    R = Rotation.from_rotvec([0.4, -1.2, 2.0]).as_matrix()
    s, t = 1.7, np.array([0.3, -2.0, 5.0])
    pred = (gt @ R.T) * s + t  # pred = s R gt + t  ->  align back with 1/s, R^T
    aligned, scale, Rh, th = similarity_procrustes(pred, gt)
    assert np.allclose(aligned, gt, atol=1e-10)
    assert scale == pytest.approx(1 / s)
    assert np.allclose(Rh, R.T, atol=1e-10)
    assert np.allclose(scale * pred @ Rh.T + th, aligned)


def test_similarity_procrustes_reflection_gives_proper_rotation():
    gt = _rng(3).normal(size=(10, 3))
    pred = gt * np.array([1.0, 1.0, -1.0])  # mirror image
    aligned, scale, Rh, _ = similarity_procrustes(pred, gt)
    assert np.linalg.det(Rh) == pytest.approx(1.0)
    assert np.allclose(Rh @ Rh.T, np.eye(3), atol=1e-10)
    assert np.linalg.norm(aligned - gt, axis=-1).mean() > 1e-3  # cannot be undone


def test_pa_mpjpe_zero_for_similarity_copy_and_bounded_by_mpjpe():
    rng = _rng(4)
    gt = rng.normal(size=(3, 24, 3))
    preds = []
    for b in range(3):
        R = Rotation.from_rotvec(rng.normal(size=3)).as_matrix()
        preds.append(0.5 * (b + 1) * gt[b] @ R.T + rng.normal(size=3))
    pred = np.stack(preds)
    out = pa_mpjpe(pred, gt)
    assert out.shape == (3,)
    assert np.allclose(out, 0.0, atol=1e-10)

    noisy = gt + 0.05 * rng.normal(size=gt.shape)
    assert np.all(pa_mpjpe(noisy, gt) <= mpjpe(noisy, gt) + 1e-12)


# --------------------------------------------------------------------- PVE
def test_pve_mean_centred_and_joint_aligned():
    gt_v = _rng(5).normal(size=(2, 50, 3))
    pred_v = gt_v + np.array([0.0, 2.0, 0.0])
    assert np.allclose(pve(pred_v, gt_v), 0.0)

    gt_j = np.zeros((2, 24, 3))
    pred_j = np.zeros((2, 24, 3))  # pelvis not shifted -> offset remains
    assert np.allclose(pve(pred_v, gt_v, pred_j, gt_j), 2.0)
    pred_j[:, 0] = [0.0, 2.0, 0.0]
    assert np.allclose(pve(pred_v, gt_v, pred_j, gt_j), 0.0)

    with pytest.raises(ValueError):
        pve(pred_v, gt_v, pred_j, None)


def test_pa_pve_zero_for_similarity_copy():
    gt_v = _rng(6).normal(size=(1, 100, 3))
    R = Rotation.from_rotvec([0.0, 0.0, 1.0]).as_matrix()
    pred_v = 2.0 * gt_v @ R.T + 1.0
    assert np.allclose(pa_pve(pred_v, gt_v), 0.0, atol=1e-10)


# --------------------------------------------------------------------- IoU
def test_part_iou_hand_made_maps():
    gt = np.zeros((4, 4), dtype=np.int64)
    pred = np.zeros((4, 4), dtype=np.int64)
    gt[:, 2:] = 1  # class 1: 8 pixels (right half)
    pred[:, 3:] = 1  # class 1 predicted: 4 pixels, all inside gt
    pred[0, 0] = 2  # class 2 only in pred
    iou = part_iou(pred, gt, num_classes=13)
    assert iou.shape == (13,)
    # class 0: gt 8 px, pred 16-4-1 = 11 px, intersection 7 -> 7 / 12
    assert iou[0] == pytest.approx(7 / 12)
    assert iou[1] == pytest.approx(4 / 8)
    assert iou[2] == pytest.approx(0.0)
    assert np.all(np.isnan(iou[3:]))
    assert miou(pred, gt) == pytest.approx((7 / 12 + 0.5 + 0.0) / 3)


def test_part_iou_perfect_and_ignore_label():
    gt = np.array([[0, 1], [2, 255]])
    assert np.allclose(part_iou(gt, gt, num_classes=3), [1.0, 1.0, 1.0])
    conf = confusion_matrix(np.array([[0, 1], [1, 0]]), gt, num_classes=3)
    assert conf.sum() == 3  # the 255 pixel is ignored
    assert conf[2, 1] == 1  # gt 2 predicted as 1


def test_iou_accumulator_sums_over_dataset():
    gt1 = np.array([[1, 1, 0, 0]])
    pr1 = np.array([[1, 0, 0, 0]])  # class 1: I=1, U=2
    gt2 = np.array([[1, 1, 1, 1]])
    pr2 = np.array([[1, 1, 1, 1]])  # class 1: I=4, U=4
    acc = IoUAccumulator(num_classes=13)
    acc.update(pr1, gt1)
    acc.update(torch.tensor(pr2), torch.tensor(gt2))
    per = acc.per_class()
    # dataset IoU (not the mean of per-image IoUs 0.5 and 1.0)
    assert per[1] == pytest.approx(5 / 6)
    assert per[0] == pytest.approx(2 / 3)  # I=2, U=3
    assert np.all(np.isnan(per[2:]))
    assert acc.mean() == pytest.approx((5 / 6 + 2 / 3) / 2)
    # batched update is the same as two single updates
    acc2 = IoUAccumulator(13)
    acc2.update(np.stack([pr1, pr2]), np.stack([gt1, gt2]))
    assert np.array_equal(acc2.confusion, acc.confusion)
    acc.reset()
    assert math.isnan(acc.mean())


# --------------------------------------------------------------------- PCK
def test_pck_fixed_threshold_and_visibility():
    gt = np.zeros((1, 4, 2))
    pred = np.zeros((1, 4, 2))
    pred[0, :, 0] = [1.0, 3.0, 6.0, 20.0]  # errors 1, 3, 6, 20 px
    assert pck(pred, gt, threshold_px=5.0) == pytest.approx(0.5)
    vis = np.array([[True, False, True, True]])
    assert pck(pred, gt, vis, threshold_px=5.0) == pytest.approx(1 / 3)
    assert math.isnan(pck(pred, gt, np.zeros((1, 4), bool), threshold_px=5.0))


def test_pck_normalizer_alpha():
    gt = np.zeros((2, 2, 2))
    pred = np.zeros((2, 2, 2))
    pred[:, :, 1] = [[4.0, 12.0], [4.0, 12.0]]
    # thresholds 0.1 * [50, 150] = [5, 15]: sample 0 gets 1/2, sample 1 gets 2/2
    assert pck(pred, gt, normalizer=np.array([50.0, 150.0]), alpha=0.1) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        pck(pred, gt, normalizer=np.array([50.0, 150.0]))
    with pytest.raises(ValueError):
        pck(pred, gt)


# ---------------------------------------------------------------- rotations
def test_rotation_error_deg_known_angles():
    angles = np.array([0.0, 1e-6, 30.0, 90.0, 179.9, 180.0])
    axis = np.array([0.0, 0.6, 0.8])
    R_gt = Rotation.from_rotvec(np.tile([0.2, -0.1, 0.3], (6, 1))).as_matrix()
    R_delta = Rotation.from_rotvec(np.radians(angles)[:, None] * axis).as_matrix()
    R_pred = R_gt @ R_delta
    err = rotation_error_deg(R_pred[None], R_gt[None])
    assert err.shape == (1, 6)
    assert np.allclose(err[0], angles, atol=1e-7)


def test_mean_joint_rotation_error():
    B, J = 2, 3
    R_gt = np.tile(np.eye(3), (B, J, 1, 1))
    R_pred = R_gt.copy()
    R_pred[:, 0] = Rotation.from_rotvec([0.0, 0.0, np.pi / 2]).as_matrix()  # 90 deg on joint 0
    assert mean_joint_rotation_error(R_pred, R_gt) == pytest.approx(30.0)
    assert mean_joint_rotation_error(R_pred, R_gt, joints=[1, 2]) == pytest.approx(0.0)
