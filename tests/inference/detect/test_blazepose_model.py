"""inference/detect/blazepose_model.py: the detector's anchors and suppression, the landmark model's heatmap
refinement and the mirror's average (arrays only; no detector runtime needed)."""
from __future__ import annotations

import numpy as np
import pytest

from inference.detect.blazepose_model import ssd_anchors, weighted_nms
from tests.inference.test_boxes import exact_iou, tie_pairs


def test_anchor_grid_matches_the_detector_output():
    a = ssd_anchors()
    assert a.shape == (2254, 2)
    assert a.min() > 0 and a.max() < 1
    assert np.allclose(a[0], [0.5 / 28, 0.5 / 28]) and np.allclose(a[-1], [6.5 / 7, 6.5 / 7])


def test_weighted_nms_merges_overlaps_and_keeps_separate_people():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float32)
    kps = np.zeros((3, 4, 2), np.float32)
    kps[1] += 2
    b, k, s = weighted_nms(boxes, kps, np.array([0.9, 0.6, 0.7], np.float32))
    assert len(s) == 2 and s[0] == pytest.approx(0.9)
    assert b[0, 0] == pytest.approx(0.6 / 1.5) and k[0, 0, 0] == pytest.approx(2 * 0.6 / 1.5)


def test_weighted_nms_merges_a_tie_as_its_exact_iou_says():
    """Two detections whose IoU is 1/2 up to the rounding of their float32 corners are one cluster at iou=0.5 only
    when their exact IoU is over 1/2 (`inference.boxes.box_iou` in float64, as the crowd scoring judges them)."""
    kps, scores = np.zeros((2, 4, 2), np.float32), np.array([0.9, 0.8], np.float32)
    wrong = [(a, b) for a, b in tie_pairs()
             if (len(weighted_nms(np.stack([a, b]), kps, scores, iou=0.5)[2]) == 1) != (exact_iou(a, b) > 0.5)]
    assert not wrong


def test_mirror_averaging_takes_the_mean_only_where_the_two_looks_agree():
    from inference.detect.blazepose_model import MirrorPass, mirror_averaged

    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = 0.9
    refined = np.zeros((33, 2), np.float32)
    refined[0] = (4.0, 0.0)     # 0.04 body radii away: averaged
    refined[1] = (30.0, 0.0)    # 0.3: one of them went astray, kept
    mirror = MirrorPass(raw=refined, refined=refined, visibility=np.full(33, 0.5, np.float32), presence=0.9,
                        radius=100.0)
    out = mirror_averaged(kp, mirror)
    np.testing.assert_allclose(out[0], (2.0, 0.0, 0.7))
    np.testing.assert_allclose(out[1], (0.0, 0.0, 0.9))
    np.testing.assert_allclose(kp[0], (0.0, 0.0, 0.9))  # the input is left alone


def test_heatmap_refinement_moves_each_landmark_to_its_window_mean():
    """`refine_with_heatmap` against a landmark-at-a-time reading of its rule: the confidence-weighted mean of the
    7x7 window (cut at the map's edge) where the window's peak confidence reaches 0.5; landmarks off the map, in
    a window under that peak, or NaN stay where the regression put them."""
    from inference.detect import blazepose_model as bp

    def one_at_a_time(uv, logits):
        n, out, r = logits.shape[0], uv.copy(), bp.HEATMAP_KERNEL // 2
        for k in range(len(uv)):
            if not np.all(np.isfinite(uv[k])):
                continue
            col, row = int(uv[k, 0] * n), int(uv[k, 1] * n)
            if not (0 <= col < n and 0 <= row < n):
                continue
            r0, r1, c0, c1 = max(row - r, 0), min(row + r + 1, n), max(col - r, 0), min(col + r + 1, n)
            conf = 1 / (1 + np.exp(-logits[r0:r1, c0:c1, k].astype(np.float64)))
            if conf.max() < bp.HEATMAP_MIN_CONF:
                continue
            rows, cols = np.mgrid[r0:r1, c0:c1]
            out[k] = ((cols + 0.5) * conf).sum() / conf.sum() / n, ((rows + 0.5) * conf).sum() / conf.sum() / n
        return out

    rng = np.random.default_rng(3)
    moved = kept = 0
    for _ in range(30):
        uv = rng.uniform(-0.1, 1.1, (33, 2)).astype(np.float32)
        uv[:4] = [[0.0, 0.0], [0.999, 0.5], [0.5, 0.01], [np.nan, 0.5]]  # corner, edges, NaN
        logits = rng.normal(-1.0, 2.5, (64, 64, 33)).astype(np.float32)
        got, want = bp.refine_with_heatmap(uv, logits), one_at_a_time(uv, logits)
        assert np.allclose(got, want, atol=1e-6, equal_nan=True)
        moved += int(np.sum(np.any(np.abs(got - uv) > 1e-7, axis=1)))
        kept += int(np.sum(np.all(got[4:] == uv[4:], axis=1)))
    assert moved > 100 and kept > 100  # both branches taken
