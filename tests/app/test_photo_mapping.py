"""The part map the Parts panel shows is the exported `_parts.png`'s, at the display's size."""
from __future__ import annotations

import cv2
import numpy as np

from app.photo_mapping import parts_on_image
from inference.crop import uncrop_parts
from inference.types import Crop, PartMap


def _disc_parts(r: int = 128) -> PartMap:
    """A (13, r, r) probability map: a disc of part 3 inside a ring of part 1, soft at the borders."""
    yy, xx = np.mgrid[0:r, 0:r].astype(np.float32)
    d = np.hypot(xx - r / 2, yy - r / 2)
    probs = np.full((13, r, r), 0.01, np.float32)
    probs[3] += np.clip((r * 0.2 - d) / 3.0, 0, 1)
    probs[1] += np.clip((r * 0.35 - d) / 3.0, 0, 1) * (1 - np.clip((r * 0.2 - d) / 3.0, 0, 1))
    probs[0] += np.clip((d - r * 0.35) / 3.0, 0, 1)
    probs /= probs.sum(0, keepdims=True)
    return PartMap(probs.argmax(0).astype(np.uint8), probs)


def test_the_panel_shows_the_exported_map_at_the_display_size():
    parts = _disc_parts()
    crop = Crop(np.array([50.0, 20.0], np.float32), 128 / 900, 128)  # a 900 px crop of a 1200 x 1000 photo
    photo = uncrop_parts(parts, crop, (1000, 1200))  # what export_parts writes
    assert (parts_on_image(parts, crop, (1000, 1200)) == photo).all()
    for scale in (0.8, 0.5):
        h, w = round(1000 * scale), round(1200 * scale)
        shown = parts_on_image(parts, crop, (h, w), scale)
        ref = cv2.resize(photo, (w, h), interpolation=cv2.INTER_NEAREST)
        body = (ref > 0) | (shown > 0)
        # the crop's label blocks (5-6 display px each here) step along the disc's borders; the warped map
        # follows the export's round ones (measured: 0.45 % of the body's pixels differ, blocks 1.1-1.2 %)
        blocky = parts_on_image(parts.labels, crop, (h, w), scale)
        assert (shown != ref)[body].mean() < 0.007 < (blocky != ref)[body].mean()


def test_the_panel_shows_the_map_along_the_photos_edges():
    """parts_for_display: the Parts panel's map is the exported one (the probabilities along the photo's edges,
    `uncrop_parts(..., photo=)`) at the display's size, made from the full photo."""
    from types import SimpleNamespace

    from app.photo_mapping import parts_for_display
    from inference.image_io import display_size

    parts = _disc_parts()
    rng = np.random.default_rng(3)
    # larger than the display's 2048 px: the panel shows a copy
    image = cv2.resize(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8), (2640, 2200), interpolation=cv2.INTER_NEAREST)
    crop = Crop(np.array([110.0, 44.0], np.float32), 128 / 1980, 128)
    exported = uncrop_parts(parts, crop, image.shape, photo=image)
    assert (exported != uncrop_parts(parts, crop, image.shape)).any()  # the photo's edges moved some borders
    (h, w), scale = display_size(image.shape)
    assert scale < 1.0
    shown = parts_for_display(SimpleNamespace(image=image, parts=parts, crop=crop))
    assert shown.shape == (h, w)
    copy = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(shown, parts_on_image(parts, crop, (h, w), scale, photo=copy))
    ref = cv2.resize(exported, (w, h), interpolation=cv2.INTER_NEAREST)
    body = (ref > 0) | (shown > 0)
    assert (shown != ref)[body].mean() < 0.01
