"""Tests for inference.metrics with hand-computed expected values."""

import math

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from inference.metrics import (
    BODY_KEYPOINTS,
    KEYPOINT_PARTS,
    IoUAccumulator,
    confusion_matrix,
    keypoint_part_agreement,
    mean_joint_rotation_error,
    miou,
    mpjpe,
    pa_mpjpe,
    pa_pve,
    part_iou,
    pck,
    pve,
    rotation_error_deg,
    silhouette_iou,
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


# ------------------------------------------------- keypoint-part agreement
# label values (1 + part index, inference/parts.py)
HEAD, UPPER_TORSO, L_FOREARM, R_UPPER_ARM, L_THIGH, R_THIGH = 1, 2, 3, 4, 5, 6
NECK, LOWER_TORSO, L_UPPER_ARM, R_FOREARM, L_SHIN, R_SHIN = 7, 8, 9, 10, 11, 12
# BlazePose ids
NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, L_WRIST, L_HIP, L_ANKLE = 0, 11, 12, 13, 15, 23, 27


def _keypoints(torso: float = 30.0) -> np.ndarray:
    """(33, 3) all invisible, shoulders and hips placed for a torso length `torso` (they are used for
    the radius whatever their visibility)."""
    kp = np.zeros((33, 3))
    kp[11, :2], kp[12, :2] = (10, 10), (20, 10)
    kp[23, :2], kp[24, :2] = (12, 10 + torso), (18, 10 + torso)
    return kp


def test_keypoint_parts_table_follows_the_joints():
    assert KEYPOINT_PARTS[NOSE] == (HEAD,) and all(KEYPOINT_PARTS[k] == (HEAD,) for k in range(11))
    assert set(KEYPOINT_PARTS[L_SHOULDER]) == {UPPER_TORSO, NECK, L_UPPER_ARM}
    assert set(KEYPOINT_PARTS[R_SHOULDER]) == {UPPER_TORSO, NECK, R_UPPER_ARM}
    assert set(KEYPOINT_PARTS[L_ELBOW]) == {L_UPPER_ARM, L_FOREARM}
    assert all(KEYPOINT_PARTS[k] == (L_FOREARM,) for k in (15, 17, 19, 21))
    assert all(KEYPOINT_PARTS[k] == (R_FOREARM,) for k in (16, 18, 20, 22))
    assert set(KEYPOINT_PARTS[L_HIP]) == {LOWER_TORSO, L_THIGH} and set(KEYPOINT_PARTS[24]) == {LOWER_TORSO, R_THIGH}
    assert set(KEYPOINT_PARTS[25]) == {L_THIGH, L_SHIN} and set(KEYPOINT_PARTS[26]) == {R_THIGH, R_SHIN}
    assert all(KEYPOINT_PARTS[k] == (L_SHIN,) for k in (27, 29, 31))
    assert all(KEYPOINT_PARTS[k] == (R_SHIN,) for k in (28, 30, 32))


def test_agreement_one_when_every_keypoint_is_on_its_part():
    lab = np.zeros((40, 40), np.uint8)
    lab[:10, :10] = L_FOREARM
    lab[:10, 20:30] = HEAD
    kp = _keypoints()
    kp[L_WRIST] = (5.5, 5.5, 0.9)
    kp[NOSE] = (25.0, 4.0, 1.0)
    res = keypoint_part_agreement(lab, kp)
    assert res.n == 2 and res.agreement == 1.0 and res.swaps == 0.0
    assert res.radius == 2.0                     # max(2, 0.03 * 30 = 0.9)
    assert [(k.keypoint, k.name, k.label, k.agrees, k.swapped) for k in res.keypoints] == [
        (NOSE, "nose", HEAD, True, False), (L_WRIST, "left_wrist", L_FOREARM, True, False)]
    assert res.keypoints[1].xy == (5.5, 5.5)


def test_agreement_among_the_body_keypoints_leaves_out_mouth_fingers_and_feet():
    """BODY_KEYPOINTS are COCO's 17 among BlazePose's 33; `among` scores the same check over them alone: a mouth on the
    neck and a toe tip on the background count over all keypoints, not over the body's."""
    from inference.detect import LANDMARK_NAMES

    assert len(BODY_KEYPOINTS) == 17 and set(BODY_KEYPOINTS) <= set(LANDMARK_NAMES)
    assert not {"mouth_left", "left_heel", "left_foot_index", "left_pinky"} & set(BODY_KEYPOINTS)
    lab = np.zeros((40, 40), np.uint8)
    lab[:10, 20:30] = HEAD
    lab[10:20, 20:30] = NECK
    kp = _keypoints()
    kp[NOSE] = (25.0, 4.0, 1.0)
    kp[LANDMARK_NAMES.index("mouth_left")] = (25.0, 15.0, 1.0)       # on the neck
    kp[LANDMARK_NAMES.index("left_foot_index")] = (5.0, 35.0, 1.0)   # on the background
    res = keypoint_part_agreement(lab, kp)
    assert res.n == 3 and abs(res.agreement - 1 / 3) < 1e-9
    body = res.among()
    assert body.n == 1 and body.agreement == 1.0 and body.swaps == 0.0 and body.radius == res.radius
    assert [k.name for k in body.keypoints] == ["nose"]
    assert np.isnan(res.among(("left_wrist",)).agreement) and res.among(("left_wrist",)).n == 0
    assert res.among("nose").n == 1 and res.among("nose_x").n == 0  # a bare name is one name


def test_left_right_swap_is_counted_apart():
    lab = np.zeros((40, 40), np.uint8)
    lab[:10, :10] = R_FOREARM                    # the left wrist sits on the right forearm
    lab[20:, :] = NECK
    kp = _keypoints()
    kp[L_WRIST] = (5.5, 5.5, 1.0)
    kp[R_SHOULDER] = (30.0, 30.0, 1.0)           # on the neck: allowed
    res = keypoint_part_agreement(lab, kp)
    assert res.n == 2 and res.agreement == 0.5 and res.swaps == 0.5
    wrist = res.keypoints[1]
    assert wrist.label == R_FOREARM and not wrist.agrees and wrist.swapped
    # a shoulder on the other side's upper arm is a swap; on the lower torso it is neither
    lab[20:, :] = L_UPPER_ARM
    assert keypoint_part_agreement(lab, kp).keypoints[0].swapped
    lab[20:, :] = LOWER_TORSO
    sh = keypoint_part_agreement(lab, kp).keypoints[0]
    assert (sh.label, sh.agrees, sh.swapped) == (LOWER_TORSO, False, False)


def test_background_majority_within_the_radius_disagrees():
    """Elbow at (10.2, 10.0), r = 2, upper arm on columns < 10. Pixel centres within 2 px: columns 8, 9
    (dx -1.7, -0.7) give 2 + 4 pixels, columns 10, 11 (dx 0.3, 1.3) give 4 + 4: background 8 against 6."""
    lab = np.zeros((20, 20), np.uint8)
    lab[:, :10] = L_UPPER_ARM
    kp = _keypoints()
    kp[L_ELBOW] = (10.2, 10.0, 1.0)
    res = keypoint_part_agreement(lab, kp)
    k = res.keypoints[0]
    assert (k.label, k.agrees, k.swapped) == (0, False, False) and res.agreement == 0.0 and res.swaps == 0.0
    kp[L_ELBOW, 0] = 9.8                         # mirrored: 8 upper-arm pixels against 6
    assert keypoint_part_agreement(lab, kp).keypoints[0].label == L_UPPER_ARM
    kp[L_ELBOW, 0] = 10.0                        # (dx +-0.5: 4 + 4, +-1.5: 2 + 2): a 6-6 tie goes to background
    assert keypoint_part_agreement(lab, kp).keypoints[0].label == 0


def test_radius_grows_with_the_torso():
    """An ankle in the middle of a 3 x 3 shin block: r = 2 sees 13 pixels (9 shin), r = 6 (3 % of a
    200 px torso) sees 113 pixels (9 shin): the block wins only at the small radius."""
    lab = np.zeros((60, 60), np.uint8)
    lab[29:32, 29:32] = L_SHIN
    kp = _keypoints(torso=30.0)
    kp[L_ANKLE] = (30.5, 30.5, 1.0)
    small = keypoint_part_agreement(lab, kp)
    assert small.radius == 2.0 and small.agreement == 1.0
    kp = _keypoints(torso=200.0)
    kp[L_ANKLE] = (30.5, 30.5, 1.0)
    big = keypoint_part_agreement(lab, kp)
    assert big.radius == pytest.approx(6.0) and big.agreement == 0.0 and big.keypoints[0].label == 0
    # the same with a larger block (9 x 9 = 81 of 113)
    lab[26:35, 26:35] = L_SHIN
    assert keypoint_part_agreement(lab, kp).agreement == 1.0
    # the fraction and the floor are parameters
    assert keypoint_part_agreement(lab, kp, radius_fraction=0.1).radius == pytest.approx(20.0)
    assert keypoint_part_agreement(lab, _keypoints(30.0), min_radius=5.0).radius == 5.0


def test_low_confidence_and_outside_keypoints_are_skipped():
    lab = np.full((20, 30), HEAD, np.uint8)
    kp = _keypoints()
    kp[0] = (5.0, 5.0, 0.49)                     # not confident
    kp[1] = (5.0, 5.0, 0.5)                      # confident (>= 0.5)
    kp[2] = (-0.5, 5.0, 1.0)                     # left of the map
    kp[3] = (30.0, 5.0, 1.0)                     # x = W: right of the last pixel
    kp[4] = (29.9, 19.9, 1.0)                    # inside, in the corner
    kp[5] = (5.0, 20.0, 1.0)                     # below
    res = keypoint_part_agreement(lab, kp)
    assert [k.keypoint for k in res.keypoints] == [1, 4] and res.n == 2 and res.agreement == 1.0
    assert keypoint_part_agreement(lab, kp, min_visibility=0.4).n == 3
    none = keypoint_part_agreement(lab, _keypoints())
    assert none.n == 0 and none.keypoints == () and math.isnan(none.agreement) and math.isnan(none.swaps)


def test_keypoint_part_agreement_checks_shapes_and_takes_torch():
    lab = np.full((20, 30), HEAD, np.uint8)
    kp = _keypoints()
    kp[0] = (5.0, 5.0, 1.0)
    assert keypoint_part_agreement(torch.tensor(lab), torch.tensor(kp)).agreement == 1.0
    with pytest.raises(ValueError):
        keypoint_part_agreement(lab[None], kp)
    with pytest.raises(ValueError):
        keypoint_part_agreement(lab, kp[:13])


def test_silhouette_iou_hand_computed():
    lab = np.zeros((4, 4), np.uint8)
    lab[0, :4] = [1, 5, 12, 0]                   # 3 part pixels
    lab[1, 0] = 7                                # 4 in all
    mask = np.zeros((4, 4), np.float32)
    mask[0, 1:4] = 0.9                           # 3 above 0.5, 2 of them on parts
    mask[2, 2] = 0.6                             # 1 more
    mask[3, 3] = 0.5                             # not > 0.5
    assert silhouette_iou(lab, mask) == pytest.approx(2 / 6)  # inter 2, union 4 + 4 - 2
    assert silhouette_iou(lab, mask, threshold=0.4) == pytest.approx(2 / 7)
    assert math.isnan(silhouette_iou(np.zeros((3, 3)), np.zeros((3, 3))))
    with pytest.raises(ValueError):
        silhouette_iou(lab, mask[:3])
