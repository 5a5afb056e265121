"""A leaning person's crop turned upright for the networks and their answer turned back (inference/upright.py)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.crop import apply_crop
from inference.geometry import project_points
from inference.metrics import pa_mpjpe
from inference.pipeline import WEIGHTS_DIR, Predictor
from inference.types import BodyParams, Crop
from inference.upright import TURN_MIN_DEG, torso_turn, turn_map, turn_params, turn_points, turn_probs, turned_crop

TEST_SEED = 987655  # not a seed of any training cache


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


def _torso(hips, shoulders) -> tuple[np.ndarray, np.ndarray]:
    """14 LSP keypoints with only the hips and shoulders seen (crop pixels)."""
    j = np.zeros((14, 2), np.float32)
    c = np.zeros(14, np.float32)
    j[[2, 3]], j[[8, 9]] = hips, shoulders
    c[[2, 3, 8, 9]] = 0.9
    return j, c


@pytest.mark.parametrize("angle", [30.0, -75.0, 180.0, 123.0])
def test_a_turned_body_projects_where_its_picture_turns(body, angle):
    """Turning the picture about the crop's centre is turning the body about the camera's optical axis, exactly:
    the turned body's joints project onto the turned projection of the body's (its root is off the origin)."""
    rng = np.random.default_rng(3)
    p = BodyParams.from_pose(rng.normal(0, 0.3, 72), rng.normal(0, 1, 10), np.array([0.3, -0.2, -38.0]))
    q = turn_params(p, angle, body)
    j = project_points(body.mesh(p).joints, FOCAL, CROP_SIZE)
    jq = project_points(body.mesh(q).joints, FOCAL, CROP_SIZE)
    np.testing.assert_allclose(jq, turn_points(j, angle, CROP_SIZE), atol=1e-3)
    back = turn_params(q, -angle, body)
    np.testing.assert_allclose(body.mesh(back).vertices, body.mesh(p).vertices, atol=1e-5)
    np.testing.assert_allclose(back.body_pose, p.body_pose)  # the pose itself is untouched


def test_the_torso_turn_brings_mid_hips_to_mid_shoulders_up():
    # lying with the head to the left (screen): turned clockwise, -90
    assert torso_turn(*_torso([[150, 120], [150, 140]], [[60, 120], [60, 140]])) == pytest.approx(-90.0)
    # head down: half a turn
    assert abs(torso_turn(*_torso([[120, 60], [140, 60]], [[120, 160], [140, 160]]))) == pytest.approx(180.0)
    # leaning 45 degrees to the right on the screen (clockwise): turned back counter-clockwise
    j, c = _torso([[128, 150], [128, 150]], [[178, 100], [178, 100]])
    assert torso_turn(j, c) == pytest.approx(45.0)
    # the turned keypoints' torso points up
    t = turn_points(j, torso_turn(j, c), CROP_SIZE)
    up = t[[8, 9]].mean(0) - t[[2, 3]].mean(0)
    assert up[0] == pytest.approx(0.0, abs=1e-3) and up[1] < 0
    # a lean under the threshold is read as it is
    j, c = _torso([[128, 200], [128, 200]], [[128 + np.tan(np.radians(20)) * 100, 100]] * 2)
    assert torso_turn(j, c) == pytest.approx(20.0 if TURN_MIN_DEG < 20 else 0.0)
    assert torso_turn(j, c, min_deg=25.0) == 0.0
    # a missing hip or no keypoints: read as they are
    j, c = _torso([[150, 120], [150, 140]], [[60, 120], [60, 140]])
    c[3] = 0
    assert torso_turn(j, c) == 0.0
    assert torso_turn(None, None) == 0.0


def test_the_turned_crop_is_sampled_from_the_photo():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (300, 400, 3)).astype(np.uint8)
    crop = Crop(np.array([20.0, -10.0], np.float32), 0.9, CROP_SIZE)
    np.testing.assert_array_equal(turned_crop(img, crop, 0.0), apply_crop(img, crop))
    turned = turned_crop(img, crop, 90.0).astype(int)
    expected = cv2.rotate(apply_crop(img, crop), cv2.ROTATE_90_COUNTERCLOCKWISE).astype(int)
    assert np.abs(turned - expected)[2:-2, 2:-2].mean() < 0.05
    # at 45 degrees the crop's corners come from the photo, not from a black border
    smooth = np.full((600, 600, 3), 200, np.uint8)
    c = Crop(np.array([150.0, 150.0], np.float32), 1.0, CROP_SIZE)
    assert turned_crop(smooth, c, 45.0).min() == 200


def test_probabilities_turn_back_and_bring_background_from_outside():
    r = 64
    probs = np.zeros((13, r, r), np.float32)
    probs[0] = 1.0
    probs[0, 20:44, 28:36], probs[5, 20:44, 28:36] = 0.0, 1.0  # an upright bar of part 5
    turned = turn_probs(probs, 90.0)
    np.testing.assert_allclose(turned.sum(0), 1.0, atol=1e-5)  # still probabilities, corners background
    labels = turned.argmax(0)
    ys, xs = np.nonzero(labels == 5)
    assert np.ptp(xs) > np.ptp(ys)  # the bar lies on its side
    back = turn_probs(turned, -90.0).argmax(0)
    assert (back == probs.argmax(0)).mean() > 0.99
    m = turn_map(np.ones((r, r), np.float32), 45.0)
    assert m[0, 0] == 0.0 and m[r // 2, r // 2] == 1.0


@pytest.fixture(scope="module")
def shipped(body) -> Predictor:
    if not ((WEIGHTS_DIR / "seg.pt").exists() and (WEIGHTS_DIR / "fit.pt").exists()):
        pytest.skip("shipped weights not there yet")
    from inference.detect import detector_available

    ok, why = detector_available()
    if not ok:
        pytest.skip(f"no person detector: {why}")
    return Predictor(body_model=body, device="cpu", detect="on")


def test_a_lying_person_is_read_upright_and_fitted_lying(shipped, body):
    """A synthetic person turned onto their side: the networks read the crop turned upright, and the body comes
    back lying along the detector's torso in the crop, its pose as good as the upright person's."""
    from training.synth.generator import SampleRenderer

    r = SampleRenderer(body, size=CROP_SIZE)
    s = r.render(TEST_SEED, 3)  # (index 0 turned on its side is not found by the detector)
    r.renderer.close()
    h, w = s.image.shape[:2]
    # turned 90 degrees and shrunk so the limbs stay in the picture
    M = cv2.getRotationMatrix2D((w / 2, h / 2), 90.0, 0.7)
    img = cv2.warpAffine(s.image, M, (w, h), borderMode=cv2.BORDER_REPLICATE)
    errors, found = {}, {}
    for upright in (True, False):
        shipped.upright = upright
        try:
            found[upright] = shipped.predict(img)
        finally:
            shipped.upright = True
        errors[upright] = float(pa_mpjpe(found[upright].mesh.joints[None], s.joints3d[None])[0]) * 1000
    p = found[True]
    from inference.detect.person_inputs import crop_inputs

    j, c = crop_inputs(p.people[p.person], p.crop, img.shape)[:2]
    assert torso_turn(j, c) != 0.0
    # the fitted torso (pelvis -> neck, projected) lies along the detector's, not against it
    fitted = p.joints2d[12] - p.joints2d[0]
    seen = j[[8, 9]].mean(0) - j[[2, 3]].mean(0)
    cos = float(fitted @ seen / np.linalg.norm(fitted) / np.linalg.norm(seen))
    assert cos > 0.85, cos
    assert errors[True] < 120.0, errors
    assert errors[True] < errors[False], errors
    # the part map came back onto the crop as it is: it covers the person's silhouette there
    mask = crop_inputs(p.people[p.person], p.crop, img.shape)[2]
    r = p.parts.labels.shape[0]
    person = cv2.resize(mask, (r, r), interpolation=cv2.INTER_AREA) > 0.5
    body_px = p.parts.labels > 0
    assert (person & body_px).sum() / (person | body_px).sum() > 0.6


def test_a_turned_reading_that_paints_nothing_is_not_kept(shipped, body, monkeypatch):
    """A network that paints no part in the turned crop would otherwise be "sure" of it (nothing to doubt)."""
    from training.synth.generator import SampleRenderer

    r = SampleRenderer(body, size=CROP_SIZE)
    s = r.render(TEST_SEED, 3)
    r.renderer.close()
    h, w = s.image.shape[:2]
    img = cv2.warpAffine(s.image, cv2.getRotationMatrix2D((w / 2, h / 2), 90.0, 0.7), (w, h),
                         borderMode=cv2.BORDER_REPLICATE)
    assert shipped.predict(img).turn != 0.0
    import inference.pipeline as pipeline

    segment, turned = shipped.segment, []
    monkeypatch.setattr(pipeline, "turned_crop", lambda *a, **k: turned.append(1) or turned_crop(*a, **k))

    def blind_when_turned(crop_image, joints2d=None, conf=None):
        parts = segment(crop_image, joints2d, conf)
        if turned:  # the turned crop: background everywhere
            turned.clear()
            probs = np.zeros_like(parts.probs)
            probs[0] = 1.0
            return type(parts)(np.zeros_like(parts.labels), probs)
        return parts

    monkeypatch.setattr(shipped, "segment", blind_when_turned)
    p = shipped.predict(img)
    assert p.turn == 0.0 and (p.parts.labels > 0).any()


def test_a_skeleton_drawn_upside_down_on_an_upright_person_leaves_the_crop_upright(shipped, body):
    """The detector can draw a skeleton upside down (raised hands taken for feet): the torso then says "turn by half
    a turn", but the segmentation network is surer of the crop as it is, and that reading is kept."""
    from dataclasses import replace

    from training.synth.generator import SampleRenderer

    r = SampleRenderer(body, size=CROP_SIZE)
    s = r.render(TEST_SEED, 1)
    r.renderer.close()
    person = shipped.people(s.image)[0]
    kp = np.array(person.keypoints, np.float32, copy=True)
    # BlazePose's shoulders (11, 12) and hips (23, 24) exchanged: the torso points down
    kp[[11, 12, 23, 24]] = kp[[23, 24, 11, 12]]
    flipped = replace(person, keypoints=kp)
    from inference.crop import crop_for_box
    from inference.detect.person_inputs import crop_inputs

    crop = crop_for_box(None, s.image.shape, CROP_SIZE)
    assert abs(torso_turn(*crop_inputs(flipped, crop, s.image.shape)[:2])) > 135
    p = shipped.predict(s.image, found=flipped, crop=crop)
    assert p.turn == 0.0
    # the body stands as the person does: the neck above the pelvis in the picture
    assert p.joints2d[12, 1] < p.joints2d[0, 1]
