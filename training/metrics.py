"""Evaluation metrics used by every NBF Studio evaluation.

All functions take numpy arrays (torch tensors are accepted too; they are
detached and moved to CPU) and return numpy values. 3D quantities are in the
units of the input (metres for SMPL), so MPJPE etc. come back in metres;
multiply by 1000 for the usual millimetre numbers.

Shapes: ``B`` batch, ``J`` joints (24 in SMPL order, pelvis = 0), ``V``
vertices (6890 for SMPL), ``H x W`` label maps.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "mpjpe",
    "similarity_procrustes",
    "batch_similarity_procrustes",
    "pa_mpjpe",
    "pve",
    "pa_pve",
    "confusion_matrix",
    "part_iou",
    "miou",
    "IoUAccumulator",
    "pck",
    "rotation_error_deg",
    "mean_joint_rotation_error",
]


def _np(x: Any, dtype=np.float64) -> np.ndarray:
    """numpy view of ``x`` (torch tensors are detached and moved to CPU)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype) if dtype is not None else np.asarray(x)


def _check_same_shape(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what}: shape mismatch {a.shape} vs {b.shape}")


# --------------------------------------------------------------------------- #
# 3D joint / vertex errors
# --------------------------------------------------------------------------- #
def mpjpe(pred, gt, root: Optional[int] = 0) -> np.ndarray:
    """Mean per-joint position error after root alignment.

    pred, gt: ``(B, J, 3)`` (any leading dims work). Each set has its own
    ``root`` joint subtracted first (pelvis alignment; SMPL pelvis is 0);
    ``root=None`` skips the alignment. Returns ``(B,)`` mean Euclidean joint
    distances, in input units.
    """
    p, g = _np(pred), _np(gt)
    _check_same_shape(p, g, "mpjpe")
    if root is not None:
        p = p - p[..., root : root + 1, :]
        g = g - g[..., root : root + 1, :]
    return np.linalg.norm(p - g, axis=-1).mean(axis=-1)


def batch_similarity_procrustes(
    pred, gt
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batched least-squares similarity alignment of ``pred`` onto ``gt`` (Umeyama).

    pred, gt: ``(B, N, 3)``. Finds ``scale (B,)``, rotation ``R (B, 3, 3)``
    (``det = +1``, reflections excluded) and ``t (B, 3)`` minimising
    ``sum_i |scale * R @ pred_i + t - gt_i|^2``.
    Returns ``(aligned (B, N, 3), scale, R, t)`` with
    ``aligned = scale * pred @ R^T + t``.
    A degenerate ``pred`` (all points equal) gets ``scale = 0``, ``R = I``
    (every point is mapped to the centroid of ``gt``).
    """
    p, g = _np(pred), _np(gt)
    _check_same_shape(p, g, "procrustes")
    if p.ndim != 3 or p.shape[-1] != 3:
        raise ValueError(f"procrustes expects (B, N, 3), got {p.shape}")
    mu_p = p.mean(axis=1, keepdims=True)
    mu_g = g.mean(axis=1, keepdims=True)
    X = p - mu_p
    Y = g - mu_g
    var_p = (X ** 2).sum(axis=(1, 2))  # (B,)
    cov = np.einsum("bni,bnj->bij", Y, X)  # sum_n y_n x_n^T, (B, 3, 3)
    U, S, Vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(U) * np.linalg.det(Vt))
    d[d == 0] = 1.0
    D = np.ones_like(S)
    D[:, 2] = d
    R = U @ (D[:, :, None] * Vt)
    degenerate = var_p <= np.finfo(np.float64).tiny
    scale = np.where(degenerate, 0.0, (S * D).sum(axis=1) / np.where(degenerate, 1.0, var_p))
    R[degenerate] = np.eye(3)
    t = mu_g[:, 0] - scale[:, None] * np.einsum("bij,bj->bi", R, mu_p[:, 0])
    aligned = scale[:, None, None] * np.einsum("bij,bnj->bni", R, p) + t[:, None, :]
    return aligned, scale, R, t


def similarity_procrustes(pred, gt) -> Tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Similarity (scale + rotation + translation) alignment of ``pred (N, 3)`` onto ``gt (N, 3)``.

    Returns ``(aligned (N, 3), scale: float, R (3, 3), t (3,))`` with
    ``aligned = scale * pred @ R.T + t`` the least-squares best fit; ``R`` is a
    proper rotation (reflections are handled by flipping the last singular
    vector, Umeyama 1991).
    """
    p, g = _np(pred), _np(gt)
    if p.ndim != 2:
        raise ValueError(f"similarity_procrustes expects (N, 3), got {p.shape}")
    aligned, scale, R, t = batch_similarity_procrustes(p[None], g[None])
    return aligned[0], float(scale[0]), R[0], t[0]


def pa_mpjpe(pred, gt) -> np.ndarray:
    """Procrustes-aligned MPJPE: pred, gt ``(B, J, 3)`` -> ``(B,)``.

    Each predicted skeleton is similarity-aligned (scale, rotation,
    translation) to its ground truth before the mean joint distance.
    """
    p, g = _np(pred), _np(gt)
    aligned, _, _, _ = batch_similarity_procrustes(p, g)
    return np.linalg.norm(aligned - g, axis=-1).mean(axis=-1)


def pve(
    pred_verts,
    gt_verts,
    pred_joints=None,
    gt_joints=None,
    root: int = 0,
) -> np.ndarray:
    """Per-vertex error: pred_verts, gt_verts ``(B, V, 3)`` -> ``(B,)``.

    Alignment: if ``pred_joints`` and ``gt_joints`` ``(B, J, 3)`` are given,
    each mesh is translated so that its ``root`` joint (pelvis, 0) is at the
    origin; otherwise each mesh is centred on its mean vertex.
    """
    p, g = _np(pred_verts), _np(gt_verts)
    _check_same_shape(p, g, "pve")
    if (pred_joints is None) != (gt_joints is None):
        raise ValueError("pve: give both pred_joints and gt_joints, or neither")
    if pred_joints is not None:
        pj, gj = _np(pred_joints), _np(gt_joints)
        p = p - pj[..., root : root + 1, :]
        g = g - gj[..., root : root + 1, :]
    else:
        p = p - p.mean(axis=-2, keepdims=True)
        g = g - g.mean(axis=-2, keepdims=True)
    return np.linalg.norm(p - g, axis=-1).mean(axis=-1)


def pa_pve(pred_verts, gt_verts) -> np.ndarray:
    """Procrustes-aligned per-vertex error: ``(B, V, 3)`` x2 -> ``(B,)``."""
    return pa_mpjpe(pred_verts, gt_verts)


# --------------------------------------------------------------------------- #
# Part segmentation
# --------------------------------------------------------------------------- #
def confusion_matrix(pred_labels, gt_labels, num_classes: int = 13) -> np.ndarray:
    """Confusion matrix ``(C, C)`` int64, rows = ground truth, columns = prediction.

    Labels may have any (matching) shape, e.g. ``(H, W)`` or ``(B, H, W)``.
    Pixels whose gt or predicted label lies outside ``[0, num_classes)``
    (e.g. an ignore value 255) are not counted.
    """
    p = _np(pred_labels, dtype=None).astype(np.int64, copy=False).ravel()
    g = _np(gt_labels, dtype=None).astype(np.int64, copy=False).ravel()
    if p.shape != g.shape:
        raise ValueError(f"confusion_matrix: shape mismatch {np.shape(pred_labels)} vs {np.shape(gt_labels)}")
    ok = (p >= 0) & (p < num_classes) & (g >= 0) & (g < num_classes)
    idx = g[ok] * num_classes + p[ok]
    return np.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _iou_from_confusion(conf: np.ndarray) -> np.ndarray:
    conf = conf.astype(np.float64)
    inter = np.diag(conf)
    union = conf.sum(axis=0) + conf.sum(axis=1) - inter
    out = np.full(conf.shape[0], np.nan)
    nz = union > 0
    out[nz] = inter[nz] / union[nz]
    return out


def _nanmean(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    valid = ~np.isnan(x)
    return float(x[valid].mean()) if valid.any() else float("nan")


def part_iou(pred_labels, gt_labels, num_classes: int = 13) -> np.ndarray:
    """Per-class IoU of two integer label maps ``(H, W)`` -> ``(num_classes,)`` float.

    Class 0 is background and is included. Classes absent from both maps get
    NaN. Out-of-range labels are ignored (see :func:`confusion_matrix`).
    """
    return _iou_from_confusion(confusion_matrix(pred_labels, gt_labels, num_classes))


def miou(pred_labels, gt_labels, num_classes: int = 13) -> float:
    """Mean IoU over classes present in either map (``nanmean`` of :func:`part_iou`).

    NaN if no class is present at all.
    """
    return _nanmean(part_iou(pred_labels, gt_labels, num_classes))


class IoUAccumulator:
    """Dataset-level IoU: intersections and unions summed over all images.

    >>> acc = IoUAccumulator(num_classes=13)
    >>> for pred, gt in batches:          # (H, W) or (B, H, W) int label maps
    ...     acc.update(pred, gt)
    >>> acc.per_class()                    # (13,), NaN for never-seen classes
    >>> acc.mean()                         # nanmean over classes
    """

    def __init__(self, num_classes: int = 13) -> None:
        self.num_classes = int(num_classes)
        self.confusion = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)

    def reset(self) -> None:
        self.confusion[:] = 0

    def update(self, pred_labels, gt_labels) -> None:
        self.confusion += confusion_matrix(pred_labels, gt_labels, self.num_classes)

    def per_class(self) -> np.ndarray:
        return _iou_from_confusion(self.confusion)

    def mean(self) -> float:
        return _nanmean(self.per_class())


# --------------------------------------------------------------------------- #
# 2D keypoints
# --------------------------------------------------------------------------- #
def pck(
    pred2d,
    gt2d,
    visible=None,
    threshold_px: Optional[float] = None,
    normalizer=None,
    alpha: Optional[float] = None,
) -> float:
    """Percentage of correct keypoints, as a fraction in ``[0, 1]``.

    pred2d, gt2d: ``(B, J, 2)`` pixels; visible: ``(B, J)`` bool (None = all
    visible). A visible joint is correct when its pixel distance is
    ``<= threshold``. Give exactly one of:

    * ``threshold_px``: a fixed threshold in pixels, or
    * ``normalizer`` (scalar or ``(B,)``, e.g. bbox size or torso length) and
      ``alpha``: per-sample threshold ``alpha * normalizer[b]``.

    Returns NaN when no joint is visible.
    """
    p, g = _np(pred2d), _np(gt2d)
    _check_same_shape(p, g, "pck")
    if p.ndim != 3 or p.shape[-1] != 2:
        raise ValueError(f"pck expects (B, J, 2), got {p.shape}")
    B, J = p.shape[:2]
    vis = np.ones((B, J), dtype=bool) if visible is None else _np(visible, dtype=bool).reshape(B, J)
    if (threshold_px is None) == (normalizer is None):
        raise ValueError("pck: give exactly one of threshold_px or normalizer")
    if threshold_px is not None:
        thr = np.full((B, 1), float(threshold_px))
    else:
        if alpha is None:
            raise ValueError("pck: alpha is required with normalizer")
        thr = (float(alpha) * np.broadcast_to(_np(normalizer).reshape(-1), (B,)))[:, None]
    dist = np.linalg.norm(p - g, axis=-1)
    n_vis = int(vis.sum())
    if n_vis == 0:
        return float("nan")
    return float(((dist <= thr) & vis).sum() / n_vis)


# --------------------------------------------------------------------------- #
# Rotations
# --------------------------------------------------------------------------- #
def rotation_error_deg(R_pred, R_gt) -> np.ndarray:
    """Geodesic angle between rotations: ``(B, J, 3, 3)`` x2 -> ``(B, J)`` degrees.

    ``angle(R_pred^T R_gt)`` computed as ``atan2(|sin|, cos)`` from the
    antisymmetric part and the trace, accurate near 0 and near 180 degrees.
    """
    a, b = _np(R_pred), _np(R_gt)
    _check_same_shape(a, b, "rotation_error_deg")
    rel = np.swapaxes(a, -1, -2) @ b
    cos = (np.trace(rel, axis1=-2, axis2=-1) - 1.0) / 2.0
    sin_vec = 0.5 * np.stack(
        [rel[..., 2, 1] - rel[..., 1, 2], rel[..., 0, 2] - rel[..., 2, 0], rel[..., 1, 0] - rel[..., 0, 1]],
        axis=-1,
    )
    sin = np.linalg.norm(sin_vec, axis=-1)
    return np.degrees(np.arctan2(sin, cos))


def mean_joint_rotation_error(R_pred, R_gt, joints: Optional[Sequence[int]] = None) -> float:
    """Mean geodesic rotation error in degrees over batch and joints.

    R_pred, R_gt: ``(B, J, 3, 3)``; ``joints`` optionally selects joint indices
    (e.g. to exclude the global orientation, joint 0).
    """
    err = rotation_error_deg(R_pred, R_gt)
    if joints is not None:
        err = err[..., list(joints)]
    return float(err.mean())
