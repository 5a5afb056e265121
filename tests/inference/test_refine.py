"""Refinement that keeps bodies human: 3D bone directions from the detector's world landmarks, a
clothing-tolerant silhouette, the shape wall, and the limbs the photo does not show."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL, framing_translation
from inference.detect import Person
from inference.detect.person_inputs import WORLD_BONES, world_bones
from inference.geometry import euler_to_axis_angle, project_points
from inference.joints import HEAD_JOINT, LSP_FROM_SMPL
from inference.metrics import pa_mpjpe
from inference.optimize import BETA_SOFT, FitWeights, fit_smpl
from inference.refine import REFINE_WEIGHTS, SIZE_BETA, UNTRUSTED, hidden_parts, mean_size, refine_fit, resized
from inference.types import BodyParams, PartMap

ITERS = 25


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


def _posed(body, euler: dict[int, tuple[float, float, float]], orient=(0.0, 0.0, 0.0)) -> BodyParams:
    E = np.zeros((24, 3))
    E[16, 2], E[17, 2] = -70, 70  # arms down
    for j, e in euler.items():
        E[j] = e
    pose = euler_to_axis_angle(E).reshape(72)
    pose[:3] = orient
    p = BodyParams.from_pose(pose, np.zeros(10))
    return p.with_(transl=framing_translation(body.mesh(p).vertices))


def _person_from(body, params: BodyParams) -> Person:
    """A detected person whose world landmarks are the body's own joints (BlazePose axes: y down, z away)."""
    j = body.mesh(params).joints
    world = np.zeros((33, 3), np.float32)
    for smpl_a, smpl_b, bp_a, bp_b in WORLD_BONES:
        for smpl, bp in ((smpl_a, bp_a), (smpl_b, bp_b)):
            if smpl[0] == smpl[1]:
                world[bp[0]] = j[smpl[0]]
    world = (world - j[[1, 2]].mean(0)) * np.array([1, -1, -1], np.float32)
    kp = np.ones((33, 3), np.float32)
    return Person(np.array([0, 0, 10, 10], np.float32), 0.9, kp, None, world)


def _bone_dirs(body, params: BodyParams, ends: np.ndarray) -> np.ndarray:
    j = body.mesh(params).joints
    d = j[ends[:, 1]].mean(1) - j[ends[:, 0]].mean(1)
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def test_world_bones_are_the_body_bones_in_the_camera_frame(body):
    params = _posed(body, {1: (-60, 0, 0), 4: (70, 0, 0), 18: (0, -40, 0)}, orient=(0.1, 0.7, 0.0))
    bones = world_bones(_person_from(body, params))
    np.testing.assert_allclose(bones.directions, _bone_dirs(body, params, bones.ends), atol=1e-5)
    assert (bones.conf == 1.0).all()
    # the same person with the detector's left and right exchanged, then mirrored back
    swapped = _person_from(body, params)
    w = swapped.world.copy()
    for a, b in ((11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28)):
        w[[a, b]] = w[[b, a]]
    back = world_bones(dataclasses.replace(swapped, world=w)).mirrored()
    np.testing.assert_allclose(back.directions, bones.directions, atol=1e-5)


def test_unseen_landmarks_give_a_weak_guess(body):
    person = _person_from(body, _posed(body, {}))
    kp = person.keypoints.copy()
    kp[[25, 27], 2] = 0.1  # left knee and ankle not seen
    bones = world_bones(dataclasses.replace(person, keypoints=kp), guess=0.3)
    left_thigh, left_shin = 0, 2
    assert bones.conf[left_thigh] == pytest.approx(0.3) and bones.conf[left_shin] == pytest.approx(0.3)
    assert bones.conf[1] == 1.0
    assert world_bones(dataclasses.replace(person, world=None)) is None


def test_bone_directions_settle_what_2d_joints_leave_open(body):
    """A leg kicked towards the camera projects almost like a shorter straight leg; the 2D joints alone
    leave the depth open, the bone directions do not."""
    kick = _posed(body, {1: (-80, 0, 0), 4: (10, 0, 0)})
    start = _posed(body, {})
    j = project_points(body.mesh(kick).joints, FOCAL, CROP_SIZE)
    j2d = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    conf = np.ones(14, np.float32)
    w = FitWeights(joints=1.0, pose_prior=(0.3, 0.1), iters=60, lr=0.03, stay=0.0)
    plain = fit_smpl(body, start, FOCAL, CROP_SIZE, w, joints2d=j2d, conf=conf).params
    bones = world_bones(_person_from(body, kick))
    with_bones = fit_smpl(body, start, FOCAL, CROP_SIZE, dataclasses.replace(w, bones=30.0), joints2d=j2d,
                          conf=conf, bones=bones).params
    gt = body.mesh(kick).joints[None]
    e_plain = pa_mpjpe(body.mesh(plain).joints[None], gt)[0] * 1000
    e_bones = pa_mpjpe(body.mesh(with_bones).joints[None], gt)[0] * 1000
    assert e_bones < 0.6 * e_plain and e_bones < 40, (e_plain, e_bones)


def test_loose_clothing_does_not_inflate_the_body(body):
    """An untrusted refinement to a person in a wide coat (the silhouette dilated by a fifth of the body's
    width): the body stays inside the human range of shapes instead of filling the coat."""
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    gt = _posed(body, {1: (-20, 0, 0), 4: (25, 0, 0)})
    r = MeshRenderer(body.faces, body.weights)
    camera = PinholeCamera(FOCAL, CROP_SIZE, CROP_SIZE)
    sil = (r.labels(body.mesh(gt).vertices, camera) > 0).astype(np.uint8)
    r.close()
    coat = cv2.dilate(sil, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))).astype(bool)
    assert coat.sum() > 1.5 * sil.sum()
    j = project_points(body.mesh(gt).joints, FOCAL, CROP_SIZE)
    j2d = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    labels = np.zeros((128, 128), np.uint8)
    probs = np.full((13, 128, 128), 1 / 13, np.float32)   # an unsure part map: the untrusted end
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)
    out = refine_fit(body, gt, PartMap(labels, probs), FOCAL, CROP_SIZE, joints2d=j2d, conf=np.ones(14, np.float32),
                     silhouette=coat, weights=w)
    assert np.abs(out.betas).max() < BETA_SOFT + 0.3, out.betas
    # the old two-sided silhouette (the whole mask covered, no wall) inflates the same body
    fat = dict(UNTRUSTED, cover=1.0, beta_wall=0.0, shape_prior=0.005, bones=1.0)
    loose = fit_smpl(body, gt, FOCAL, CROP_SIZE, dataclasses.replace(w, **fat, fix_depth=False), joints2d=j2d,
                     conf=np.ones(14, np.float32), silhouette=coat).params
    assert np.abs(loose.betas).max() > np.abs(out.betas).max() + 0.5, (loose.betas, out.betas)


def test_hidden_parts_follow_the_unseen_keypoints():
    conf = np.ones(14, np.float32)
    assert hidden_parts(conf) == ()
    conf[[0, 5]] = 0.0                       # both ankles unseen: both shins+feet
    assert hidden_parts(conf) == (11, 12)
    conf[4] = 0.0                            # the left knee too: the left thigh as well
    assert hidden_parts(conf) == (5, 11, 12)
    conf[[6, 7, 10, 11]] = 0.0               # arms unseen: behind or in front of the body, inside its outline
    assert hidden_parts(conf) == (5, 11, 12)
    assert hidden_parts(None) == ()


def test_refinement_that_folds_the_body_is_rejected(body):
    """Keypoints of a contorted body (a detector's mistake) given to a trusted network: following them raises
    the pose's mixture-prior energy beyond POSE_ENERGY_RISE, so the network's fit is kept; keypoints of a
    natural pose are followed; an untrusted network (a photo unlike the training data) follows the evidence."""
    from inference.pose_priors import pose_energy
    from inference.refine import POSE_ENERGY_RISE

    net = _posed(body, {})
    labels = np.zeros((128, 128), np.uint8)
    some = labels.copy()
    some[30:100, 50:78] = 2                                     # body pixels, labelled without confidence
    unsure = PartMap(some, np.full((13, 128, 128), 1 / 13, np.float32))
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)

    def keypoints(params):
        j = project_points(body.mesh(params).joints, FOCAL, CROP_SIZE)
        return np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])

    def trusted(params):  # no probabilities: confidence 1; each keypoint on its own part
        j = keypoints(params)
        return PartMap(_disks({k: j[k] for k in range(14) if k != 12}, OWN_LABEL))

    # the splits, elbows bent sideways, the spine twisted
    odd = _posed(body, {1: (0, 0, 80), 2: (0, 0, -80), 18: (0, 120, 0), 19: (0, -120, 0), 6: (0, 0, 60)})
    args = dict(joints2d=keypoints(odd), conf=np.ones(14, np.float32), weights=w)
    free = refine_fit(body, net, trusted(odd), FOCAL, CROP_SIZE, max_energy_rise=None, **args)
    assert pose_energy(free.body_pose) - pose_energy(net.body_pose) > POSE_ENERGY_RISE
    assert refine_fit(body, net, trusted(odd), FOCAL, CROP_SIZE, **args) is net
    assert refine_fit(body, net, unsure, FOCAL, CROP_SIZE, **args) is not net

    walk = _posed(body, {1: (-25, 0, 0), 4: (30, 0, 0), 2: (15, 0, 0)})
    moved = refine_fit(body, net, trusted(walk), FOCAL, CROP_SIZE, joints2d=keypoints(walk),
                       conf=np.ones(14, np.float32), weights=w)
    assert moved is not net and not np.allclose(moved.body_pose, net.body_pose, atol=1e-3)


def test_without_detector_evidence_the_network_fit_is_kept(body):
    """No detected person (no keypoints, silhouette or bones): the part map the network already read is the
    only evidence, so refinement returns the network's fit; keypoints (even with none confident) or a
    silhouette make it refine."""
    net = _posed(body, {})
    some = np.zeros((128, 128), np.uint8)
    some[30:100, 50:78] = 2
    unsure = PartMap(some, np.full((13, 128, 128), 1 / 13, np.float32))
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)
    assert refine_fit(body, net, unsure, FOCAL, CROP_SIZE, weights=w) is net
    j = project_points(body.mesh(_posed(body, {1: (-40, 0, 0)})).joints, FOCAL, CROP_SIZE)[list(LSP_FROM_SMPL)]
    j14 = np.concatenate([j, j[12:13]])
    conf = np.zeros(14, np.float32)
    conf[[2, 1, 0]] = 1.0  # the right leg seen
    assert refine_fit(body, net, unsure, FOCAL, CROP_SIZE, joints2d=j14, conf=conf, weights=w) is not net
    assert refine_fit(body, net, unsure, FOCAL, CROP_SIZE, silhouette=some.repeat(2, 0).repeat(2, 1) > 0,
                      weights=w) is not net


def _stance(body, params: BodyParams) -> tuple[float, float]:
    """(horizontal distance in cm from the centre of mass to the feet, thighs' angle from the vertical in
    degrees) of a body in the camera frame (y up)."""
    from inference.optimize import COM_WEIGHTS, FEET

    j = body.mesh(params).joints
    off = COM_WEIGHTS @ j - j[FEET].mean(0)
    thigh = j[[4, 5]].mean(0) - j[[1, 2]].mean(0)
    return float(np.hypot(off[0], off[2]) * 100), float(np.degrees(np.arccos(-thigh[1] / np.linalg.norm(thigh))))


def test_a_person_bent_forward_with_unseen_feet_stands(body, monkeypatch):
    """A person seen from the side bending forward, cut by the photo above the knees, with an untrusted network
    that guessed a whole body leaning forward: the keypoints leave the lean open, and the refined body keeps
    its centre of mass over its feet (thighs about vertical, the spine bent) instead of leaning as a whole."""
    import inference.refine as refine

    def side_view(pitch_deg: float) -> tuple[float, float, float]:  # facing +x, pitched forward by pitch_deg
        ry, _ = cv2.Rodrigues(np.array([0.0, np.pi / 2, 0.0]))
        rx, _ = cv2.Rodrigues(np.array([np.radians(pitch_deg), 0.0, 0.0]))
        return tuple(float(v) for v in cv2.Rodrigues(ry @ rx)[0].ravel())

    bent = _posed(body, {3: (15, 0, 0), 6: (15, 0, 0), 9: (15, 0, 0)}, orient=side_view(0))  # spine bent forward
    leaning = _posed(body, {}, orient=side_view(40))                              # the whole body leaning
    leaning = leaning.with_(transl=bent.transl)
    j = project_points(body.mesh(bent).joints, FOCAL, CROP_SIZE)
    j2d = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    conf = np.ones(14, np.float32)
    conf[[0, 1, 4, 5]] = 0.0                              # knees and ankles out of the photo
    some = np.zeros((128, 128), np.uint8)
    some[20:110, 40:90] = 2
    unsure = PartMap(some, np.full((13, 128, 128), 1 / 13, np.float32))    # confidence 1/13: untrusted
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)
    assert _stance(body, bent)[1] < 10 and _stance(body, leaning)[1] > 35
    out = refine_fit(body, leaning, unsure, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w)
    monkeypatch.setattr(refine, "UNSEEN_FEET_BALANCE", 0.0)
    unbalanced = refine_fit(body, leaning, unsure, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w)
    com_cm, thigh_deg = _stance(body, out)
    assert com_cm < 8 and thigh_deg < 20, (com_cm, thigh_deg)
    assert _stance(body, unbalanced)[1] > thigh_deg + 15, (_stance(body, unbalanced), thigh_deg)
    conf[[0, 5]] = 1.0                                    # feet in the photo: they say where the person stands
    seen = refine_fit(body, leaning, unsure, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w)
    monkeypatch.setattr(refine, "UNSEEN_FEET_BALANCE", 100.0)
    assert np.allclose(seen.body_pose, refine_fit(body, leaning, unsure, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf,
                                                   weights=w).body_pose, atol=1e-5)


def _disks(points: dict[int, tuple[float, float]], labels_of: dict[int, int], size: int = CROP_SIZE,
           res: int = 128) -> np.ndarray:
    """A (res, res) part map with a disk of each keypoint's own part (label) about it (crop pixels)."""
    lab = np.zeros((res, res), np.uint8)
    for j, (x, y) in points.items():
        cv2.circle(lab, (int(x * res / size), int(y * res / size)), 5, int(labels_of[j]), -1)
    return lab


# LSP keypoint (+ head) -> the label of one of its parts: shins, thighs, lower torso, forearms, upper arms,
# upper torso, head
OWN_LABEL = {0: 12, 1: 6, 2: 8, 3: 8, 4: 5, 5: 11, 6: 10, 7: 4, 8: 2, 9: 2, 10: 9, 11: 3, 13: 1}


def test_keypoints_off_their_parts_are_found():
    """keypoints_on_their_parts: each keypoint on a disk of its own part agrees; the left wrist moved onto the
    head does not; a keypoint with confidence 0 and the neck are not judged."""
    from inference.refine import keypoints_on_their_parts

    pts = {j: (20.0 + 40 * (j % 5), 20.0 + 50 * (j // 5)) for j in range(14)}
    labels = _disks({j: p for j, p in pts.items() if j != 12}, OWN_LABEL)
    joints = np.array([pts[j] for j in range(14)], np.float32)
    conf = np.ones(14, np.float32)
    assert keypoints_on_their_parts(labels, joints, conf, CROP_SIZE).all()
    moved = joints.copy()
    moved[11] = joints[13]                       # left wrist on the head
    moved[6] = (250, 250)                        # right wrist on the background, but not confident
    conf[6] = 0
    ok = keypoints_on_their_parts(labels, moved, conf, CROP_SIZE)
    assert not ok[11] and ok[6] and ok[12] and ok.sum() == 13
    assert keypoints_on_their_parts(labels, moved[:13], conf[:13], CROP_SIZE).sum() == 12


def test_a_confident_map_takes_the_weight_off_a_keypoint_off_its_parts(body):
    """A trusted part map (confidence 1) on which the detector's left wrist lies on the head: refinement goes
    as if that keypoint were missing; an unsure map (confidence below KEYPOINT_GATE_CONFIDENCE) is not asked."""
    net = _posed(body, {})
    j = project_points(body.mesh(net).joints, FOCAL, CROP_SIZE)
    joints = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]]).astype(np.float32)
    joints[11] = joints[13] + (0, 8)             # the left wrist keypoint on the face
    labels = _disks({k: joints[k] for k in range(14) if k not in (11, 12)}, OWN_LABEL)
    conf = np.ones(14, np.float32)
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)
    trusted = PartMap(labels)                    # no probabilities: confidence 1
    gated = refine_fit(body, net, trusted, FOCAL, CROP_SIZE, joints2d=joints, conf=conf, weights=w)
    without = conf.copy()
    without[11] = 0
    same = refine_fit(body, net, trusted, FOCAL, CROP_SIZE, joints2d=joints, conf=without, weights=w)
    assert np.allclose(gated.body_pose, same.body_pose, atol=1e-6)
    unsure = PartMap(labels, None, 0.5)          # below both the trust and the gate ranges
    followed = refine_fit(body, net, unsure, FOCAL, CROP_SIZE, joints2d=joints, conf=conf, weights=w)
    assert not np.allclose(followed.body_pose, refine_fit(body, net, unsure, FOCAL, CROP_SIZE, joints2d=joints,
                                                          conf=without, weights=w).body_pose, atol=1e-3)


def test_a_trusted_network_sitting_in_a_half_length_photo_stands(body):
    """A half-length portrait (no knee or ankle detected, the photo ending just below the hips, the crop running
    off its bottom edge) read by a confident network that guessed a seated body, as the shipped networks do for the
    black band below such a person: nothing in the photo says where the legs go, so the refined body stands, legs
    straight under it. Where the knees are seen, the thighs are in the photo, or the crop lies inside the photo,
    the network's legs are its own to keep."""
    standing = _posed(body, {})
    seated = _posed(body, {1: (-90, 0, 0), 2: (-90, 0, 0), 4: (90, 0, 0), 5: (90, 0, 0)})
    j = project_points(body.mesh(standing).joints, FOCAL, CROP_SIZE)
    j2d = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    conf = np.ones(14, np.float32)
    conf[[0, 1, 4, 5]] = 0.0                                   # knees and ankles below the photo's edge
    seen = {k: j2d[k] for k in range(14) if k not in (0, 1, 4, 5, 12)}
    trusted = PartMap(_disks(seen, OWN_LABEL))                 # no probabilities: confidence 1, trusted
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)
    below = np.ones((CROP_SIZE, CROP_SIZE), bool)
    below[int(0.52 * CROP_SIZE):] = False                     # the photo ends 10 px below the hips (torso 59 px)
    assert _stance(body, seated)[1] > 80
    out = refine_fit(body, seated, trusted, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w, photo_area=below)
    com_cm, thigh_deg = _stance(body, out)
    assert thigh_deg < 15 and com_cm < 8, (thigh_deg, com_cm)
    assert np.abs(np.asarray(out.body_pose).reshape(23, 3)[[3, 4, 9, 10]]).max() < 1e-6   # knees, feet straight
    # the same keypoints with the whole crop inside the photo: the legs are there, the detector missed them, and
    # the network, which read them from the part map, keeps its own
    inside = refine_fit(body, seated, trusted, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w,
                        photo_area=np.ones_like(below))
    assert _stance(body, inside)[1] > 60
    # the photo ending lower, at the middle of the thighs (42 px below the hips): the thighs are in the photo
    thighs = np.ones_like(below)
    thighs[int(0.64 * CROP_SIZE):] = False
    shown = refine_fit(body, seated, trusted, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w, photo_area=thighs)
    assert _stance(body, shown)[1] > 60

    sj = project_points(body.mesh(seated).joints, FOCAL, CROP_SIZE)
    s2d = np.concatenate([sj[list(LSP_FROM_SMPL)], sj[[HEAD_JOINT]]])
    sconf = np.ones(14, np.float32)
    sconf[[0, 5]] = 0.0                                        # the feet below the edge, the knees in the photo
    kept = refine_fit(body, seated, PartMap(_disks({k: s2d[k] for k in range(14) if k not in (0, 5, 12)},
                                                     OWN_LABEL)),
                      FOCAL, CROP_SIZE, joints2d=s2d, conf=sconf, weights=w, photo_area=below)
    assert _stance(body, kept)[1] > 60


def _height_cm(body, params: BodyParams) -> float:
    from inference.body_measure import measure

    return measure(body, params.betas).height_m * 100


def test_a_body_resized_keeps_its_picture(body):
    """Another size (SIZE_BETA) with the translation `resized` gives: a body some 20 cm taller, its joints and
    vertices projected within a few pixels of where they were (it stands further away)."""
    small = _posed(body, {1: (-30, 0, 0), 4: (40, 0, 0), 17: (0, 0, 30)}, orient=(0.1, 0.4, 0.0))
    betas = np.zeros(10, np.float32)
    betas[SIZE_BETA], betas[1] = 2.0, -0.8
    small = small.with_(betas=betas)
    mean = np.array(betas, copy=True)
    mean[SIZE_BETA] = 0.0
    big = resized(body, small, mean)
    assert _height_cm(body, big) > _height_cm(body, small) + 15
    assert big.transl[2] < small.transl[2] - 2  # further away (z < 0 in front of the camera)
    a, b = body.mesh(small), body.mesh(big)
    dj = np.linalg.norm(project_points(a.joints, FOCAL, CROP_SIZE) - project_points(b.joints, FOCAL, CROP_SIZE), axis=1)
    dv = np.linalg.norm(project_points(a.vertices, FOCAL, CROP_SIZE) - project_points(b.vertices, FOCAL, CROP_SIZE),
                        axis=1)
    assert dj.mean() < 1.5 and dv.mean() < 2.0, (dj.mean(), dv.mean())
    # the translation alone, unchanged, would move the picture by many pixels
    c = body.mesh(small.with_(betas=mean))
    assert np.linalg.norm(project_points(a.joints, FOCAL, CROP_SIZE) - project_points(c.joints, FOCAL, CROP_SIZE),
                          axis=1).mean() > 5


def test_the_refined_body_has_the_mean_size(body):
    """The network's size is its shrinkage, not evidence (one photo does not show it): the refined body takes the
    mean size and keeps it exactly (the optimiser does not move it), trusted network or not, and lands on the same
    keypoints."""
    small = _posed(body, {1: (-20, 0, 0), 4: (25, 0, 0)})
    betas = np.zeros(10, np.float32)
    betas[SIZE_BETA] = 2.0
    small = small.with_(betas=betas, transl=small.transl * 0.88)
    j = project_points(body.mesh(small).joints, FOCAL, CROP_SIZE)
    j2d = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    some = np.zeros((128, 128), np.uint8)
    some[20:110, 40:90] = 2
    unsure = PartMap(some, np.full((13, 128, 128), 1 / 13, np.float32))        # untrusted
    sure = PartMap(some, np.eye(13, dtype=np.float32)[some].transpose(2, 0, 1))  # confidence 1: trusted
    w = dataclasses.replace(REFINE_WEIGHTS, iters=ITERS)
    for parts in (unsure, sure):
        out = refine_fit(body, small, parts, FOCAL, CROP_SIZE, joints2d=j2d, conf=np.ones(14, np.float32), weights=w)
        assert out.betas[SIZE_BETA] == 0.0, out.betas
        assert np.abs(out.betas[1:]).max() > 1e-4  # the other components are free
        assert _height_cm(body, out) > _height_cm(body, small) + 12
        p = project_points(body.mesh(out).joints, FOCAL, CROP_SIZE)
        assert np.median(np.linalg.norm(np.concatenate([p[list(LSP_FROM_SMPL)], p[[HEAD_JOINT]]]) - j2d, axis=1)) < 3
    assert mean_size(body, small).betas[SIZE_BETA] == 0.0
    assert np.array_equal(mean_size(body, small).betas[1:], small.betas[1:])


def test_an_untrusted_network_whose_legs_are_all_seen_keeps_the_better_of_two_starts(body, monkeypatch):
    """A walker in profile, mid-stride, every knee and ankle seen, read by an untrusted network that has the stride:
    its legs are refined from straight (the start that stops untrusted networks sitting standing people) and from
    its own stride, and the lower loss is kept. From straight legs alone the refinement leaves the stride half
    closed (the keypoints' depth ambiguity in a side view); with both starts the body strides as the walker does."""
    import inference.refine as refine

    walk = _posed(body, {1: (-40, 0, 0), 4: (45, 0, 0), 2: (30, 0, 0), 5: (20, 0, 0)}, orient=(0.0, 1.5, 0.0))
    j = project_points(body.mesh(walk).joints, FOCAL, CROP_SIZE)
    joints = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    some = np.zeros((128, 128), np.uint8)
    some[30:100, 50:78] = 2
    unsure = PartMap(some, np.full((13, 128, 128), 1 / 13, np.float32))  # confidence 1/13: untrusted
    args = dict(joints2d=joints, conf=np.ones(14, np.float32), weights=dataclasses.replace(REFINE_WEIGHTS, iters=ITERS))
    truth = body.mesh(walk).joints
    both = refine_fit(body, walk, unsure, FOCAL, CROP_SIZE, **args)
    kept = []
    monkeypatch.setattr(refine, "_better_of", lambda a, b: kept.append((a.loss, b.loss)) or a)  # straight only
    straight = refine_fit(body, walk, unsure, FOCAL, CROP_SIZE, **args)
    (straight_loss, own_loss), = kept
    assert own_loss < straight_loss
    err_both = float(pa_mpjpe(body.mesh(both).joints[None], truth[None])[0]) * 1000
    err_straight = float(pa_mpjpe(body.mesh(straight).joints[None], truth[None])[0]) * 1000
    assert err_both < err_straight - 10, (err_both, err_straight)  # 15 vs 45 mm when written


def test_a_person_sitting_with_hidden_shins_keeps_them_folded(body, monkeypatch):
    """A person sitting on the ground with the knees up, turned a little, the ankles hidden (conf 0) and their
    landmarks guessed: the world landmarks fold each thigh and shin by about 130 degrees, so the hidden shins
    follow them (`folded_knees`) and the network's folded legs are a second start, instead of shins held straight,
    which stand the person up."""
    import inference.refine as refine

    sit = _posed(body, {1: (-90, 0, 0), 2: (-90, 0, 0), 4: (130, 0, 0), 5: (130, 0, 0)}, orient=(0.0, 0.5, 0.0))
    j = project_points(body.mesh(sit).joints, FOCAL, CROP_SIZE)
    joints = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    conf = np.ones(14, np.float32)
    conf[[refine.LSP_L_ANKLE, refine.LSP_R_ANKLE]] = 0.0
    person = _person_from(body, sit)
    kp = person.keypoints.copy()
    kp[[27, 28], 2] = 0.1  # BlazePose's ankles unseen: their landmarks a guess
    bones = world_bones(dataclasses.replace(person, keypoints=kp))
    assert refine.folded_knees(conf, bones) == (4, 5)
    assert refine.folded_knees(np.ones(14, np.float32), bones) == ()  # ankles seen: nothing to guess
    some = np.zeros((128, 128), np.uint8)
    some[30:100, 40:88] = 2
    unsure = PartMap(some, np.full((13, 128, 128), 1 / 13, np.float32))  # confidence 1/13: untrusted
    args = dict(joints2d=joints, conf=conf, bones=bones, weights=dataclasses.replace(REFINE_WEIGHTS, iters=ITERS))
    truth = body.mesh(sit).joints[None]
    folded = refine_fit(body, sit, unsure, FOCAL, CROP_SIZE, **args)
    monkeypatch.setattr(refine, "FOLDED_KNEE_DEG", 180.0)  # the rule before: a hidden shin held straight
    straight = refine_fit(body, sit, unsure, FOCAL, CROP_SIZE, **args)
    err_folded = float(pa_mpjpe(body.mesh(folded).joints[None], truth)[0]) * 1000
    err_straight = float(pa_mpjpe(body.mesh(straight).joints[None], truth)[0]) * 1000
    knee = np.linalg.norm(np.asarray(folded.body_pose).reshape(23, 3)[[3, 4]], axis=1)
    # 18 vs 117 mm, knees bent 123 degrees when written
    assert err_folded < err_straight - 20 and (np.degrees(knee) > 90).all(), (err_folded, err_straight, knee)


def test_a_trusted_network_that_crossed_the_legs_of_a_jumping_jack_gets_them_apart(body, monkeypatch):
    """A jumping jack (legs spread, arms up), every keypoint seen, read by a trusted network that crossed the legs:
    `legs_crossed` says so, straight legs are a second start, and that fit wins: the feet land on their keypoints.
    From the crossed legs alone the refinement pulls them only part of the way apart (they would pass through each
    other)."""
    import inference.refine as refine

    arms_up = {16: (0, 0, 60), 17: (0, 0, -60)}
    jack = _posed(body, {1: (0, 0, 25), 2: (0, 0, -25), **arms_up})
    crossed = _posed(body, {1: (0, 0, -20), 2: (0, 0, 20), **arms_up})
    j = project_points(body.mesh(jack).joints, FOCAL, CROP_SIZE)
    joints = np.concatenate([j[list(LSP_FROM_SMPL)], j[[HEAD_JOINT]]])
    conf = np.ones(14, np.float32)
    assert refine.legs_crossed(body, crossed, FOCAL, CROP_SIZE, joints, conf)
    assert not refine.legs_crossed(body, jack, FOCAL, CROP_SIZE, joints, conf)
    hidden = conf.copy()
    hidden[refine.LSP_L_ANKLE] = 0.0
    assert not refine.legs_crossed(body, crossed, FOCAL, CROP_SIZE, joints, hidden)  # a leg unseen: no say
    # side-on, legs together, the network right: keypoint noise alone must not cross them (a bare "nearer the other
    # leg's keypoints" did in 21 of these 50 draws)
    side = _posed(body, {}, orient=(0.0, 1.57, 0.0))
    js = project_points(body.mesh(side).joints, FOCAL, CROP_SIZE)
    side_kp = np.concatenate([js[list(LSP_FROM_SMPL)], js[[HEAD_JOINT]]])
    noise = np.random.default_rng(0).normal(0.0, 10.0, (50, 14, 2))
    assert not any(refine.legs_crossed(body, side, FOCAL, CROP_SIZE, side_kp + n, conf) for n in noise)
    # trusted about as far as the jumping jack's network was (part-map confidence 0.70, trust 0.69)
    trusted = dataclasses.replace(PartMap(_disks({k: joints[k] for k in range(14) if k != 12}, OWN_LABEL)),
                                  network_confidence=0.6975)
    args = dict(joints2d=joints, conf=conf, weights=dataclasses.replace(REFINE_WEIGHTS, iters=ITERS))

    def feet_off(params) -> float:  # px, the ankles' projection from their keypoints
        a = project_points(body.mesh(params).joints[[LSP_FROM_SMPL[0], LSP_FROM_SMPL[5]]], FOCAL, CROP_SIZE)
        return float(np.linalg.norm(a - joints[[0, 5]], axis=1).max())

    apart = refine_fit(body, crossed, trusted, FOCAL, CROP_SIZE, **args)
    # the pose check does not hold the crossed legs once the straight start won (a bar every fit fails here)
    strict = refine_fit(body, crossed, trusted, FOCAL, CROP_SIZE, max_energy_rise=-10.0, **args)
    assert strict is not crossed and np.allclose(strict.body_pose, apart.body_pose)
    monkeypatch.setattr(refine, "legs_crossed", lambda *a, **k: False)  # the rule before
    stuck = refine_fit(body, crossed, trusted, FOCAL, CROP_SIZE, **args)
    assert refine_fit(body, crossed, trusted, FOCAL, CROP_SIZE, max_energy_rise=-10.0, **args) is crossed
    # each foot on its own side of the body, as the keypoints have them (2 vs 30 px off when written; the network's 73)
    assert feet_off(apart) < 0.5 * feet_off(stuck), (feet_off(apart), feet_off(stuck))
    assert not refine.legs_crossed(body, apart, FOCAL, CROP_SIZE, joints, conf)


def test_overlapping_one_thread_blocks_leave_torchs_thread_count_as_it_was():
    """Two threads refine at once (the app's worker and a batch run): afterwards a new thread still gets torch's
    usual count, not the 1 that one block read inside the other."""
    import torch

    from inference.refine import one_torch_thread

    before = torch.get_num_threads()
    torch.set_num_threads(2)  # (earlier tests may have left 1, the count a block sets)
    try:
        inside, later = _overlapping_blocks(one_torch_thread)
    finally:
        torch.set_num_threads(before)
    assert inside == [1] and later == [2]


def _overlapping_blocks(one_torch_thread) -> tuple[list[int], list[int]]:
    """(torch's count inside the second of two overlapping blocks, that of a thread started after both)."""
    import threading

    import torch

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside: list[int] = []

    def first():
        with one_torch_thread():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def second():
        a_in.wait(10)
        with one_torch_thread():
            inside.append(torch.get_num_threads())
            b_in.set()
            a_out.wait(10)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    later: list[int] = []
    t = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
    t.start()
    t.join()
    return inside, later
