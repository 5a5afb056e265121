"""A person ROI of BlazePose's landmark model: a rotated square in image pixels, where it comes from (two
keypoints of the face detector, or any centre and radius), how far keypoints move between two ROIs, and the
photo window it covers. Coordinates are continuous image pixels: pixel (i, j)'s centre is at (i + 0.5, j + 0.5)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

ROI_SCALE = 1.25             # ROI side = ROI_SCALE * 2 * full-body radius


@dataclass(frozen=True)
class Roi:
    """A square region of the image: centre (cx, cy) and side in pixels, rotated by `angle` radians
    (clockwise on screen; its x axis is (cos, sin) in image coordinates)."""

    cx: float
    cy: float
    side: float
    angle: float = 0.0

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        """Points (..., 2) in the ROI's unit square [0, 1]^2 -> image pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        d = (np.asarray(uv, np.float32) - 0.5) * self.side
        return np.stack([self.cx + c * d[..., 0] - s * d[..., 1], self.cy + s * d[..., 0] + c * d[..., 1]], -1)

    def affine(self, n: int) -> np.ndarray:
        """(2, 3) float32 affine matrix taking pixel indices of an n x n resampling of the ROI to image pixel
        indices."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        k = self.side / n
        origin = self.to_image(np.array([0.5 / n, 0.5 / n])) - 0.5
        return np.array([[c * k, -s * k, origin[0]], [s * k, c * k, origin[1]]], np.float32)

    def sample(self, image: np.ndarray, n: int) -> np.ndarray:
        """The ROI resampled bilinearly to (n, n, C), black outside the image.

        Black, not MediaPipe's replicated edge (its landmark graph's default): with replicated borders the
        landmark model sees skeletons in the edges of person-free photos and finds no more people in crowds
        (docs/crowds.md). A strong downscale is not area-averaged first: that changes nothing measurable."""
        if self.side > 2 * n and self.angle == 0:
            # an axis-aligned downscale mapped corner to corner (within half an output pixel of `affine`; the
            # detector's thresholds were measured with it). cv2.warpAffine has no area mode: bilinear like below
            x0, y0 = self.cx - self.side / 2, self.cy - self.side / 2
            m = np.array([[n / self.side, 0, -x0 * n / self.side], [0, n / self.side, -y0 * n / self.side]],
                         np.float32)
            return cv2.warpAffine(image, m, (n, n), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=0)
        return cv2.warpAffine(image, self.affine(n), (n, n), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def keypoint_drift(kp: np.ndarray, kp_before: np.ndarray, roi_before: Roi, roi: Roi) -> float:
    """Median keypoint disagreement (33, 3) vs (33, 3) of two landmark passes, in body radii of the larger ROI."""
    return float(np.median(np.hypot(*(kp[:, :2] - kp_before[:, :2]).T))) / (max(roi_before.side, roi.side)
                                                                             / (2 * ROI_SCALE))


def roi_from_points(centre: np.ndarray, scale_point: np.ndarray) -> Roi | None:
    """The landmark model's ROI from a body centre (2,) and a point (2,) on the full-body circle (pointing to the
    head), both photo pixels x, y:
    side ROI_SCALE * 2 * radius, rotated so that centre -> scale_point is up."""
    (x0, y0), (x1, y1) = centre, scale_point
    radius = math.hypot(x1 - x0, y1 - y0)
    if not np.isfinite(radius) or radius < 2:
        return None
    angle = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    return Roi(float(x0), float(y0), 2 * radius * ROI_SCALE, angle)


def world_to_image_axes(world: np.ndarray, angle: float) -> np.ndarray:
    """The landmark model's world landmarks (39 x 3 flat, metres, origin between the hips, axes of the
    rotated ROI: x right, y down, z away from the camera) -> the 33 body landmarks (33, 3) float32 with x and
    y along the image's axes (the ROI's rotation undone, as MediaPipe's projection of world landmarks does)."""
    w = np.asarray(world, np.float32).reshape(39, 3)[:33].copy()
    c, s = math.cos(angle), math.sin(angle)
    x, y = w[:, 0].copy(), w[:, 1].copy()
    w[:, 0], w[:, 1] = c * x - s * y, s * x + c * y
    return w


def roi_window(roi: Roi, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 integer pixel window holding the (rotated) ROI, clipped to the image."""
    h, w = shape
    corners = roi.to_image(np.array([[0, 0], [1, 0], [0, 1], [1, 1]], np.float32))
    x0, y0 = np.clip(np.floor(corners.min(0)).astype(int), 0, [w, h])
    x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int), 0, [w, h])
    return int(x0), int(y0), int(x1), int(y1)


def meets_roi(box: np.ndarray, roi: Roi) -> bool:
    """True when a box (x0, y0, x1, y1) and the ROI's upright square (its side, about its centre) overlap."""
    r = roi.side / 2
    return not (box[2] < roi.cx - r or box[0] > roi.cx + r or box[3] < roi.cy - r or box[1] > roi.cy + r)
