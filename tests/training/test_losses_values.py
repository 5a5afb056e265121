"""The training losses' values against their formulas written out here: the fitting loss's terms (the 2D term on
crop coordinates normalised by half the crop side, the 3D term on each skeleton's own root), their weighted sum
with a distinct weight per term, and the segmentation loss (class-weighted cross-entropy plus the Dice weight times
the soft Dice loss), on the real body model."""
from __future__ import annotations

import pytest
import torch

from inference.body_model import BodyModel
from inference.geometry import axis_angle_to_matrix
from training.losses import LossWeights, fit_losses, seg_losses, soft_dice_loss

F, S = 5000.0, 256
W = LossWeights(lat=1.3, betas=0.7, j3d=2.9, j2d=0.37, cam=5.1)


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


def _project(p: torch.Tensor) -> torch.Tensor:
    """Pinhole camera at the origin looking down -z, y up, principal point at the crop centre: u = S/2 + F x / -z,
    v = S/2 - F y / -z."""
    return torch.stack([S / 2 + F * p[..., 0] / -p[..., 2], S / 2 - F * p[..., 1] / -p[..., 2]], -1)


@pytest.fixture(scope="module")
def case(body):
    g = torch.Generator().manual_seed(4)
    B = 3
    rot_gt = axis_angle_to_matrix(0.3 * torch.randn(B, 24, 3, generator=g))
    rot_p = axis_angle_to_matrix(0.3 * torch.randn(B, 24, 3, generator=g))
    betas_gt = torch.randn(B, 10, generator=g)
    betas_p = betas_gt + 0.8 * torch.randn(B, 10, generator=g)  # another shape: another root (rest pelvis)
    transl = torch.tensor([[0.1, -0.2, -40.0], [0.0, 0.3, -35.0], [-0.2, 0.1, -45.0]])
    j3d_gt = body.joints_rotmat(rot_gt, betas_gt) + transl[:, None]
    j2d_gt = _project(j3d_gt) + torch.randn(B, 24, 2, generator=g) * 3.0
    s = 2 * F / (S * 38.0)  # a weak camera (s, tx, ty) of depth 38 m
    cam_p = torch.tensor([[s, 0.05, -0.1], [s * 1.1, 0.0, 0.2], [s * 0.9, -0.1, 0.0]])
    return rot_p, betas_p, cam_p, rot_gt, betas_gt, j3d_gt, j2d_gt, transl


def test_each_fit_term_is_its_formula(body, case):
    rot_p, betas_p, cam_p, rot_gt, betas_gt, j3d_gt, j2d_gt, transl = case
    out = fit_losses(body, rot_p, betas_p, cam_p, rot_gt, betas_gt, j3d_gt, j2d_gt, transl, F, S, W)
    jp = body.joints_rotmat(rot_p, betas_p)                 # no translation: posed about the rest pelvis
    jg = j3d_gt - transl[:, None]
    assert (jp[:, 0] - jg[:, 0]).norm(dim=-1).min() > 1e-3  # the two roots differ
    want = {
        "lat": ((rot_p - rot_gt) ** 2).mean(),
        "betas": ((betas_p - betas_gt) ** 2).mean(),
        "j3d": (((jp - jp[:, :1]) - (jg - jg[:, :1])) ** 2).sum(-1).mean(),
        # the weak camera's translation: (tx, ty, -2F / (S s))
        "j2d": ((((_project(jp + torch.stack([cam_p[:, 1], cam_p[:, 2], -2 * F / (S * cam_p[:, 0])], -1)[:, None])
                   - j2d_gt) / (S / 2)) ** 2).sum(-1).mean()),
        "cam": ((cam_p - torch.stack([-2 * F / (S * transl[:, 2]), transl[:, 0], transl[:, 1]], -1)) ** 2).mean(),
    }
    for k, v in want.items():
        got = getattr(out, k)
        assert float(v) > 1e-6, k
        torch.testing.assert_close(got, v, rtol=1e-5, atol=0, msg=k)
    total = sum(getattr(W, k) * v for k, v in want.items())
    torch.testing.assert_close(out.total, total, rtol=1e-5, atol=0)


def test_the_2d_term_of_a_known_offset(body, case):
    """Every projected joint 12.8 px right of its target: ((12.8 / 128) ** 2) = 0.01 per joint."""
    rot_p, betas_p, cam_p, rot_gt, betas_gt, j3d_gt, _, transl = case
    jp = body.joints_rotmat(rot_p, betas_p)
    t = torch.stack([cam_p[:, 1], cam_p[:, 2], -2 * F / (S * cam_p[:, 0])], -1)
    target = _project(jp + t[:, None]) - torch.tensor([12.8, 0.0])
    out = fit_losses(body, rot_p, betas_p, cam_p, rot_gt, betas_gt, j3d_gt, target, transl, F, S, W)
    assert float(out.j2d) == pytest.approx(0.01, rel=1e-4)


def test_only_its_own_weight_scales_each_term(body, case):
    base = fit_losses(body, *case, F, S, W)
    for k in ("lat", "betas", "j3d", "j2d", "cam"):
        only = LossWeights(**{f: (getattr(W, f) if f == k else 0.0) for f in ("lat", "betas", "j3d", "j2d", "cam")})
        out = fit_losses(body, *case, F, S, only)
        torch.testing.assert_close(out.total, getattr(W, k) * getattr(base, k), rtol=1e-6, atol=0, msg=k)


def _seg_case():
    g = torch.Generator().manual_seed(8)
    logits = torch.randn(2, 13, 6, 6, generator=g) * 2
    lab = torch.randint(0, 13, (2, 6, 6), generator=g)
    lab[lab == 4] = 5  # one class absent from the batch
    cw = torch.linspace(0.2, 3.0, 13)
    return logits, lab, cw


def test_seg_loss_is_weighted_cross_entropy_plus_weighted_dice():
    logits, lab, cw = _seg_case()
    logp = torch.log_softmax(logits.double(), 1)
    nll = -logp.gather(1, lab[:, None])[:, 0]                   # (B, R, R)
    wpix = cw.double()[lab]
    ce = (wpix * nll).sum() / wpix.sum()
    p = logp.exp()
    onehot = torch.nn.functional.one_hot(lab, 13).permute(0, 3, 1, 2).double()
    inter, psum, count = (p * onehot).sum((0, 2, 3)), p.sum((0, 2, 3)), onehot.sum((0, 2, 3))
    present = count > 0
    assert not present[4] and present.sum() == 12
    dice = 1 - (2 * inter[present] / (psum[present] + count[present])).mean()
    out = seg_losses(logits, lab, cw, 0.37)
    torch.testing.assert_close(out.ce.double(), ce, rtol=1e-5, atol=0)
    torch.testing.assert_close(out.dice.double(), dice, rtol=1e-5, atol=0)
    torch.testing.assert_close(out.total.double(), ce + 0.37 * dice, rtol=1e-5, atol=0)
    torch.testing.assert_close(soft_dice_loss(logits, lab).double(), dice, rtol=1e-5, atol=0)
    # the class weights matter here: the unweighted cross-entropy is another number
    assert abs(float(nll.mean()) - float(ce)) > 1e-2
