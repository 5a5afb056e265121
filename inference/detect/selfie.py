"""A witness that reads pixels, not skeletons: MediaPipe's selfie segmentation on a doubtful person's box.

The other witnesses of a doubtful person (`blazepose.PersonDetector.person_at`) all ask BlazePose's own
models (the landmark model on a mirrored ROI, the part network drawing the landmark model's limbs, the
proposer trained on our renders), so a skeleton that the landmark model settles on in a texture passes them
as often as it fooled the model in the first place (docs/crowds.md, "False people"). The selfie segmenter
is a separate network, trained by MediaPipe on real photos of people to tell person pixels from the rest;
on a dragonfly, dandelion seeds or a sunset that the landmark model took for a person it paints nothing
where the landmark model put the silhouette, and on the real doubtful people of the project's photos it
paints their silhouette almost whole (docs/crowds.md, "A witness that reads the pixels").

The model (`selfie_segmentation.tflite`, 256 x 256 RGB in [0, 1] -> (256, 256) person probability) ships in
resources/detector/ beside BlazePose, from the same MediaPipe wheel under the same licence (LICENSE.md there).
"""
from __future__ import annotations

import numpy as np

from ..types import Silhouette

SELFIE_FILE = "selfie_segmentation.tflite"
SELFIE_SIZE = 256
# The square the segmenter sees: the person's box grown by this about its centre (their whole figure with
# some surroundings, as in the selfies it learnt from; on the project's small walkers a tight square showed
# only blur to it)
LOOK_GROW = 1.6
LOOK_MIN = 0.8       # a doubtful person must be person pixels to it over at least this share of their silhouette
MIN_SILHOUETTE = 16  # silhouette pixels (of the 256 x 256 square) below which the box stands in for it


def look_square(box: np.ndarray):
    """The upright Roi (`blazepose.Roi`) the segmenter reads for a person box (4,) x0, y0, x1, y1."""
    from .roi import Roi

    x0, y0, x1, y1 = (float(v) for v in box)
    return Roi((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0, 1.0) * LOOK_GROW, 0.0)


def person_share(model, image: np.ndarray, box: np.ndarray, mask: Silhouette | None) -> float:
    """Mean person probability the selfie `model` (blazepose_model.TfliteModel) gives inside the person's silhouette.

    image (H, W, 3) uint8; box (4,) image pixels; mask, the person's Silhouette (> 0.5 is the person) or
    None. Without a silhouette of at least MIN_SILHOUETTE pixels in the square, the box is the region."""
    roi = look_square(box)
    x = roi.sample(image, SELFIE_SIZE).astype(np.float32) / 255.0
    prob = next(iter(model(x).values())).reshape(SELFIE_SIZE, SELFIE_SIZE)
    region = None
    if mask is not None and mask.values.size:  # the square on the silhouette's window: zero around it
        at = type(roi)(roi.cx - mask.x, roi.cy - mask.y, roi.side, roi.angle)
        region = at.sample(np.asarray(mask.values, np.float32), SELFIE_SIZE) > 0.5
    if region is None or region.sum() < MIN_SILHOUETTE:
        k = SELFIE_SIZE / roi.side
        x0, y0, x1, y1 = (float(v) for v in box)
        c = SELFIE_SIZE / 2
        region = np.zeros((SELFIE_SIZE, SELFIE_SIZE), bool)
        region[max(int(c + (y0 - roi.cy) * k), 0):int(c + (y1 - roi.cy) * k) + 1,
               max(int(c + (x0 - roi.cx) * k), 0):int(c + (x1 - roi.cx) * k) + 1] = True
    return float(prob[region].mean())
