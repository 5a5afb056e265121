"""Fit quality (inference/fit_quality.py) and shape measurements (inference/body_measure.py) on the
embedded body model, without Qt or the networks: a body seen through a known crop camera, a "detected"
person made from its own projected joints and silhouette."""
import math
import warnings
from dataclasses import replace

import cv2
import numpy as np
import pytest

from inference import body_measure as bm
from inference import fit_quality as fq
from inference.detect import Person
from inference.joints import LSP_FROM_SMPL
from inference.photo_camera import photo_focal_and_centre, project_to_photo
from inference.types import BodyParams, Camera, Crop, PartMap, Prediction, Silhouette, Timings


@pytest.fixture(scope="module")
def body():
    from inference.body_model import BodyModel

    return BodyModel()


def _every_triangle(v2d, faces, shape) -> np.ndarray:
    """The reference silhouette: every triangle filled on its own."""
    mask = np.zeros(shape, np.uint8)
    for t in np.round(v2d[faces] * 16).astype(np.int32):
        cv2.fillConvexPoly(mask, t, 1, shift=4)
    return mask


def test_mesh_silhouette_fills_overlapping_triangles(body):
    """A bent body (arms across the torso, a leg raised): triangles overlap many times over; the
    silhouette is their union (one fillPoly call over them all leaves holes: 2.5 % of this body)."""
    from inference.geometry import project_points

    pose = np.zeros(69, np.float32)
    pose[15 * 3 + 2], pose[16 * 3 + 2] = -1.2, 1.2    # shoulders: arms down
    pose[17 * 3 + 1], pose[18 * 3 + 1] = -1.5, 1.5    # elbows: forearms across the body
    pose[0], pose[3 * 3] = -1.2, 1.5                   # left hip flexed, knee bent
    params = BodyParams(np.array([0.0, 0.6, 0.0], np.float32), pose, np.zeros(10, np.float32),
                        np.array([0.0, 0.0, -40.0], np.float32))
    v2d = project_points(body.mesh(params).vertices, 5000.0, 256)
    ref = _every_triangle(v2d, body.faces, (256, 256)) > 0
    sil = fq.mesh_silhouette(v2d, body.faces, (256, 256))
    assert ref.sum() > 2000
    assert (sil != ref).sum() < 0.005 * ref.sum()


def mean_body_scene(body):
    """The mean body 80 m in front of NBF's camera, on a 256 px crop placed at (100, 50) in a 600 x 500 photo
    (2 photo px per crop px), nobody detected: (prediction, its vertices (V, 2) and joints (24, 2) in photo pixels,
    its silhouette (500, 600) bool)."""
    mesh = body.mesh(BodyParams.zeros(80.0))
    crop = Crop(np.array([100.0, 50.0], np.float32), 0.5, 256)
    pred = Prediction(np.zeros((500, 600, 3), np.uint8), crop, np.zeros((256, 256, 3), np.uint8),
                      PartMap(np.zeros((128, 128), np.uint8)), BodyParams.zeros(80.0), mesh, Camera(5000.0, 256),
                      np.zeros((24, 2), np.float32), Timings())
    focal, centre = photo_focal_and_centre(crop, pred.camera)
    v2d, j2d = project_to_photo(mesh.vertices, focal, centre), project_to_photo(mesh.joints, focal, centre)
    return pred, v2d, j2d, _every_triangle(v2d, mesh.faces, (500, 600))


def _prediction(body, shift=(0.0, 0.0)):
    """`mean_body_scene` with the person detected: their keypoints are the projected joints + shift."""
    pred, _, j2d, mask = mean_body_scene(body)
    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = 1.0
    blaze = (28, 26, 24, 23, 25, 27, 16, 14, 12, 11, 13, 15)  # LSP order -> BlazePose landmarks
    for lsp, b in enumerate(blaze):
        kp[b, :2] = j2d[LSP_FROM_SMPL[lsp]] + shift
    kp[:11, :2] = j2d[15] + shift  # face landmarks at the head joint
    for b in range(33):
        if kp[b, 0] == 0:
            kp[b, :2] = j2d[0] + shift
    ys, xs = np.nonzero(mask)
    person = Person(np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32), 0.9, kp,
                    Silhouette.of(mask.astype(np.float32)))
    return replace(pred, people=(person,), person=0)


def test_self_consistent_fit_scores_full_pck_and_iou(body):
    q = fq.assess(_prediction(body))
    assert q.pck == 1.0 and q.pck_n == 13
    assert q.mask_iou > 0.95 and q.mask_inside > 0.97 and q.mask_source == "detector mask"
    assert q.detector_score == pytest.approx(0.9)
    assert q.agreement == 0.0  # the empty part map: no keypoint on its part
    assert q.verdict == "bad" and "bad fit" in q.summary()
    assert not any("cut by the frame" in w for w in q.warnings)


def test_a_fit_checked_on_few_joints_is_not_called_good(body):
    """With its own rendered part map the self-consistent fit is good; the same fit with the detector seeing only
    the shoulders, hips and a wrist (and so the neck, the shoulders' midpoint: 6 of the 13 joints) scores as well
    on those, but is doubtful, with a warning: the rest of the body is a guess."""
    pred = _rendered(body)
    full = fq.assess(pred)
    assert (full.verdict, full.pck_n) == ("good", 13) and full.agreement >= 0.75
    assert not any("joints seen" in w for w in full.warnings)
    kp = pred.people[0].keypoints.copy()
    seen = {11, 12, 23, 24, 15}  # shoulders, hips, the left wrist
    kp[[k for k in range(33) if k not in seen], 2] = 0.0
    few = fq.assess(replace(pred, people=(replace(pred.people[0], keypoints=kp),)))
    assert few.pck == 1.0 and few.pck_n == 6 and few.agreement >= 0.75 and few.mask_iou >= 0.65
    assert few.verdict == "doubtful"
    assert any("only 6 of 13 joints seen" in w for w in few.warnings)


def test_a_body_inside_a_loose_mask_is_inside_it_though_its_iou_falls(body):
    """A mask grown by loose clothes: the body covers less of it (IoU down) but lies wholly inside it; a mask
    shrunk away from the body's outline leaves part of the body outside."""
    import cv2

    pred = _prediction(body)
    p = pred.people[0]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31))
    tight = fq.assess(pred)
    loose = fq.assess(replace(pred, people=(replace(p, mask=Silhouette.of(cv2.dilate(p.mask.full(), kernel))),)))
    thin = fq.assess(replace(pred, people=(replace(p, mask=Silhouette.of(cv2.erode(p.mask.full(), kernel))),)))
    assert loose.mask_iou < tight.mask_iou - 0.15 and loose.mask_inside > 0.99
    assert thin.mask_inside < tight.mask_inside - 0.15
    assert any(k == "mesh inside mask" for k, _ in loose.details())


def test_misplaced_keypoints_lower_pck_and_a_cut_person_is_warned(body):
    pred = _prediction(body, shift=(120.0, 0.0))  # more than half a torso away
    q = fq.assess(pred)
    assert q.pck < 0.5
    p = pred.people[0]
    kp = p.keypoints.copy()
    kp[27:33, 1] = 520.0  # feet below the photo
    q = fq.assess(replace(pred, people=(replace(p, keypoints=kp),)))
    assert any("cut by the frame" in w and "feet" in w for w in q.warnings)


def test_a_body_at_or_behind_the_camera_is_nowhere_in_the_photo(body):
    """Points at or behind the camera project to NaN (`photo_camera.project_to_photo`): a body wholly behind it
    draws no silhouette (IoU 0, nothing to be inside the mask) and misses every keypoint; one through the camera
    plane is measured on what lies in front, without an overflowing cast."""
    pred = _prediction(body)
    m = pred.mesh

    def moved(dz):
        return replace(m, vertices=m.vertices + np.float32([0, 0, dz]), joints=m.joints + np.float32([0, 0, dz]))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        behind = fq.assess(pred, mesh=moved(85.0))
        through = fq.assess(pred, mesh=moved(79.9))
    assert behind.mask_iou == 0.0 and math.isnan(behind.mask_inside)
    assert behind.pck == 0.0 and behind.pck_n == 13 and behind.verdict == "bad"
    assert 0.0 <= through.mask_iou <= 1.0 and through.pck == 0.0


def test_without_a_person_the_part_map_is_the_mask(body):
    pred = replace(_prediction(body), people=(), person=-1)
    q = fq.assess(pred)
    assert q.mask_source == "part map" and q.mask_iou == 0.0  # empty parts
    assert math.isnan(q.pck) and q.detector_score is None
    assert any("no person detected" in w for w in q.warnings)
    asked = fq.assess(replace(pred, searched=False))  # the whole image asked for: no search ran
    assert not any("no person detected" in w for w in asked.warnings)
    assert any("as asked (no person search)" in w for w in asked.warnings)
    assert ("detector", asked.whole_image) in asked.details()


def test_verdict_bounds():
    assert fq.verdict({"agreement": 0.9, "pck": 0.9, "mask_iou": 0.7}) == "good"
    assert fq.verdict({"agreement": 0.9, "pck": 0.6, "mask_iou": 0.7}) == "doubtful"
    assert fq.verdict({"agreement": 0.9, "pck": 0.3, "mask_iou": 0.7}) == "bad"
    assert fq.verdict({"agreement": math.nan, "pck": math.nan, "mask_iou": 0.7}) == "good"
    assert fq.verdict({"agreement": math.nan}) == "unknown"


def test_measurements_of_the_embedded_model(body):
    cube = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], float)
    faces = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                      [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
    assert bm.mesh_volume(cube * 0.5, faces) == pytest.approx(0.125)
    m = bm.measure(body, np.zeros(10))
    assert 1.5 < m.height_m < 1.9 and 50 < m.mass_kg < 90 and 0.6 < m.waist_m < 1.1
    effects = bm.beta_effects(body)
    assert len(effects) == 10
    assert bm.beta_effects(body) is effects  # once per body model (the app computes it off the GUI thread)
    # measured on the embedded model (README): β1 -10 cm per +1, β3 +13 kg per +1
    assert effects[0].height_cm < -5 and "shorter" in effects[0].text()
    assert effects[2].mass_kg > 5 and "heavier" in effects[2].text()
    taller = bm.measure(body, np.array([-2.0] + [0.0] * 9))
    assert taller.height_m > m.height_m + 0.1


def _world(joints: np.ndarray, mirrored: bool = False) -> np.ndarray:
    """BlazePose world landmarks (33, 3) (y down, z away) of a body's shoulders and hips; `mirrored`: its left and
    right swapped, as a detector that takes a person facing the camera for one seen from behind."""
    w = np.zeros((33, 3), np.float64)
    for b, smpl in zip((12, 11, 24, 23) if mirrored else (11, 12, 23, 24), (16, 17, 1, 2)):
        w[b] = joints[smpl]
    return w * (1.0, -1.0, -1.0)


def _rendered(body):
    """The self-consistent fit of `_prediction` with its own part map: a good fit."""
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    pred = _prediction(body)
    r = MeshRenderer(body.faces, body.weights)
    try:
        labels = r.labels(pred.mesh.vertices, PinholeCamera(5000.0 * 128 / 256, 128, 128))
    finally:
        r.close()
    kp = pred.people[0].keypoints.copy()
    kp[[*range(17, 23), *range(29, 33)], 2] = 0.0  # the hands' and feet's landmarks (placed at the pelvis) unseen
    return replace(pred, parts=PartMap(labels), people=(replace(pred.people[0], keypoints=kp),))


def test_facing_angle_of_the_fit_and_the_detector():
    from inference.body_model import BodyModel

    joints = BodyModel().mesh(BodyParams.zeros(80.0)).joints
    assert fq.facing_angle(joints, _world(joints)) < 5  # (neck - pelvis against mid-shoulders - mid-hips)
    assert fq.facing_angle(joints, _world(joints, mirrored=True)) > 175
    assert math.isnan(fq.facing_angle(joints, None))


def test_a_detector_facing_the_other_way_makes_the_verdict_doubtful_not_bad(body):
    """sweep121: the keypoint numbers of a right fit under a detector that swapped the person's left and right (its
    3D landmarks face the other way) called the fit bad. They now leave the verdict: doubtful, with a warning."""
    pred = _rendered(body)
    person = pred.people[0]
    agreeing = fq.assess(replace(pred, people=(replace(person, world=_world(pred.mesh.joints)),)))
    assert agreeing.verdict == "good" and agreeing.facing_deg < 5, agreeing
    assert not any("facing the other way" in w for w in agreeing.warnings)
    # the detector's keypoints and 3D landmarks mirrored: PCK and part agreement fall under their bad bounds
    kp = person.keypoints.copy()
    for a, b in ((11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28)):
        kp[[a, b]] = kp[[b, a]]
    mirrored = replace(person, keypoints=kp, world=_world(pred.mesh.joints, mirrored=True))
    before = fq.assess(replace(pred, people=(replace(mirrored, world=None),)))
    assert before.verdict == "bad" and before.agreement < 0.5  # (without landmarks nothing tells the two apart)
    q = fq.assess(replace(pred, people=(mirrored,)))
    assert q.facing_deg > 175 and q.pck == before.pck
    assert q.verdict == "doubtful" and any("facing the other way" in w for w in q.warnings)
    assert any(k == "facing" and "disagree" in v for k, v in q.details())
    # a good fit by every number is not vouched for either when the two face opposite ways
    q = fq.assess(replace(pred, people=(replace(person, world=_world(pred.mesh.joints, mirrored=True)),)))
    assert q.verdict == "doubtful"
