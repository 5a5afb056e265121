"""inference/detect/silhouettes.py: each person's own silhouette, the mask warped into the photo, found people
painted over (drawn skeletons and masks; no detector runtime needed)."""
from __future__ import annotations

import numpy as np
import pytest

from inference.detect import Person
from inference.detect.roi import Roi
from inference.types import Silhouette
from tests.inference.detect.skeletons import standing


def test_a_silhouette_is_kept_near_its_own_skeleton_and_a_touching_neighbour_cleared():
    """Two people who touch make one silhouette blob; the landmark model's mask of the one it sees holds both.
    `near_skeleton` keeps what lies within SKELETON_MARGIN x the torso length of the person's bones (here
    96 px, so 29 px) and clears the neighbour beyond."""
    from inference.detect.silhouettes import near_skeleton

    h, w = 400, 400
    kp = standing(200, 60, 300)  # shoulders at y 114, hips at y 210: torso 96 px; wrists out to x 236
    m = np.zeros((h, w), np.float32)
    m[60:360, 150:250] = 1  # the person
    m[100:300, 250:340] = 1  # a neighbour touching them
    out = near_skeleton(Silhouette.of(m), kp).full()
    assert out[200, 245] == 1 and out[300, 200] == 1 and out[70, 200] == 1  # beside the wrist, the legs, the hair
    assert out[200, 300] == 0 and out[120, 330] == 0  # the neighbour
    cols = np.nonzero(out.any(0))[0]
    assert 150 <= cols.min() and cols.max() <= 236 + 30  # the box no longer reaches into the neighbour (29 px + 1)
    assert out[350, 200] == 1 and out[359, 160] == 1  # between and beside the feet
    assert (out <= m).all()  # only ever clears


# ------------------------------------------------------------------ silhouettes kept as windows
@pytest.mark.parametrize("roi", [Roi(300.0, 200.0, 180.0, 0.0), Roi(300.0, 200.0, 180.0, 0.6),
                                 Roi(40.0, 380.0, 700.0, -0.3), Roi(500.0, 100.0, 2000.0, 0.0)])
def test_the_landmark_models_mask_kept_as_its_window_is_the_whole_image_warp(roi):
    """The landmark model's 256 x 256 segmentation warped onto the ROI's window (grown by the bilinear edge's
    reach) holds every non-zero pixel of the warp onto the whole image, with the same values: small, tilted,
    beyond the image's corner, and four times the image (one segmentation pixel is 8 image pixels)."""
    import cv2

    from inference.detect.blazepose_model import LM_SIZE
    from inference.detect.silhouettes import warped_mask

    h, w = 400, 600
    seg = np.random.default_rng(3).random((LM_SIZE, LM_SIZE)).astype(np.float32) + 0.01  # nowhere zero
    whole = cv2.warpAffine(seg, roi.affine(LM_SIZE), (w, h), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    kept = warped_mask(seg, roi, (h, w))
    x0, y0, x1, y1 = kept.bounds
    outside = whole.copy()
    outside[y0:y1, x0:x1] = 0
    assert not outside.any()  # nothing of the warp lies beyond the window
    np.testing.assert_allclose(kept.full(), whole, atol=2e-3)
    assert kept.values.size < h * w or roi.side > 1000


def test_painting_people_out_only_touches_their_silhouettes():
    """`painted_over` (the search paints the people it found with the colour around them before the proposer looks
    again) on silhouettes kept as windows gives the picture the whole-image arithmetic gives."""
    from inference.detect.blazepose_model import MASK_THRESHOLD
    from inference.detect.silhouettes import REPAINT_MASK_MIN, REPAINT_RING, painted_over

    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (120, 160, 3)).astype(np.uint8)
    masks = [np.zeros((120, 160), np.float32) for _ in range(2)]
    masks[0][20:80, 30:60] = rng.random((60, 30))
    masks[1][50:110, 50:100] = rng.random((60, 50))  # overlapping the first
    people = [Person(np.array(b, np.float32), 0.9, np.zeros((33, 3), np.float32), Silhouette.of(m))
              for b, m in zip(((30, 20, 60, 80), (50, 50, 100, 110)), masks)]
    # the whole-image arithmetic
    out = image.astype(np.float32)
    anyone = (masks[0] > MASK_THRESHOLD) | (masks[1] > MASK_THRESHOLD)
    for p, m in zip(people, masks):
        x0, y0, x1, y1 = p.box
        g = REPAINT_RING * max(x1 - x0, y1 - y0)
        X0, Y0, X1, Y1 = int(max(x0 - g, 0)), int(max(y0 - g, 0)), int(min(x1 + g, 160)), int(min(y1 + g, 120))
        fill = np.median(image[Y0:Y1, X0:X1][~anyone[Y0:Y1, X0:X1]], 0)
        alpha = np.where(m > REPAINT_MASK_MIN, np.clip(m, 0, 1), 0)[..., None]
        out = out * (1 - alpha) + fill * alpha
    np.testing.assert_array_equal(painted_over(image, people), out.astype(np.uint8))


@pytest.mark.parametrize("seed", range(4))
def test_the_box_and_own_blobs_are_those_of_the_plain_formulas(seed):
    """person_box reads the silhouette's values in place (boundingRect) and own_silhouette keeps blobs by a
    look-up table (stop 72: 90 MP searches 8.9 -> 5.4 s); both must answer as the plain formulas do: the
    extremes of np.nonzero over the window, and np.isin over the labels. Random blobs, windows that cut them
    or reach past the silhouette's own window."""
    import cv2

    from inference.detect.blazepose_model import MASK_THRESHOLD
    from inference.detect.roi import roi_window
    from inference.detect.silhouettes import own_silhouette, person_box

    rng = np.random.default_rng(seed)
    h, w = 300, 400
    m = np.zeros((h, w), np.float32)
    centres = []
    for _ in range(6):
        cx, cy, r = rng.integers(30, w - 30), rng.integers(30, h - 30), rng.integers(5, 30)
        cv2.circle(m, (int(cx), int(cy)), int(r), float(rng.uniform(0.6, 1.0)), -1)
        centres.append((cx, cy))
    sil = Silhouette.of(m)
    kp = np.zeros((33, 3), np.float32)  # three seen keypoints near the middle: the blobs make the box
    kp[:, :2] = rng.uniform([180, 130], [220, 170], (33, 2))
    kp[:3, 2] = 1.0
    for window in ((0, 0, w, h), (50, 40, 250, 260), (-20, -30, w + 50, 120), (390, 290, 400, 300)):
        x0, y0, x1, y1 = window
        on = sil.window(x0, y0, x1, y1) > MASK_THRESHOLD
        ys, xs = np.nonzero(on)
        pts = [kp[kp[:, 2] > 0.5, :2]]
        if len(xs):
            pts.append(np.float32([[xs.min() + x0, ys.min() + y0], [xs.max() + x0 + 1, ys.max() + y0 + 1]]))
        pts = np.concatenate(pts)
        lo, hi = np.clip(pts.min(0), 0, [w, h]), np.clip(pts.max(0), 0, [w, h])
        assert np.array_equal(person_box(kp, sil, window, (h, w)), np.float32([*lo, *hi]))
    roi = Roi(200.0, 150.0, 520.0, 0.0)  # its window holds the whole image
    rx0, ry0, rx1, ry1 = roi_window(roi, (h, w))
    win = sil.window(rx0, ry0, rx1, ry1)
    n, labels = cv2.connectedComponents((win > MASK_THRESHOLD).astype(np.uint8), connectivity=8)
    kp[:, 2] = 0.0  # the head on one blob, a hip on another: both kept, the others not
    kp[0, :2], kp[23, :2] = centres[0], centres[1]
    kp[[0, 23], 2] = 1.0
    hits = {int(labels[int(y) - ry0, int(x) - rx0]) for x, y in kp[[0, 23], :2]}
    keep = cv2.dilate(np.isin(labels, list(hits)).astype(np.uint8), np.ones((5, 5), np.uint8))
    plain = Silhouette.of(win * keep, rx0, ry0, (h, w))
    own = own_silhouette(sil, kp, roi)
    assert n > 3 and own.bounds == plain.bounds and np.array_equal(own.values, plain.values)
