"""The part map of a half-length portrait loses the leg labels the photo cannot show (inference/unseen_legs.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inference.types import PartMap
from inference.unseen_legs import SHINS, THIGHS, without_unseen_legs

S, R = 256, 128  # crop pixels, label pixels
ROOT = Path(__file__).resolve().parents[2]


def _portrait() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LSP keypoints (14, 2) crop px of an upright person facing the camera (shoulders at y 60, hips at y 120: torso
    60 px), no knee or ankle seen, and the photo's area on the crop ending 10 px below the hips."""
    j = np.zeros((14, 2), np.float32)
    j[[8, 9]] = [[108, 60], [148, 60]]    # right, left shoulder (the subject's right on the image's left)
    j[[2, 3]] = [[118, 120], [138, 120]]  # right, left hip
    j[[7, 10]] = [[100, 90], [156, 90]]   # right, left elbow
    j[[6, 11]] = [[96, 110], [160, 110]]  # right, left wrist, hanging beside the hips
    j[[12, 13]] = [[128, 55], [128, 30]]  # neck, head
    conf = np.ones(14, np.float32)
    conf[[0, 1, 4, 5]] = 0.0
    area = np.ones((S, S), bool)
    area[130:] = False
    return j, conf, area


def _map(labels: np.ndarray) -> PartMap:
    """A PartMap whose probabilities put 0.7 on `labels` (r, r), 0.2 on the lower torso and 0.1 on background (the
    network's own probabilities beside them, as the detector's silhouette leaves them)."""
    probs = np.zeros((13, R, R), np.float32)
    probs[8] += 0.2
    probs[0] += 0.1
    np.put_along_axis(probs, labels[None].astype(np.int64), 0.7, axis=0)
    probs /= probs.sum(0, keepdims=True)
    return PartMap(probs.argmax(0).astype(np.uint8), probs, network_probs=probs.copy())


def test_a_half_length_portrait_keeps_no_shins_and_no_thighs_without_hips():
    j, conf, area = _portrait()
    labels = np.zeros((R, R), np.uint8)
    labels[45:55, 40:50] = 5    # a "left thigh" on the right arm, half a torso above the hips (label row 60)
    labels[62:65, 55:65] = 6    # a right thigh just below the hips
    labels[60:64, 80:85] = 11   # a shin at the photo's bottom edge
    parts = _map(labels)
    out = without_unseen_legs(parts, j, conf, area)
    assert out.absent == SHINS
    assert not np.isin(out.labels, SHINS).any()
    assert (out.labels[60:64, 80:85] == 8).all()   # the shin pixels: body still, their likeliest other part
    assert (out.labels[45:55, 40:50] == 5).all()   # a hip seen: thighs stay
    assert (out.labels[62:65, 55:65] == 6).all()
    assert out.probs is parts.probs and out.network_probs is parts.network_probs  # the network's answer as it was
    assert out.confidence() == parts.confidence()
    # no hip seen either: no thigh
    no_hips = conf.copy()
    no_hips[[2, 3]] = 0.0
    gone = without_unseen_legs(parts, j, no_hips, area)
    assert gone.absent == THIGHS + SHINS
    assert not np.isin(gone.labels, THIGHS + SHINS).any()
    assert (gone.labels[45:55, 40:50] == 8).all()
    assert ((gone.labels > 0) == (parts.labels > 0)).all()  # the same body
    painted = gone.painted()                     # what the fitting network and the refinement read
    np.testing.assert_array_equal(painted.labels, parts.labels)
    assert painted.absent == () and painted.probs is parts.probs and painted.network_probs is parts.network_probs


def test_legs_the_photo_shows_stay():
    j, conf, area = _portrait()
    labels = np.zeros((R, R), np.uint8)
    labels[45:55, 40:50] = 5
    labels[60:64, 80:85] = 11
    parts = _map(labels)
    knee = conf.copy()
    knee[1] = 1.0                                        # a knee seen: the legs are in the photo
    assert without_unseen_legs(parts, j, knee, area) is parts
    assert without_unseen_legs(parts, j, conf, np.ones((S, S), bool)) is parts  # the crop inside the photo
    lower = np.ones((S, S), bool)
    lower[170:] = False                                  # the photo ends 50 px (most of a thigh) below the hips
    assert without_unseen_legs(parts, j, conf, lower) is parts
    assert without_unseen_legs(parts, None, None, area) is parts
    assert without_unseen_legs(PartMap(labels), j, conf, area).labels is labels  # no probabilities: as it is


@pytest.mark.slow
def test_the_grey_astronaut_shows_no_legs():
    """A real half-length portrait through the whole pipeline: the grey astronaut of the bundled photos, cut at the
    waist (the detector sees no hip, knee or ankle), on a crop the search extends to a whole body below the photo.
    The segmentation paints thighs on her lap; the map the Prediction carries has no leg at all."""
    from inference.detect import detector_available
    from inference.pipeline import Predictor

    if not (ROOT / "resources" / "weights" / "seg.pt").exists():
        pytest.skip("shipped weights not there")
    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    photo = ROOT / "resources" / "photos" / "astronaut_grey.jpg"
    legs = THIGHS + SHINS
    as_painted = Predictor(refine=False, device="cpu", unseen_legs=False).predict(photo)
    assert as_painted.person >= 0 and np.isin(as_painted.parts.labels, legs).sum() > 50
    p = Predictor(refine=False, device="cpu").predict(photo)
    assert not np.isin(p.parts.labels, legs).any()
    body, before = (p.parts.labels > 0).sum(), (as_painted.parts.labels > 0).sum()
    assert body == before  # the same body, other parts
    for a, b in ((p.params.body_pose, as_painted.params.body_pose), (p.params.betas, as_painted.params.betas)):
        assert np.array_equal(np.asarray(a), np.asarray(b))  # the fit read the map as painted
