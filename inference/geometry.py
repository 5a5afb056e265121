"""Rotation and camera geometry shared by inference, training and the app.

All functions are written in torch, are batched over arbitrary leading
dimensions (written ``...`` in the shapes below) and are differentiable
(including at the singular points of the parametrisations, e.g. zero rotation
angle), except where a conversion to Euler angles meets gimbal lock (a middle
angle of exactly +-90 degrees: the gradient there is not finite; nothing in the
project differentiates through Euler angles). float32 and float64 are both supported; the output dtype follows the
input. Every function also accepts ``numpy.ndarray`` input and then returns
numpy output (numpy in -> numpy out, torch in -> torch out).

Rotation conventions
--------------------
* Rotation matrices act on column vectors: ``x' = R @ x``.
* Axis-angle vectors ``aa`` of shape ``(..., 3)`` encode the rotation by angle
  ``|aa|`` (radians, right-handed) about the unit axis ``aa / |aa|``; this is
  the SMPL ``pose`` convention (``(B, 24, 3)`` for the 24 SMPL joints).
* Euler angles ``(..., 3)`` are intrinsic Tait-Bryan angles in DEGREES about
  the axes named by ``order`` (default ``"xyz"``): ``(a, b, c)`` with order
  ``"xyz"`` is ``R = Rx(a) @ Ry(b) @ Rz(c)``, the first angle applied in the
  parent frame. The middle angle lies in ``[-90, 90]``, the others in
  ``[-180, 180]``; at gimbal lock (middle angle +-90) the last angle is 0.
* The continuous 6D representation (Zhou et al., CVPR 2019) stores the first
  two COLUMNS of ``R``, column-major:
  ``x = [r00, r10, r20, r01, r11, r21]``  (``rij = R[..., i, j]``).
  :func:`rot6d_to_matrix` recovers ``R`` by Gram-Schmidt on these two columns
  and takes the third column as their cross product.

Camera convention of the project
--------------------------------
* OpenGL camera frame: camera at the origin looking down ``-z``, ``y`` up,
  ``x`` right. Visible points have ``z < 0``.
* A crop image of ``S x S`` pixels (``size = S``) with a fixed focal length
  ``f`` in pixels (``focal = f``) and the principal point at the crop centre
  ``(S/2, S/2)``.
* Pixel coordinates ``(u, v)``: origin at the top-left corner of the top-left
  pixel, ``u`` grows right, ``v`` grows DOWN. The centre of pixel ``(i, j)``
  (column ``i``, row ``j``) is therefore at ``(i + 0.5, j + 0.5)``.
* A point ``(x, y, z)`` with ``z < 0`` projects to::

      u = S/2 + f * x / (-z)
      v = S/2 - f * y / (-z)

* Weak-perspective camera ``cam = (s, tx, ty)`` (as regressed by NBF/HMR-style
  networks): a root-centred body point ``p`` maps to the pixel
  ``u = S/2 + (S/2) * s * (p_x + tx)``, ``v = S/2 - (S/2) * s * (p_y + ty)``.
  The equivalent perspective body translation (camera frame) is
  ``t = (tx, ty, -2 f / (S s))``, i.e. the body root sits at depth
  ``d = 2 f / (S s)`` and ``tx, ty`` are metres at that depth. Points lying in
  the plane ``z = -d`` then project identically under both cameras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

__all__ = [
    "axis_angle_to_matrix",
    "matrix_to_axis_angle",
    "euler_to_matrix",
    "matrix_to_euler",
    "euler_to_axis_angle",
    "axis_angle_to_euler",
    "rot6d_to_matrix",
    "matrix_to_rot6d",
    "svd_orthogonalize",
    "project_points",
    "weak_cam_to_translation",
    "translation_to_weak_cam",
]

# Below this squared angle the Taylor expansions are used (|theta| < 1e-3 rad).
_SMALL_ANGLE_SQ = 1e-6


# --------------------------------------------------------------------------- #
# numpy <-> torch helper
# --------------------------------------------------------------------------- #
def _to_torch(x: Any) -> tuple[torch.Tensor, Callable[[torch.Tensor], Any]]:
    """Convert ``x`` to a floating torch tensor.

    Returns ``(tensor, back)`` where ``back(result)`` converts a result to the
    same container type as the input: numpy arrays come back as numpy arrays
    (detached, on CPU), tensors are returned unchanged. Non-floating input
    (ints, lists of ints) is promoted to ``torch.get_default_dtype()``.
    """
    is_numpy = isinstance(x, np.ndarray) or not isinstance(x, torch.Tensor)
    t = torch.as_tensor(x)
    if not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    if is_numpy:
        return t, lambda r: r.detach().cpu().numpy()
    return t, lambda r: r


def _safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """sqrt with a finite (zero) gradient at ``x <= 0``."""
    pos = x > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, x, torch.ones_like(x))), torch.zeros_like(x))


# the cross-product matrix [v]_x, flattened row by row (9,), as a linear map of v (3,): v @ _SKEW_MAP
_SKEW_MAP = torch.tensor([[0, 0, 0, 0, 0, -1, 0, 1, 0],
                          [0, 0, 1, 0, 0, 0, -1, 0, 0],
                          [0, -1, 0, 1, 0, 0, 0, 0, 0]], dtype=torch.float32)
_ON_DEVICE: dict = {}


def on_device(constant: torch.Tensor, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A module-level constant tensor on `device` (in `dtype`, or its own), copied once per pair and kept: a
    host-to-device copy per call would wait for a GPU's queued work."""
    key = (id(constant), device, dtype)
    if key not in _ON_DEVICE:
        _ON_DEVICE[key] = constant.to(device, dtype or constant.dtype)
    return _ON_DEVICE[key]


# --------------------------------------------------------------------------- #
# Rotations
# --------------------------------------------------------------------------- #
def axis_angle_to_matrix(aa):
    """Rodrigues' formula: axis-angle ``(..., 3)`` -> rotation matrix ``(..., 3, 3)``.

    ``R = cos(t) I + A [k]_x + B k k^T`` with ``A = sin(t)/t``, ``B = (1 - cos t)/t^2``
    and ``k = aa`` (unnormalised), ``t = |aa|`` (``cos t = 1 - B t^2``). For ``t^2 < 1e-6`` Taylor series
    to second order are used (the next terms are under 1e-14), so the result and its gradient are
    finite and exact at ``aa = 0``. Written in few tensor ops: the refinement's steps are dominated by
    per-op overhead.
    """
    aa, back = _to_torch(aa)
    if aa.shape[-1] != 3:
        raise ValueError(f"axis-angle must have shape (..., 3), got {tuple(aa.shape)}")
    theta2 = (aa * aa).sum(-1, keepdim=True)[..., None]                                   # (..., 1, 1)
    small = theta2 < _SMALL_ANGLE_SQ
    theta2_safe = torch.where(small, torch.ones_like(theta2), theta2)
    theta_safe = torch.sqrt(theta2_safe)
    a = torch.where(small, 1.0 - theta2 / 6.0, torch.sin(theta_safe) / theta_safe)
    b = torch.where(small, 0.5 - theta2 / 24.0, (1.0 - torch.cos(theta_safe)) / theta2_safe)
    K = (aa @ on_device(_SKEW_MAP, aa.device, aa.dtype)).unflatten(-1, (3, 3))                      # [k]_x
    eye = torch.eye(3, dtype=aa.dtype, device=aa.device)
    R = (1.0 - b * theta2) * eye + a * K + b * (aa[..., :, None] * aa[..., None, :])
    return back(R)


def _matrix_to_quaternion(R: torch.Tensor) -> torch.Tensor:
    """Rotation matrix ``(..., 3, 3)`` -> unit quaternion ``(..., 4)`` as (w, x, y, z), w >= 0.

    Shepperd's method: the quaternion is computed from whichever of the four
    candidate formulas has the largest (best-conditioned) denominator, which
    keeps it accurate for all angles including pi.
    """
    r00, r01, r02 = R[..., 0, 0], R[..., 0, 1], R[..., 0, 2]
    r10, r11, r12 = R[..., 1, 0], R[..., 1, 1], R[..., 1, 2]
    r20, r21, r22 = R[..., 2, 0], R[..., 2, 1], R[..., 2, 2]
    # 4 * (w^2, x^2, y^2, z^2)
    sq = torch.stack(
        [
            1.0 + r00 + r11 + r22,
            1.0 + r00 - r11 - r22,
            1.0 - r00 + r11 - r22,
            1.0 - r00 - r11 + r22,
        ],
        dim=-1,
    )
    q_abs = _safe_sqrt(sq)  # 2 * |(w, x, y, z)|
    cand = torch.stack(
        [
            torch.stack([sq[..., 0], r21 - r12, r02 - r20, r10 - r01], dim=-1),
            torch.stack([r21 - r12, sq[..., 1], r10 + r01, r02 + r20], dim=-1),
            torch.stack([r02 - r20, r10 + r01, sq[..., 2], r12 + r21], dim=-1),
            torch.stack([r10 - r01, r20 + r02, r21 + r12, sq[..., 3]], dim=-1),
        ],
        dim=-2,
    )  # (..., 4 candidates, 4 components)
    # Each row i equals 4 * q_i * q, so dividing by 2 * q_abs_i gives q.
    # max(q_abs) >= 1 for a rotation, the clamp only guards the unused rows.
    cand = cand / (2.0 * q_abs.clamp(min=0.1))[..., None]
    idx = q_abs.argmax(dim=-1)
    q = torch.gather(cand, -2, idx[..., None, None].expand(*idx.shape, 1, 4)).squeeze(-2)
    q = q / q.norm(dim=-1, keepdim=True)
    q = torch.where(q[..., :1] < 0, -q, q)
    return q


def matrix_to_axis_angle(R):
    """Rotation matrix ``(..., 3, 3)`` -> axis-angle ``(..., 3)`` with angle in ``[0, pi]``.

    Goes through a quaternion (Shepperd's method), so it is accurate for all
    angles, including near 0 and near pi (where ``(R - R^T)`` vanishes and the
    naive log map breaks down). At exactly pi the sign of the axis is arbitrary
    (``aa`` and ``-aa`` are the same rotation). Gradients are finite at the
    identity.
    """
    R, back = _to_torch(R)
    if R.shape[-2:] != (3, 3):
        raise ValueError(f"rotation matrices must have shape (..., 3, 3), got {tuple(R.shape)}")
    q = _matrix_to_quaternion(R)
    w, v = q[..., 0], q[..., 1:]
    s2 = (v * v).sum(-1)
    small = s2 < _SMALL_ANGLE_SQ
    s_safe = torch.sqrt(torch.where(small, torch.ones_like(s2), s2))
    angle = 2.0 * torch.atan2(s_safe, w)
    # angle / |v|; for small |v|:  2 atan(s/w)/s ~= 2/w - 2 s^2 / (3 w^3)   (w ~= 1 there)
    w_safe = torch.where(small, w, torch.ones_like(w))
    factor = torch.where(small, 2.0 / w_safe - 2.0 * s2 / (3.0 * w_safe ** 3), angle / s_safe)
    return back(v * factor[..., None])


_AXES = {"x": 0, "y": 1, "z": 2}


def _euler_axes(order: str) -> tuple[int, int, int, float]:
    """Axis indices (i, j, k) of a Tait-Bryan ``order`` such as ``"xyz"`` and its parity sign.

    The sign is +1 for the cyclic orders (xyz, yzx, zxy) and -1 for the others; it
    is what turns the ``"xyz"`` formulas of :func:`matrix_to_euler` into any order's.
    """
    axes = tuple(_AXES.get(a) for a in order.lower())
    if len(axes) != 3 or None in axes or len(set(axes)) != 3:
        raise ValueError(f"Euler order must name x, y and z once each, got {order!r}")
    i, j, k = axes
    return i, j, k, (1.0 if (j - i) % 3 == 1 else -1.0)


def _axis_rotation(axis: int, angle: torch.Tensor) -> torch.Tensor:
    """Rotation by ``angle`` (radians, ``(...)``) about coordinate ``axis`` -> ``(..., 3, 3)``."""
    c, s = torch.cos(angle), torch.sin(angle)
    o, one = torch.zeros_like(angle), torch.ones_like(angle)
    rows = {
        0: ((one, o, o), (o, c, -s), (o, s, c)),
        1: ((c, o, s), (o, one, o), (-s, o, c)),
        2: ((c, -s, o), (s, c, o), (o, o, one)),
    }[axis]
    return torch.stack([torch.stack(r, dim=-1) for r in rows], dim=-2)


def euler_to_matrix(deg, order: str = "xyz"):
    """Intrinsic Euler angles in degrees ``(..., 3)`` -> rotation matrix ``(..., 3, 3)``.

    With ``order = "xyz"``: ``R = Rx(a) @ Ry(b) @ Rz(c)`` for ``deg = (a, b, c)``;
    any other order of the three axes multiplies in that order.
    """
    deg, back = _to_torch(deg)
    if deg.shape[-1] != 3:
        raise ValueError(f"Euler angles must have shape (..., 3), got {tuple(deg.shape)}")
    i, j, k, _ = _euler_axes(order)
    rad = torch.deg2rad(deg)
    R = _axis_rotation(i, rad[..., 0]) @ _axis_rotation(j, rad[..., 1]) @ _axis_rotation(k, rad[..., 2])
    return back(R)


def matrix_to_euler(R, order: str = "xyz"):
    """Rotation matrix ``(..., 3, 3)`` -> intrinsic Euler angles in degrees ``(..., 3)``.

    Inverse of :func:`euler_to_matrix`: the middle angle in ``[-90, 90]``, the
    others in ``[-180, 180]``. At gimbal lock (``|sin b| >= 1 - 1e-9``) only the
    sum/difference of the outer angles is defined; the last one is set to 0.
    """
    R, back = _to_torch(R)
    if R.shape[-2:] != (3, 3):
        raise ValueError(f"rotation matrices must have shape (..., 3, 3), got {tuple(R.shape)}")
    i, j, k, s = _euler_axes(order)
    sb = torch.clamp(s * R[..., i, k], -1.0, 1.0)
    b = torch.asin(sb)
    regular = sb.abs() < 1.0 - 1e-9
    a = torch.where(regular, torch.atan2(-s * R[..., j, k], R[..., k, k]), torch.atan2(s * R[..., k, j], R[..., j, j]))
    c = torch.where(regular, torch.atan2(-s * R[..., i, j], R[..., i, i]), torch.zeros_like(b))
    return back(torch.rad2deg(torch.stack([a, b, c], dim=-1)))


def euler_to_axis_angle(deg, order: str = "xyz"):
    """Intrinsic Euler angles in degrees ``(..., 3)`` -> axis-angle ``(..., 3)`` (angle in ``[0, pi]``)."""
    return matrix_to_axis_angle(euler_to_matrix(deg, order))


def axis_angle_to_euler(aa, order: str = "xyz"):
    """Axis-angle ``(..., 3)`` -> intrinsic Euler angles in degrees ``(..., 3)`` (see :func:`matrix_to_euler`)."""
    return matrix_to_euler(axis_angle_to_matrix(aa), order)


def rot6d_to_matrix(x):
    """Continuous 6D representation ``(..., 6)`` -> rotation matrix ``(..., 3, 3)``.

    Layout: ``x = [r00, r10, r20, r01, r11, r21]``, i.e. ``x[..., 0:3]`` is the
    (unnormalised) first column ``a1`` and ``x[..., 3:6]`` the second column
    ``a2`` of ``R``. Gram-Schmidt: ``b1 = a1/|a1|``,
    ``b2 = normalise(a2 - (b1.a2) b1)``, ``b3 = b1 x b2``; ``R = [b1 b2 b3]``
    (columns). The result has ``det(R) = +1`` wherever the two columns are
    neither zero nor parallel (then it is rank-deficient: the networks' outputs
    never are, in practice).
    """
    x, back = _to_torch(x)
    if x.shape[-1] != 6:
        raise ValueError(f"6D rotations must have shape (..., 6), got {tuple(x.shape)}")
    eps = torch.finfo(x.dtype).eps
    a1, a2 = x[..., 0:3], x[..., 3:6]
    b1 = a1 / a1.norm(dim=-1, keepdim=True).clamp(min=eps)
    u2 = a2 - (b1 * a2).sum(-1, keepdim=True) * b1
    b2 = u2 / u2.norm(dim=-1, keepdim=True).clamp(min=eps)
    b3 = torch.linalg.cross(b1, b2, dim=-1)
    return back(torch.stack([b1, b2, b3], dim=-1))


def matrix_to_rot6d(R):
    """Rotation matrix ``(..., 3, 3)`` -> 6D ``(..., 6)`` = ``[r00, r10, r20, r01, r11, r21]``.

    Exact inverse of :func:`rot6d_to_matrix` on rotation matrices.
    """
    R, back = _to_torch(R)
    if R.shape[-2:] != (3, 3):
        raise ValueError(f"rotation matrices must have shape (..., 3, 3), got {tuple(R.shape)}")
    return back(torch.cat([R[..., :, 0], R[..., :, 1]], dim=-1))


def svd_orthogonalize(M):
    """Nearest rotation (Frobenius norm, ``det = +1``) to ``M`` ``(..., 3, 3)`` -> ``(..., 3, 3)``.

    ``M = U S V^T``  ->  ``R = U diag(1, 1, det(U V^T)) V^T``, which is how NBF
    turns its raw 3x3 network outputs into rotations. Reflections are fixed by
    flipping the singular vector of the smallest singular value.
    Note: gradients through the SVD are undefined when singular values
    coincide (e.g. ``M`` exactly a rotation); add tiny noise if that matters.
    """
    M, back = _to_torch(M)
    if M.shape[-2:] != (3, 3):
        raise ValueError(f"matrices must have shape (..., 3, 3), got {tuple(M.shape)}")
    U, _, Vh = torch.linalg.svd(M)
    d = torch.det(U @ Vh)
    ones = torch.ones_like(d)
    D = torch.diag_embed(torch.stack([ones, ones, torch.sign(d) + (d == 0).to(d.dtype)], dim=-1))
    return back(U @ D @ Vh)


# --------------------------------------------------------------------------- #
# Camera
# --------------------------------------------------------------------------- #
def project_points(points, focal: float, size: int):
    """Perspective projection of camera-frame points ``(..., N, 3)`` -> pixels ``(..., N, 2)``.

    ``u = S/2 + f x / (-z)``, ``v = S/2 - f y / (-z)`` (see the module
    docstring). Points must be in front of the camera (``z < 0``); no clamping
    is done, points with ``z = 0`` give inf/nan.
    """
    points, back = _to_torch(points)
    if points.shape[-1] != 3:
        raise ValueError(f"points must have shape (..., N, 3), got {tuple(points.shape)}")
    c = size / 2.0
    inv_depth = 1.0 / (-points[..., 2])
    u = c + focal * points[..., 0] * inv_depth
    v = c - focal * points[..., 1] * inv_depth
    return back(torch.stack([u, v], dim=-1))


def weak_cam_to_translation(cam, focal: float, size: int):
    """Weak-perspective camera ``(..., 3) = (s, tx, ty)`` -> camera-frame translation ``(..., 3)``.

    ``t = (tx, ty, -2 f / (S s))``: the root-centred body, translated by ``t``,
    projects (for points at the root depth) exactly where the weak-perspective
    camera puts them, ``u = S/2 + (S/2) s (x + tx)``, ``v = S/2 - (S/2) s (y + ty)``.
    ``s`` must be positive.
    """
    cam, back = _to_torch(cam)
    if cam.shape[-1] != 3:
        raise ValueError(f"weak camera must have shape (..., 3), got {tuple(cam.shape)}")
    s, tx, ty = cam.unbind(-1)
    tz = -2.0 * focal / (size * s)
    return back(torch.stack([tx, ty, tz], dim=-1))


def translation_to_weak_cam(t, focal: float, size: int):
    """Camera-frame translation ``(..., 3)`` -> weak camera ``(..., 3) = (s, tx, ty)``.

    Exact inverse of :func:`weak_cam_to_translation`: ``s = -2 f / (S t_z)``
    (``t_z < 0``), ``tx = t_x``, ``ty = t_y``.
    """
    t, back = _to_torch(t)
    if t.shape[-1] != 3:
        raise ValueError(f"translation must have shape (..., 3), got {tuple(t.shape)}")
    x, y, z = t.unbind(-1)
    s = -2.0 * focal / (size * z)
    return back(torch.stack([s, x, y], dim=-1))
