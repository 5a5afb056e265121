"""BlazePose's two TFLite networks as the person search uses them: the face detector's anchors, decoding and
weighted non-maximum suppression; the landmark model's outputs decoded (33 keypoints refined on its heatmaps,
pose presence, silhouette), the order of its keypoints in a mirrored image and the average of the two looks;
the interpreter wrapper and its thread count."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..boxes import box_iou
from ..native_stderr import native_stderr
from .runtime import DetectorUnavailable

DET_SIZE = 224
LM_SIZE = 256
N_ANCHORS = 2254
DET_MIN_SCORE = 0.5          # detector sigmoid score
NMS_IOU = 0.3                # weighted NMS overlap
MASK_THRESHOLD = 0.5
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONF = 0.5
MIRROR = np.arange(33)      # BlazePose's keypoints of a mirrored image: left and right swap
for _l, _r in ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
               (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)):
    MIRROR[_l], MIRROR[_r] = _r, _l
BODY = [0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]  # nose, arms, legs: the points the mirror test compares
# A person's keypoints are the mean of the landmark model's answers on their ROI and on its mirror image where the two
# lie within this many body radii (a second look steadies the model's answer: docs/real_photos.md, "How it works", 4)
MIRROR_AVERAGE_MAX = 0.1


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


def ssd_anchors(size: int = DET_SIZE, strides: tuple[int, ...] = (8, 16, 32, 32, 32)) -> np.ndarray:
    """(2254, 2) anchor centres in [0, 1] of the detector input: 2 anchors per cell and layer, layers of equal
    stride sharing one grid (fixed anchor size, so only the centres matter)."""
    out, i = [], 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        per_cell = 2 * (j - i)
        n = math.ceil(size / strides[i])
        ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
        cells = np.stack([xs.ravel(), ys.ravel()], 1)
        out.append(np.repeat(cells, per_cell, axis=0))
        i = j
    return np.concatenate(out).astype(np.float32)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU):
    """Cluster detections (boxes (n, 4) x0, y0, x1, y1, keypoints (n, K, 2), scores (n,)) around the best remaining
    one (IoU > iou) and average each cluster, weighted by score; the cluster keeps its best score.  Returns
    (boxes (m, 4), keypoints (m, K, 2), scores (m,)) float32, best first."""
    order = np.argsort(-scores)
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    alive = np.ones(len(scores), bool)
    out_b, out_k, out_s = [], [], []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        members = alive & (box_iou(boxes[i], boxes)[0] > iou)
        members[i] = True
        w = scores[members][:, None]
        out_b.append((boxes[members] * w).sum(0) / w.sum())
        out_k.append((keypoints[members] * w[:, :, None]).sum(0) / w.sum())
        out_s.append(scores[i])
        alive &= ~members
    if not out_s:
        return np.zeros((0, 4), np.float32), np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    return np.array(out_b, np.float32), np.array(out_k, np.float32), np.array(out_s, np.float32)


class TfliteModel:
    """One TFLite model: float32 NHWC input, outputs picked by their sizes."""

    def __init__(self, interpreter_cls, path: Path, threads: int):
        try:
            # TFLite announces its CPU delegate on fd 2 ("INFO: Created TensorFlow Lite XNNPACK delegate for
            # CPU."): a line in every CLI run that tells the user nothing
            with native_stderr(keep_out=("XNNPACK delegate",)):
                self.it = interpreter_cls(model_path=str(path), num_threads=threads)
                self.it.allocate_tensors()
        except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file
            raise DetectorUnavailable(f"cannot load {path}: {exc}") from None
        self.input = self.it.get_input_details()[0]
        self.outputs = {int(np.prod(d["shape"])): d["index"] for d in self.it.get_output_details()}

    def __call__(self, x: np.ndarray) -> dict[int, np.ndarray]:
        """One image x (H, W, C) float32 (the batch axis is added here) -> each output with its batch axis dropped,
        keyed by its element count (the landmark model's (39, 5) landmarks: 195)."""
        self.it.set_tensor(self.input["index"], x[None].astype(np.float32))
        self.it.invoke()
        return {n: self.it.get_tensor(i)[0] for n, i in self.outputs.items()}


@dataclass(frozen=True)
class MirrorPass:
    """The landmark model's answer on the mirror image of a ROI, mapped back to the image: keypoints (33, 2) image px
    as the model's regression gives them (`raw`) and moved onto its heatmaps (`refined`, as `landmarks` does),
    visibility (33,), pose presence, and the ROI's body radius in px."""

    raw: np.ndarray
    refined: np.ndarray
    visibility: np.ndarray
    presence: float
    radius: float


def default_threads() -> int:
    """TFLite threads of a detector built without a count: as many as torch uses (at most 4). The detector and the
    networks run one after the other, never at once, so they can share the cores; torch's count follows
    OMP_NUM_THREADS and `torch.set_num_threads`, so a run pinned to one core (one process per core) keeps the
    detector on one too. The thread count changes no keypoint (docs/crowds.md, "Two detector threads")."""
    import torch

    return max(1, min(4, torch.get_num_threads()))


@dataclass(frozen=True)
class RoiLandmarks:
    """The landmark model's answer on one ROI, in the ROI's unit square: its 33 keypoints as regressed (`raw`,
    (33, 2)) and moved onto its heatmaps (`refined`, (33, 2), `refine_with_heatmap`), their visibility (33,), and
    the pose presence (already a probability)."""

    raw: np.ndarray
    refined: np.ndarray
    visibility: np.ndarray
    presence: float


def decode_landmarks(out: dict[int, np.ndarray]) -> RoiLandmarks:
    """The landmark model's outputs on one ROI (`TfliteModel` answer, keyed by size: 195 the landmarks (39, 5) x, y
    in LM_SIZE px of the ROI's input, z, visibility and presence logits; 64 * 64 * 39 the heatmap logits
    (64, 64, 39); 1 the pose presence) decoded, in the ROI's unit square."""
    lm = out[195].reshape(39, 5)
    raw = lm[:33, :2] / LM_SIZE
    refined = refine_with_heatmap(raw, out[64 * 64 * 39].reshape(64, 64, 39)[..., :33])
    return RoiLandmarks(raw, refined, sigmoid(lm[:33, 3]), float(out[1].reshape(-1)[0]))


def refine_with_heatmap(uv: np.ndarray, heat_logits: np.ndarray) -> np.ndarray:
    """Move each landmark (uv (K, 2) in [0, 1] of the ROI) to the confidence-weighted mean of its 7x7 window of its
    heatmap (heat_logits (n, n, K)) when the window's peak confidence is at least 0.5; windows are cut at the map's
    edge. All landmarks at once: a landmark pass runs it on 33 of them, a wide shot some hundred times."""
    n = heat_logits.shape[0]
    out = uv.copy()
    r = HEATMAP_KERNEL // 2
    with np.errstate(invalid="ignore"):  # a NaN landmark falls outside the map below
        col, row = (uv[:, 0] * n).astype(np.int64), (uv[:, 1] * n).astype(np.int64)
    ks = np.flatnonzero((col >= 0) & (col < n) & (row >= 0) & (row < n))
    if len(ks) == 0:
        return out
    offs = np.arange(-r, r + 1)
    rows, cols = row[ks, None] + offs, col[ks, None] + offs                               # (m, 7) each
    on_map = ((rows >= 0) & (rows < n))[:, :, None] & ((cols >= 0) & (cols < n))[:, None, :]  # (m, 7, 7)
    win = heat_logits[np.clip(rows, 0, n - 1)[:, :, None], np.clip(cols, 0, n - 1)[:, None, :], ks[:, None, None]]
    conf = np.where(on_map, sigmoid(win), 0.0).astype(heat_logits.dtype)
    total = conf.sum((1, 2))
    good = (conf.max((1, 2)) >= HEATMAP_MIN_CONF) & (total > 0)
    total = np.where(total > 0, total, 1.0)
    out[ks[good], 0] = (((cols + 0.5)[:, None, :] * conf).sum((1, 2)) / total / n)[good]
    out[ks[good], 1] = (((rows + 0.5)[:, :, None] * conf).sum((1, 2)) / total / n)[good]
    return out


def mirror_averaged(kp: np.ndarray, mirror: MirrorPass, max_apart: float = MIRROR_AVERAGE_MAX) -> np.ndarray:
    """(33, 3) keypoints `kp` averaged with the mirrored pass's, point by point, where the two lie within
    `max_apart` body radii (elsewhere one of them went astray and `kp` stays)."""
    near = np.hypot(*(mirror.refined - kp[:, :2]).T) <= max_apart * mirror.radius
    out = np.array(kp, np.float32, copy=True)
    out[near, :2] = 0.5 * (out[near, :2] + mirror.refined[near])
    out[near, 2] = 0.5 * (out[near, 2] + mirror.visibility[near])
    return out
