"""Pure numpy/OpenCV helpers that map model outputs onto the photo (no Qt, no torch)."""
from __future__ import annotations

import numpy as np


def display_crop(crop, scale: float):
    """The same crop expressed on an image resized by `scale` (e.g. the display copy)."""
    from inference.types import Crop

    return Crop(np.asarray(crop.offset, np.float32) * scale, float(crop.scale) / scale, int(crop.size))


def parts_on_image(parts, crop, shape: tuple[int, int], scale: float = 1.0, photo: np.ndarray | None = None
                   ) -> np.ndarray:
    """A part map on the crop -> labels (h, w) uint8 on the image resized by `scale` (0 outside the crop).

    parts: a PartMap, whose class probabilities are warped and the argmax taken on the image, as the exported
    `_parts.png` is made (inference.crop.uncrop_parts: smooth borders, not the crop's label blocks; with `photo`,
    the (H, W, 3) photo or its copy at `shape`, along the photo's edges), or plain labels (r, r) of any resolution
    r covering the crop, mapped by nearest neighbour."""
    from inference.crop import uncrop_labels, uncrop_parts

    on_image = display_crop(crop, scale) if scale != 1.0 else crop
    if hasattr(parts, "labels"):
        return uncrop_parts(parts, on_image, shape, photo=photo)
    return uncrop_labels(np.ascontiguousarray(parts, np.uint8), on_image, shape)


def parts_for_display(prediction) -> np.ndarray:
    """The prediction's part labels (h, w) uint8 on its image's display copy (inference.image_io.display_size):
    the exported map's, at the display's size. Made in the worker thread (up to a few hundred ms for a large
    photo whose crop covers it), where the prediction is made."""
    from inference.image_io import display_size

    shape, scale = display_size(prediction.image.shape)
    return parts_on_image(prediction.parts, prediction.crop, shape, scale, photo=prediction.image)
