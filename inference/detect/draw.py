"""Pictures of detections: silhouette tint, box, BlazePose skeleton (subject's left in blue, right in orange)."""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ..colors import PERSON_COLORS, SET_ASIDE_RGB, SIDE_COLORS
from ..silhouette import silhouette_at
from .person import LANDMARK_SIDE, Person

# BlazePose skeleton edges (landmark indices)
EDGES = ((11, 12), (11, 23), (12, 24), (23, 24), (11, 13), (13, 15), (12, 14), (14, 16), (23, 25), (25, 27),
         (24, 26), (26, 28), (27, 29), (29, 31), (27, 31), (28, 30), (30, 32), (28, 32), (15, 17), (15, 19),
         (15, 21), (16, 18), (16, 20), (16, 22), (0, 2), (0, 5), (2, 7), (5, 8), (9, 10))


def tint_people(image_rgb: np.ndarray, people: list[Person], alpha: float = 0.35) -> np.ndarray:
    """A copy (H, W, 3) uint8 of the image (RGB or grey (H, W)) with person n's silhouette blended in
    PERSON_COLORS[n] at `alpha` x the mask, person after person (each rounded to uint8 before the next). Only each
    silhouette's window is blended (elsewhere its mask is zero), by OpenCV: a person in a 48-megapixel photo
    takes a tenth of a second, not seconds of float arrays."""
    out = np.asarray(image_rgb)
    out = np.repeat(out[..., None], 3, 2) if out.ndim == 2 else out[..., :3]
    out = np.array(out, np.uint8, copy=True)
    for n, p in enumerate(people):
        if p.mask is None or not p.mask.values.size:
            continue
        x0, y0, x1, y1 = p.mask.bounds
        win = out[y0:y1, x0:x1]
        a = np.ascontiguousarray(np.clip(p.mask.values, 0, 1) * alpha, np.float32)
        colour = np.empty_like(win)
        colour[:] = PERSON_COLORS[n % len(PERSON_COLORS)]
        out[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(win), colour, 1 - a, a)
    return out


def draw_people(image_rgb: np.ndarray, people: list[Person], min_visibility: float = 0.5,
                mask_alpha: float = 0.35, fitted: int = -1, set_aside: list[Person] = (), scale: float = 1.0
                ) -> np.ndarray:
    """A copy of the image ((H, W, 3) uint8 RGB) with each person's mask, box (with number and score: "#1 0.93" for
    people[0], "#4 boxed"
    for a person found in a box the user drew)
    and skeleton drawn on it; people[fitted], when given, with a box twice as thick and "fitted" in its tag
    (the picture of one person's outputs among a photo's people); `set_aside` (`PersonDetector.set_aside`: figures
    turned away as animals) as grey boxes tagged "set aside" and their score, under the people. `scale`: the
    image is a copy of the people's photo scaled by it (display px per photo px, `image_io.display_copy`), and the
    people are drawn on it at that scale (a 48-megapixel photo's people were drawn at its size, then shrunk: a
    second a person)."""
    if scale != 1.0:
        shape = np.shape(image_rgb)[:2]
        people, set_aside = ([_on_copy(p, scale, shape) for p in group] for group in (people, set_aside))
    out = tint_people(image_rgb, people, mask_alpha)
    h, w = out.shape[:2]
    t = max(1, round(min(h, w) / 300))  # by the short side: a panorama's tags stay the size of its people
    sh = 4  # fixed-point bits for sub-pixel drawing
    pt = lambda xy: (int(round(xy[0] * (1 << sh))), int(round(xy[1] * (1 << sh))))  # noqa: E731
    for p in set_aside:  # light on a dark line: seen on snow and on shadow alike
        cv2.rectangle(out, pt(p.box[:2]), pt(p.box[2:4]), (30, 30, 30), 2 * t, cv2.LINE_AA, sh)
        cv2.rectangle(out, pt(p.box[:2]), pt(p.box[2:4]), SET_ASIDE_RGB, t, cv2.LINE_AA, sh)
    for n, p in enumerate(people):
        col = PERSON_COLORS[n % len(PERSON_COLORS)]
        x0, y0, x1, y1 = p.box
        cv2.rectangle(out, pt((x0, y0)), pt((x1, y1)), col, 2 * t if n == fitted else t, cv2.LINE_AA, sh)
        kp = p.keypoints
        for a, b in EDGES:
            if kp[a, 2] >= min_visibility and kp[b, 2] >= min_visibility:
                cv2.line(out, pt(kp[a]), pt(kp[b]), SIDE_COLORS[LANDMARK_SIDE[b]], t, cv2.LINE_AA, sh)
        for i, (x, y, v) in enumerate(kp):
            if v >= min_visibility:
                cv2.circle(out, pt((x, y)), (t + 1) << sh, SIDE_COLORS[LANDMARK_SIDE[i]], -1, cv2.LINE_AA, sh)
    placed: list[tuple[int, int, int, int]] = []
    for p in set_aside:
        placed.append(_tag(out, f"set aside {p.score:.2f}", p.box, SET_ASIDE_RGB, t, placed))
    for n, p in enumerate(people):  # last, over every skeleton: readable on small people too
        # counted from 1, as the app's "Person 1" and predict's NAME_p2
        # a person found in a user's box has no detector score of their own to show
        text = f"#{n + 1} " + ("boxed" if p.boxed else f"{p.score:.2f}") + (" fitted" if n == fitted else "")
        placed.append(_tag(out, text, p.box, PERSON_COLORS[n % len(PERSON_COLORS)], t, placed))
    return out


def _on_copy(person: Person, scale: float, shape: tuple[int, int]) -> Person:
    """A person of a photo as on a copy of it scaled by `scale` to `shape` (h, w): box and keypoints scaled (pixel
    centres kept: x + 0.5 scales), the silhouette resized (`silhouette.silhouette_at`; none on an image that is no
    scaled copy of the person's photo)."""
    kp = np.array(person.keypoints, np.float32, copy=True)
    kp[:, :2] = (kp[:, :2] + 0.5) * scale - 0.5
    box = ((np.asarray(person.box, np.float32) + 0.5) * scale - 0.5).clip(0, None)
    mask = None if person.mask is None else silhouette_at(person.mask, shape)
    return replace(person, box=box, keypoints=kp, mask=mask)


def _tag(out: np.ndarray, text: str, box, col: tuple[int, int, int], t: int,
         taken: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """`text` in black on a patch of the person's colour, kept inside the picture: above the box's top-left
    corner, else below the box, else inside its top, whichever first overlaps no tag `taken` (x0, y0, x1, y1)
    before it (people of a crowd stand close). Returns the patch."""
    h, w = out.shape[:2]
    scale = 0.45 * t
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, t)
    pad = 2 * t
    bw, bh = tw + 2 * pad, th + base + 2 * pad
    x = int(np.clip(box[0], 0, max(0, w - bw)))
    spots = [int(box[1]) - bh, int(box[3]) + 1, int(box[1])]
    rects = [(x, y, x + bw, y + bh) for y in (int(np.clip(v, 0, max(0, h - bh))) for v in spots)]
    free = [r for r in rects if not any(r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3] for q in taken)]
    x0, y0, x1, y1 = free[0] if free else rects[0]
    cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), col, -1)
    cv2.putText(out, text, (x0 + pad, y0 + pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), t, cv2.LINE_AA)
    return x0, y0, x1, y1
