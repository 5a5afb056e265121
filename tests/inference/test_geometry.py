"""Tests for inference.geometry (rotations and the project camera convention)."""

import math

import numpy as np
import pytest
import torch

from inference.geometry import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_rot6d,
    project_points,
    rot6d_to_matrix,
    svd_orthogonalize,
    translation_to_weak_cam,
    weak_cam_to_translation,
)


def _is_rotation(R, atol=1e-6):
    R = torch.as_tensor(R, dtype=torch.float64)
    eye = torch.eye(3, dtype=torch.float64).expand(R.shape)
    return torch.allclose(R.transpose(-1, -2) @ R, eye, atol=atol) and torch.allclose(
        torch.det(R), torch.ones(R.shape[:-2], dtype=torch.float64), atol=atol
    )


def _random_aa(n, gen, max_angle=math.pi):
    axis = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    axis = axis / axis.norm(dim=-1, keepdim=True)
    angle = torch.rand(n, 1, generator=gen, dtype=torch.float64) * max_angle
    return axis * angle


# ----------------------------------------------------------------- rotations
def test_axis_angle_known_cases():
    R0 = axis_angle_to_matrix(torch.zeros(3, dtype=torch.float64))
    assert torch.allclose(R0, torch.eye(3, dtype=torch.float64))

    # 90 degrees about z maps x -> y and y -> -x
    Rz = axis_angle_to_matrix(torch.tensor([0.0, 0.0, math.pi / 2], dtype=torch.float64))
    expected = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    assert torch.allclose(Rz, expected, atol=1e-12)

    # 180 degrees about x
    Rx = axis_angle_to_matrix(torch.tensor([math.pi, 0.0, 0.0], dtype=torch.float64))
    assert torch.allclose(Rx, torch.diag(torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64)), atol=1e-12)


def test_axis_angle_batched_shapes_and_rotation():
    gen = torch.Generator().manual_seed(0)
    aa = _random_aa(2 * 24, gen).reshape(2, 24, 3)
    R = axis_angle_to_matrix(aa)
    assert R.shape == (2, 24, 3, 3)
    assert _is_rotation(R)
    assert matrix_to_axis_angle(R).shape == (2, 24, 3)


def test_axis_angle_round_trip_generic_small_and_near_pi():
    gen = torch.Generator().manual_seed(1)
    aa = _random_aa(64, gen, max_angle=math.pi * 0.999)
    axis = torch.tensor([[1.0, 2.0, -2.0]], dtype=torch.float64) / 3.0
    extra = torch.cat(
        [
            axis * 1e-9,  # tiny angle
            axis * 1e-4,  # inside the Taylor branch
            axis * 2e-3,  # just outside it
            axis * (math.pi - 1e-6),  # near pi
            axis * (math.pi - 1e-3),
        ]
    )
    aa = torch.cat([aa, extra])
    back = matrix_to_axis_angle(axis_angle_to_matrix(aa))
    assert torch.allclose(back, aa, atol=1e-7, rtol=0)
    # the tiny angle is recovered with good relative precision
    assert torch.allclose(back[-5], aa[-5], rtol=1e-6, atol=0)


def test_matrix_to_axis_angle_exactly_pi_and_identity():
    axis = torch.tensor([0.0, 0.6, 0.8], dtype=torch.float64)
    R = axis_angle_to_matrix(axis * math.pi)
    aa = matrix_to_axis_angle(R)
    assert abs(aa.norm().item() - math.pi) < 1e-7
    assert torch.allclose(aa, axis * math.pi, atol=1e-7) or torch.allclose(aa, -axis * math.pi, atol=1e-7)
    assert torch.allclose(axis_angle_to_matrix(aa), R, atol=1e-12)

    assert torch.allclose(matrix_to_axis_angle(torch.eye(3)), torch.zeros(3))


def test_axis_angle_matches_scipy():
    from scipy.spatial.transform import Rotation

    gen = torch.Generator().manual_seed(2)
    aa = _random_aa(16, gen)
    ref = Rotation.from_rotvec(aa.numpy()).as_matrix()
    assert np.allclose(axis_angle_to_matrix(aa).numpy(), ref, atol=1e-12)


def test_gradients_finite_at_zero_angle():
    aa = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    R = axis_angle_to_matrix(aa)
    (R * torch.randn(2, 3, 3, dtype=torch.float64)).sum().backward()
    assert torch.isfinite(aa.grad).all()

    M = torch.eye(3, dtype=torch.float64).repeat(2, 1, 1).requires_grad_(True)
    out = matrix_to_axis_angle(M)
    out.sum().backward()
    assert torch.isfinite(M.grad).all()


def test_axis_angle_float32():
    aa = torch.tensor([[0.3, -0.2, 0.1]], dtype=torch.float32)
    R = axis_angle_to_matrix(aa)
    assert R.dtype == torch.float32
    assert torch.allclose(matrix_to_axis_angle(R), aa, atol=1e-5)


def test_rot6d_round_trip_and_layout():
    gen = torch.Generator().manual_seed(3)
    R = axis_angle_to_matrix(_random_aa(10, gen))
    x = matrix_to_rot6d(R)
    assert x.shape == (10, 6)
    # layout: first two columns, column-major
    assert torch.equal(x[:, 0:3], R[:, :, 0])
    assert torch.equal(x[:, 3:6], R[:, :, 1])
    assert torch.allclose(x[0], torch.stack([R[0, 0, 0], R[0, 1, 0], R[0, 2, 0], R[0, 0, 1], R[0, 1, 1], R[0, 2, 1]]))
    assert torch.allclose(rot6d_to_matrix(x), R, atol=1e-12)


def test_rot6d_arbitrary_input_is_rotation():
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(3, 24, 6, generator=gen, dtype=torch.float64)
    R = rot6d_to_matrix(x)
    assert R.shape == (3, 24, 3, 3)
    assert _is_rotation(R)
    # Gram-Schmidt: first column is the normalised first 3-vector
    assert torch.allclose(R[..., :, 0], x[..., 0:3] / x[..., 0:3].norm(dim=-1, keepdim=True))
    # hand case: columns e1 and (e1 + e2) -> identity
    assert torch.allclose(rot6d_to_matrix(torch.tensor([1.0, 0, 0, 1.0, 1.0, 0])), torch.eye(3))


def test_svd_orthogonalize():
    gen = torch.Generator().manual_seed(5)
    R = axis_angle_to_matrix(_random_aa(8, gen))
    noisy = R + 0.01 * torch.randn(8, 3, 3, generator=gen, dtype=torch.float64)
    Rh = svd_orthogonalize(noisy)
    assert _is_rotation(Rh)
    assert (Rh - R).abs().max() < 0.03
    # a rotation is a fixed point
    assert torch.allclose(svd_orthogonalize(R), R, atol=1e-12)
    # a reflection gets mapped to a proper rotation
    refl = torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)) * 1.5
    out = svd_orthogonalize(refl)
    assert _is_rotation(out)


# -------------------------------------------------------------------- camera
def test_project_points_known_pixels():
    S, f = 224, 500.0
    pts = torch.tensor([[[0.0, 0.0, -5.0], [1.0, 2.0, -10.0], [-1.0, -1.0, -f / 100.0]]], dtype=torch.float64)
    uv = project_points(pts, focal=f, size=S)
    assert uv.shape == (1, 3, 2)
    expected = torch.tensor([[[112.0, 112.0], [162.0, 12.0], [12.0, 212.0]]], dtype=torch.float64)
    assert torch.allclose(uv, expected)


def test_weak_cam_round_trip_and_depth():
    S, f = 224, 5000.0
    cam = torch.tensor([[0.5, 0.1, -0.2], [0.9, -0.05, 0.3]], dtype=torch.float64)
    t = weak_cam_to_translation(cam, focal=f, size=S)
    assert torch.allclose(t[0], torch.tensor([0.1, -0.2, -2 * f / (S * 0.5)], dtype=torch.float64))
    assert torch.allclose(translation_to_weak_cam(t, focal=f, size=S), cam, atol=1e-12)


def test_weak_cam_matches_perspective_at_root_depth():
    S, f = 256, 1000.0
    s, tx, ty = 0.8, 0.05, -0.1
    t = weak_cam_to_translation(torch.tensor([s, tx, ty], dtype=torch.float64), f, S)
    body = torch.tensor([[0.0, 0.0, 0.0], [0.3, 0.5, 0.0], [-0.2, -0.7, 0.0]], dtype=torch.float64)
    uv = project_points(body + t, f, S)
    u_weak = S / 2 + (S / 2) * s * (body[:, 0] + tx)
    v_weak = S / 2 - (S / 2) * s * (body[:, 1] + ty)
    assert torch.allclose(uv, torch.stack([u_weak, v_weak], dim=-1), atol=1e-9)


def test_numpy_in_numpy_out():
    aa = np.array([[0.1, 0.2, 0.3]], dtype=np.float64)
    R = axis_angle_to_matrix(aa)
    assert isinstance(R, np.ndarray) and R.dtype == np.float64 and R.shape == (1, 3, 3)
    assert isinstance(matrix_to_axis_angle(R), np.ndarray)
    assert np.allclose(matrix_to_axis_angle(R), aa)
    assert isinstance(rot6d_to_matrix(matrix_to_rot6d(R)), np.ndarray)
    assert isinstance(svd_orthogonalize(R), np.ndarray)
    uv = project_points(np.array([[0.0, 0.0, -2.0]], dtype=np.float32), 100.0, 64)
    assert isinstance(uv, np.ndarray) and uv.dtype == np.float32
    assert np.allclose(uv, [[32.0, 32.0]])
    t = weak_cam_to_translation(np.array([1.0, 0.0, 0.0]), 100.0, 64)
    assert isinstance(t, np.ndarray)
    assert np.allclose(translation_to_weak_cam(t, 100.0, 64), [1.0, 0.0, 0.0])
    # torch stays torch
    assert isinstance(axis_angle_to_matrix(torch.zeros(3)), torch.Tensor)


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        axis_angle_to_matrix(torch.zeros(4))
    with pytest.raises(ValueError):
        rot6d_to_matrix(torch.zeros(5))


# --------------------------------------------------------------------------- #
# Euler angles: one implementation for the app's sliders (Rx @ Ry @ Rz products)
# and the synthetic pose prior (scipy's intrinsic "XYZ"/"YXZ").
# --------------------------------------------------------------------------- #
def _euler_reference(deg, order="xyz"):
    """Product of elementary rotations, as the app's pose editor computed it."""
    def rot(axis, a):
        c, s = np.cos(a), np.sin(a)
        return {
            "x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
            "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),
        }[axis]
    r = np.radians(np.asarray(deg, np.float64))
    return rot(order[0], r[0]) @ rot(order[1], r[1]) @ rot(order[2], r[2])


def _random_euler(n, rng):
    return np.stack([rng.uniform(-180, 180, n), rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)], axis=1)


@pytest.mark.parametrize("order", ["xyz", "yxz", "zyx", "zxy"])
def test_euler_matches_elementary_products_and_scipy(order):
    from scipy.spatial.transform import Rotation

    from inference.geometry import euler_to_axis_angle, euler_to_matrix

    E = _random_euler(500, np.random.default_rng(7))
    R = euler_to_matrix(E, order)
    assert R.shape == (500, 3, 3) and R.dtype == np.float64
    np.testing.assert_allclose(R, np.stack([_euler_reference(e, order) for e in E]), atol=1e-14)
    aa = euler_to_axis_angle(E, order)
    ref = Rotation.from_euler(order.upper(), E, degrees=True).as_rotvec()  # upper case: intrinsic
    np.testing.assert_allclose(aa, ref, atol=1e-12)
    # the synthetic generator stores float32 poses: these must not move
    np.testing.assert_array_equal(aa.astype(np.float32), ref.astype(np.float32))


@pytest.mark.parametrize("order", ["xyz", "zyx"])
def test_matrix_to_euler_inverts_and_matches_scipy(order):
    from scipy.spatial.transform import Rotation

    from inference.geometry import axis_angle_to_euler, euler_to_axis_angle, euler_to_matrix, matrix_to_euler

    E = _random_euler(500, np.random.default_rng(8))
    np.testing.assert_allclose(matrix_to_euler(euler_to_matrix(E, order), order), E, atol=1e-9)
    np.testing.assert_allclose(axis_angle_to_euler(euler_to_axis_angle(E, order), order), E, atol=1e-9)
    R = Rotation.from_euler(order.upper(), E, degrees=True).as_matrix()
    np.testing.assert_allclose(matrix_to_euler(R, order), Rotation.from_matrix(R).as_euler(order.upper(), degrees=True),
                               atol=1e-9)


def test_matrix_to_euler_gimbal_lock_sets_last_angle_to_zero():
    from inference.geometry import euler_to_matrix, matrix_to_euler

    for b in (90.0, -90.0):
        R = euler_to_matrix(np.array([30.0, b, 20.0]))
        e = matrix_to_euler(R)
        assert e[2] == 0.0 and abs(e[1] - b) < 1e-6
        np.testing.assert_allclose(euler_to_matrix(e), R, atol=1e-9)


def test_euler_torch_batched_and_differentiable():
    from inference.geometry import euler_to_axis_angle, euler_to_matrix

    E = torch.tensor([[[10.0, 20.0, 30.0]], [[0.0, 0.0, 0.0]]], dtype=torch.float64, requires_grad=True)
    R = euler_to_matrix(E)
    assert R.shape == (2, 1, 3, 3) and isinstance(R, torch.Tensor)
    euler_to_axis_angle(E).sum().backward()
    assert torch.isfinite(E.grad).all()
