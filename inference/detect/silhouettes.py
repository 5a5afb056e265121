"""Silhouettes of found people (`types.Silhouette`, the landmark model's mask warped into the photo): each
person's own part of it (near their keypoints and skeleton), the pixels two people share, the box a skeleton's
silhouette gives, and a photo with found people painted over for a second look at the people behind them."""
from __future__ import annotations

import math

import cv2
import numpy as np

from ..types import Silhouette
from .blazepose_model import MASK_THRESHOLD
from .person import HEAD_LANDMARKS, HIPS, SHOULDERS, Person, torso_length
from .roi import Roi, roi_window

MASK_MARGIN = 0.25          # see near_keypoints
SKELETON_MARGIN = 0.3       # see near_skeleton
SKELETON_BOX_MOVE = 0.05    # see on_own_skeleton
# A proposer peak whose landmark passes find nobody, or settle on someone already found (the nearer or more
# salient of two overlapping people), is looked at once more (one attempt of PROPOSAL_TRIES) with the people
# found so far whose box meets its ROI painted over (`painted_over`): the landmark model then often settles on the
# person the peak marks, half hidden behind or in front of them (docs/crowds.md, "Found people painted over").
REPAINT_MASK_MIN = 0.2      # silhouette values painted over, blended by the mask (its soft edge too)
REPAINT_RING = 0.2          # the fill is the median colour of the box grown by this x its larger side


def shared_pixels(a: Silhouette, b: Silhouette) -> int:
    """Pixels on both silhouettes (values > MASK_THRESHOLD)."""
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.bounds[2], b.bounds[2]), min(a.bounds[3], b.bounds[3])
    if x0 >= x1 or y0 >= y1:
        return 0
    return int(((a.window(x0, y0, x1, y1) > MASK_THRESHOLD) & (b.window(x0, y0, x1, y1) > MASK_THRESHOLD)).sum())


def head_on_mask(person: Person, mask: Silhouette) -> bool:
    """True when the centre of the person's head keypoints (the first 11 of their (33, 3) x, y, visibility) lies
    on the silhouette (values > MASK_THRESHOLD)."""
    x, y = np.asarray(person.keypoints, np.float32)[:11, :2].mean(0)
    h, w = mask.shape
    return bool(0 <= x < w and 0 <= y < h
                and mask.window(int(x), int(y), int(x) + 1, int(y) + 1)[0, 0] > MASK_THRESHOLD)


def warped_mask(seg: np.ndarray, roi: Roi, shape: tuple[int, int]) -> Silhouette:
    """The landmark model's segmentation (n, n) of a ROI as a Silhouette on the image of `shape` (H, W): warped
    bilinearly (black outside the ROI) onto the ROI's window, grown by one segmentation pixel and one image pixel
    (how far the bilinear edge reaches), the only pixels a warp onto the whole image makes non-zero."""
    h, w = shape
    grow = int(math.ceil(roi.side / seg.shape[0])) + 1
    x0, y0, x1, y1 = roi_window(roi, shape)
    x0, y0, x1, y1 = max(x0 - grow, 0), max(y0 - grow, 0), min(x1 + grow, w), min(y1 + grow, h)
    if x1 <= x0 or y1 <= y0:
        return Silhouette(np.zeros((0, 0), np.float32), min(x0, w), min(y0, h), shape)
    m = roi.affine(seg.shape[0])
    m[:, 2] -= np.float32([x0, y0])
    values = cv2.warpAffine(seg, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=0)
    return Silhouette(values, x0, y0, shape)


def own_silhouette(mask: Silhouette, kp: np.ndarray, roi: Roi) -> Silhouette:
    """The mask with only the blobs that hold the person's own visible head, shoulder or hip keypoints (kp (33, 3)
    photo x, y, visibility; the segmentation also lights up other people and person-like things inside the
    ROI)."""
    x0, y0, x1, y1 = roi_window(roi, mask.shape)
    win = mask.window(x0, y0, x1, y1)
    n, labels = cv2.connectedComponents((win > MASK_THRESHOLD).astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    anchors = [i for i in (*HEAD_LANDMARKS, *SHOULDERS, *HIPS) if kp[i, 2] > 0.5]
    hits = set()
    for i in anchors:
        c, r = int(kp[i, 0]) - x0, int(kp[i, 1]) - y0
        if 0 <= r < labels.shape[0] and 0 <= c < labels.shape[1] and labels[r, c] > 0:
            hits.add(int(labels[r, c]))
    if not hits:
        hits = {int(np.argmax(np.bincount(labels.ravel())[1:])) + 1}
    kept = np.zeros(n, np.uint8)
    kept[list(hits)] = 1
    keep = kept[labels]  # (a look-up: np.isin over a 90-megapixel photo's labels took seconds)
    keep = cv2.dilate(keep, np.ones((5, 5), np.uint8))  # keep the soft edge around the kept blobs
    return Silhouette.of(win * keep, x0, y0, mask.shape)


def near_keypoints(mask: Silhouette, kp: np.ndarray, roi: Roi, margin: float = MASK_MARGIN) -> Silhouette:
    """The mask cleared outside the box of the visible keypoints (kp (33, 3) photo x, y, visibility) grown by
    `margin` x its larger side: people
    who touch make one silhouette blob, and the box of a person in a group would otherwise hold the group."""
    seen = kp[kp[:, 2] > 0.5, :2]
    if len(seen) < 4:
        return mask
    lo, hi = seen.min(0), seen.max(0)
    m = margin * float((hi - lo).max())
    h, w = mask.shape
    x0, y0 = (int(max(0, np.floor(v - m))) for v in lo)
    x1, y1 = int(min(w, np.ceil(hi[0] + m))), int(min(h, np.ceil(hi[1] + m)))
    rx0, ry0, rx1, ry1 = roi_window(roi, mask.shape)
    if x0 <= rx0 and y0 <= ry0 and x1 >= rx1 and y1 >= ry1:
        return mask  # the grown box holds the whole ROI: nothing to clear
    return Silhouette.of(mask.window(x0, y0, x1, y1), x0, y0, mask.shape)


# bones of the envelope in near_skeleton (BlazePose ids): arms to the index fingers, legs to the toes and heels,
# the torso's sides (its inside is filled)
SKELETON_BONES = ((11, 13), (13, 15), (15, 19), (12, 14), (14, 16), (16, 20), (23, 25), (25, 27), (27, 31), (27, 29),
                  (24, 26), (26, 28), (28, 32), (28, 30), (11, 12), (23, 24), (11, 23), (12, 24))


def near_skeleton(mask: Silhouette, kp: np.ndarray, margin: float = SKELETON_MARGIN) -> Silhouette:
    """The silhouette cleared farther than `margin` x the body's scale from the person's own skeleton (33, 3):
    its bones, the torso's quadrilateral, and a head of 1.5 x that reach around the mean of the face landmarks,
    tied to the shoulders.  Scale: the torso length (mid-shoulders to mid-hips), or 0.3 x the skeleton's larger
    side if more (a torso foreshortened towards the camera).  Every landmark counts, seen or not (BlazePose
    places hidden limbs too).  A person behind or beside another shares their silhouette blob, which
    `near_keypoints`' box around all the keypoints still holds; so the box of the front person held both."""
    p = np.asarray(kp, np.float32)[:, :2]
    if not np.isfinite(p).all() or not mask.values.size:
        return mask
    shoulders = p[list(SHOULDERS)].mean(0)
    scale = max(torso_length(p), 0.3 * float((p.max(0) - p.min(0)).max()), 4.0)
    reach = max(int(round(margin * scale)), 2)
    env = np.zeros(mask.values.shape, np.uint8)  # drawn on the silhouette's window: zero elsewhere anyway
    q = np.round(p).astype(np.int32) - np.int32([mask.x, mask.y])
    cv2.fillConvexPoly(env, q[[*SHOULDERS, *HIPS[::-1]]], 1)  # the torso's corners in order round it
    for a, b in SKELETON_BONES:
        cv2.line(env, (int(q[a, 0]), int(q[a, 1])), (int(q[b, 0]), int(q[b, 1])), 1, thickness=2 * reach + 1)
    head = np.round(p[:11].mean(0)).astype(np.int32) - np.int32([mask.x, mask.y])  # nose, eyes, ears, mouth
    neck = np.round(shoulders).astype(np.int32) - np.int32([mask.x, mask.y])
    cv2.circle(env, (int(head[0]), int(head[1])), int(round(1.5 * reach)), 1, -1)
    cv2.line(env, (int(head[0]), int(head[1])), (int(neck[0]), int(neck[1])), 1, thickness=2 * reach + 1)
    return mask.with_values(mask.values * env)


def painted_over(image: np.ndarray, people: list[Person]) -> np.ndarray:
    """(H, W, 3) uint8: the image with each person's silhouette (mask > REPAINT_MASK_MIN, blended by the mask)
    filled with the median colour around them (their box grown by REPAINT_RING x its larger side, off every
    one of their silhouettes; the whole image's where nothing is left)."""
    h, w = image.shape[:2]
    # every silhouette lies in the union of their windows: only it is painted (a large photo's copy is not
    # held as floats)
    wins = np.array([p.mask.bounds for p in people if p.mask.values.size], np.int64).reshape(-1, 4)
    out = image.copy()
    if not len(wins):
        return out
    U0, V0, U1, V1 = int(wins[:, 0].min()), int(wins[:, 1].min()), int(wins[:, 2].max()), int(wins[:, 3].max())
    paint = image[V0:V1, U0:U1].astype(np.float32)
    for p in people:
        x0, y0, x1, y1 = np.asarray(p.box, np.float32)
        g = REPAINT_RING * max(x1 - x0, y1 - y0)
        X0, Y0, X1, Y1 = int(max(x0 - g, 0)), int(max(y0 - g, 0)), int(min(x1 + g, w)), int(min(y1 + g, h))
        anyone = np.zeros((max(Y1 - Y0, 0), max(X1 - X0, 0)), bool)
        for q in people:
            anyone |= q.mask.window(X0, Y0, X1, Y1) > MASK_THRESHOLD
        ring = image[Y0:Y1, X0:X1][~anyone]
        fill = np.median(ring if len(ring) else image.reshape(-1, 3), 0)
        m = p.mask.window(U0, V0, U1, V1)
        alpha = np.where(m > REPAINT_MASK_MIN, np.clip(m, 0, 1), 0)[..., None]
        paint = paint * (1 - alpha) + fill * alpha
    out[V0:V1, U0:U1] = paint.astype(np.uint8)
    return out


def on_own_skeleton(person: Person, shape: tuple[int, int]) -> Person:
    """The person with their silhouette kept near their own skeleton (`near_skeleton`) and their box made again
    from it, where that moves a side of the box by more than SKELETON_BOX_MOVE x its larger side (a neighbour or
    clutter joined to their silhouette); otherwise the person as found (the detector's silhouette of a lone
    person, loose clothes and all, stands).  Done once the search has chosen its people: the witnesses (the
    part map on the person's crop) and the nested and merging rules were set with the whole silhouette, and a
    crop around a texture's skeleton made from the trimmed one let two more of them through on the person-free
    photos (docs/crowds.md, "Each person's own silhouette")."""
    if person.mask is None:
        return person
    mask = near_skeleton(person.mask, person.keypoints)
    x, y, w, h = cv2.boundingRect((mask.values > MASK_THRESHOLD).astype(np.uint8)) if mask.values.size else (0,) * 4
    box = person_box(person.keypoints, mask, (mask.x + x, mask.y + y, mask.x + x + w, mask.y + y + h), shape)
    old = np.asarray(person.box, np.float32)
    if box is None or np.abs(box - old).max() <= SKELETON_BOX_MOVE * float((old[2:] - old[:2]).max()):
        return person
    return Person(box, person.score, person.keypoints, mask, person.world)


def person_box(kp: np.ndarray, mask: Silhouette | None, window: tuple[int, int, int, int],
                shape: tuple[int, int]) -> np.ndarray | None:
    """(4,) float32 x0, y0, x1, y1 image px around the silhouette (mask > 0.5) and the visible keypoints (kp (33, 3),
    visibility > 0.5), clipped to the image (None when under 2 px a side);
    `window` (x0, y0, x1, y1 pixels) holds every non-zero pixel of the mask (only it is searched)."""
    h, w = shape
    pts = [kp[(kp[:, 2] > 0.5), :2]]
    if mask is not None:
        # the window's part of the kept values, read in place (no copy, no list of every pixel's coordinates:
        # seconds on a person filling a 90-megapixel photo)
        a0, b0, a1, b1 = mask.bounds
        x0, y0 = max(window[0], a0), max(window[1], b0)
        x1, y1 = min(window[2], a1), min(window[3], b1)
        on = (mask.values[y0 - b0:y1 - b0, x0 - a0:x1 - a0] > MASK_THRESHOLD) if x0 < x1 and y0 < y1 else None
        if on is not None and on.any():
            c, r, cw, rh = cv2.boundingRect(on.view(np.uint8))
            pts.append(np.array([[x0 + c, y0 + r], [x0 + c + cw, y0 + r + rh]], np.float32))
    pts = np.concatenate(pts)
    if len(pts) == 0:
        return None
    lo = np.clip(pts.min(0), 0, [w, h])
    hi = np.clip(pts.max(0), 0, [w, h])
    if (hi - lo).min() < 2:
        return None
    return np.array([lo[0], lo[1], hi[0], hi[1]], np.float32)
