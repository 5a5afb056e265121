"""Square network crops: crop_for_box, apply_crop, uncrop_labels, uncrop_parts and the Crop coordinate maps."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.crop import apply_crop, crop_for_box, uncrop_labels, uncrop_parts
from inference.types import Crop, PartMap, Silhouette

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


def _one_hot(lab: np.ndarray) -> np.ndarray:
    return (np.arange(13)[:, None, None] == lab[None]).astype(np.float32)


@pytest.mark.parametrize("box, r", [(BOX, 128), (BOX, 64), (None, 128), ((-50.0, 300.0, 250.0, 700.0), 64)])
def test_uncrop_parts_is_in_the_photo_frame_and_lines_up_with_the_crop_map(box, r):
    """The photo-frame map has the photo's size, and cut back out with the crop it matches the crop map."""
    c = crop_for_box(box, (H, W), SIZE)
    lab = _crop_label_map(c, r, RECT)
    lab[r // 4: r // 2, r // 3: r // 2] = 9     # a second part somewhere in the crop
    back = uncrop_parts(PartMap(lab, _one_hot(lab)), c, (H, W, 3))
    assert back.shape == (H, W) and back.dtype == np.uint8 and set(np.unique(back)) <= {0, 5, 9}
    # resample the photo-frame map into the crop at resolution r (nearest) and compare where the crop shows the photo
    again = cv2.resize(apply_crop(back, Crop(c.offset, c.scale, c.size)), (r, r), interpolation=cv2.INTER_NEAREST)
    area = cv2.resize(c.photo_area((H, W)).astype(np.uint8), (r, r), interpolation=cv2.INTER_NEAREST) > 0
    assert (again[area] == lab[area]).mean() > 0.97
    # and it agrees with the nearest-neighbour upsampling except along part edges
    assert (back == uncrop_labels(lab, c, (H, W))).mean() > 0.99


def test_uncrop_parts_puts_a_probability_edge_where_the_geometry_says():
    """A crop at 4 image px per probability pixel: an edge between probability columns 9 and 10 lands
    at image x = offset + 10 * 4 exactly (the bilinear 50 % crossing)."""
    c = Crop(np.array([100.0, 50.0], np.float32), 0.5, 64)  # 64 crop px = 128 image px
    r = 32                                                  # 1 prob px = 2 crop px = 4 image px
    probs = np.zeros((13, r, r), np.float32)
    probs[0] = 1.0
    probs[0, 8:24, 10:20], probs[3, 8:24, 10:20] = 0.0, 1.0   # part 3 on columns 10..19, rows 8..23
    got = uncrop_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), c, (300, 400))
    cols = np.nonzero(got[50 + 16 * 4])[0]        # a row through the middle of the block
    rows = np.nonzero(got[:, 100 + 15 * 4])[0]
    # in image pixel centres: columns 140 .. 179 (offset 100 + 10*4 .. 100 + 20*4 - 1), rows 82 .. 145
    assert (cols.min(), cols.max()) == (140, 179)
    assert (rows.min(), rows.max()) == (82, 145)
    assert set(np.unique(got)) == {0, 3}
    assert not got[:, :100].any() and not got[:, 228:].any() and not got[:50].any() and not got[178:].any()


def test_uncrop_parts_softens_edges_by_probability_not_by_label_pixel():
    """Two classes that trade probability linearly: the photo-frame edge sits where they cross, inside a
    label pixel, where nearest-neighbour labels could only put it on a label pixel's border."""
    c = Crop(np.array([0.0, 0.0], np.float32), 1.0, 64)
    r = 16                                                  # 1 prob px = 4 image px
    u = np.arange(r) + 0.5                                  # probability-pixel coordinate of each column's centre
    k = 0.5 / 6.55                                          # class 2 overtakes class 1 at u = 6.55
    probs = np.zeros((13, r, r), np.float32)
    probs[1] = np.broadcast_to(1.0 - u * k, (r, r))
    probs[2] = np.broadcast_to(u * k, (r, r))
    got = uncrop_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), c, (64, 64))
    # u = 6.55 is image x = 26.2: the first image pixel centre beyond it is 26.5 (pixel 26)
    assert int(np.nonzero(got[10] == 2)[0].min()) == 26
    # nearest neighbour can only switch at a label pixel's border: label column 7 starts at image x = 28
    assert int(np.nonzero(uncrop_labels(probs.argmax(0).astype(np.uint8), c, (64, 64))[10] == 2)[0].min()) == 28


def test_uncrop_parts_without_probabilities_is_nearest_and_bands_do_not_matter():
    c = crop_for_box(BOX, (H, W), SIZE)
    lab = _crop_label_map(c, 64, RECT)
    np.testing.assert_array_equal(uncrop_parts(PartMap(lab), c, (H, W)), uncrop_labels(lab, c, (H, W)))
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(13), (64, 64)).transpose(2, 0, 1).astype(np.float32)
    pm = PartMap(probs.argmax(0).astype(np.uint8), probs)
    np.testing.assert_array_equal(uncrop_parts(pm, c, (H, W), band=7), uncrop_parts(pm, c, (H, W)))
    assert pm.probs is probs and np.allclose(probs.sum(0), 1)    # the input is left untouched


def test_uncrop_parts_weighs_the_silhouette_at_the_photo_resolution():
    """An unsure network (background and part 3 at 0.5 everywhere) and a silhouette whose edge falls anywhere in a
    probability pixel: the photo-frame map follows the silhouette to the photo pixel; the map weighed on the
    crop (in_photo=False, the person search's witness) cannot follow it inside a probability pixel."""
    from inference.detect.person_inputs import restrict_parts

    c = Crop(np.array([0.0, 0.0], np.float32), 1.0, 64)
    r = 16                                                  # 1 prob px = 4 image px
    probs = np.zeros((13, r, r), np.float32)
    probs[0], probs[3] = 0.5, 0.5
    crop_edges = set()
    for edge in (28, 29, 30, 31):                           # the person ends between image columns edge - 1 and edge
        photo = np.zeros((64, 64), np.float32)
        photo[:, :edge] = 0.95
        sil = Silhouette.of(photo)
        parts = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), apply_crop(photo, c), grow=0,
                               photo_mask=sil)
        assert parts.silhouette is sil and parts.network_probs is probs
        got = uncrop_parts(parts, c, (64, 64))
        assert (got[4:60, :edge] == 3).all() and not got[:, edge:].any(), edge
        np.testing.assert_array_equal(uncrop_parts(parts, c, (64, 64), band=5), got)   # bands do not matter
        crop_edges.add(int(np.nonzero(uncrop_parts(parts, c, (64, 64), in_photo=False)[10] == 0)[0].min()))
        # the crop-frame map the fitting network reads does not depend on it
        alone = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), apply_crop(photo, c), grow=0)
        np.testing.assert_array_equal(alone.labels, parts.labels)
        np.testing.assert_array_equal(alone.probs, parts.probs)
        assert alone.silhouette is None and alone.network_probs is None
        # a silhouette of another photo (not this image's size) is not used: the crop's weighed map is warped
        np.testing.assert_array_equal(uncrop_parts(parts, c, (64, 80)), uncrop_parts(alone, c, (64, 80)))
    assert len(crop_edges) < 4, crop_edges


def test_uncrop_parts_weighs_the_silhouette_on_a_scaled_copy_of_the_photo():
    """The app shows a large photo's part map on its display copy (`app.photo_mapping.display_crop`: the crop's
    offset times the display scale, its scale divided by it): the silhouette is resized to the copy, so the
    display shows the map `_parts.png` holds, at its size, not the map weighed on the crop."""
    from inference.detect.person_inputs import restrict_parts
    from inference.silhouette import silhouette_at

    c = Crop(np.array([0.0, 0.0], np.float32), 1.0, 64)
    half = Crop(np.array([0.0, 0.0], np.float32), 2.0, 64)   # the same crop on the photo shown at half size
    r = 16
    probs = np.zeros((13, r, r), np.float32)
    probs[0], probs[3] = 0.5, 0.5
    for edge in (26, 28, 30):
        photo = np.zeros((64, 64), np.float32)
        photo[:, :edge] = 0.95
        parts = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), apply_crop(photo, c), grow=0,
                               photo_mask=Silhouette.of(photo))
        got = uncrop_parts(parts, half, (32, 32))
        assert (got[:, :edge // 2] == 3).all() and not got[:, edge // 2:].any(), edge
        np.testing.assert_array_equal(got, uncrop_parts(parts, c, (64, 64))[::2, ::2])
        # an image of another aspect is not a copy of this photo: the crop's weighed map, as before
        np.testing.assert_array_equal(uncrop_parts(parts, half, (32, 40)),
                                      uncrop_parts(parts, half, (32, 40), in_photo=False))
    # a long thin photo's copy (`image_io.display_size`: its short side rounded, 100 -> 20.48 -> 20 px) is one
    assert silhouette_at(Silhouette.of(np.ones((10000, 100), np.float32)), (2048, 20)).full().shape == (2048, 20)


def test_the_photo_frame_map_is_made_on_the_silhouettes_window_only():
    """Outside the person's silhouette every part is cleared, so `uncrop_parts` warps only the part of the crop's
    footprint the silhouette's window covers: the same map as a silhouette kept as the whole photo, and a
    silhouette beside the crop leaves the map empty."""
    from inference.detect.person_inputs import restrict_parts

    rng = np.random.default_rng(4)
    H, W = 300, 400
    c = crop_for_box((100, 50, 250, 280), (H, W), 64)
    probs = rng.dirichlet(np.ones(13), (32, 32)).transpose(2, 0, 1).astype(np.float32)
    photo = np.zeros((H, W), np.float32)
    photo[80:240, 140:210] = rng.uniform(0.2, 1.0, (160, 70))
    mask_crop = apply_crop(photo, c)
    kept = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), mask_crop, photo_mask=Silhouette.of(photo))
    whole = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), mask_crop,
                           photo_mask=Silhouette(photo, 0, 0, (H, W)))  # a window as large as the photo
    got = uncrop_parts(kept, c, (H, W))
    assert got[80:240, 140:210].any() and not got[:80].any() and not got[:, :140].any()
    np.testing.assert_array_equal(got, uncrop_parts(whole, c, (H, W)))
    aside = np.zeros((H, W), np.float32)
    aside[10:40, 330:390] = 1.0  # beside the crop's footprint (x 37..313)
    far = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), mask_crop, photo_mask=Silhouette.of(aside))
    assert not uncrop_parts(far, c, (H, W)).any()


def test_uncrop_parts_follows_the_photos_edges():
    """Two parts that meet between two network pixels (the warped border at x = 28) and a photo whose colour edge
    lies a photo pixel away: with the photo as guide the border is the photo's edge where a network pixel spans 2
    photo pixels (the synthetic images' scale, filtered on the photo's own pixels); where it spans 4 (filtered on
    cells of 2 x 2 photo pixels) it moves towards the edge; the app's half-size display copy gets the same map whether
    it is given the photo or the copy; bands do not matter; a photo of another aspect is not this map's and is not
    used."""
    c = Crop(np.array([0.0, 0.0], np.float32), 1.0, 64)
    half = Crop(np.array([0.0, 0.0], np.float32), 2.0, 64)  # app.photo_mapping.display_crop(c, 0.5)

    def part_map(r: int) -> PartMap:  # part 3 on the network's columns left of x = 28 photo pixels, part 5 right
        probs = np.zeros((13, r, r), np.float32)
        probs[5] = 1.0
        probs[5, :, :r * 28 // 64], probs[3, :, :r * 28 // 64] = 0.0, 1.0
        return PartMap(probs.argmax(0).astype(np.uint8), probs)

    def border(labels: np.ndarray) -> int:
        return int(np.nonzero(labels[10] == 5)[0].min())

    for r in (32, 16):
        parts = part_map(r)
        plain = uncrop_parts(parts, c, (64, 64))
        assert (plain[4:60, :28] == 3).all() and (plain[4:60, 28:60] == 5).all()  # (the warp's corners fade)
        for edge in (26, 27, 29, 30):
            photo = np.full((64, 64, 3), 40, np.uint8)
            photo[:, edge:] = (200, 180, 220)
            got = uncrop_parts(parts, c, (64, 64), photo=photo)
            np.testing.assert_array_equal(got > 0, plain > 0)
            if r == 32 and edge in (27, 29):
                assert (got[4:60, :edge] == 3).all() and (got[4:60, edge:60] == 5).all(), edge
            if r == 16 and edge in (26, 30):  # (an edge inside a cell is not resolved)
                assert abs(border(got) - edge) < abs(28 - edge), edge
            np.testing.assert_array_equal(uncrop_parts(parts, c, (64, 64), photo=photo, band=5), got)
            shown = uncrop_parts(parts, half, (32, 32), photo=photo)
            copy = cv2.resize(photo, (32, 32), interpolation=cv2.INTER_AREA)
            np.testing.assert_array_equal(shown, uncrop_parts(parts, half, (32, 32), photo=copy))
            np.testing.assert_array_equal(uncrop_parts(parts, c, (64, 64), photo=photo[:, :40]), plain)
            np.testing.assert_array_equal(uncrop_parts(parts, c, (64, 64), photo=photo, in_photo=False), plain)


def test_the_edge_following_map_of_a_large_photo_is_the_same_in_bands():
    """7.5 photo pixels per network pixel: the filter runs on cells of 3 x 3 photo pixels; bands of 37 rows give
    the map of one band (a pixel may differ by float rounding where two classes tie), and the map differs from the
    plain warp only near borders."""
    rng = np.random.default_rng(1)
    c = crop_for_box(BOX, (H, W), SIZE)
    coarse = rng.dirichlet(np.full(13, 0.3), (16, 16)).astype(np.float32)
    probs = cv2.resize(coarse, (64, 64), interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)
    probs /= probs.sum(0)
    parts = PartMap(probs.argmax(0).astype(np.uint8), probs)
    photo = cv2.resize(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8), (W, H), interpolation=cv2.INTER_NEAREST)
    whole = uncrop_parts(parts, c, (H, W), photo=photo)
    assert (uncrop_parts(parts, c, (H, W), photo=photo, band=37) != whole).sum() <= 3
    plain = uncrop_parts(parts, c, (H, W))
    assert 0 < (plain != whole).mean() < 0.1
    np.testing.assert_array_equal(whole > 0, plain > 0)  # where the person is does not move


def test_the_edge_following_map_keeps_the_silhouettes_outline_on_a_large_photo():
    """A person cut by a 4000 x 3000 photo's bottom edge (3000 rows: not whole cells of the filter's 17 x 17 photo
    pixels) with a silhouette: the map along the photo's edges puts the person exactly where the map without the
    photo does, to the photo's last row and nowhere outside the silhouette, and only the borders between parts
    move."""
    rng = np.random.default_rng(2)
    h, w = 3000, 4000
    c = crop_for_box((1200.0, 300.0, 2800.0, 3400.0), (h, w), 256)  # the body runs off the bottom edge
    coarse = rng.dirichlet(np.full(12, 0.3), (16, 16)).astype(np.float32)
    probs = np.zeros((13, 128, 128), np.float32)
    probs[1:] = cv2.resize(coarse, (128, 128), interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)
    probs /= probs.sum(0)
    mask = np.zeros((h, w), np.float32)
    mask[400:, 1500:2500] = 0.9
    mask[2990:, 1500:2500] = 0.9  # (dark shoes in the last rows: the silhouette holds them)
    sil = Silhouette.of(mask)
    parts = PartMap(probs.argmax(0).astype(np.uint8), probs, network_probs=probs, silhouette=sil)
    photo = cv2.resize(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    photo[2970:] = 10
    plain = uncrop_parts(parts, c, (h, w))
    got = uncrop_parts(parts, c, (h, w), photo=photo)
    np.testing.assert_array_equal(got > 0, plain > 0)
    assert (got[-1, 1500:2500] > 0).all() and not got[mask <= 0.3].any()
    assert 0 < (got != plain).mean()


@pytest.mark.parametrize("r, size", [(32, 64), (16, 64), (16, 256)])
def test_uncrop_parts_never_gives_an_absent_label(r, size):
    """A map whose labels 11 (a shin) are absent (`PartMap.absent`, a half-length person's unseen legs): the photo-frame
    map, plain or following the photo's edges (on the photo's own pixels, on cells of them), holds none; where the
    shin was the likeliest class the pixel is the likeliest other part, and the body's outline is the same."""
    from dataclasses import replace

    from inference.detect.person_inputs import restrict_parts

    c = Crop(np.array([0.0, 0.0], np.float32), 64 / size, 64)
    probs = np.zeros((13, r, r), np.float32)
    probs[0] = 1.0
    body = np.s_[:, r // 4:3 * r // 4, r // 4:3 * r // 4]
    probs[body] = 0.0
    probs[(11, *body[1:])], probs[(7, *body[1:])], probs[(0, *body[1:])] = 0.6, 0.3, 0.1
    mask = np.zeros((size, size), np.float32)
    mask[size // 4:3 * size // 4, size // 4:3 * size // 4] = 0.9
    parts = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), apply_crop(mask, c), grow=0,
                           photo_mask=Silhouette.of(mask))
    absent = replace(parts, labels=np.where(parts.labels == 11, 7, parts.labels).astype(np.uint8), absent=(11,))
    photo = np.full((size, size, 3), 60, np.uint8)
    photo[size // 4:3 * size // 4, size // 4:3 * size // 4] = 200
    for kw in ({}, {"photo": photo}, {"in_photo": False}):
        painted, shown = uncrop_parts(parts, c, (size, size), **kw), uncrop_parts(absent, c, (size, size), **kw)
        assert (painted == 11).any() and not (shown == 11).any(), kw
        np.testing.assert_array_equal(shown > 0, painted > 0)
        np.testing.assert_array_equal(shown[painted == 11], 7)


def _count_settled(monkeypatch, crop_module) -> dict[str, int]:
    """Counts, as `uncrop_parts` runs: "window", the photo pixels handed to `crop._labels_from_cells` (the large
    photo's fast path), and "exact", those of them it gave to its exact tiles (`labels_from_probs`, which on that
    path only the tiles call). The real functions run; they are only counted."""
    seen = {"window": 0, "exact": 0}
    from_cells, from_probs = crop_module._labels_from_cells, crop_module.labels_from_probs

    def labels_from_cells(*args):
        x0, y0, x1, y1 = args[6]
        seen["window"] += (x1 - x0) * (y1 - y0)
        return from_cells(*args)

    def labels_from_probs(probs, *args, **kwargs):
        seen["exact"] += probs.shape[0] * probs.shape[1]
        return from_probs(probs, *args, **kwargs)

    monkeypatch.setattr(crop_module, "_labels_from_cells", labels_from_cells)
    monkeypatch.setattr(crop_module, "labels_from_probs", labels_from_probs)
    return seen


@pytest.mark.parametrize("kind", ["smooth", "noisy", "sharp"])
def test_a_large_photos_settled_pixels_are_those_of_interpolating_every_pixel(monkeypatch, kind):
    """A person 1,170 px tall with a soft-edged silhouette and an absent shin: the map that settles most pixels from
    the cells about them and the background's probability alone (`crop._labels_from_cells`) is, pixel for pixel,
    the map of interpolating every class at every pixel (margins no pixel meets). Parts that change smoothly (most
    pixels settled), from one network pixel to the next (few settled), or in sharp steps between parts sure or
    barely ahead (half a cell off moves their borders). The background's probability rises across the body and the
    likeliest part holds at most half the rest: where the silhouette is unsure, the background wins against one
    part, not against all parts together. A network pixel spans 11 photo pixels: cells of 5, an odd number, so some
    pixels sit on a cell's centre and may draw on three cells (`crop._settled_parts`' wide spans), and the crop
    shrinks the photo by 5 first (`crop._area_shrunk`). At least a fifth of the pixels about the person are settled
    without the exact tiles: the path under test is taken and does its work (the rest is still checked against
    every pixel's interpolation)."""
    from dataclasses import replace

    import inference.crop as crop_module
    from inference.detect.person_inputs import restrict_parts

    rng = np.random.default_rng(5)
    h, w = 1350, 990
    c = crop_for_box((225.0, 90.0, 765.0, 1260.0), (h, w), 256)
    if kind == "sharp":
        # blocks of one part, some sure of it, some barely ahead of the next block's part
        blocks = rng.integers(0, 12, (8, 8))
        top = rng.choice([0.9, 0.3], (8, 8)).astype(np.float32)
        coarse = np.full((8, 8, 12), 0.02, np.float32)
        np.put_along_axis(coarse, np.roll(blocks, 1, 1)[..., None], (top - 0.03)[..., None], -1)
        np.put_along_axis(coarse, blocks[..., None], top[..., None], -1)
        fine = cv2.resize(coarse, (128, 128), interpolation=cv2.INTER_NEAREST)
    else:
        coarse = rng.dirichlet(np.full(12, 0.3), (6, 6) if kind == "smooth" else (128, 128)).astype(np.float32)
        fine = cv2.resize(coarse, (128, 128), interpolation=cv2.INTER_CUBIC).clip(0, None)
    probs = np.zeros((13, 128, 128), np.float32)
    probs[1:] = (fine / fine.sum(-1, keepdims=True)).transpose(2, 0, 1)
    p0 = np.where(np.abs(np.arange(128) - 64) < 22, np.linspace(0.02, 0.6, 128), 0.97)[None, :]
    probs[1:] *= 1 - p0
    probs[0] = p0
    mask = np.zeros((h, w), np.float32)
    mask[135:1305, 315:675] = 0.95
    mask = cv2.GaussianBlur(mask, (0, 0), 27)  # a soft outline: the body decided against the network there
    parts = restrict_parts(PartMap(probs.argmax(0).astype(np.uint8), probs), apply_crop(mask, c), grow=0,
                           photo_mask=Silhouette.of(mask))
    parts = replace(parts, absent=(11,))
    photo = cv2.resize(rng.integers(0, 255, (30, 22, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    seen = _count_settled(monkeypatch, crop_module)
    fast = uncrop_parts(parts, c, (h, w), photo=photo)
    assert seen["window"] > 0 and seen["exact"] <= 0.8 * seen["window"], seen
    monkeypatch.setattr(crop_module, "CLEAR_MARGIN", 2.0)
    monkeypatch.setattr(crop_module, "BODY_MARGIN", 1e9)
    every = uncrop_parts(parts, c, (h, w), photo=photo)
    assert (every > 0).mean() > 0.2 and len(np.unique(every)) >= 8 and not (every == 11).any()
    np.testing.assert_array_equal(fast, every)
