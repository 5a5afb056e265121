"""Square network crops: crop_for_box, apply_crop, uncrop_labels and the Crop coordinate maps."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.crop import apply_crop, crop_for_box, uncrop_labels
from inference.types import Crop

SIZE = 256
H, W = 600, 800
BOX = (200.0, 100.0, 500.0, 500.0)   # x0, y0, x1, y1: a 300 x 400 person box
RECT = (300, 200, 400, 300)           # x0, y0, x1, y1 of a marked region inside the box (image pixels)


def _rect_mask(shape, rect) -> np.ndarray:
    m = np.zeros(shape[:2], bool)
    x0, y0, x1, y1 = rect
    m[y0:y1, x0:x1] = True
    return m


def _crop_label_map(crop: Crop, r: int, rect, label: int = 5) -> np.ndarray:
    """A label map (r, r) on the crop: `label` where the label pixel's centre lies inside the image rect."""
    c = (np.arange(r) + 0.5) * crop.size / r
    xy = crop.to_image(np.stack(np.meshgrid(c, c), -1))
    x0, y0, x1, y1 = rect
    inside = (xy[..., 0] >= x0) & (xy[..., 0] < x1) & (xy[..., 1] >= y0) & (xy[..., 1] < y1)
    return np.where(inside, label, 0).astype(np.uint8)


def test_whole_image_crop_is_the_padded_square():
    c = crop_for_box(None, (100, 200, 3), SIZE)
    assert c.size == SIZE and c.scale == pytest.approx(SIZE / 200)
    np.testing.assert_allclose(c.offset, [0, -50])
    np.testing.assert_allclose(c.to_crop(np.array([[0, 0], [200, 100]])), [[0, 64], [256, 192]], atol=1e-4)
    c = crop_for_box(None, (SIZE, SIZE), SIZE)  # a network-sized image is its own crop
    assert c.scale == 1 and (c.offset == 0).all()


def test_box_crop_is_centred_and_padded():
    c = crop_for_box(BOX, (H, W), SIZE)  # longer side 400, padded by 1.2 -> 480 image pixels
    assert c.scale == pytest.approx(SIZE / 480)
    np.testing.assert_allclose(c.to_crop(np.array([350.0, 300.0])), [SIZE / 2, SIZE / 2], atol=1e-3)
    np.testing.assert_allclose(c.offset, [350 - 240, 300 - 240])
    c2 = crop_for_box(BOX, (H, W), SIZE, pad=1.0)
    np.testing.assert_allclose(c2.to_crop(np.array([[350.0, 100.0], [350.0, 500.0]]))[:, 1], [0, SIZE], atol=1e-3)
    degenerate = crop_for_box((10, 10, 10, 10), (H, W), SIZE)  # a zero-size box still gives a valid crop
    assert np.isfinite(degenerate.scale) and degenerate.scale > 0


def test_to_image_and_to_crop_are_inverse():
    rng = np.random.default_rng(0)
    for box in (BOX, None, (-50.0, 30.0, 90.0, 900.0)):
        c = crop_for_box(box, (H, W), SIZE)
        pts = rng.uniform(-100, 900, (50, 2))
        np.testing.assert_allclose(c.to_image(c.to_crop(pts)), pts, atol=1e-3)
        q = rng.uniform(0, SIZE, (7, 3, 2))  # any leading shape
        np.testing.assert_allclose(c.to_crop(c.to_image(q)), q, atol=1e-3)


def test_apply_crop_puts_content_where_to_crop_says():
    img = np.zeros((H, W, 3), np.uint8)
    img[_rect_mask(img.shape, RECT)] = (255, 128, 0)
    c = crop_for_box(BOX, (H, W), SIZE)
    out = apply_crop(img, c)
    assert out.shape == (SIZE, SIZE, 3) and out.dtype == np.uint8
    lo, hi = c.to_crop(np.array(RECT[:2])), c.to_crop(np.array(RECT[2:]))
    ys, xs = np.nonzero(out[..., 0] > 127)
    assert abs(xs.min() - lo[0]) <= 1 and abs(xs.max() + 1 - hi[0]) <= 1
    assert abs(ys.min() - lo[1]) <= 1 and abs(ys.max() + 1 - hi[1]) <= 1
    centre = c.to_crop(np.array([350, 250])).astype(int)
    assert out[centre[1], centre[0]].tolist() == [255, 128, 0]


def test_apply_crop_pads_outside_the_image():
    img = np.full((100, 200, 3), 200, np.uint8)
    c = crop_for_box(None, img.shape, SIZE)  # wide image: bands above and below
    out = apply_crop(img, c, border=(1, 2, 3))
    assert out[10, 128].tolist() == [1, 2, 3] and out[250, 128].tolist() == [1, 2, 3]
    assert out[128, 128].tolist() == [200, 200, 200]
    c = crop_for_box((150, -20, 260, 60), img.shape, SIZE)  # box past the top-right corner
    out = apply_crop(img, c)
    assert (out[0, -1] == 0).all() and (out[SIZE // 2, SIZE // 4] == 200).all()


@pytest.mark.parametrize("box", [(150, -20, 260, 60), None, BOX, (-300, 400, 100, 900)])
def test_photo_area_is_where_the_crop_shows_the_photo(box):
    shape = (100, 200, 3) if box is None or box[1] < 0 else (H, W, 3)
    c = crop_for_box(box, shape, SIZE)
    area = c.photo_area(shape)
    assert area.shape == (SIZE, SIZE) and area.dtype == bool
    shown = apply_crop(np.full(shape, 255, np.uint8), c)[..., 0]
    # every pixel fully inside the photo is in the area, every fully padded one outside; edges may go either way
    assert area[shown == 255].all() and not area[shown == 0].any()
    assert 0 < area.mean() <= 1


@pytest.mark.parametrize("box, r", [(BOX, 128), (BOX, 64), (None, 128), ((0, 0, 100, 100), 128)])
def test_uncrop_labels_maps_back_to_the_image_region(box, r):
    """A label map on the crop (at the segmentation resolution r) lands on the image region it shows."""
    c = crop_for_box(box, (H, W), SIZE)
    rect = RECT if box is not None else (300, 200, 420, 330)
    if box == (0, 0, 100, 100):
        rect = (20, 30, 70, 80)
    lab = _crop_label_map(c, r, rect)
    assert (lab == 5).sum() > 20
    back = uncrop_labels(lab, c, (H, W, 3))
    assert back.shape == (H, W) and back.dtype == np.uint8 and set(np.unique(back)) <= {0, 5}
    truth = _rect_mask((H, W), rect)
    got = back == 5
    iou = (got & truth).sum() / (got | truth).sum()
    assert iou > 0.85, iou
    # everything lands within one label pixel (in image pixels) of the region
    px = c.size / r / c.scale
    m = int(np.ceil(px)) + 1
    x0, y0, x1, y1 = rect
    assert got[max(0, y0 + m):y1 - m, max(0, x0 + m):x1 - m].all()
    far = ~_rect_mask((H, W), (x0 - m, y0 - m, x1 + m, y1 + m))
    assert not (got & far).any()


def test_crop_segment_uncrop_round_trip():
    """Image mask -> apply_crop -> downsample to the segmentation size -> uncrop_labels ~ the image mask."""
    truth = _rect_mask((H, W), RECT)
    c = crop_for_box(BOX, (H, W), SIZE)
    crop_img = apply_crop(np.repeat(truth[..., None], 3, 2).astype(np.uint8) * 255, c)
    lab = (cv2.resize(crop_img[..., 0], (128, 128), interpolation=cv2.INTER_AREA) > 127).astype(np.uint8) * 7
    back = uncrop_labels(lab, c, (H, W)) == 7
    assert (back & truth).sum() / (back | truth).sum() > 0.9


def test_uncrop_labels_is_centre_aligned():
    c = crop_for_box(None, (H, W), SIZE)
    r = 128
    lab = _crop_label_map(c, r, RECT)
    got = uncrop_labels(lab, c, (H, W)) == 5
    ys, xs = np.nonzero(got)
    # centroid of the pixels (centres at +0.5) vs the centroid of the label pixels' footprint in the image
    cy, cx = np.nonzero(lab)
    foot = c.to_image(np.stack([cx + 0.5, cy + 0.5], -1) * SIZE / r).mean(0)
    assert abs(xs.mean() + 0.5 - foot[0]) < 0.5 and abs(ys.mean() + 0.5 - foot[1]) < 0.5
