"""scripts/study_keypoint_sides.py: a forearm painted as the other side's, under that side's wrist, is marked; one
painted as its own, or both forearms painted as one component, is not."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_keypoint_sides  # noqa: E402

LEFT_FOREARM, RIGHT_FOREARM = 3, 10


def _keypoints(right_wrist, left_wrist):
    j = np.zeros((14, 2), np.float32)
    c = np.zeros(14, np.float32)
    j[6], j[11] = right_wrist, left_wrist
    c[[6, 11]] = 1
    return j, c


def test_a_forearm_under_the_other_sides_wrist_is_marked():
    labels = np.zeros((64, 64), np.uint8)
    labels[10:20, 10:20] = LEFT_FOREARM   # under the right wrist: the wrong side
    labels[40:50, 40:50] = LEFT_FOREARM   # under the left wrist: right
    j, c = _keypoints((30, 30), (90, 90))  # crop px of a 128 px crop: (15, 15) and (45, 45) on the map
    marked = study_keypoint_sides.wrong_side(labels, j, c, 128)
    assert marked[10:20, 10:20].all() and not marked[40:50, 40:50].any() and marked.sum() == 100


def test_both_wrists_on_one_component_leave_it_alone_and_missing_wrists_mark_nothing():
    labels = np.zeros((64, 64), np.uint8)
    labels[10:50, 10:50] = RIGHT_FOREARM
    j, c = _keypoints((30, 30), (90, 90))
    assert not study_keypoint_sides.wrong_side(labels, j, c, 128).any()
    assert not study_keypoint_sides.wrong_side(labels, j, np.zeros(14, np.float32), 128).any()
