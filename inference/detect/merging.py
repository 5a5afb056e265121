"""Which of the people found are one person, which are nested in another or too small to keep, and in what
order the app offers them (`rank_people`): the rules the person search applies to its candidates
(docs/crowds.md gives each rule's measurements)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..boxes import box_iou
from .blazepose_model import BODY, MASK_THRESHOLD, MIRROR
from .person import HIPS, NOSE, SHOULDERS, Person, torso_length
from .roi import Roi
from .silhouettes import head_on_mask, shared_pixels

if TYPE_CHECKING:
    from .people_net import Proposal

HEAD_IOU = 0.3               # two found people with overlapping heads are one
NESTED_FRACTION = 0.5        # see drop_nested
NESTED_SCORE_MARGIN = 0.2    # see clearly_better
NESTED_PEER = 0.3            # see drop_nested: a nested person's torso at least this x the larger one's
HEAD_ABOVE = 0.1             # see head_above
ON_LEGS_TORSO = 0.5          # see on_legs: a skeleton on a person's legs has a torso under this x theirs
ON_LEGS_UP = 0.25            # see on_legs: ... and its head at most this x their torso above their hips
SAME_FACE = 0.15            # two candidates whose faces lie closer than this x the smaller ROI side are one
SAME_HEAD = 0.75            # see same_person
SAME_KEYPOINTS = 0.1        # two people whose torso/head keypoints agree within this x body size are one
# Two people of one detector hit (the very same score: one face or proposer peak, read in two passes) whose hips
# agree within this x body size are one: in a synthetic crowd a woman half behind another walker was listed twice
# (hips 0.12 and 0.19 x her size apart, noses 34 px: one skeleton reached for the man's head)
SAME_HIT_HIPS = 0.25
# A "person" whose box is smaller than this on its longer side (px) is not kept: at that size the landmark
# model fires on specks (a bag on the ground in OpenCV's vtest street video: 16-26 px), and the people the
# wide-shot search is for are 50 px tall and more
MIN_PERSON_PX = 40
HIPS_TAKEN = 0.25           # a peak this close to a found person's hips (x the peak's radius) is that person


@dataclass(frozen=True)
class Candidate:
    """A detector hit: the centre of the face it fired on (`face` (2,) x, y image px), its person ROI, score, view
    index."""

    face: np.ndarray
    roi: Roi
    score: float
    view: int


def merge_candidates(new: list[Candidate], have: list[Candidate] = ()) -> list[Candidate]:
    """The candidates of `new` that are not duplicates, best score first: a candidate whose face lies within
    SAME_FACE x the smaller ROI side of a face in `have` or of a better one in `new`, with ROIs of sides within
    a factor of 2, is the same person seen in another (overlapping or coarser) tile."""
    def same(c: Candidate, o: Candidate) -> bool:
        near = float(np.hypot(*(c.face - o.face))) < SAME_FACE * min(c.roi.side, o.roi.side)
        return near and 0.5 <= c.roi.side / max(o.roi.side, 1e-6) <= 2.0

    kept: list[Candidate] = []
    for c in sorted(new, key=lambda c: -c.score):
        if not any(same(c, o) for o in (*have, *kept)):
            kept.append(c)
    return kept


def _body_size(kp: np.ndarray) -> float:
    """A person's size in px: the larger of the shoulder-hip distance x 2 and the shoulder width x 3."""
    sh, hip = kp[list(SHOULDERS), :2].mean(0), kp[list(HIPS), :2].mean(0)
    width = float(np.hypot(*(kp[SHOULDERS[0], :2] - kp[SHOULDERS[1], :2])))
    return max(2 * float(np.hypot(*(sh - hip))), 3 * width, 1.0)


def peak_on(peak: Proposal, person: Person) -> bool:
    """True when the proposer's peak lies on the person's hips: within HIPS_TAKEN x the peak's radius of
    their hip centre."""
    hips = np.asarray(person.keypoints)[list(HIPS), :2].mean(0)
    return float(np.hypot(*(hips - peak.hips))) < HIPS_TAKEN * peak.radius


def peak_marked(person: Person, peaks: list[Proposal]) -> bool:
    """True when one of the proposer's peaks lies on the person's hips (`peak_on`)."""
    return any(peak_on(p, person) for p in peaks)


def same_person(a: Person, b: Person) -> bool:
    """True when two detections are one person: their head boxes overlap (IoU > HEAD_IOU), their head centres
    lie closer than SAME_HEAD x the larger head box's side (two people's heads never coincide in a photo: a
    second, partial skeleton on one person does), their nose, shoulders and hips agree within
    SAME_KEYPOINTS x the body size, they come from one detector hit with their hips together (SAME_HIT_HIPS), or
    their nose, arms and legs (`BODY`) do with left and right swapped (a legs-only person under the photo's top
    edge, read once facing each way)."""
    ka, kb = np.asarray(a.keypoints, np.float32), np.asarray(b.keypoints, np.float32)
    ha, hb = head_box(ka), head_box(kb)
    if box_iou(ha, hb)[0, 0] > HEAD_IOU:
        return True
    side = max(float((ha[2:] - ha[:2]).max()), float((hb[2:] - hb[:2]).max()))
    if float(np.hypot(*((ha[:2] + ha[2:]) / 2 - (hb[:2] + hb[2:]) / 2))) < SAME_HEAD * side:
        return True
    idx = [NOSE, *SHOULDERS, *HIPS]
    size = min(_body_size(ka), _body_size(kb))
    if float(np.median(np.hypot(*(ka[idx, :2] - kb[idx, :2]).T))) < SAME_KEYPOINTS * size:
        return True
    if a.score == b.score and not (a.boxed or b.boxed):  # one hit read twice (SAME_HIT_HIPS)
        if float(np.hypot(*(ka[list(HIPS), :2] - kb[list(HIPS), :2]).T).max()) < SAME_HIT_HIPS * size:
            return True
    # one body read twice, left and right swapped (the front/back ambiguity of a person whose face the photo
    # does not show): the same points in mirrored roles, legs included, for the head may lie outside the photo
    d = float(np.median(np.hypot(*(ka[BODY, :2] - kb[MIRROR[BODY], :2]).T)))
    return d < SAME_KEYPOINTS * size


def merge_people(people: list[Person], peaks: list[Proposal] = ()) -> list[Person]:
    """One detection per person (found from several views or tiles): of each group of `same_person`
    detections, the one the proposer's `peaks` mark at the hips (`peak_marked`), then the one with the most
    confident keypoints (ties: the higher score) is kept; order kept. (Two people one almost behind the other:
    a loose skeleton over both can have the surer keypoints, and the far one's own skeleton has the peak.)"""
    quality = [(peak_marked(p, peaks), _quality(p)) for p in people]
    kept: list[int] = []
    for i in sorted(range(len(people)), key=lambda i: quality[i], reverse=True):
        if not any(same_person(people[i], people[j]) for j in kept):
            kept.append(i)
    return [people[i] for i in sorted(kept)]


def completeness(person: Person, image_shape: tuple[int, ...]) -> float:
    """How much of the person the photo shows, in [0, 1]: the mean over the 33 keypoints of "inside the image"
    x (1 if the landmark model sees it, visibility > 0.5, else 0.5). About 1 for a whole person in view, 0.5
    or less for a half-length portrait or a person half cut off by the frame; a person seen from behind or
    partly hidden (keypoints inside the photo but not seen) keeps at least 0.5 x the inside fraction."""
    h, w = image_shape[:2]
    kp = np.asarray(person.keypoints, np.float32)
    inside = (kp[:, 0] >= 0) & (kp[:, 1] >= 0) & (kp[:, 0] < w) & (kp[:, 1] < h)
    return float((inside * np.where(kp[:, 2] > 0.5, 1.0, 0.5)).mean())


def rank_people(people: list[Person], image_shape: tuple[int, ...]) -> list[Person]:
    """People in the order a user would pick them: by completeness x sqrt(box area) x centrality (1 at the
    image centre, 0.5 at a corner), so a whole person near the middle comes before a larger one cut in half
    by the frame, and among equally complete people the larger and more central first."""
    h, w = image_shape[:2]

    def key(p: Person) -> float:
        c = (np.asarray(p.box[:2]) + np.asarray(p.box[2:])) / 2
        off = float(np.hypot((c[0] - w / 2) / (w / 2), (c[1] - h / 2) / (h / 2))) / math.sqrt(2)
        return completeness(p, image_shape) * math.sqrt(max(p.area, 1.0)) * (1 - 0.5 * min(off, 1.0))

    return sorted(people, key=lambda p: -key(p))


def drop_nested(people: list[Person], peaks: list[Proposal] = ()) -> list[Person]:
    """Drop a person whose silhouette lies mostly (> NESTED_FRACTION) inside a larger person's silhouette and
    whose head lies on that silhouette too: an object someone holds (a camera, a helmet) seen as a small person
    of its own, or a second, partial detection of one person. A person standing behind another keeps their head
    off the front person's silhouette and is kept (masks of people who overlap spill onto each other).

    First, though, a larger detection is dropped when a person nested in it is clearly better (`clearly_better`):
    a loose skeleton from a weak detector hit whose ROI is far larger than the person, and whose silhouette
    swallows the person's own (a footballer mid-kick, score 0.94 and 33 confident keypoints, inside a loose
    skeleton of score 0.59 and 25). Doing this before the rest means a third person is judged only against the
    people that stay.

    A person whose head lies beyond the larger one's head (`head_above`) is not dropped for lying inside it:
    that is someone behind them, not something they hold nor a second skeleton on their body (the larger one
    still gives way to them when they are clearly better).

    The proposer's `peaks` (one on every person's hips; none where it did not run) are a second witness: a
    person with a peak on their own hips (`own_peak`) is not dropped for lying inside a larger one (two people
    side by side, heads level, one's silhouette spilling over the other), and a larger detection that holds
    such a person while no peak marks its own hips gives way to them (a skeleton spanning two people). Where no
    peak marks the larger one, both only for a nested person whose torso is at least NESTED_PEER x the larger
    one's (`peer`): the two people a skeleton spans stand at about one distance, while a small skeleton on the
    clothes of a large person the proposer missed (basketball2.png of OpenCV's samples: torso 22 px on a man cut
    by the frame whose torso is 149, a peak on the shirt's pattern and none on him) is something the larger one
    wears, and the larger one stays; so does a larger one the proposer missed when the nested skeleton is drawn on
    its hips or legs (`on_legs`: a man on one leg with the other out, a skeleton on his standing leg holding the
    only peak). (With a peak on both, a small nested person is someone far behind, or a child in front: kept.)"""
    if len(people) < 2:
        return people
    sizes = [int((p.mask.values > MASK_THRESHOLD).sum()) for p in people]

    def inside(i: int, j: int) -> bool:  # i mostly inside the larger j, with its head on j
        own = sizes[i]
        return (people[i].area < people[j].area and bool(own) and head_on_mask(people[i], people[j].mask)
                and shared_pixels(people[i].mask, people[j].mask) > NESTED_FRACTION * own)

    n = len(people)
    nested = {(i, j) for i in range(n) for j in range(n) if i != j and inside(i, j)}
    marked = [peak_marked(q, peaks) for q in people]

    def own(i: int, j: int) -> bool:  # i is a person of their own beside or behind j, by the proposer's peaks
        return own_peak(people[i], people[j], peaks) and (
            marked[j] or (peer(people[i], people[j]) and not on_legs(people[i], people[j])))

    loose = {j for i, j in nested if clearly_better(people[i], people[j]) or (not marked[j] and own(i, j))}
    kept: list[int] = []
    for i in sorted(set(range(n)) - loose, key=lambda i: -people[i].area):
        if not any((i, j) in nested and not head_above(people[i], people[j]) and not own(i, j) for j in kept):
            kept.append(i)
    return [people[i] for i in sorted(kept)]


def own_peak(a: Person, b: Person, peaks: list[Proposal]) -> bool:
    """True when one of the proposer's peaks lies on a's hips (within HIPS_TAKEN x the peak's radius) and not
    on b's: the proposer, which puts one peak on every person's hips, sees a as a person of their own."""
    return any(peak_on(p, a) and not peak_on(p, b) for p in peaks)


def peer(a: Person, b: Person) -> bool:
    """True when a's torso (mid-shoulders to mid-hips) is at least NESTED_PEER x b's: a could stand beside b."""
    return torso_length(a.keypoints) >= NESTED_PEER * torso_length(b.keypoints)


def clearly_better(a: Person, b: Person) -> bool:
    """True when detection a beats b on both counts: the detector's score by at least NESTED_SCORE_MARGIN and
    the keypoints the landmark model is sure of (`_quality`). In the synthetic crowds a partial second skeleton
    inside a whole person can have more sure keypoints but has the lower score, and is not better."""
    return a.score >= b.score + NESTED_SCORE_MARGIN and _quality(a) > _quality(b)


def _up_body(points: np.ndarray, kp: np.ndarray) -> np.ndarray | None:
    """How far each of points (N, 2) lies up the body axis (hips -> shoulders) of the person with BlazePose
    keypoints kp (33, 3), from their mid-hips, in pixels (N,); None when the axis has no length."""
    hips, shoulders = kp[list(HIPS), :2].mean(0), kp[list(SHOULDERS), :2].mean(0)
    axis = shoulders - hips
    norm = float(np.hypot(*axis))
    return None if norm < 1e-3 else (np.asarray(points, np.float32) - hips) @ (axis / norm)


def head_above(a: Person, b: Person) -> bool:
    """True when a's head lies further up b's body axis (hips -> shoulders) than b's own head, by more than
    HEAD_ABOVE x b's body size: a stands behind b (a far person above a near one in a crowd), whose silhouette
    can still cover a's through the mask's spill."""
    ka, kb = np.asarray(a.keypoints, np.float32), np.asarray(b.keypoints, np.float32)
    up = _up_body(np.stack([ka[:11, :2].mean(0), kb[:11, :2].mean(0)]), kb)
    return up is not None and float(up[0] - up[1]) > HEAD_ABOVE * _body_size(kb)


def on_legs(a: Person, b: Person) -> bool:
    """True when a is a skeleton the landmark model drew on b's legs: a's head lies at most ON_LEGS_UP x b's torso
    above b's hips along b's body axis (on b's hips or legs) and a's torso is under ON_LEGS_TORSO x b's. Pose2Sim's
    back camera, moment 50: a man on one leg, the other out, and a skeleton on his standing leg (head 0.37 torsos
    below his hips, torso 0.36 x his); its side camera, moment 90: one on his shorts and legs (head at his hips,
    torso 0.46 x his). Not a person beside b (head level with b's) nor one behind (head above b's hips); a person
    below b's hips in the photo whom a loose skeleton spans together with someone above them has a torso of their
    own (0.65 x the skeleton's in synthetic crowd frame 12 of seed 20183)."""
    ka, kb = np.asarray(a.keypoints, np.float32), np.asarray(b.keypoints, np.float32)
    up, torso_b = _up_body(ka[:11, :2].mean(0)[None], kb), torso_length(kb)
    return (up is not None and float(up[0]) < ON_LEGS_UP * torso_b
            and torso_length(ka) < ON_LEGS_TORSO * torso_b)


def big_enough(person: Person, min_px: float = MIN_PERSON_PX, shape: tuple[int, ...] | None = None) -> bool:
    """True unless the person's box is under min_px on its longer side (a speck, not a person).  With the
    image's `shape`, a person the frame cuts (the box touches it, or `_beyond_frame`) is measured by the skeleton
    instead where that is longer: the landmark model places the landmarks the frame cuts off, and a walker cut at
    the hips by the bottom edge shows a box half their height."""
    box = np.asarray(person.box, np.float32)
    size = float(np.max(box[2:] - box[:2]))
    if size < min_px and shape is not None and (person.edges(shape) or _beyond_frame(person, shape)):
        kp = np.asarray(person.keypoints, np.float32)[:, :2]
        size = max(size, float(np.max(kp.max(0) - kp.min(0))))
    return size >= min_px


def _beyond_frame(person: Person, shape: tuple[int, ...]) -> bool:
    """True when at least two of the body's landmarks (`BODY`) lie outside the image of `shape`: the photo cuts
    the person off though their box stops short of its edge (a dark walker cut at the thighs whose silhouette and
    seen keypoints end a few pixels above the bottom edge, crowd tuning frame 18 of seed 20191)."""
    h, w = shape[:2]
    kp = np.asarray(person.keypoints, np.float32)[BODY, :2]
    return int(((kp[:, 0] < 0) | (kp[:, 1] < 0) | (kp[:, 0] >= w) | (kp[:, 1] >= h)).sum()) >= 2


def _quality(person: Person) -> float:
    """How well the landmark model saw a person: its confident keypoints (visibility > 0.5) + the detector score."""
    return float((np.asarray(person.keypoints)[:, 2] > 0.5).sum()) + person.score


def head_box(kp: np.ndarray) -> np.ndarray:
    """Box (4,) float32 x0, y0, x1, y1 image px around the head keypoints (nose, eyes, ears, mouth) of BlazePose
    keypoints kp (33, 2+) image px, at least a quarter of the shoulder width."""
    pts = kp[:11, :2]
    lo, hi = pts.min(0), pts.max(0)
    c = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2, np.hypot(*(kp[SHOULDERS[0], :2] - kp[SHOULDERS[1], :2])) / 8 + 1)
    return np.concatenate([c - half, c + half]).astype(np.float32)


def grow_box(box: np.ndarray, k: float) -> np.ndarray:
    """A box (4,) x0, y0, x1, y1 grown about its centre by the fraction k of its size -> (4,)."""
    c, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) / 2 * (1 + k)
    return np.concatenate([c - half, c + half])


def point_inside(pt: np.ndarray, box: np.ndarray) -> bool:
    """Whether the point pt (2,) x, y lies in the box (4,) x0, y0, x1, y1 (edges included)."""
    return bool(box[0] <= pt[0] <= box[2] and box[1] <= pt[1] <= box[3])


def same_look(person: Person, result: Person) -> bool:
    """Whether `person`, as `detect` returned them, came from the landmark result `result` (as `person_at` gave it):
    the mirror's second look moves each keypoint by at most half of MIRROR_AVERAGE_MAX body radii, so their median
    point lies within a twentieth of the box's larger side (for the studies that trace the search)."""
    if person is result:
        return True
    near = 0.05 * float(max(person.box[2] - person.box[0], person.box[3] - person.box[1]))
    d = np.hypot(*(np.asarray(person.keypoints)[:, :2] - np.asarray(result.keypoints)[:, :2]).T)
    return bool(np.median(d) <= near)


def touches(person: Person, people: list[Person]) -> bool:
    """Another of `people` has a box that overlaps the person's."""
    others = np.array([o.box for o in people if o is not person], np.float32).reshape(-1, 4)
    return bool((box_iou(person.box, others) > 0).any())
