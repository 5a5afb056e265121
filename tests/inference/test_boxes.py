"""inference/boxes.py: the one IoU and the two shares, for every pair of two lists of boxes, in float64, so the
detector and the crowd scoring that judges it decide a tie alike."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from inference.boxes import box_area, box_intersection, box_iou, box_share, smaller_box_share


def exact_iou(a, b) -> Fraction:
    """The IoU of two boxes in exact arithmetic on their stored values (boxes that overlap)."""
    a, b = [Fraction(float(v)) for v in a], [Fraction(float(v)) for v in b]
    inter = (min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1]))
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def tie_pairs():
    """Float32 box pairs whose IoU is 1/2 up to the rounding of their corners (a box 3w x w and the same box moved
    w to the right, at fractional offsets; for about a quarter it is exactly 1/2): computed in float32, the IoU of
    many of them falls on the wrong side of 0.5."""
    for w in range(1, 60):
        for off in (0.1, 0.3, 0.7, 1.3, 17.9, 33.3, 100.2, 1023.1):
            yield (np.array([off, off, off + 3 * w, off + w], np.float32),
                   np.array([off + w, off, off + 4 * w, off + w], np.float32))


def test_iou_of_every_pair_is_a_float64_matrix():
    a = np.array([[0, 0, 10, 10], [100, 100, 110, 120]], np.float32)
    b = np.array([[5, 0, 15, 10], [0, 0, 10, 10], [200, 200, 201, 201]], np.float32)
    iou = box_iou(a, b)
    assert iou.shape == (2, 3) and iou.dtype == np.float64
    np.testing.assert_allclose(iou[0], [1 / 3, 1.0, 0.0])
    np.testing.assert_array_equal(iou[1], 0.0)
    assert box_iou(a[0], b).shape == (1, 3)  # one box (4,) is a list of one
    assert box_iou(a[:1], b[:0]).shape == (1, 0)  # nobody to compare with
    np.testing.assert_array_equal(box_area(a), [100.0, 200.0])
    np.testing.assert_array_equal(box_intersection(a, b)[0], [50.0, 100.0, 0.0])


def test_empty_and_inverted_boxes_overlap_nothing():
    inverted = np.array([3, 3, 0, 0], np.float32)
    point = np.array([5, 5, 5, 5], np.float32)
    big = np.array([0, 0, 10, 10], np.float32)
    for f in (box_iou, box_share, smaller_box_share):
        assert f(inverted, inverted)[0, 0] == 0.0 and f(point, big)[0, 0] == 0.0 and f(big, point)[0, 0] == 0.0


def test_a_box_inside_another_by_each_measure():
    inner = np.array([10, 10, 20, 20], np.float32)
    outer = np.array([0, 0, 40, 40], np.float32)
    assert box_iou(inner, outer)[0, 0] == pytest.approx(1 / 16)
    assert box_share(inner, outer)[0, 0] == 1.0 and box_share(outer, inner)[0, 0] == pytest.approx(1 / 16)
    assert smaller_box_share(inner, outer)[0, 0] == 1.0 and smaller_box_share(outer, inner)[0, 0] == 1.0
    half = np.array([15, 10, 35, 20], np.float32)  # twice the inner box's area, over half of it
    assert smaller_box_share(half, inner)[0, 0] == pytest.approx(0.5)
    np.testing.assert_allclose(box_share(np.stack([inner, outer]), np.stack([outer, inner])),
                               [[1.0, 1.0], [1.0, 1 / 16]])


def test_float32_boxes_are_judged_as_exact_arithmetic_judges_them_at_a_tie():
    """Over 0.5 (and at least 0.5) exactly when the exact IoU of the stored corners is: the detector's `>= 0.5`
    and `> NMS_IOU`, and `crowd.match_people`'s `< 0.5`, judge a tie as the numbers say."""
    wrong = [(a, b) for a, b in tie_pairs() if (box_iou(a, b)[0, 0] > 0.5) != (exact_iou(a, b) > Fraction(1, 2))
             or (box_iou(a, b)[0, 0] >= 0.5) != (exact_iou(a, b) >= Fraction(1, 2))]
    assert not wrong
