"""Square crops in the network's convention (person centred, fixed size) and their inverse mapping."""
from __future__ import annotations

import cv2
import numpy as np

from .types import Crop


def crop_for_box(box: tuple[float, float, float, float] | None, image_shape: tuple[int, ...], size: int,
                 pad: float = 1.2) -> Crop:
    """The square crop around a box (x0, y0, x1, y1) in image pixels, enlarged by `pad`
    (whole image when box is None, padded to a square)."""
    h, w = image_shape[:2]
    if box is None:
        x0, y0, x1, y1 = 0.0, 0.0, float(w), float(h)
        pad = 1.0
    else:
        x0, y0, x1, y1 = (float(v) for v in box)
    side = max(x1 - x0, y1 - y0, 1.0) * pad
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    scale = size / side
    return Crop(offset=np.array([cx - side / 2, cy - side / 2], np.float32), scale=float(scale), size=size)


def _pixel_affine(s: float, offset: np.ndarray) -> np.ndarray:
    """Affine map (2, 3) from image pixel indices to crop pixel indices for continuous coordinates
    crop = (image - offset) * s; pixel index i sits at coordinate i + 0.5 (pixel centres)."""
    return np.array([[s, 0, s * (0.5 - offset[0]) - 0.5], [0, s, s * (0.5 - offset[1]) - 0.5]], np.float32)


def apply_crop(image: np.ndarray, crop: Crop, border: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """Cut the crop (size, size, 3) out of an image (H, W, 3) (or (size, size) out of (H, W)), padding
    outside with `border`."""
    M = _pixel_affine(crop.scale, crop.offset)
    interp = cv2.INTER_AREA if crop.scale < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(image, M, (crop.size, crop.size), flags=interp, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)


def uncrop_labels(labels: np.ndarray, crop: Crop, image_shape: tuple[int, ...]) -> np.ndarray:
    """Map a label map on the crop (r, r) back onto the original image (H, W) (nearest neighbour)."""
    h, w = image_shape[:2]
    r = labels.shape[0]
    s = crop.scale * r / crop.size  # label px per image px
    M = _pixel_affine(s, crop.offset)
    return cv2.warpAffine(labels, M, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
