"""Pure numpy/OpenCV helpers that map model outputs onto the photo (no Qt, no torch)."""
from __future__ import annotations

import numpy as np


def display_crop(crop, scale: float):
    """The same crop expressed on an image resized by `scale` (e.g. the display copy)."""
    from inference.types import Crop

    return Crop(np.asarray(crop.offset, np.float32) * scale, float(crop.scale) / scale, int(crop.size))


def parts_on_image(labels: np.ndarray, crop, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """Part labels on the crop (r, r) (any resolution r covering the crop) -> labels (h, w) uint8 on the
    image resized by `scale` (nearest neighbour, 0 outside the crop); inference.crop's convention."""
    from inference.crop import uncrop_labels

    lab = np.ascontiguousarray(labels, np.uint8)
    return uncrop_labels(lab, display_crop(crop, scale) if scale != 1.0 else crop, shape)


def overlay_camera(prediction, scale: float = 1.0) -> tuple[float, tuple[float, float]]:
    """Focal (px) and principal point (x, y) of the predicted crop camera on the image resized by
    `scale`: rendering the camera-frame mesh with it at that size puts the body onto the photo."""
    from inference.render.overlay import image_camera

    return image_camera(prediction, scale)
