"""Limb components whose side disagrees with the detector's keypoints, relabelled to the keypoints' side: measured,
not shipped (docs/segmentation.md, "The keypoints' sides imposed on the part map").

    OMP_NUM_THREADS=1 python scripts/study_keypoint_sides.py data/synth_tune2 --out /tmp/sides

For each limb pair (forearms by the wrists, shins by the ankles, thighs by the hip-knee midpoints, upper arms by the
shoulder-elbow midpoints), a confident keypoint of one side that lies on a connected component painted as the other
side's part has that component's two probability channels exchanged (unless the other side's own keypoint lies on
the same component: both limbs painted as one). Runs `main.py evaluate` (network only) with every part map the
pipeline makes so corrected, and writes its eval.md / eval.json to --out.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (right label, left label, LSP keypoints whose mean lies inside the part: (right side's, left side's))
PAIRS = (
    (10, 3, ((6,), (11,))),      # forearms+hands: the wrists
    (12, 11, ((0,), (5,))),      # shins+feet: the ankles
    (6, 5, ((2, 1), (3, 4))),    # thighs: hip-knee midpoints
    (4, 9, ((8, 7), (9, 10))),   # upper arms: shoulder-elbow midpoints
)


def _point(joints2d: np.ndarray, conf: np.ndarray, idx: tuple[int, ...]) -> np.ndarray | None:
    return np.mean([joints2d[i] for i in idx], axis=0) if all(conf[i] > 0 for i in idx) else None


def _pixel(p: np.ndarray, scale: float, r: int) -> tuple[int, int]:
    return int(np.clip(p[0] * scale, 0, r - 1)), int(np.clip(p[1] * scale, 0, r - 1))


def wrong_side(labels: np.ndarray, joints2d: np.ndarray, conf: np.ndarray, size: int) -> np.ndarray:
    """(r, r) bool: the pixels of limb components painted as the side the keypoints do not put there; labels (r, r)
    of a crop of `size` px, joints2d (14, 2) crop px, conf (14,) (0: missing)."""
    r = labels.shape[0]
    scale = r / size
    out = np.zeros(labels.shape, bool)
    for right, left, (ri, li) in PAIRS:
        pr, pl = _point(joints2d, conf, ri), _point(joints2d, conf, li)
        for p, q, other in ((pr, pl, left), (pl, pr, right)):
            if p is None:
                continue
            x, y = _pixel(p, scale, r)
            if labels[y, x] != other:
                continue
            _, comp = cv2.connectedComponents((labels == other).astype(np.uint8), connectivity=8)
            k = comp[y, x]
            if q is not None and comp[_pixel(q, scale, r)[::-1]] == k:
                continue  # both limbs painted as one component
            out |= comp == k
    return out


def follow_sides(parts, joints2d, conf, size: int):
    """The PartMap with `wrong_side`'s pixels' left and right channels exchanged (probabilities and labels)."""
    if joints2d is None or conf is None or parts.probs is None:
        return parts
    swap = wrong_side(parts.labels, np.asarray(joints2d), np.asarray(conf), size)
    if not swap.any():
        return parts

    def exchanged(probs):
        if probs is None:
            return None
        out = probs.copy()
        for right, left, _ in PAIRS:
            out[right][swap], out[left][swap] = probs[left][swap], probs[right][swap]
        return out

    probs = exchanged(parts.probs)
    labels = parts.labels.copy()
    labels[swap] = probs.argmax(0).astype(labels.dtype)[swap]
    return replace(parts, labels=labels, probs=probs, network_probs=exchanged(parts.network_probs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a synthetic folder (main.py synth)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    from inference.pipeline import Predictor
    from training.evaluate import evaluate

    plain = Predictor._person_parts

    def corrected(self, crop_image, joints2d, conf, mask_crop, photo_mask=None):
        parts = plain(self, crop_image, joints2d, conf, mask_crop, photo_mask)
        return follow_sides(parts, joints2d, conf, crop_image.shape[0])

    Predictor._person_parts = corrected
    evaluate(args.data, out=args.out, limit=args.limit, baseline_limit=0, refine_limit=0, progress=False)
    print((args.out / "eval.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
