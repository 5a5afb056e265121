"""The app's keypoint-part agreement (inference/fit_quality.py `assess`) counts only the keypoints inside the photo,
as scripts/eval_real_parts.py does on the part map in the photo's frame: the crop's part map reaches past the
photo's edge, and a confident keypoint there (the detector guesses a hidden elbow) must not count for or against
the map. Real body model, real crop geometry; the part map is drawn by hand so every keypoint's answer is known."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from inference import fit_quality as fq
from inference.body_model import BodyModel
from inference.crop import uncrop_labels
from inference.detect import Person
from inference.metrics import keypoint_part_agreement
from inference.types import PartMap
from tests.inference.test_fit_quality import mean_body_scene

HEAD = 1  # label of the head (1 + part index 0, inference.parts.PART_NAMES)
FACE = range(11)  # BlazePose's face keypoints: their part is the head
WRISTS = (15, 16)


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


def cut_person(body):
    """`mean_body_scene` (a 600 x 500 photo; the 256 px crop at (100, 50), 2 photo px per crop px, reaches 12 px
    past its right edge) with a 128 px part map that is head everywhere, and a person whose 11 face keypoints lie
    on it inside the photo while both wrists, confident, lie past the photo's right edge on the crop's map (where a
    wrist on the head disagrees): (prediction, keypoints (33, 3))."""
    pred, _, _, mask = mean_body_scene(body)
    kp = np.zeros((33, 3), np.float64)
    kp[:, :2] = (300.0, 250.0)
    kp[list(FACE), :2] = np.column_stack([np.linspace(280, 320, 11), np.full(11, 120.0)])
    kp[list(FACE), 2] = 1.0
    kp[15, :2], kp[16, :2] = (603.0, 300.0), (608.0, 320.0)  # on the crop's map: x = (603 - 100) / 4 = 125.75
    kp[list(WRISTS), 2] = 1.0
    kp[[11, 12], :2], kp[[23, 24], :2] = ((280, 160), (320, 160)), ((285, 300), (315, 300))  # the torso: the radius
    ys, xs = np.nonzero(mask)
    person = Person(np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32), 0.9, kp.astype(np.float32),
                    mask=None)
    pred = replace(pred, parts=PartMap(np.full((128, 128), HEAD, np.uint8)), people=(person,), person=0)
    return pred, kp


def test_keypoints_outside_the_photo_do_not_count(body):
    """Over the 11 face keypoints (all on the head): 100 %. Counting the two wrists past the edge, which read the
    head on the crop's map, gave 11 of 13 (85 %)."""
    pred, kp = cut_person(body)
    h, w = pred.image.shape[:2]
    on_map = pred.crop.to_crop(kp[list(WRISTS), :2]) * (128 / pred.crop.size)
    assert ((on_map >= 0) & (on_map < 128)).all() and (kp[list(WRISTS), 0] >= w).all()  # the scene is as said
    q = fq.assess(pred)
    assert q.agreement_n == 11
    assert q.agreement == 1.0
    assert q.swaps == 0.0


def test_the_app_counts_the_keypoints_the_evaluation_counts(body):
    """The same person on the part map in the photo's frame, as scripts/eval_real_parts.py measures it (there a
    keypoint outside the photo is outside the map, and the script drops it by the app's own rule too): the same
    keypoints, the same figure."""
    pred, kp = cut_person(body)
    photo_map = uncrop_labels(np.asarray(pred.parts.labels), pred.crop, pred.image.shape)
    on_photo_map = keypoint_part_agreement(photo_map, kp)
    q = fq.assess(pred)
    assert (q.agreement_n, q.agreement) == (on_photo_map.n, on_photo_map.agreement) == (11, 1.0)
    published = keypoint_part_agreement(photo_map, fq.photo_keypoints(kp, pred.image.shape))
    assert (published.n, published.agreement) == (11, 1.0)


def test_in_photo_is_the_metrics_rule_for_a_map_in_the_photos_frame():
    """`in_photo` keeps exactly the keypoints keypoint_part_agreement counts on a map the photo's size (pixel i
    covers [i, i + 1)): points on and around every edge, and NaN."""
    h, w = 40, 60
    xs = np.array([-0.5, -1e-6, 0.0, 0.5, 30.0, w - 1e-3, float(w), w + 0.5, np.nan])
    ys = np.array([-0.5, -1e-6, 0.0, 20.0, h - 1e-3, float(h), h + 0.5, np.nan])
    labels = np.full((h, w), HEAD, np.uint8)
    for x in xs:
        for y in ys:
            kp = np.zeros((33, 3))
            kp[:, :2] = (30.0, 20.0)  # the torso keypoints at one point: the radius is the minimum
            kp[0] = (x, y, 1.0)        # only the nose is confident
            counted = keypoint_part_agreement(labels, kp).n == 1
            assert bool(fq.in_photo(np.array([[x, y]]), (h, w))[0]) == counted, (x, y)
            assert (fq.photo_keypoints(kp, (h, w))[0, 2] == 1.0) == counted, (x, y)


def test_photo_keypoints_leaves_the_callers_keypoints_alone():
    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = 1.0
    kp[5, :2] = (-3.0, 4.0)
    out = fq.photo_keypoints(kp, (10, 10))
    assert out[5, 2] == 0.0 and out[4, 2] == 1.0
    assert kp[5, 2] == 1.0
