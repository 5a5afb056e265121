"""Fit-quality thresholds with answers worked out in the test: the PCK radius is half the torso (mid-shoulders to
mid-hips, measured here on the keypoints), a person under SMALL_PERSON_PX tall is small whatever its width, another
person covering half of this one's box overlaps it, a box inside a larger one is wholly overlapped, and the mask IoU
counts the fitted body where it reaches above the detector's box. The body is the mean body 80 m in front of NBF's
camera on a 256 px crop at (100, 50) of a 600 x 500 photo; the detected person is made from its projected joints
and its silhouette (filled here triangle by triangle)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from inference import fit_quality as fq
from inference.body_model import BodyModel
from inference.boxes import smaller_box_share
from inference.detect import Person
from inference.types import Silhouette
from tests.inference.test_fit_quality import mean_body_scene

# LSP order (R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder, L shoulder, L elbow,
# L wrist) -> BlazePose landmark, and the SMPL joint of each (by name)
BLAZE = (28, 26, 24, 23, 25, 27, 16, 14, 12, 11, 13, 15)
SMPL = (8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20)


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def scene(body):
    return mean_body_scene(body)


def _person(j2d, mask, shift=(0.0, 0.0), box=None) -> Person:
    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = 1.0
    kp[:, :2] = j2d[0] + shift
    for b, s in zip(BLAZE, SMPL):
        kp[b, :2] = j2d[s] + shift
    kp[:11, :2] = j2d[15] + shift  # face landmarks at the head joint
    if box is None:
        ys, xs = np.nonzero(mask)
        box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    return Person(np.asarray(box, np.float32), 0.9, kp, Silhouette.of(mask.astype(np.float32)))


def _torso(kp) -> float:
    shoulders, hips = (kp[11, :2] + kp[12, :2]) / 2, (kp[23, :2] + kp[24, :2]) / 2
    return float(np.hypot(*(shoulders - hips)))


def test_pck_counts_joints_within_half_the_torso(scene):
    pred, _, j2d, mask = scene
    p = _person(j2d, mask)
    torso = _torso(p.keypoints)
    assert torso > 40  # photo px
    q = fq.assess(replace(pred, people=(p,), person=0))
    assert q.pck_threshold_px == pytest.approx(0.5 * torso, rel=1e-6)
    assert q.pck == 1.0 and q.pck_n == 13
    # every detected joint moved by 0.4 torso: within; by 0.75 torso: none within
    for frac, want in ((0.4, 1.0), (0.75, 0.0)):
        moved = _person(j2d, mask, shift=(frac * torso, 0.0))
        q = fq.assess(replace(pred, people=(moved,), person=0))
        assert q.pck == want, frac


@pytest.mark.parametrize("w, h, small", [(400, 120, True), (120, 400, False), (150, 150, True), (100, 170, False)])
def test_a_small_person_is_one_of_little_height(scene, w, h, small):
    pred, _, j2d, mask = scene
    box = (50.0, 100.0, 50.0 + w, 100.0 + h)
    q = fq.assess(replace(pred, people=(_person(j2d, mask, box=box),), person=0))
    assert any(s.startswith("small person") for s in q.warnings) == small, q.warnings


@pytest.mark.parametrize("share, warned", [(0.5, True), (0.2, False), (1.0, True)])
def test_another_person_covering_part_of_the_box_is_an_overlap(scene, share, warned):
    pred, _, j2d, mask = scene
    p = _person(j2d, mask)
    x0, y0, x1, y1 = (float(v) for v in p.box)
    # the other person: as tall as this one, covering `share` of its width (and reaching 300 px to its right)
    other = replace(p, box=np.array([x1 - share * (x1 - x0), y0, x1 + 300.0, y1], np.float32))
    q = fq.assess(replace(pred, people=(p, other), person=0))
    assert any("another person overlaps" in s for s in q.warnings) == warned, q.warnings


def test_a_box_inside_a_larger_one_is_wholly_shared():
    inner, outer = (10.0, 10.0, 20.0, 30.0), (0.0, 0.0, 100.0, 100.0)
    assert smaller_box_share(inner, outer)[0, 0] == 1.0
    assert smaller_box_share(outer, inner)[0, 0] == 1.0
    half = (15.0, 10.0, 40.0, 30.0)  # half of inner's width, inner's height: 100 of 200 px of inner
    assert smaller_box_share(inner, half)[0, 0] == pytest.approx(0.5)


def test_the_mask_iou_counts_the_body_above_the_detectors_box(scene):
    """The detector's box and mask stop at a row through the chest; the fitted body goes on above it. The IoU is
    that of the whole silhouettes: the mask's pixels over the body's (the mask is the body below the row)."""
    pred, _, j2d, mask = scene
    ys, xs = np.nonzero(mask)
    cut = int(ys.min() + 0.3 * (ys.max() - ys.min()))
    low = mask.copy()
    low[:cut] = 0
    box = (xs.min(), cut, xs.max() + 1, ys.max() + 1)
    q = fq.assess(replace(pred, people=(_person(j2d, low, box=box),), person=0))
    want = low.sum() / mask.sum()
    assert want < 0.85
    assert q.mask_iou == pytest.approx(want, abs=0.03)
    assert q.mask_inside == pytest.approx(want, abs=0.03)
