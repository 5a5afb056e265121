"""Partial 3D supervision (the paper's third experiment): which samples keep their 3D labels, and the
losses that apply the 3D terms to those samples only."""
from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
import torch

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import axis_angle_to_matrix, project_points, translation_to_weak_cam
from training.losses import LossWeights, fit_losses
from training.synth.pose_prior import PosePrior
from training.train_fit import labelled_3d


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def batch(body):
    """Ground truth of 6 sampled bodies: rot (6, 24, 3, 3), betas, joints3d, joints2d, transl, weak cam."""
    rng = np.random.default_rng(5)
    pose = torch.as_tensor(PosePrior().sample(6, rng)[0])
    betas = torch.as_tensor(rng.normal(0, 1, (6, 10)), dtype=torch.float32)
    transl = torch.tensor([[0.1, -0.2, -40.0]]).repeat(6, 1)
    rot = axis_angle_to_matrix(pose.view(6, 24, 3))
    j3d = body.joints_rotmat(rot, betas) + transl[:, None]
    return rot, betas, j3d, project_points(j3d, FOCAL, CROP_SIZE), transl, translation_to_weak_cam(transl, FOCAL,
                                                                                                    CROP_SIZE)


def test_labelled_share_is_seeded_nested_and_close_to_the_share():
    n = 20000
    for share in (0.01, 0.05, 0.2, 0.5):
        m = labelled_3d(n, share)
        assert abs(m.mean() - share) < 4 * np.sqrt(share * (1 - share) / n), (share, m.mean())
        np.testing.assert_array_equal(m, labelled_3d(n, share))              # the same samples every run
    assert not labelled_3d(n, 0.0).any() and labelled_3d(n, 1.0).all()
    small, large = labelled_3d(n, 0.05), labelled_3d(n, 0.2)
    assert np.all(large[small])                                             # 5 % of the samples inside the 20 %
    assert not np.array_equal(labelled_3d(n, 0.2, seed=1), large)
    with pytest.raises(ValueError):
        labelled_3d(n, 1.5)


def test_all_labelled_equals_the_full_loss(body, batch):
    rot, betas, j3d, j2d, transl, cam = batch
    g = torch.Generator().manual_seed(0)
    rot_p = axis_angle_to_matrix(0.3 * torch.randn(6, 24, 3, generator=g))
    full = fit_losses(body, rot_p, betas + 0.5, cam * 1.1, rot, betas, j3d, j2d, transl, FOCAL, CROP_SIZE,
                      LossWeights())
    ones = fit_losses(body, rot_p, betas + 0.5, cam * 1.1, rot, betas, j3d, j2d, transl, FOCAL, CROP_SIZE,
                      LossWeights(), has_3d=torch.ones(6, dtype=torch.bool))
    for f in fields(full):
        torch.testing.assert_close(getattr(full, f.name), getattr(ones, f.name))


def test_unlabelled_samples_get_only_the_2d_loss(body, batch):
    rot, betas, j3d, j2d, transl, cam = batch
    g = torch.Generator().manual_seed(1)
    aa = (0.3 * torch.randn(6, 24, 3, generator=g)).requires_grad_(True)
    has = torch.tensor([1, 0, 1, 0, 0, 0], dtype=torch.bool)
    out = fit_losses(body, axis_angle_to_matrix(aa), betas + 0.5, cam * 1.1, rot, betas, j3d, j2d, transl, FOCAL,
                     CROP_SIZE, LossWeights(j2d=0.0), has_3d=has)
    out.total.backward()
    grad = aa.grad.abs().sum((1, 2))
    assert torch.all(grad[has] > 1e-4) and torch.all(grad[~has] == 0), grad
    # the 3D terms are sums over the labelled samples divided by the whole batch; L_2D covers every sample
    none = fit_losses(body, axis_angle_to_matrix(aa.detach()), betas + 0.5, cam * 1.1, rot, betas, j3d, j2d, transl,
                      FOCAL, CROP_SIZE, LossWeights(), has_3d=torch.zeros(6, dtype=torch.bool))
    assert all(float(getattr(none, k)) == 0.0 for k in ("lat", "betas", "j3d", "cam")) and float(none.j2d) > 1e-4
    two = fit_losses(body, axis_angle_to_matrix(aa.detach()[has]), betas[has] + 0.5, cam[has] * 1.1, rot[has],
                     betas[has], j3d[has], j2d[has], transl[has], FOCAL, CROP_SIZE, LossWeights())
    torch.testing.assert_close(out.j3d, two.j3d * 2 / 6)
