import numpy as np
import torch

from inference.joints import MIRROR_JOINTS
from inference.keypoint_maps import MIRROR_LIMBS
from inference.nets import FitNet
from inference.nets.fit_net import fit_mirror_averaged, shift_part_map, views_averaged
from inference.parts import MIRROR_LABELS

S = torch.diag(torch.tensor([-1.0, 1.0, 1.0]))
MIRROR = torch.as_tensor(np.concatenate([MIRROR_LABELS, 13 + MIRROR_LIMBS]))


def _net() -> FitNet:
    torch.manual_seed(0)
    net = FitNet(in_channels=25).eval()
    torch.nn.init.normal_(net.out.weight, std=0.01)  # zero-initialised: make the answer depend on the input
    return net


def test_mirror_averaged_answer_is_mirror_equivariant():
    """The averaged answer for a mirrored map is the averaged answer for the map, mirrored: left and
    right joints exchanged, each rotation conjugated by the reflection, the camera's tx negated."""
    net = _net()
    x = torch.rand(2, 25, 64, 64)
    with torch.no_grad():
        rot, betas, cam = fit_mirror_averaged(net, x, MIRROR)
        rot_m, betas_m, cam_m = fit_mirror_averaged(net, x.flip(-1)[:, MIRROR], MIRROR)
    torch.testing.assert_close(rot_m, S @ rot[:, list(MIRROR_JOINTS)] @ S, atol=1e-5, rtol=0)
    torch.testing.assert_close(betas_m, betas, atol=1e-5, rtol=0)
    torch.testing.assert_close(cam_m, cam * torch.tensor([1.0, -1.0, 1.0]), atol=1e-5, rtol=0)
    assert torch.allclose(torch.det(rot), torch.ones(2, 24), atol=1e-5)


def test_mirror_averaged_answer_with_keypoint_coords_is_mirror_equivariant():
    """A network that reads the keypoints as numbers too: mirroring the map and the keypoints together
    mirrors the averaged answer; the numbers change the answer."""
    from inference.keypoint_maps import keypoint_coords, mirror_coords

    torch.manual_seed(0)
    net = FitNet(in_channels=25, coords=True).eval()
    torch.nn.init.normal_(net.out.weight, std=0.01)
    x = torch.rand(2, 25, 64, 64)
    kp = keypoint_coords(torch.rand(2, 14, 2) * 256, torch.rand(2, 14) > 0.2, 256)
    with torch.no_grad():
        rot, betas, cam = fit_mirror_averaged(net, x, MIRROR, kp)
        rot_m, betas_m, cam_m = fit_mirror_averaged(net, x.flip(-1)[:, MIRROR], MIRROR, mirror_coords(kp))
        other = net(x, kp * 0.5)[0]
    torch.testing.assert_close(rot_m, S @ rot[:, list(MIRROR_JOINTS)] @ S, atol=1e-5, rtol=0)
    torch.testing.assert_close(betas_m, betas, atol=1e-5, rtol=0)
    torch.testing.assert_close(cam_m, cam * torch.tensor([1.0, -1.0, 1.0]), atol=1e-5, rtol=0)
    assert (other - net(x, kp)[0]).abs().max() > 1e-4


def test_mirror_averaged_answer_lies_between_the_two_views():
    net = _net()
    x = torch.rand(1, 25, 64, 64)
    with torch.no_grad():
        rot, betas, cam = fit_mirror_averaged(net, x, MIRROR)
        r0, b0, c0 = net(x)
        r1, b1, c1 = net(x.flip(-1)[:, MIRROR])
    torch.testing.assert_close(betas, (b0 + b1) / 2)
    back = S @ r1[:, list(MIRROR_JOINTS)] @ S
    # the averaged rotation is no farther from either view than the two views are from each other
    gap = (r0 - back).norm(dim=(-2, -1))
    assert ((rot - r0).norm(dim=(-2, -1)) <= gap + 1e-5).all()
    assert ((rot - back).norm(dim=(-2, -1)) <= gap + 1e-5).all()


def test_the_mapped_back_answer_is_the_mirrored_body():
    """Checked against the body model, not the code's own tables: the parameters mapped back from a
    mirrored answer pose the body as the mirror image (x -> -x) of the original answer's body, left and
    right joints exchanged (the shipped body model is left-right symmetric within about 1 mm)."""
    from inference.body_model import BodyModel

    body = BodyModel()
    torch.manual_seed(1)
    rot = torch.linalg.matrix_exp(torch.randn(1, 24, 3, 3) * 0.3 - (torch.randn(1, 24, 3, 3) * 0.3).transpose(-1, -2))
    betas = torch.randn(1, 10)
    with torch.no_grad():
        j = body.joints_rotmat(rot, betas)[0]
        jm = body.joints_rotmat(S @ rot[:, list(MIRROR_JOINTS)] @ S, betas)[0]
    mirrored = j[list(MIRROR_JOINTS)] * torch.tensor([-1.0, 1.0, 1.0])
    assert (jm - mirrored).abs().max() < 3e-3


def test_a_moved_part_map_keeps_its_parts_and_uncovers_background():
    """shift_part_map moves every channel by (dx, dy) pixels, x right and y down; the uncovered rim is background."""
    lab = torch.zeros(64, 64, dtype=torch.long)
    lab[20:40, 30:34] = 5
    onehot = torch.nn.functional.one_hot(lab, 13).permute(2, 0, 1)[None].float()
    moved = shift_part_map(onehot, 3, -2)
    assert moved.shape == onehot.shape
    assert torch.equal(moved.argmax(1)[0, 18:38, 33:37], torch.full((20, 4), 5))
    assert (moved[0, 5] > 0).sum() == 80
    assert torch.equal(moved.sum(1), torch.ones(1, 64, 64))     # still one-hot, the rim background
    assert torch.equal(moved[0, 0, :, :3], torch.ones(64, 3)) and torch.equal(moved[0, 0, -2:], torch.ones(2, 64))
    assert shift_part_map(onehot, 0, 0) is onehot


def test_mirror_averaged_answer_unprojected_is_the_plain_mean():
    """project=False (the Predictor's moved views, projected once in `views_averaged`): the mean of the two
    answers' matrices, not yet a rotation; projecting it gives the projected answer."""
    from inference.geometry import svd_orthogonalize

    net = _net()
    torch.nn.init.normal_(net.out.weight, std=0.5)  # two views far apart: their mean is no rotation
    x = torch.rand(1, 25, 64, 64)
    with torch.no_grad():
        rot, betas, cam = fit_mirror_averaged(net, x, MIRROR)
        raw, betas_raw, cam_raw = fit_mirror_averaged(net, x, MIRROR, project=False)
        r0, r1 = net(x)[0], net(x.flip(-1)[:, MIRROR])[0]
    torch.testing.assert_close(raw, (r0 + S @ r1[:, list(MIRROR_JOINTS)] @ S) / 2)
    assert not torch.allclose(torch.det(raw), torch.ones(1, 24), atol=1e-4)
    torch.testing.assert_close(svd_orthogonalize(raw), rot)
    torch.testing.assert_close(betas_raw, betas)
    torch.testing.assert_close(cam_raw, cam)


def test_views_average_to_a_rotation_between_them_with_the_first_views_camera():
    torch.manual_seed(2)
    m = torch.randn(3, 24, 3, 3) * 0.2
    a = torch.linalg.matrix_exp(m - m.transpose(-1, -2))  # rotations: exponentials of skew-symmetric matrices
    betas, cam = torch.randn(3, 10), torch.randn(3, 3)
    rot, b, c = views_averaged(a, betas, cam)
    assert rot.shape == (1, 24, 3, 3) and b.shape == (1, 10) and c.shape == (1, 3)
    torch.testing.assert_close(rot @ rot.transpose(-1, -2), torch.eye(3).expand(1, 24, 3, 3), atol=1e-5, rtol=0)
    torch.testing.assert_close(b, betas.mean(0, keepdim=True))
    torch.testing.assert_close(c, cam[:1])
    same, _, _ = views_averaged(a[:1].repeat(3, 1, 1, 1), betas, cam)
    torch.testing.assert_close(same, a[:1], atol=1e-5, rtol=0)
