"""Metric values worked out by hand: the left/right swap share of a hand-built confusion matrix, and the paper's
body errors in millimetres of meshes whose differences are known."""
from __future__ import annotations

import math

import numpy as np
import pytest

from inference.metrics import IoUAccumulator, body_errors_mm, confusion_matrix, left_right_swaps, pck
from inference.types import BodyMesh

# label values: 3 left forearm+hand, 10 right forearm+hand, 4 right upper arm, 9 left upper arm, 5 left thigh,
# 6 right thigh, 11 left shin+foot, 12 right shin+foot; 0 background, 1 head, 2 upper torso, 7 neck, 8 lower torso
LEFT_RIGHT = ((3, 10), (4, 9), (5, 6), (11, 12))


def test_swaps_of_one_pair():
    conf = np.zeros((13, 13), np.int64)
    conf[5, 5], conf[5, 6] = 30, 10  # left thigh: 30 right, 10 called the right thigh
    conf[2, 2] = 100                 # torso
    assert left_right_swaps(conf) == pytest.approx(10 / 40)


def test_swaps_count_every_pair_both_ways_and_nothing_else():
    conf = np.zeros((13, 13), np.int64)
    kept = swapped = 0
    for n, (a, b) in enumerate(LEFT_RIGHT):
        conf[a, a], conf[a, b] = 10 + n, n + 1
        conf[b, b], conf[b, a] = 20 + n, 2 * n
        kept += 10 + n + 20 + n
        swapped += n + 1 + 2 * n
    want = swapped / (kept + swapped)
    assert (kept, swapped) == (132, 22) and want == pytest.approx(22 / 154)
    assert left_right_swaps(conf) == pytest.approx(want)
    # background, head, torso, neck counts and other mistakes of the sided parts leave it as it is
    more = conf.copy()
    for c in (0, 1, 2, 7, 8):
        more[c, c] += 1000
    more[0, 3] += 50
    more[3, 0] += 70
    more[5, 8] += 40
    more[2, 6] += 30
    assert left_right_swaps(more) == pytest.approx(want)
    # the shins count like the other pairs
    shins = np.zeros((13, 13), np.int64)
    shins[11, 11], shins[11, 12], shins[12, 12] = 6, 3, 1
    assert left_right_swaps(shins) == pytest.approx(3 / 10)
    assert IoUAccumulator.of(conf).left_right_swaps() == pytest.approx(want)


def test_swaps_without_sided_pixels_is_nan_and_all_swapped_is_one():
    conf = np.zeros((13, 13), np.int64)
    conf[0, 0], conf[1, 1], conf[2, 7] = 5, 6, 7
    assert math.isnan(left_right_swaps(conf))
    conf[9, 4] = 3
    assert left_right_swaps(conf) == 1.0


def test_confusion_matrix_ignores_labels_outside_the_classes():
    gt = np.array([[1, 13], [2, 255]])
    pred = np.array([[1, 1], [3, 1]])
    conf = confusion_matrix(pred, gt, 13)
    assert conf.sum() == 2 and conf[1, 1] == 1 and conf[2, 3] == 1


def test_pck_counts_a_joint_exactly_at_the_threshold():
    gt = np.zeros((1, 3, 2))
    pred = np.array([[[3.0, 4.0], [6.0, 8.0], [0.0, 1.0]]])  # distances 5, 10, 1
    assert pck(pred, gt, threshold_px=5.0) == pytest.approx(2 / 3)
    assert pck(pred, gt, threshold_px=4.999) == pytest.approx(1 / 3)


def _meshes():
    rng = np.random.default_rng(0)
    gv = rng.normal(0, 0.3, (4, 3))
    gj = rng.normal(0, 0.3, (3, 3))
    t = np.array([0.4, -0.2, 1.5])
    return gv, gj, t


def test_pve_is_measured_after_moving_each_pelvis_to_the_origin():
    """The prediction is the truth moved by t, with one vertex 10 mm further along x: pelvis-aligned, 3 vertices
    are exact and one 10 mm off (PVE 2.5 mm). Centred on the mean vertex instead, every vertex would be off
    (7.5 mm and three of 2.5 mm: 3.75 mm)."""
    gv, gj, t = _meshes()
    pv = gv + t
    pv[0, 0] += 0.010
    pj = gj + t
    faces = np.zeros((0, 3), np.int64)
    e = body_errors_mm(BodyMesh(pv, pj, faces), BodyMesh(gv, gj, faces))
    assert e.pve == pytest.approx(2.5, abs=1e-9)
    assert e.mpjpe == pytest.approx(0.0, abs=1e-9) and e.pa_mpjpe == pytest.approx(0.0, abs=1e-9)


def test_mpjpe_and_pa_mpjpe_in_millimetres():
    gv, gj, t = _meshes()
    pj = gj + t
    pj[2] += [0.0, 0.03, 0.0]  # one of three joints 30 mm off: 10 mm mean
    faces = np.zeros((0, 3), np.int64)
    e = body_errors_mm(BodyMesh(gv + t, pj, faces), BodyMesh(gv, gj, faces))
    assert e.mpjpe == pytest.approx(10.0, abs=1e-9) and e.pve == pytest.approx(0.0, abs=1e-9)
    # a rotated, scaled and moved copy of the truth is no error once Procrustes-aligned, but is pelvis-aligned
    c, s = math.cos(0.5), math.sin(0.5)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    e = body_errors_mm(BodyMesh(gv, 1.3 * gj @ R.T + t, faces), BodyMesh(gv, gj, faces))
    assert e.pa_mpjpe == pytest.approx(0.0, abs=1e-6)
    rel = gj - gj[0]
    want = np.linalg.norm(1.3 * rel @ R.T - rel, axis=1).mean() * 1000
    assert e.mpjpe == pytest.approx(want, rel=1e-9) and e.mpjpe > 50
