"""Evaluation metrics used by every NBF Studio evaluation (training, `main.py evaluate`, the app's
dataset panel): the one implementation, below both training and the app.

All functions take numpy arrays (torch tensors are accepted too; they are
detached and moved to CPU) and return numpy values. 3D quantities are in the
units of the input (metres for SMPL), so MPJPE etc. come back in metres;
multiply by 1000 for the usual millimetre numbers.

Shapes: ``B`` batch, ``J`` joints (24 in SMPL order, pelvis = 0), ``V``
vertices (6890 for SMPL), ``H x W`` label maps.

Real photos have no ground-truth part maps; :func:`keypoint_part_agreement`
(do the detector's keypoints land on the parts they belong to?) and
:func:`silhouette_iou` (does the union of the parts cover the detector's
silhouette?) measure a predicted part map against the person detector
(``inference.detect``, 33 BlazePose keypoints) instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.detect import HEAD_LANDMARKS, LANDMARK_NAMES, torso_length
from inference.parts import MIRROR_LABELS, PART_NAMES

if TYPE_CHECKING:
    from inference.types import BodyMesh

__all__ = [
    "mpjpe",
    "similarity_procrustes",
    "batch_similarity_procrustes",
    "pa_mpjpe",
    "pve",
    "pa_pve",
    "BodyErrors",
    "body_errors_mm",
    "VertexErrors",
    "vertex_errors_mm",
    "confusion_matrix",
    "part_iou",
    "miou",
    "miou_over_truth_classes",
    "IoUAccumulator",
    "pck",
    "rotation_error_deg",
    "mean_joint_rotation_error",
    "KEYPOINT_PARTS",
    "KeypointPart",
    "PartAgreement",
    "keypoint_part_agreement",
    "silhouette_iou",
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
def mpjpe(pred, gt, root: int | None = 0) -> np.ndarray:
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def similarity_procrustes(pred, gt) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
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


@dataclass(frozen=True)
class BodyErrors:
    """The paper's errors of one body against its ground truth, in millimetres: mpjpe (pelvis-aligned joints),
    pa_mpjpe (Procrustes-aligned joints), pve (pelvis-aligned, over all vertices)."""

    mpjpe: float
    pa_mpjpe: float
    pve: float


def body_errors_mm(pred_mesh, gt_mesh) -> BodyErrors:
    """The paper's errors of one body against its ground truth (BodyErrors, mm). pred_mesh, gt_mesh:
    meshes with ``joints (J, 3)`` (SMPL order, pelvis 0) and ``vertices (V, 3)`` in metres
    (``inference.types.BodyMesh``)."""
    pj, gj = pred_mesh.joints[None], gt_mesh.joints[None]
    return BodyErrors(mpjpe=float(mpjpe(pj, gj)[0] * 1000),
                      pa_mpjpe=float(pa_mpjpe(pj, gj)[0] * 1000),
                      pve=float(pve(pred_mesh.vertices[None], gt_mesh.vertices[None], pj, gj)[0] * 1000))


@dataclass(frozen=True)
class VertexErrors:
    """A predicted mesh similarity-aligned onto its ground truth over all vertices (the alignment of PA-PVE) and
    how far each vertex lies from its ground truth after it: aligned, the predicted ``BodyMesh`` moved by that
    alignment (vertices, joints and extra points alike); mm, ``(V,)`` float32 millimetres."""

    aligned: BodyMesh
    mm: np.ndarray


def vertex_errors_mm(pred_mesh: BodyMesh, gt_mesh: BodyMesh) -> VertexErrors:
    """Per-vertex Procrustes-aligned error of one body against its ground truth (VertexErrors). pred_mesh,
    gt_mesh: ``inference.types.BodyMesh`` of one topology, vertices ``(V, 3)`` in metres; the mean of ``mm`` is
    the body's PA-PVE in millimetres."""
    aligned, scale, R, t = similarity_procrustes(pred_mesh.vertices, gt_mesh.vertices)
    mm = (np.linalg.norm(aligned - np.asarray(gt_mesh.vertices, np.float64), axis=1) * 1000).astype(np.float32)

    def move(x) -> np.ndarray:
        return (scale * np.asarray(x, np.float64).reshape(-1, 3) @ R.T + t).astype(np.float32)

    return VertexErrors(replace(pred_mesh, vertices=aligned.astype(np.float32), joints=move(pred_mesh.joints),
                                extra=move(pred_mesh.extra)), mm)


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


def miou_over_truth_classes(confusion: np.ndarray) -> float:
    """One image's mean IoU over the classes present in its ground truth, from its confusion matrix ``(C, C)``
    (rows ground truth, columns prediction: :func:`confusion_matrix`). A class predicted but absent from the ground
    truth is not counted, where :func:`miou` counts it as 0; this is the definition the part-segmentation issue's
    check (``G-parts``) applies per image before averaging over images. NaN for an empty ground truth."""
    conf = np.asarray(confusion, dtype=np.float64)
    present = conf.sum(axis=1) > 0
    return _nanmean(_iou_from_confusion(conf)[present]) if present.any() else float("nan")


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

    def update(self, pred_labels, gt_labels) -> None:
        self.add(confusion_matrix(pred_labels, gt_labels, self.num_classes))

    def add(self, confusion: np.ndarray) -> None:
        """One image's confusion matrix (C, C) (rows ground truth, columns prediction: `confusion_matrix`)."""
        self.confusion += np.asarray(confusion, np.int64)

    def per_class(self) -> np.ndarray:
        """(num_classes,) IoU of each class over everything accumulated (NaN for a class in neither map)."""
        return _iou_from_confusion(self.confusion)

    def mean(self) -> float:
        return _nanmean(self.per_class())

    def left_right_swaps(self) -> float:
        """See `left_right_swaps`, over every image so far."""
        return left_right_swaps(self.confusion)

    @classmethod
    def of(cls, confusion: np.ndarray) -> IoUAccumulator:
        """An accumulator holding a summed confusion matrix (C, C) (rows ground truth, columns prediction)."""
        acc = cls(np.shape(confusion)[0])
        acc.add(confusion)
        return acc


def left_right_swaps(confusion: np.ndarray) -> float:
    """Of the ground-truth left/right limb pixels labelled as that limb on either side, the fraction given the
    mirrored side (NaN when there are none), from a (13, 13) confusion matrix (rows ground truth, columns
    prediction; 13-class maps, inference.parts.MIRROR_LABELS)."""
    from inference.parts import MIRROR_LABELS

    conf = np.asarray(confusion)
    sided = [c for c in range(conf.shape[0]) if MIRROR_LABELS[c] != c]
    right = sum(int(conf[c, c]) for c in sided)
    mirrored = sum(int(conf[c, MIRROR_LABELS[c]]) for c in sided)
    return mirrored / (right + mirrored) if right + mirrored else float("nan")


# --------------------------------------------------------------------------- #
# 2D keypoints
# --------------------------------------------------------------------------- #
def pck(
    pred2d,
    gt2d,
    visible=None,
    threshold_px: float | None = None,
    normalizer=None,
    alpha: float | None = None,
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


def mean_joint_rotation_error(R_pred, R_gt, joints: Sequence[int] | None = None) -> float:
    """Mean geodesic rotation error in degrees over batch and joints.

    R_pred, R_gt: ``(B, J, 3, 3)``; ``joints`` optionally selects joint indices
    (e.g. to exclude the global orientation, joint 0).
    """
    err = rotation_error_deg(R_pred, R_gt)
    if joints is not None:
        err = err[..., list(joints)]
    return float(err.mean())


# --------------------------------------------------------------------------- #
# Part maps against a person detector (real photos, no ground-truth parts)
# --------------------------------------------------------------------------- #
def _keypoint_parts() -> tuple[tuple[int, ...], ...]:
    """Per BlazePose keypoint (33, ``inference.detect.LANDMARK_NAMES``) the label values (1 + part
    index, ``inference.parts``) of the parts the joint belongs to."""
    lab = {name: 1 + i for i, name in enumerate(PART_NAMES)}
    out = []
    for k, name in enumerate(LANDMARK_NAMES):
        if k in HEAD_LANDMARKS:  # nose, eyes, ears, mouth
            out.append((lab["head"],))
            continue
        side, joint = name.split("_", 1)
        allowed = {
            "shoulder": ("upper torso", "neck", f"{side} upper arm"),
            "elbow": (f"{side} upper arm", f"{side} forearm+hand"),
            "wrist": (f"{side} forearm+hand",), "pinky": (f"{side} forearm+hand",),
            "index": (f"{side} forearm+hand",), "thumb": (f"{side} forearm+hand",),
            "hip": ("lower torso", f"{side} thigh"),
            "knee": (f"{side} thigh", f"{side} shin+foot"),
            "ankle": (f"{side} shin+foot",), "heel": (f"{side} shin+foot",),
            "foot_index": (f"{side} shin+foot",),
        }[joint]
        out.append(tuple(lab[a] for a in allowed))
    return tuple(out)


KEYPOINT_PARTS = _keypoint_parts()

# COCO's 17 body keypoints among BlazePose's 33: the joints the segmentation issue's definition names (wrists,
# knees, nose and ears, shoulders, hips, "and so on"), without the mouth, fingers, heels and toe tips, whose
# places the body model's parts do not follow (an exact synthetic part map puts 22-43 % of them off their part,
# docs/segmentation.md, "The agreement of exact part maps")
BODY_KEYPOINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                  "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
                  "right_knee", "left_ankle", "right_ankle")


@dataclass(frozen=True)
class KeypointPart:
    """One confident keypoint checked against a part map.

    keypoint: BlazePose index (0..32); name: its landmark name; xy: (x, y) in label-map pixels;
    label: the majority label (0 background, 1..12 parts) of the pixels within the radius;
    agrees: ``label`` is one of the parts the joint belongs to (:data:`KEYPOINT_PARTS`);
    swapped: ``label`` is the left/right mirror of such a part instead (e.g. left wrist on the
    right forearm+hand).
    """

    keypoint: int
    name: str
    xy: tuple[float, float]
    label: int
    agrees: bool
    swapped: bool


@dataclass(frozen=True)
class PartAgreement:
    """Keypoint-part agreement of one part map with one person's keypoints.

    keypoints: the checked keypoints (confident and inside the map), BlazePose order; n: how many;
    agreement, swaps: the fractions of them that agree / are left-right swaps (NaN when n = 0);
    radius: the pixel radius used.
    """

    keypoints: tuple[KeypointPart, ...]
    agreement: float
    swaps: float
    n: int
    radius: float

    def among(self, names: tuple[str, ...] = BODY_KEYPOINTS) -> PartAgreement:
        """The same measure over the checked keypoints named in `names` only (default: BODY_KEYPOINTS)."""
        names = {names} if isinstance(names, str) else set(names)  # (a bare name is one name, not its letters)
        kept = tuple(k for k in self.keypoints if k.name in names)
        n = len(kept)
        return PartAgreement(kept, sum(k.agrees for k in kept) / n if n else float("nan"),
                             sum(k.swapped for k in kept) / n if n else float("nan"), n, self.radius)


def keypoint_part_agreement(
    labels,
    keypoints,
    min_visibility: float = 0.5,
    radius_fraction: float = 0.03,
    min_radius: float = 2.0,
) -> PartAgreement:
    """Do a person's detected keypoints land on the parts they belong to?

    labels: ``(H, W)`` int part map (0 background, 1 + part index, ``inference.parts``);
    keypoints: ``(33, 3)`` BlazePose x, y, visibility in the same map's pixels (pixel ``i`` covers
    coordinates ``[i, i + 1)``; a person's keypoints on the photo go with the photo-frame part map,
    ``inference.crop.uncrop_parts``). A keypoint is checked when its visibility is
    ``>= min_visibility`` and it lies inside the map. The majority label (background included; ties
    go to the lower label) among the pixels whose centres lie within
    ``r = max(min_radius, radius_fraction * torso)`` of it decides: the keypoint agrees when that is
    one of the joint's parts (:data:`KEYPOINT_PARTS`: head keypoints -> head; shoulder -> upper
    torso, neck or that side's upper arm; elbow -> upper arm or forearm+hand; wrist, pinky, index,
    thumb -> forearm+hand; hip -> lower torso or thigh; knee -> thigh or shin+foot; ankle, heel,
    foot index -> shin+foot), and is a left/right swap when it is the mirrored part of one of them.
    ``torso`` is the distance from the mid-shoulders to the mid-hips (keypoints 11, 12, 23, 24,
    whatever their visibility).
    """
    lab = _np(labels, dtype=None).astype(np.int64, copy=False)
    kp = _np(keypoints)
    if lab.ndim != 2:
        raise ValueError(f"keypoint_part_agreement expects labels (H, W), got {lab.shape}")
    if kp.shape != (len(KEYPOINT_PARTS), 3):
        raise ValueError(f"keypoint_part_agreement expects keypoints (33, 3), got {kp.shape}")
    h, w = lab.shape
    torso = torso_length(kp)
    r = max(float(min_radius), float(radius_fraction) * torso)
    mirror = MIRROR_LABELS
    out = []
    for k, (x, y, vis) in enumerate(kp):
        if not (vis >= min_visibility and 0 <= x < w and 0 <= y < h):
            continue
        # pixels whose centres (i + 0.5, j + 0.5) lie within r of (x, y)
        x0, x1 = max(0, int(np.floor(x - r - 0.5))), min(w, int(np.ceil(x + r + 0.5)) + 1)
        y0, y1 = max(0, int(np.floor(y - r - 0.5))), min(h, int(np.ceil(y + r + 0.5)) + 1)
        cx = np.arange(x0, x1) + 0.5 - x
        cy = np.arange(y0, y1) + 0.5 - y
        inside = cy[:, None] ** 2 + cx[None, :] ** 2 <= r * r
        vals = lab[y0:y1, x0:x1][inside]
        vals = vals[(vals >= 0) & (vals < len(mirror))]
        if vals.size == 0:  # cannot happen for r >= 1 inside the map; kept for odd inputs
            continue
        major = int(np.bincount(vals, minlength=len(mirror)).argmax())
        allowed = KEYPOINT_PARTS[k]
        agrees = major in allowed
        swapped = not agrees and any(int(mirror[a]) == major and int(mirror[a]) != a for a in allowed)
        out.append(KeypointPart(k, LANDMARK_NAMES[k], (float(x), float(y)), major, agrees, swapped))
    n = len(out)
    frac = (lambda c: c / n) if n else (lambda c: float("nan"))
    return PartAgreement(
        keypoints=tuple(out),
        agreement=frac(sum(o.agrees for o in out)),
        swaps=frac(sum(o.swapped for o in out)),
        n=n,
        radius=r,
    )


def silhouette_iou(labels, mask, threshold: float = 0.5) -> float:
    """IoU of the union of the parts (``labels > 0``) with a silhouette (``mask > threshold``, e.g.
    the person detector's soft mask), both ``(H, W)`` on the same pixels. NaN when both are empty."""
    fg = _np(labels, dtype=None) > 0
    m = _np(mask) > threshold
    _check_same_shape(fg, m, "silhouette_iou")
    union = int((fg | m).sum())
    return float((fg & m).sum() / union) if union else float("nan")
