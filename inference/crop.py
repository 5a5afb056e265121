"""Square crops in the network's convention (person centred, fixed size) and their inverse mapping."""
from __future__ import annotations

import cv2
import numpy as np

from .guided_filter import guided_filter
from .parts import NUM_PARTS, labels_from_probs
from .silhouette import MASK_CLIP, MASK_KEEP, scaled_copy, silhouette_at, weigh
from .types import Crop, PartMap, Silhouette

# The photo-frame part map's guided filter (`uncrop_parts` with `photo`, `_uncrop_guided`): a window of
# GUIDE_RADIUS network pixels each way, GUIDE_EPS on colours in [0, 1], on a grid where a network pixel spans about
# GUIDE_WORK_PX cells (a large photo's person is filtered on a grid of blocks of its pixels, then resampled).
# Chosen on the 200 tuning people (docs/segmentation.md, "Part borders on the photo's edges"): the smallest window
# of the equally good ones, and an eps that lets colour edges through.
GUIDE_RADIUS = 1.0
GUIDE_EPS = 1e-3
GUIDE_WORK_PX = 2.0
# ... and the person's outline follows the photo too where the filter's cells are at most this many photo pixels
# wide (coarser cells would average the silhouette away: `_uncrop_guided`)
GUIDE_OUTLINE_MAX_STEP = 1  # (at most 1: `_uncrop_guided` then reads the cells as the photo's own pixels)
# A large photo's person: pixels settled without interpolating every class (`_labels_from_cells`). The margins
# are far above float32 rounding (1e-7 of a probability); a sampling position may be off by a 32nd of a cell
# (OpenCV's fixed-point coordinates), SPAN_SLACK covers twice that; the unsettled pixels go in tiles of EXACT_TILE
# (tiles of 32, 64 and 128 px took the same time within this machine's noise on people of 24-48 megapixel photos).
CLEAR_MARGIN = 1e-4
BODY_MARGIN = 1e-3
SPAN_SLACK = 1 / 16
EXACT_TILE = 64


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


def apply_crop(image: np.ndarray, crop: Crop, border: tuple[int, int, int] = (0, 0, 0),
               then: np.ndarray | None = None) -> np.ndarray:
    """Cut the crop (size, size, 3) out of an image (H, W, 3) (or (size, size) out of (H, W)), padding
    outside with `border`. then: a (2, 3) affine of crop pixel indices applied after the crop, in the same warp
    (`upright.turned_crop`: the crop turned about its centre, its corners sampled from the photo)."""
    M = _pixel_affine(crop.scale, crop.offset)
    if then is not None:
        M = (np.vstack([then, [0, 0, 1]]) @ np.vstack([M, [0, 0, 1]]))[:2].astype(np.float32)
    if crop.scale < 1:
        image, M = _area_shrunk(image, M, crop.size, crop.scale)
    return cv2.warpAffine(image, M, (crop.size, crop.size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)


def _area_shrunk(image: np.ndarray, M: np.ndarray, size: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The part of `image` (H, W[, C]) that the crop's warp M (2, 3) reads, shrunk by a whole factor k (k <= 1 / scale
    < k + 1) with an area average, and the warp from that smaller image. warpAffine samples bilinearly whatever flag it
    is given, so a crop shrinking the photo by more than two would alias (fine stripes and edges turned into moire)
    where the networks were trained on renders made at their own size; what is left for the warp shrinks by at most
    1.5. Only the crop's footprint (plus a margin) is averaged, by OpenCV's whole-factor path (`python
    scripts/bench_area_shrink.py`: 5-8 ms for 1800 x 2800 px shrunk by 10, 20-25 ms by 10.5, on a 2-core AMD EPYC)."""
    k = int(np.floor(1.0 / scale + 1e-6))
    if k < 2:
        return image, M
    h, w = image.shape[:2]
    inv = cv2.invertAffineTransform(M).astype(np.float64)
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float64) @ inv.T
    margin = 2.0 * k
    x0 = int(max(0, np.floor(corners[:, 0].min() - margin)))
    y0 = int(max(0, np.floor(corners[:, 1].min() - margin)))
    x1 = int(min(w, np.ceil(corners[:, 0].max() + margin)))
    y1 = int(min(h, np.ceil(corners[:, 1].max() + margin)))
    nw, nh = (x1 - x0) // k, (y1 - y0) // k
    if nw < 2 or nh < 2:  # the crop lies (nearly) off the photo: nothing to average
        return image, M
    # whole blocks only (up to k - 1 photo pixels at the far edges go, inside the margin or within a crop pixel
    # of the photo's edge)
    small = cv2.resize(image[y0:y0 + nh * k, x0:x0 + nw * k], (nw, nh), interpolation=cv2.INTER_AREA)
    # small pixel j <- photo pixel i with centres aligned: j + 0.5 = (i + 0.5 - x0) / k; M read through its inverse
    to_photo = np.array([[k, 0, x0 + 0.5 * k - 0.5], [0, k, y0 + 0.5 * k - 0.5], [0, 0, 1]], np.float64)
    M_small = (np.vstack([M, [0, 0, 1]]).astype(np.float64) @ to_photo)[:2].astype(np.float32)
    return small, M_small


def map_affine(crop: Crop, res: int) -> np.ndarray:
    """Affine map (2, 3) from image pixel indices to pixel indices of a (res, res) map on the crop (a part map at
    the segmentation's resolution: `res` map px per crop.size crop px)."""
    return _pixel_affine(crop.scale * res / crop.size, crop.offset)


def uncrop_labels(labels: np.ndarray, crop: Crop, image_shape: tuple[int, ...]) -> np.ndarray:
    """Map a label map on the crop (r, r) back onto the original image (H, W) (nearest neighbour)."""
    h, w = image_shape[:2]
    M = map_affine(crop, labels.shape[0])
    return cv2.warpAffine(labels, M, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def uncrop_parts(parts: PartMap, crop: Crop, image_shape: tuple[int, ...], band: int = 256,
                 in_photo: bool = True, photo: np.ndarray | None = None) -> np.ndarray:
    """Part labels (H, W) uint8 on the original image from a PartMap on the crop.

    The class probabilities (13, r, r) are warped into the image with bilinear interpolation (the
    inverse of the crop mapping, pixel centres aligned as in `apply_crop`) and the argmax is taken
    there, so part boundaries are as fine as the image's pixels; outside the crop every pixel is
    background (0). The map's absent labels (`PartMap.absent`) are never given (`parts.labels_from_probs`).
    A map that carries the detector's silhouette (`PartMap.silhouette`, from
    `detect.person_inputs.restrict_parts`) has the network's own probabilities warped instead and weighed
    against the silhouette here, at the photo's resolution (`inference.silhouette.weigh`; the silhouette is not
    grown: at photo resolution that gave the best part outlines; on a scaled copy of the photo, such as the app's
    display copy of a large photo, the silhouette is resized to it); in_photo=False warps the map's weighed
    probabilities as they are (the person search's part witness, whose thresholds were set on those).
    `photo`: the (h, w, 3) uint8 RGB photo (or a copy of it at another scale, resized here to image_shape); with it
    the probabilities follow the photo's edges (`_uncrop_guided`: where a network pixel spans under 4 photo pixels
    the person's outline too, which may then reach a few pixels beyond the silhouette or the crop; on larger people
    only the borders between parts). Without probabilities the labels are mapped by
    nearest neighbour (`uncrop_labels`).  Works in bands of about `band` image rows over the crop's footprint, so a
    large photo never holds more than band x W x 13 floats.
    """
    if parts.probs is None:
        return uncrop_labels(np.ascontiguousarray(parts.labels, np.uint8), crop, image_shape)
    h, w = image_shape[:2]
    silhouette = parts.silhouette if in_photo and parts.network_probs is not None else None
    if silhouette is not None:
        silhouette = silhouette_at(silhouette, (h, w))
    stack = _prob_stack(parts.probs if silhouette is None else parts.network_probs)
    out = np.zeros((h, w), np.uint8)
    # the crop's footprint on the image, one pixel wider for the bilinear edge
    ox, oy = float(crop.offset[0]), float(crop.offset[1])
    side = crop.size / crop.scale
    x0, y0 = max(0, int(np.floor(ox)) - 1), max(0, int(np.floor(oy)) - 1)
    x1, y1 = min(w, int(np.ceil(ox + side)) + 1), min(h, int(np.ceil(oy + side)) + 1)
    # outside the silhouette's window every part is cleared: background (along the photo's edges the outline of a
    # small person may move a few pixels past it: `_uncrop_guided`)
    if silhouette is not None:
        a0, c0, a1, c1 = silhouette.bounds
        x0, y0, x1, y1 = max(x0, a0), max(y0, c0), min(x1, a1), min(y1, c1)
    if x1 <= x0 or y1 <= y0:
        return out
    guide = _guide_photo(photo, (h, w)) if photo is not None and in_photo else None
    if guide is not None:
        return _uncrop_guided(stack, crop, silhouette, guide, (x0, y0, x1, y1), band, out, parts.absent)
    for b0 in range(y0, y1, band):
        b1 = min(y1, b0 + band)
        warped = _warp_stack(stack, crop, (b0, b1), (x0, x1))
        if silhouette is not None:
            m = silhouette.window(x0, b0, x1, b1)
            weigh(np.moveaxis(warped, -1, 0), m, m > MASK_KEEP)
        out[b0:b1, x0:x1] = labels_from_probs(warped, parts.absent)
    return out


def _guide_photo(photo: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """The (h, w, 3) uint8 photo at the part map's `shape` (h, w) (a copy of another scale resized to it), or None
    for an array that is no RGB image of that aspect (not this map's photo)."""
    photo = np.asarray(photo)
    h, w = shape
    if photo.ndim != 3 or photo.shape[2] < 3 or photo.dtype != np.uint8:
        return None
    ph, pw = photo.shape[:2]
    if (ph, pw) == (h, w):
        return photo[..., :3]
    if not scaled_copy((ph, pw), (h, w)):
        return None
    return cv2.resize(np.ascontiguousarray(photo[..., :3]), (w, h), interpolation=cv2.INTER_AREA)


def _uncrop_guided(stack: np.ndarray, crop: Crop, silhouette: Silhouette | None, photo: np.ndarray,
                   window: tuple[int, int, int, int], band: int, out: np.ndarray, absent: tuple[int, ...] = ()
                   ) -> np.ndarray:
    """`uncrop_parts` along the photo's edges, into `out` (H, W) (returned), without the labels `absent`
    (`PartMap.absent`, `parts.labels_from_probs`). The probabilities (a `_prob_stack`) are
    warped onto a grid of cells of `step` x `step` photo pixels (a network pixel spans about GUIDE_WORK_PX cells;
    the photo's own pixels when it spans fewer than twice that), weighed against the silhouette there, filtered with
    the photo's colour as guide (`guided_filter`, a window of GUIDE_RADIUS network pixels each way) and resampled
    bilinearly onto the photo's pixels.

    On the photo's own pixels (step 1, GUIDE_OUTLINE_MAX_STEP: the synthetic renders, people up to a few hundred
    pixels tall) the filtered map is the answer, the person's outline included, which may move up to two windows
    beyond `window` (x0, y0, x1, y1), the crop's footprint or the silhouette's window: on the tuning people the
    outline's share of the gain is half (heads and forearms against the background). On a coarser grid (a large
    photo's person) the silhouette would be averaged over the cells, so there the outline is the map's without the
    photo (the network's probabilities weighed against the silhouette on the photo's pixels) and the
    filter decides only which part each of the person's pixels shows. The filter's cost is about
    (GUIDE_WORK_PX x 128)^2 cells per person, whatever the photo's size, beside the plain warp."""
    h, w = out.shape
    px = crop.size / (crop.scale * stack.shape[0])  # photo px per network px
    step = max(1, int(px / GUIDE_WORK_PX))
    radius = max(1, int(round(GUIDE_RADIUS * px / step)))
    cells = Crop(np.asarray(crop.offset, np.float32) / step, float(crop.scale) * step, int(crop.size))
    gh, gw = -(-h // step), -(-w // step)  # the grid's cells over the photo (the last ones may stick out)
    margin = 2 * radius + 1  # cells a cell's answer depends on, each way
    x0, y0, x1, y1 = window
    outline = step <= GUIDE_OUTLINE_MAX_STEP
    if outline:  # the outline may move with the photo's edges
        reach = 2 * radius
        x0, y0, x1, y1 = max(0, x0 - reach), max(0, y0 - reach), min(w, x1 + reach), min(h, y1 + reach)
    c0, c1 = max(0, x0 // step - margin), min(gw, -(-x1 // step) + margin)
    rows = max(1, band // step) * step  # photo rows per band: whole cells, the bands on the one grid
    for b0 in range(y0 // step * step, y1, rows):
        b1, top = min(y1, b0 + rows), max(b0, y0)
        r0, r1 = max(0, b0 // step - margin), min(gh, -(-b1 // step) + margin)
        probs = _warp_stack(stack, cells, (r0, r1), (c0, c1))
        colour = _cells(photo, (r0, r1, c0, c1), step).astype(np.float32) * np.float32(1 / 255)
        if silhouette is not None:
            # (the silhouette inside the photo only: a cell sticking out repeats the photo's last row or column)
            m = _cells(silhouette.window(c0 * step, r0 * step, min(w, c1 * step), min(h, r1 * step)),
                       (0, r1 - r0, 0, c1 - c0), step)
            weigh(np.moveaxis(probs, -1, 0), m, m > MASK_KEEP)
        probs = guided_filter(colour, probs, radius, GUIDE_EPS)
        if outline:  # (step 1: the cells are the photo's pixels)
            out[top:b1, x0:x1] = labels_from_probs(probs[top - r0:b1 - r0, x0 - c0:x1 - c0], absent)
            continue
        out[top:b1, x0:x1] = _labels_from_cells(probs, (r0, c0), step, stack, crop, silhouette, (x0, top, x1, b1),
                                                absent)
    return out


def _labels_from_cells(cells: np.ndarray, first: tuple[int, int], step: int, stack: np.ndarray, crop: Crop,
                       silhouette: Silhouette | None, rect: tuple[int, int, int, int], absent: tuple[int, ...]
                       ) -> np.ndarray:
    """The labels (y1 - y0, x1 - x0) uint8 of photo pixels rect (x0, y0, x1, y1) on a large photo's person: which
    part from the filtered cell probabilities `cells` (R, C, 13) (cell (0, 0) is grid cell `first` (r0, c0), a
    cell `step` x `step` photo pixels), resampled bilinearly onto the pixels; body or background from the
    network's probabilities `stack` (a `_prob_stack`) warped onto the pixels and weighed against the silhouette.

    Most pixels are settled without their 13 interpolated probabilities (two of them, at 48 megapixels, took
    most of a person's 5 s). A part: every cell a pixel's interpolation may draw on (those about it, widened by
    SPAN_SLACK of a cell for OpenCV's sampling positions) names the same part, ahead of the next by CLEAR_MARGIN,
    so every convex combination of them names it too. Body: the background's interpolated probability p0 alone
    decides where the least and the most a part can then hold ((1 - p0) / 12 and 1 - p0) both lie BODY_MARGIN
    on the same side of the weighed background (`silhouette.weigh`). The other pixels (part borders, the
    outline) are computed as before, in tiles of EXACT_TILE pixels: the answer is that of interpolating every
    pixel, but where rounding breaks a near-tie (tests/inference/test_crop.py)."""
    x0, y0, x1, y1 = rect
    hh, ww = y1 - y0, x1 - x0
    r0, c0 = first
    p0 = _warp_stack(stack[..., :1], crop, (y0, y1), (x0, x1))[..., 0]
    odds = p0  # the background's probability weighed against the silhouette, before the sum is made 1 again
    inside = None
    if silhouette is not None:
        m = silhouette.window(x0, y0, x1, y1)
        inside = m > MASK_KEEP
        mc = np.clip(m, MASK_CLIP, 1.0 - MASK_CLIP)
        odds = p0 * ((1.0 - mc) / mc)
    rest = 1.0 - p0
    body = rest > odds * np.float32(NUM_PARTS * (1.0 + BODY_MARGIN))
    settled = body | (rest * np.float32(1.0 + BODY_MARGIN) < odds)
    if inside is not None:
        body &= inside
        settled |= ~inside
    labels = np.where(body, _settled_parts(cells, (y0 - r0 * step, x0 - c0 * step), (hh, ww), step, absent), 0
                      ).astype(np.uint8)
    settled &= ~body | (labels > 0)
    t = EXACT_TILE
    cell_groups, stack_groups = _channel_groups(cells), _channel_groups(stack)
    ny, nx = -(-hh // t), -(-ww // t)
    todo = np.zeros((ny * t, nx * t), bool)
    todo[:hh, :ww] = ~settled
    for ty, tx in zip(*np.nonzero(todo.reshape(ny, t, nx, t).any((1, 3)))):
        a0, b0 = y0 + ty * t, x0 + tx * t
        a1, b1 = min(y1, a0 + t), min(x1, b0 + t)
        # photo pixel centre x + 0.5 lies in cell coordinate (x + 0.5) / step
        M = np.array([[1 / step, 0, (b0 + 0.5) / step - 0.5 - c0], [0, 1 / step, (a0 + 0.5) / step - 0.5 - r0]])
        on_photo = _warp_groups(cell_groups, M, (a1 - a0, b1 - b0), cv2.BORDER_REPLICATE)
        person = _warp_stack(stack_groups, crop, (a0, a1), (b0, b1))
        if silhouette is not None:
            m = silhouette.window(b0, a0, b1, a1)
            weigh(np.moveaxis(person, -1, 0), m, m > MASK_KEEP)
        labels[a0 - y0:a1 - y0, b0 - x0:b1 - x0] = labels_from_probs(on_photo, absent, body=person.argmax(-1) > 0)
    return labels


def _settled_parts(cells: np.ndarray, origin: tuple[int, int], shape: tuple[int, int], step: int,
                   absent: tuple[int, ...]) -> np.ndarray:
    """For the (h, w) photo pixels whose top-left one lies `origin` (y, x) photo pixels from cell (0, 0)'s corner:
    the part (1..12, never one of `absent`) every cell of `cells` (R, C, 13) their bilinear interpolation may draw on
    names, ahead of the next part by CLEAR_MARGIN; 0 where those cells differ or are unsure (`_labels_from_cells`)."""
    R, C = cells.shape[:2]
    h, w = shape
    if R < 3 or C < 3:
        return np.zeros(shape, np.uint8)
    parts = np.array(cells[..., 1:], np.float32, copy=True)
    if absent:
        parts[..., [a - 1 for a in absent]] = -np.inf
    best = parts.argmax(-1)
    top = np.take_along_axis(parts, best[..., None], -1)[..., 0]
    np.put_along_axis(parts, best[..., None], -np.inf, -1)
    sure = np.where(top - parts.max(-1) > CLEAR_MARGIN, best + 1, 0).astype(np.uint8)
    # a 2 x 2 block of cells that all name one part, and a 3 x 3 block (its four 2 x 2 blocks name the same part)
    a = sure[:-1, :-1]
    two = np.where((a == sure[1:, :-1]) & (a == sure[:-1, 1:]) & (a == sure[1:, 1:]), a, 0)
    a = two[:-1, :-1]
    three = np.where((a == two[1:, :-1]) & (a == two[:-1, 1:]) & (a == two[1:, 1:]), a, 0)

    def spans(start: int, count: int, cells_: int) -> tuple[np.ndarray, np.ndarray]:
        # the first cell a pixel's interpolation may draw on, and whether it may draw on three (OpenCV's sampling
        # position a little off the exact one near a cell's centre); the photo's edge repeats the last cell
        u = (np.arange(start, start + count) + 0.5) / step - 0.5
        lo = np.clip(np.floor(u - SPAN_SLACK), 0, cells_ - 1).astype(np.intp)
        hi = np.clip(np.floor(u + SPAN_SLACK) + 1, 0, cells_ - 1).astype(np.intp)
        return lo, hi - lo >= 2

    ly, wide_y = spans(origin[0], h, R)
    lx, wide_x = spans(origin[1], w, C)
    small = two[np.minimum(ly, R - 2)][:, np.minimum(lx, C - 2)]
    if not (wide_y.any() or wide_x.any()):
        return small
    large = three[np.minimum(ly, R - 3)][:, np.minimum(lx, C - 3)]
    return np.where(wide_y[:, None] | wide_x[None, :], large, small)


def _cells(image: np.ndarray, rect: tuple[int, int, int, int], step: int) -> np.ndarray:
    """The mean of each step x step block of image (H, W[, C]) over the cells rect (r0, r1, c0, c1) of the grid
    that starts at the image's top-left pixel -> (r1 - r0, c1 - c0[, C]); cells sticking out of the image
    repeat its last row or column."""
    r0, r1, c0, c1 = rect
    part = image[r0 * step:r1 * step, c0 * step:c1 * step]
    if step == 1:
        return part
    ph, pw = (r1 - r0) * step - part.shape[0], (c1 - c0) * step - part.shape[1]
    if ph or pw:
        part = cv2.copyMakeBorder(np.ascontiguousarray(part), 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return cv2.resize(np.ascontiguousarray(part), (c1 - c0, r1 - r0), interpolation=cv2.INTER_AREA)


def warp_probs(probs: np.ndarray, crop: Crop, image_shape: tuple[int, ...]) -> np.ndarray:
    """Class probabilities (13, r, r) on the crop warped onto the whole image as `uncrop_parts` warps them
    -> (H, W, 13) float32; outside the crop, background with probability 1."""
    h, w = image_shape[:2]
    return _warp_stack(_prob_stack(probs), crop, (0, h), (0, w))


def _prob_stack(probs: np.ndarray) -> np.ndarray:
    """(13, r, r) probabilities -> (r, r, 13) float32, a new array, with background - 1, so that the zero border of
    a warp stands for "background with probability 1" (warping is linear)."""
    stack = np.array(np.asarray(probs, np.float32).transpose(1, 2, 0), np.float32, order="C", copy=True)
    stack[..., 0] -= 1.0
    return stack


def _warp_stack(stack: np.ndarray | tuple[np.ndarray, ...], crop: Crop, rows: tuple[int, int], cols: tuple[int, int]
                ) -> np.ndarray:
    """A `_prob_stack` (r, r, 13) (or its `_channel_groups`) warped bilinearly onto image rows [b0, b1) x columns
    [x0, x1) (pixel centres aligned as in `apply_crop`) -> (b1 - b0, x1 - x0, 13) probabilities."""
    (b0, b1), (x0, x1) = rows, cols
    groups = stack if isinstance(stack, tuple) else _channel_groups(stack)
    s = crop.scale * groups[0].shape[0] / crop.size  # prob px per image px
    ox, oy = float(crop.offset[0]), float(crop.offset[1])
    # float64: every band then quantises the sampling positions exactly as one whole warp would
    M = np.array([[s, 0, s * (0.5 - ox + x0) - 0.5], [0, s, s * (0.5 - oy + b0) - 0.5]], np.float64)
    warped = _warp_groups(groups, M, (b1 - b0, x1 - x0), cv2.BORDER_CONSTANT)
    warped[..., 0] += 1.0
    return warped


def _channel_groups(a: np.ndarray) -> tuple[np.ndarray, ...]:
    """(h, w, C) -> its channels in contiguous groups of at most 4 (h, w, <=4), as `_warp_groups` warps them: OpenCV
    interpolates up to 4 channels with exact float weights, more with weights rounded to 1/32 pixel (0.02 error in
    a probability)."""
    return tuple(np.ascontiguousarray(a[..., c:c + 4]) for c in range(0, a.shape[-1], 4))


def _warp_groups(groups: tuple[np.ndarray, ...], M: np.ndarray, shape: tuple[int, int], border: int) -> np.ndarray:
    """`_channel_groups` warped bilinearly by the inverse map M (2, 3) onto `shape` (h, w) -> (h, w, C) (outside:
    0 with cv2.BORDER_CONSTANT, the edge with cv2.BORDER_REPLICATE)."""
    h, w = shape
    return np.concatenate([
        cv2.warpAffine(g, M, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=border,
                       borderValue=0).reshape(h, w, -1) for g in groups], -1)
