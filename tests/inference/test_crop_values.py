"""Crops of a photo larger than the crop should average its pixels (area resampling, what `apply_crop` asks for with
INTER_AREA below scale 1): a 1-px checkerboard, whose every 2 x 2 block averages 127.5, should come out as an even
grey, not as the aliased pattern of point or bilinear sampling.

cv2.warpAffine has no area resampling: given INTER_AREA it samples bilinearly (OpenCV 5.0.0 gives the same bytes for
both flags), so a crop warped straight from the photo aliased (std 43 grey levels on this board at scale 0.256);
`apply_crop` shrinks the crop's footprint with an area average first."""
from __future__ import annotations

import numpy as np
import pytest

from inference.crop import apply_crop, crop_for_box


@pytest.mark.parametrize("side", [1000, 700])
def test_a_downscaled_checkerboard_is_grey(side):
    yy, xx = np.mgrid[:side, :side]
    board = np.where((yy + xx) % 2 == 0, 255, 0).astype(np.uint8)
    photo = np.repeat(board[..., None], 3, 2)
    crop = crop_for_box(None, photo.shape, 256)
    assert crop.scale == pytest.approx(256 / side) and crop.scale < 0.5
    out = apply_crop(photo, crop).astype(np.float64)
    assert out.shape == (256, 256, 3)
    inner = out[2:-2, 2:-2]
    assert abs(inner.mean() - 127.5) < 2 and inner.std() < 10, (inner.mean(), inner.std())


def test_the_same_board_shrunk_by_an_area_resize_is_grey():
    """The answer the crop should give, from OpenCV's area resize of the whole board (the crop of the whole square
    photo is that photo at 256 px)."""
    import cv2

    yy, xx = np.mgrid[:1000, :1000]
    board = np.where((yy + xx) % 2 == 0, 255, 0).astype(np.uint8)
    out = cv2.resize(board, (256, 256), interpolation=cv2.INTER_AREA).astype(np.float64)[2:-2, 2:-2]
    assert abs(out.mean() - 127.5) < 2 and out.std() < 10


def test_an_upscaled_crop_keeps_a_smooth_ramp_smooth():
    """Upscaling (scale > 1) interpolates: a horizontal ramp stays a ramp, steps of under one grey level apart."""
    ramp = np.tile(np.arange(64, dtype=np.uint8)[None, :, None] * 4, (64, 1, 3))
    crop = crop_for_box(None, ramp.shape, 256)
    out = apply_crop(ramp, crop).astype(np.float64)[128, 8:-8, 0]
    steps = np.diff(out)
    assert (steps >= 0).all() and steps.max() <= 2


@pytest.mark.parametrize("turn_deg", [0.0, 30.0])
def test_an_area_shrunk_crop_keeps_the_crops_geometry(turn_deg):
    """On a photo without fine detail, where sampling cannot alias, the crop is what a plain bilinear warp of the
    photo gives, to a grey level or two: the same place, the same turn (`then`), the same border off the photo
    (the crop here reaches past the photo's left and top edges)."""
    import cv2

    from inference.types import Crop
    from inference.upright import _index_matrix

    rng = np.random.default_rng(0)
    photo = cv2.GaussianBlur(rng.uniform(0, 255, (1500, 2000, 3)).astype(np.float32), (0, 0), 25)
    photo = cv2.normalize(photo, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    crop = Crop(offset=np.array([-150.0, -90.0], np.float32), scale=256 / 1100, size=256)
    then = _index_matrix(np.radians(turn_deg), 256) if turn_deg else None
    got = apply_crop(photo, crop, border=(0, 0, 0), then=then).astype(np.float64)
    s = crop.scale
    M = np.array([[s, 0, s * (0.5 - crop.offset[0]) - 0.5], [0, s, s * (0.5 - crop.offset[1]) - 0.5]])
    if then is not None:
        M = (np.vstack([then, [0, 0, 1]]) @ np.vstack([M, [0, 0, 1]]))[:2]
    want = cv2.warpAffine(photo, M.astype(np.float32), (256, 256), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0)).astype(np.float64)
    inside = cv2.erode((want.sum(-1) > 0).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert inside.mean() > 0.5
    assert np.abs(got - want)[inside].mean() < 1.0 and np.abs(got - want)[inside].max() < 6
    outside = cv2.dilate((want.sum(-1) > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    assert outside.any() and (got[outside] == 0).all()
