"""The street measure's matching of detections to hand-marked people (scripts/eval_street.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_street  # noqa: E402


def test_each_mark_and_each_box_count_once():
    boxes = np.array([[0, 0, 50, 100], [40, 0, 90, 100], [200, 0, 220, 20]], np.float32)
    # two marked people side by side; the first box holds both, the second only the right one
    points = np.array([[20, 50], [60, 50], [500, 500]], np.float32)
    who, found = eval_street.match(boxes, points)
    assert who.tolist() == [0, 1, -1]  # the third box holds nobody: a false person
    assert found.tolist() == [True, True, False]  # the far mark was missed


def test_two_boxes_on_one_person_leave_one_false():
    boxes = np.array([[0, 0, 50, 100], [5, 5, 45, 95]], np.float32)
    who, found = eval_street.match(boxes, np.array([[25, 50]], np.float32))
    assert sorted(who.tolist()) == [-1, 0] and found.all()


def test_the_marked_people_lie_inside_the_frames():
    for name, pts in eval_street.PEOPLE.items():
        p = np.array(pts)
        assert (p[:, 0] < 768).all() and (p[:, 1] < 576).all() and (p >= 0).all(), name
    assert sum(len(p) for p in eval_street.PEOPLE.values()) == 19
