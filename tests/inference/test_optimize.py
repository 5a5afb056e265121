"""Optimisation-based fitting: the SMPLify-style fit to 2D joints and the part-map refinement."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL, focal_for_size, framing_translation
from inference.geometry import euler_to_axis_angle, project_points
from inference.joints import LSP_FROM_SMPL
from inference.metrics import pa_mpjpe, pve
from inference.optimize import FitWeights, fit_smpl
from inference.parts import vertex_part_labels
from inference.pose_priors import GaussianPosePrior
from inference.refine import REFINE_VERTICES, REFINE_WEIGHTS, refine_fit
from inference.types import BodyParams, PartMap

FIT_ITERS = 40          # per stage (3 stages); the default 60 gains nothing on this easy case
MAX_FIT_PA_MPJPE_MM = 60.0
REFINE_ITERS = 10       # per stage (2 stages); the shipped default is 40
LABEL_RES = 128         # part map resolution (the segmentation network's)


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def gt(body) -> BodyParams:
    """A small pose: arms down, one leg a little forward, slightly turned; framed in the 256 px crop."""
    E = np.zeros((24, 3))
    E[16, 2], E[17, 2] = -70, 70          # arms down
    E[18, 1], E[19, 1] = -20, 20          # elbows a little bent
    E[1, 0], E[4, 0], E[2, 0], E[3, 0] = -20, 25, 10, 5
    pose = euler_to_axis_angle(E).reshape(72)
    pose[:3] = (0.05, 0.3, 0.0)
    params = BodyParams.from_pose(pose, np.zeros(10))
    return params.with_(transl=framing_translation(body.mesh(params).vertices))


def _lsp2d(body, params: BodyParams) -> np.ndarray:
    return project_points(body.mesh(params).joints, FOCAL, CROP_SIZE)[list(LSP_FROM_SMPL)]


def test_fit_smpl_from_the_mean_pose(body, gt):
    target = _lsp2d(body, gt)
    init = BodyParams.zeros(depth=2 * FOCAL / CROP_SIZE)  # the baseline's start: mean body, facing the camera
    before = np.linalg.norm(_lsp2d(body, init) - target, axis=1).mean()
    res = fit_smpl(body, init, FOCAL, CROP_SIZE, FitWeights(iters=FIT_ITERS), joints2d=target,
                   conf=np.ones(13), prior=GaussianPosePrior())
    fitted = res.params
    after = np.linalg.norm(_lsp2d(body, fitted) - target, axis=1).mean()
    assert after < 0.1 * before and after < 3.0, (before, after)
    err = pa_mpjpe(body.mesh(fitted).joints[None], body.mesh(gt).joints[None])[0] * 1000
    assert err < MAX_FIT_PA_MPJPE_MM, err
    assert np.isfinite(res.loss) and res.seconds > 0


def test_fit_smpl_cancel_returns_the_start(body, gt):
    init = BodyParams.zeros(depth=39.0)
    out = fit_smpl(body, init, FOCAL, CROP_SIZE, FitWeights(iters=FIT_ITERS), joints2d=_lsp2d(body, gt),
                   cancel=lambda: True).params
    np.testing.assert_allclose(out.pose, init.pose)
    np.testing.assert_allclose(out.transl, init.transl)


@pytest.fixture(scope="module")
def refined(body, gt):
    """GT part map (rendered), a perturbed body (0.1 rad noise on every body joint), and its refinement."""
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    r = MeshRenderer(body.faces, body.weights)
    camera = PinholeCamera(focal_for_size(LABEL_RES), LABEL_RES, LABEL_RES)  # same view as the 256 px crop at FOCAL
    labels = r.labels(body.mesh(gt).vertices, camera)
    r.close()
    pose = gt.pose.copy()
    pose[3:] += np.random.default_rng(0).normal(0, 0.1, 69)
    start = gt.with_(body_pose=pose[3:])
    # the optimiser's part term alone, free to move (the shipped weights hold the pose close to the
    # network's; refine_fit itself does not refit a part map without keypoints)
    weights = dataclasses.replace(REFINE_WEIGHTS, iters=REFINE_ITERS, parts=1.0, stay=0.5)
    out = fit_smpl(body, start, FOCAL, CROP_SIZE, weights, labels=labels,
                   vertex_parts=vertex_part_labels(body.weights), n_vertices=REFINE_VERTICES).params
    return start, out


def _pve_mm(body, p: BodyParams, gt: BodyParams, root_aligned: bool = True) -> float:
    m, g = body.mesh(p), body.mesh(gt)
    if root_aligned:
        return float(pve(m.vertices[None], g.vertices[None], m.joints[None], g.joints[None])[0] * 1000)
    return float(np.linalg.norm(m.vertices - g.vertices, axis=1).mean() * 1000)


def test_refine_moves_the_pose_towards_the_part_map(body, gt, refined):
    start, out = refined
    before, after = _pve_mm(body, start, gt), _pve_mm(body, out, gt)
    assert after < 0.85 * before, f"root-aligned PVE {before:.1f} -> {after:.1f} mm"
    assert np.isfinite(out.pose).all() and np.isfinite(out.transl).all()


def test_refine_keeps_the_body_in_place(body, gt, refined):
    start, out = refined
    assert abs(out.transl[2] - gt.transl[2]) < 0.05, f"depth moved {out.transl[2] - gt.transl[2]:+.3f} m"
    assert _pve_mm(body, out, gt, root_aligned=False) <= _pve_mm(body, start, gt, root_aligned=False)


def _silhouette_iou(body, p: BodyParams, mask: np.ndarray) -> float:
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    r = MeshRenderer(body.faces, body.weights)
    camera = PinholeCamera(FOCAL, CROP_SIZE, CROP_SIZE)
    sil = r.labels(body.mesh(p).vertices, camera) > 0
    r.close()
    return float((sil & mask).sum() / (sil | mask).sum())


def test_silhouette_term_pulls_the_body_over_the_mask(body, gt):
    """Only a mask (no parts, no joints): a body shifted sideways and shrunk moves back over it."""
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    r = MeshRenderer(body.faces, body.weights)
    camera = PinholeCamera(FOCAL, CROP_SIZE, CROP_SIZE)
    mask = r.labels(body.mesh(gt).vertices, camera) > 0
    r.close()
    start = gt.with_(transl=gt.transl + np.array([0.12, 0.0, 0.0]), betas=np.r_[-1.5, np.zeros(9)])
    w = FitWeights(joints=0.0, parts=0.0, silhouette=1.0, pose_prior=(1.0,), iters=30, lr=0.02, fix_depth=True)
    out = fit_smpl(body, start, FOCAL, CROP_SIZE, w, silhouette=mask).params
    before, after = _silhouette_iou(body, start, mask), _silhouette_iou(body, out, mask)
    assert after > before + 0.1, (before, after)


def test_silhouette_term_leaves_parts_beyond_the_photo_edge(body, gt):
    """A photo cut off at the knees: the mask ends at the edge, and the shins past it are not pulled in."""
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    r = MeshRenderer(body.faces, body.weights)
    camera = PinholeCamera(FOCAL, CROP_SIZE, CROP_SIZE)
    mask = r.labels(body.mesh(gt).vertices, camera) > 0
    r.close()
    j = project_points(body.mesh(gt).joints, FOCAL, CROP_SIZE)
    edge = int(j[[4, 5], 1].mean())                      # the knees' row
    mask[edge:] = False
    area = np.ones_like(mask)
    area[edge:] = False
    # two stages (the second moves pose and shape too), held near the start as refinement is
    w = FitWeights(joints=0.0, parts=0.0, silhouette=1.0, pose_prior=(1.0, 0.3), stay=2.0, iters=30, lr=0.02,
                   fix_depth=True)
    ankles = lambda p: project_points(body.mesh(p).joints, FOCAL, CROP_SIZE)[[7, 8], 1].mean()  # noqa: E731
    kept = fit_smpl(body, gt, FOCAL, CROP_SIZE, w, silhouette=mask, photo_area=area).params
    pulled = fit_smpl(body, gt, FOCAL, CROP_SIZE, w, silhouette=mask).params
    assert ankles(kept) > ankles(gt) - 3.0, "shins beyond the photo's edge were pulled in"
    assert ankles(gt) - ankles(pulled) > 6.0, "without the photo area the shins should be pulled up"


def test_the_shape_priors_wall_holds_betas_the_evidence_pulls_out_of_range(body):
    """Joints and silhouette of a body with beta_1 = 5 (beyond the body model's range), fitted from beta_1 = 2
    with the refinement's weights and no quadratic shape prior: the refinement's wall (beta_wall) keeps every
    beta within a little of BETA_SOFT; without the wall the evidence takes beta_1 well past it."""
    from inference.optimize import BETA_SOFT
    from inference.render.cameras import PinholeCamera
    from inference.render.renderer import MeshRenderer

    E = np.zeros((24, 3))
    E[16, 2], E[17, 2] = -70, 70  # arms down
    target = BodyParams.from_pose(euler_to_axis_angle(E).reshape(72), np.r_[0.0, 5.0, np.zeros(8)])
    target = target.with_(transl=framing_translation(body.mesh(target).vertices))
    r = MeshRenderer(body.faces, body.weights)
    mask = r.labels(body.mesh(target).vertices, PinholeCamera(FOCAL, CROP_SIZE, CROP_SIZE)) > 0
    r.close()
    j2d = _lsp2d(body, target)
    start = target.with_(betas=np.r_[0.0, 2.0, np.zeros(8)])
    # the evidence alone decides the shape (a two-sided silhouette, nothing holding the pose or the shape near 0)
    w = dataclasses.replace(REFINE_WEIGHTS, shape_prior=0.0, cover=1.0, cover_margin=0.0, stay=0.0, iters=80,
                            lr=0.05)
    assert w.beta_wall > 0
    walled, free = (fit_smpl(body, start, FOCAL, CROP_SIZE, dataclasses.replace(w, beta_wall=wall), joints2d=j2d,
                             conf=np.ones(13), silhouette=mask, n_vertices=REFINE_VERTICES).params
                    for wall in (w.beta_wall, 0.0))
    assert np.abs(walled.betas).max() <= BETA_SOFT + 0.3, walled.betas
    assert free.betas[1] > BETA_SOFT + 0.5, free.betas  # the evidence does pull it out: the wall is what held it


def test_a_fourteenth_joint_constrains_the_head(body, gt):
    """With joints2d of 14 rows the last one is the SMPL head joint."""
    from inference.joints import HEAD_JOINT

    j = project_points(body.mesh(gt).joints, FOCAL, CROP_SIZE)
    target = np.concatenate([j[list(LSP_FROM_SMPL)], j[HEAD_JOINT][None]])
    target[13] += (12.0, 0.0)  # the head pulled sideways: only the 14th joint says so
    w = FitWeights(pose_prior=(0.3, 0.1), iters=30, lr=0.02, fix_depth=True)  # stage 2 moves the pose
    out = fit_smpl(body, gt, FOCAL, CROP_SIZE, w, joints2d=target, conf=np.ones(14)).params
    head = project_points(body.mesh(out).joints, FOCAL, CROP_SIZE)[HEAD_JOINT]
    assert head[0] - j[HEAD_JOINT][0] > 4.0


def test_trust_follows_the_segmentation_confidence(body, gt):
    from inference.refine import UNTRUSTED, trusted_weights

    labels = np.zeros((8, 8), np.uint8)
    labels[2:6, 2:6] = 3
    probs = np.full((13, 8, 8), 0.05, np.float32)
    probs[3, 2:6, 2:6] = 0.4
    assert PartMap(labels, probs).confidence() == pytest.approx(0.4)
    assert PartMap(labels).confidence() == 1.0
    assert trusted_weights(REFINE_WEIGHTS, 1.0) == REFINE_WEIGHTS
    low = trusted_weights(REFINE_WEIGHTS, -3.0)
    assert (low.parts, low.stay, low.silhouette) == (UNTRUSTED["parts"], UNTRUSTED["stay"], UNTRUSTED["silhouette"])
    assert isinstance(trusted_weights(REFINE_WEIGHTS, 0.3).iters, int)
    half = trusted_weights(REFINE_WEIGHTS, 0.5)
    assert half.stay == pytest.approx((REFINE_WEIGHTS.stay * UNTRUSTED["stay"]) ** 0.5)


def test_left_and_right_keypoints_are_exchanged_when_mirrored(body, gt):
    from inference.joints import HEAD_JOINT
    from inference.refine import MIRRORED_LSP, resolve_left_right

    j = project_points(body.mesh(gt).joints, FOCAL, CROP_SIZE)[list(LSP_FROM_SMPL) + [HEAD_JOINT]]
    conf = np.linspace(0.5, 1.0, 14).astype(np.float32)
    same, c, was_swapped = resolve_left_right(body, gt, FOCAL, CROP_SIZE, j, conf)
    np.testing.assert_array_equal(same, j)
    assert not was_swapped
    swapped = j[list(MIRRORED_LSP)]
    back, c, was_swapped = resolve_left_right(body, gt, FOCAL, CROP_SIZE, swapped, conf[list(MIRRORED_LSP)])
    assert was_swapped
    np.testing.assert_allclose(back, j)
    np.testing.assert_allclose(c, conf)


def test_fixed_joints_keep_their_rotations(body, gt):
    from inference.refine import LEG_JOINTS

    j = project_points(body.mesh(gt).joints, FOCAL, CROP_SIZE)[list(LSP_FROM_SMPL)]
    target = j + np.array([6.0, -4.0])  # every joint moved: all rotations would follow
    w = FitWeights(pose_prior=(0.3, 0.1), iters=20, lr=0.02, fix_depth=True)
    out = fit_smpl(body, gt, FOCAL, CROP_SIZE, w, joints2d=target, conf=np.ones(13), fixed_joints=LEG_JOINTS).params
    legs = [k for j_ in LEG_JOINTS for k in range(3 * (j_ - 1), 3 * j_)]
    np.testing.assert_array_equal(out.body_pose[legs], gt.body_pose[legs])
    assert np.abs(out.body_pose - gt.body_pose).max() > 1e-3, "the other joints should move"


def test_untrusted_refinement_stands_unseen_legs_up(body, gt):
    """No knee or ankle keypoint and an unsure segmentation: straight, held legs (a half-length portrait)."""
    from inference.refine import LEG_JOINTS, standing_legs

    sitting = gt.body_pose.reshape(23, 3).copy()
    sitting[[0, 1], 0] = -1.4   # hips flexed
    sitting[[3, 4], 0] = 1.4    # knees bent
    start = gt.with_(body_pose=sitting.reshape(-1))
    j = project_points(body.mesh(start).joints, FOCAL, CROP_SIZE)
    j2d = np.concatenate([j[list(LSP_FROM_SMPL)], j[[15]]])
    conf = np.ones(14, np.float32)
    conf[[0, 1, 4, 5]] = 0.0    # ankles and knees not in the photo
    labels = np.zeros((LABEL_RES, LABEL_RES), np.uint8)
    labels[30:90, 50:80] = 3
    probs = np.full((13, LABEL_RES, LABEL_RES), 0.4 / 12, np.float32)
    probs[3] = np.where(labels == 3, 0.6, probs[3])
    unsure = PartMap(labels, probs)       # confidence 0.6 < TRUST_CONFIDENCE
    w = dataclasses.replace(REFINE_WEIGHTS, iters=REFINE_ITERS)
    out = refine_fit(body, start, unsure, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w)
    legs = [k for j_ in LEG_JOINTS for k in range(3 * (j_ - 1), 3 * j_)]
    np.testing.assert_array_equal(out.body_pose[legs], 0.0)
    conf[[0, 1, 4, 5]] = 1.0    # with the legs in the photo they start straight and are fitted to the keypoints
    seen = refine_fit(body, start, unsure, FOCAL, CROP_SIZE, joints2d=j2d, conf=conf, weights=w)
    lower = [LSP_FROM_SMPL[k] for k in (0, 1, 4, 5)]

    def leg_error(params):
        p2d = project_points(body.mesh(params).joints, FOCAL, CROP_SIZE)[lower]
        return np.linalg.norm(p2d - j[lower], axis=1).mean()

    assert leg_error(seen) < 0.5 * leg_error(standing_legs(start)), (leg_error(seen), leg_error(standing_legs(start)))
    assert np.abs(seen.body_pose[legs]).max() > 0.3


def test_adam_takes_torch_adams_steps_without_importing_dynamo():
    """inference.optimize.Adam: bit for bit torch.optim.Adam's default update (a tensor left out of a step's
    loss included), so refinement results did not change when it replaced torch's optimizer."""
    import subprocess
    import sys

    import torch

    from inference.optimize import Adam

    torch.manual_seed(0)
    target = torch.randn(3, 5)
    ours = [torch.zeros(3, 5, requires_grad=True), torch.ones(4, requires_grad=True)]
    theirs = [t.detach().clone().requires_grad_(True) for t in ours]
    a, b = Adam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)
    for step in range(30):
        for opt, (x, y) in ((a, ours), (b, theirs)):
            opt.zero_grad()
            loss = ((x - target) ** 2).sum() + (0 if step % 3 == 1 else (y ** 3).sum())
            loss.backward()
            opt.step()
    for x, y in zip(ours, theirs):
        assert torch.equal(x, y)
    # and the point of it: a refinement's optimizer leaves torch._dynamo (1.5 s, ~1100 modules) unimported
    code = ("import sys, torch; from inference.optimize import Adam; "
            "Adam([torch.zeros(2, requires_grad=True)], lr=0.1).step(); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert out.stdout.strip() == "False"
