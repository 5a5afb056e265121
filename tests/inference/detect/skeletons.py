"""Drawn people for the detector's tests: BlazePose keypoints of an upright person and a `Person` around them."""
from __future__ import annotations

import numpy as np

from inference.detect import Person


def standing(cx: float, top: float, height: float, vis: float = 0.9) -> np.ndarray:
    """(33, 3) BlazePose keypoints of an upright person facing the camera, `height` px tall from `top`."""
    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = vis
    y = lambda f: top + f * height  # noqa: E731
    kp[0:11, :2] = (cx, y(0.07))
    kp[1:4, 0], kp[4:7, 0] = cx + 0.02 * height, cx - 0.02 * height   # eyes: subject's left on the right
    kp[7, 0], kp[8, 0] = cx + 0.05 * height, cx - 0.05 * height        # ears
    for left, right, f, dx in ((11, 12, 0.18, 0.1), (13, 14, 0.33, 0.12), (15, 16, 0.47, 0.12), (23, 24, 0.5, 0.06),
                               (25, 26, 0.72, 0.06), (27, 28, 0.94, 0.06), (29, 30, 0.97, 0.06), (31, 32, 1.0, 0.07)):
        kp[left, :2] = (cx + dx * height, y(f))
        kp[right, :2] = (cx - dx * height, y(f))
    kp[17:23, :2] = kp[[15, 16, 15, 16, 15, 16], :2]
    return kp


def person(cx, top, height, score=0.9, vis=0.9) -> Person:
    kp = standing(cx, top, height, vis)
    box = np.array([kp[:, 0].min(), top, kp[:, 0].max(), top + height], np.float32)
    return Person(box=box, score=score, keypoints=kp)
