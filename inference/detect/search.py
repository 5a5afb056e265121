"""The person search of `blazepose.PersonDetector`: where in a photo the landmark model is asked to look.

Stage 1 of BlazePose (blazepose.py's docstring): the face-keyed detector on the whole (letterboxed) image, on
half-size views and, for wide shots, on overlapping tiles; the people proposer's peaks (people_net.py) where
nobody was found yet; small images once more on a black canvas. Each candidate ROI goes to the landmark stage
(`PersonDetector.person_at`, blazepose.py) with its witnesses; the people found are merged, nested people
dropped, each kept person given a second look in the mirror, and people that neither pixel-reading network sees
or that ImageNet's classifier takes for animals set aside. `PersonSearch` is a part of `PersonDetector` (it reads
the detector's models, lock and caches); detect() is its entry point. The functions below it are the search's
bookkeeping (the cache key of an image, how much of a tile found people cover).
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from ..boxes import box_iou
from ..errors import Cancelled
from .blazepose_model import DET_MIN_SCORE, DET_SIZE, N_ANCHORS, sigmoid, weighted_nms
from .merging import (
    HEAD_IOU,
    Candidate,
    big_enough,
    drop_nested,
    grow_box,
    head_box,
    merge_candidates,
    merge_people,
    peak_marked,
    peak_on,
    point_inside,
    rank_people,
    touches,
)
from .person import HIPS, Person, torso_length
from .roi import Roi, meets_roi, roi_from_points
from .silhouettes import on_own_skeleton, painted_over

if TYPE_CHECKING:  # the proposer's module needs torch; the search itself does not
    from .people_net import Proposal

T = TypeVar("T")

HEAD_MARGIN = 1.0            # a face inside a found person's head box grown by this is that person's
MAX_TRIES_PER_PERSON = 3     # landmark attempts per wanted person (bounds the time on cluttered photos)
# wide shots (see PersonSearch.tiles): overlapping square tiles at sides shrinking by TILE_RATIO down to
# MIN_TILE px, each upscaled to the detector's input; people fill about 1/2..5/6 of a tile they are found in
MIN_TILE = 112
MIN_TILE_FRACTION = 0.1     # ... but never below this fraction of the image's long side (bounds the count)
TILE_RATIO = 1.5
TILE_OVERLAP = 1 / 3
TILE_MIN_SCORE = 0.5        # detector score in tiles (0.3: recall +0.02, precision -0.03 on crowds)
WIDE_MAX_PEOPLE = 20
TILE_SKIP_COVER = 0.6       # a tile this much inside the boxes of people found in the whole-image views is skipped
# The proposer's body radius x these are the ROI's full-body radius, tried in turn (the later ones for the peaks
# whose earlier ROIs the landmark model rejected: its verdict on a small person changes with the ROI's size;
# chosen on the crowd tuning set: docs/crowds.md)
PROPOSAL_RADII = (1.15, 0.85, 1.0)
PROPOSAL_TRIES = 30         # landmark attempts on the proposer's peaks per photo at most
# A person only the proposer found must be at least this tall or wide (px): the proposer is for people 50 px
# and taller, and thin person-like structures below that pass the landmark check (a pylon of the rocket photo, 44 px)
PROPOSAL_MIN_PX = 50
# A small image (long side under 2 x DET_SIZE) in which the whole-image view finds nobody is searched again
# as a wide shot in the middle of a black square this many times its long side: on 256 px renders the face
# detector then finds people it misses in the one view (docs/crowds.md, "Small images on a canvas").
SMALL_CANVAS = 2.0
# The search's own witness for a person the landmark model is unsure of (blazepose.WITNESS_SCORE): the proposer's
# heatmap reaches this within half a torso of their hips
WITNESS_HEAT = 0.3
CACHE_SIZE = 4              # recent detect() results kept (a photo's people are found once, fitted one by one)
# DOUBTED_PRESENCE: a proposer peak the landmark passes refuse is tried again without the presence floor (mostly
# they refused for presence: small, blurred people in crowds); a skeleton the passes then agree on is a person
# when the part segmentation of their crop vouches for it strictly (`parts(image, person, sure=True)`:
# inference.person_evidence.PersonEvidence.parts_follow). The first try is the usual one, so per candidate nothing
# changes where it found someone.


class PersonSearch:
    """The search for people in a photo, a part of `blazepose.PersonDetector` (which supplies the models, the
    landmark stage `person_at` and its witnesses, and the lock and caches that detect() uses)."""

    # whether detect() answers a model input it has already run from `run_once`'s memo (off only to check that the
    # memo changes nobody found)
    remember_runs = True

    def stop_if_cancelled(self) -> None:
        """Raise Cancelled when the running detect() call's `cancel` says so (a no-op outside detect())."""
        if self._cancel is not None and self._cancel():
            raise Cancelled("cancelled")

    # ------------------------------------------------------------------ stage 1: detector
    @staticmethod
    def views(shape: tuple[int, ...], zoom: bool = True) -> list[Roi]:
        """The square views the detector looks at: the whole (letterboxed) image, then, with zoom, a grid of
        half-size views overlapping by half (finds people whose face is small in the whole image)."""
        h, w = shape[:2]
        side = float(max(w, h))
        views = [Roi(w / 2, h / 2, side)]
        if zoom and side >= 2 * DET_SIZE:  # below that a half view would be upsampled: nothing to gain
            half = side / 2

            def centres(extent: float) -> np.ndarray:
                if extent <= half:
                    return np.array([extent / 2])
                n = math.ceil((extent - half) / (half / 2)) + 1
                return np.linspace(half / 2, extent - half / 2, n)

            views += [Roi(float(cx), float(cy), half) for cy in centres(h) for cx in centres(w)]
        return views

    @staticmethod
    def tiles(shape: tuple[int, ...]) -> list[Roi]:
        """Wide shots: square tiles of sides min(W, H), min(W, H) / TILE_RATIO, ... down to MIN_TILE px (and
        MIN_TILE_FRACTION of the long side, but at least one size: a 4000 x 300 panorama gets squares of 300 px),
        overlapping by TILE_OVERLAP, each upscaled or downscaled to the
        detector's 224 px input; largest tiles first.  The detector, trained on people who fill much of its
        input, finds a person best in a tile 1.2-2.2x as tall as the person (measured on synthetic crowds,
        docs/crowds.md), so the smallest tiles look for people of about MIN_TILE / 2 px.  [] for images under
        2 x 224 px on their long side (network crops: the whole-image view holds the person)."""
        h, w = shape[:2]
        if max(w, h) < 2 * DET_SIZE:
            return []
        # a panorama's short side can lie under the long side's fraction: its tiles are then short-side squares
        smallest = min(max(MIN_TILE, MIN_TILE_FRACTION * max(w, h)), min(w, h))
        out: list[Roi] = []
        t = float(min(w, h))
        while t >= smallest - 1e-6:
            out += [Roi(float(cx), float(cy), t) for cy in _tile_centres(h, t) for cx in _tile_centres(w, t)]
            t /= TILE_RATIO
        return out

    def detect_view(self, image: np.ndarray, view: Roi, min_score: float = DET_MIN_SCORE):
        """Detections in one square view after weighted NMS: (boxes (n, 4), keypoints (n, 4, 2) in image px,
        scores (n,)), best first.  The detector fires on faces: box centres are face centres (the box size
        carries no information); keypoints are hip centre, full-body circle point, shoulder centre and
        upper-body circle point."""
        pixels = view.sample(image, DET_SIZE)
        raw, anchors, scores = self.run_once(("detector", min_score), pixels,
                                             lambda: self._detector_hits(pixels, min_score))
        centre = raw[:, :2] + anchors
        half = raw[:, 2:4] / 2
        boxes = view.to_image(np.stack([centre - half, centre + half], 1)).reshape(-1, 4)
        kps = view.to_image(raw[:, 4:12].reshape(-1, 4, 2) + anchors[:, None])
        return weighted_nms(boxes, kps, scores)

    def _detector_hits(self, pixels: np.ndarray, min_score: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The detector on a view's (224, 224, 3) uint8 sample: its anchors scoring above min_score, as (box and
        keypoint offsets (n, 12) in units of the input's side, the anchor centres (n, 2), scores (n,))."""
        out = self.detector(pixels.astype(np.float32) / 127.5 - 1.0)
        raw = out[N_ANCHORS * 12].reshape(N_ANCHORS, 12) / DET_SIZE
        scores = sigmoid(out[N_ANCHORS].reshape(N_ANCHORS))
        keep = scores > min_score
        hits = raw[keep], self.anchors[keep], scores[keep]
        for a in hits:  # (shared through `run_once`'s memo)
            a.setflags(write=False)
        return hits

    def run_once(self, what: tuple, pixels: np.ndarray, run: Callable[[], T]) -> T:
        """`run()`, a model's answer on the uint8 input `pixels` (S, S, 3) (`what` names the model and whatever
        else the answer depends on), or, within one detect() call, the answer already given on the same pixels and
        `what`. The same input recurs within a search: a square photo's largest tile is its whole-image view, the
        tiles of a flat background or a black border are alike, a doubted proposer peak is tried again from the
        same ROIs (DOUBTED_PRESENCE) and candidates near one another settle on the same ROI. The TFLite models
        answer the same input with the same bits, so the people found do not change. Keyed by a digest of the
        pixels: a wide shot's detector inputs alone come to tens of megabytes. The answer's arrays are shared by
        every reader of the same input: `run` makes them read-only."""
        runs = self._runs
        if runs is None:
            return run()
        key = (*what, *input_key(pixels))
        if key not in runs:
            runs[key] = run()
        return runs[key]

    def candidates(self, image: np.ndarray, min_score: float = DET_MIN_SCORE, zoom: bool = True,
                   wide: bool = False, found: list[Person] = ()) -> list[Candidate]:
        """Detector hits (faces in image px) of every view of the (H, W, 3) uint8 RGB image, the whole image's
        first, each view's best first.  With `wide`, the hits of the wide-shot tiles (`tiles`, score >
        TILE_MIN_SCORE) follow, duplicates of a face found in another tile merged (`merge_candidates`), best score
        first; tiles lying mostly (TILE_SKIP_COVER) inside the boxes of people `found` already are not searched (a
        portrait's tiles all lie on its one person)."""
        views = self.views(image.shape, zoom)
        out = self._hits(image, views, min_score)
        if wide:
            tiles = [t for t in self.tiles(image.shape) if _covered(t, found) < TILE_SKIP_COVER]
            out += merge_candidates(self._hits(image, tiles, min(min_score, TILE_MIN_SCORE), first=len(views)), out)
        return out

    def _hits(self, image: np.ndarray, views: list[Roi], min_score: float, first: int = 0) -> list[Candidate]:
        """Detector hits of the views (numbered from `first`), each view's best first."""
        out = []
        for i, view in enumerate(views, start=first):
            self.stop_if_cancelled()
            boxes, kps, scores = self.detect_view(image, view, min_score)
            for b, k, sc in zip(boxes, kps, scores):
                roi = roi_from_points(k[0], k[1])
                if roi is not None:
                    out.append(Candidate(face=(b[:2] + b[2:]) / 2, roi=roi, score=float(sc), view=i))
        return out

    def proposals(self, image: np.ndarray, found: list[Person] = (), peaks: list[Proposal] | None = None
                  ) -> list[Candidate]:
        """The proposer's peaks (inference/detect/people_net.py; `peaks` when already computed for this (H, W, 3)
        uint8 RGB image) as candidates, best first, leaving out those on the hips of someone `found`; a candidate's
        `face` (2,) image px is where the head should be (so that the search's own check, a face inside a found
        person's head box, applies too)."""
        out = []
        if peaks is None:
            peaks = self.proposer.propose(image)
        peaks = [p for p in peaks if not any(peak_on(p, q) for q in found)]
        for k in PROPOSAL_RADII:
            for p in peaks:
                up = p.scale_point() - p.hips
                roi = roi_from_points(p.hips, p.hips + k * up)
                if roi is not None:
                    # the head of an upright person lies about 0.8 of the way from the hips to the body's circle
                    out.append(Candidate(face=(p.hips + 0.8 * up).astype(np.float32), roi=roi, score=p.score,
                                         view=-1))
        return out

    def detect(self, image_rgb: np.ndarray, max_people: int | None = None, with_masks: bool = True,
               min_score: float = DET_MIN_SCORE, zoom: bool = True, wide: bool = True, parts=None,
               cancel: Callable[[], bool] | None = None) -> list[Person]:
        """Every person found in an (H, W, 3) uint8 RGB image (grey (H, W) is accepted), at most max_people
        (default 5, WIDE_MAX_PEOPLE with `wide`), the default person first (`rank_people`: the most complete,
        central and large); [] when there is nobody.  `wide` adds the tiled passes of `tiles` for people far
        from the camera.  The last CACHE_SIZE results are kept: the same image with the same options is
        answered without running the models again (fitting several people of one photo detects once).
        `parts(image, person, sure=False) -> bool`: a third witness for doubtful people the mirror vouches for
        (`person_at`), and with `sure` the strict one that lets a proposer peak's skeleton through when the
        landmark model doubts it and vouches for people found only on a small image's canvas (`_on_canvas`,
        searched only with a witness); the cache tells results with and without one apart, not two different
        ones. `cancel() -> bool` is asked before each detector view and landmark pass: True stops the search with
        inference.errors.Cancelled, nothing kept (on a 90-megapixel photo the search takes about 40 s)."""
        image = as_rgb(image_rgb)
        if max_people is None:
            max_people = WIDE_MAX_PEOPLE if wide else 5
        key = (*image_key(image), max_people, min_score, zoom, wide, parts is not None)
        with self._lock:
            added = list(self._added.get(key[:2], ()))
            for k, found in self._cache:
                if k == key:
                    return [p if with_masks else Person(p.box, p.score, p.keypoints, None, p.world)
                            for p in found + added]
            self._passes, self._looks, self._cancel = (image, {}), {}, cancel
            self._runs = {} if self.remember_runs else None
            try:
                people, animals = self._detect(image, max_people, min_score, zoom, wide, parts)
                if not people and wide and parts is not None and max(image.shape[:2]) < 2 * DET_SIZE:
                    people, on_canvas = self._on_canvas(image, max_people, min_score, zoom, parts)
                    animals = animals or on_canvas  # (the canvas mostly finds the same animal again)
            finally:
                self._passes, self._looks, self._cancel, self._runs = None, None, None, None
            self._cache = [(key, people), *self._cache][:CACHE_SIZE]
            if animals:  # (kept without their silhouettes: only where they are is told)
                keep_newest(self._set_aside, key[:2], [Person(a.box, a.score, a.keypoints) for a in animals],
                             CACHE_SIZE)
            else:
                self._set_aside.pop(key[:2], None)
        people = people + added
        if not with_masks:
            people = [Person(p.box, p.score, p.keypoints, None, p.world) for p in people]
        return list(people)

    def _on_canvas(self, image: np.ndarray, max_people: int, min_score: float, zoom: bool, parts
                   ) -> tuple[list[Person], list[Person]]:
        """The wide-shot search on a small image (a crop, a thumbnail, a 256 px render) in which the whole-image
        view found nobody, set in the middle of a black square SMALL_CANVAS x its long side; the people found
        there for whom the part segmentation vouches strictly (`parts(canvas, person, sure=True)`), mapped back
        onto the image (boxes clipped to it, masks cut out of the canvas). The canvas's many views find
        skeletons in thumbnails of flowers and textures too; the segmentation network, trained on people like
        our renders, paints those less surely and less along the skeleton (docs/crowds.md, "Small images on a
        canvas")."""
        h, w = image.shape[:2]
        side = int(math.ceil(SMALL_CANVAS * max(h, w)))
        top, left = (side - h) // 2, (side - w) // 2
        canvas = np.zeros((side, side, 3), np.uint8)
        canvas[top:top + h, left:left + w] = image
        self._passes = (canvas, {})
        people, animals = self._detect(canvas, max_people, min_score, zoom, True, parts)
        found = [_moved_back(p, left, top, (h, w)) for p in people if parts(canvas, p, sure=True)]
        # (as strictly as the people: else a texture skeleton of a thumbnail would be "the figure found")
        animals = [_moved_back(p, left, top, (h, w)) for p in animals if parts(canvas, p, sure=True)]
        return (rank_people([p for p in found if p is not None], image.shape),
                rank_people([p for p in animals if p is not None], image.shape))

    def _detect(self, image: np.ndarray, max_people: int, min_score: float, zoom: bool, wide: bool, parts=None
                ) -> tuple[list[Person], list[Person]]:
        """detect() without the cache (the caller holds the lock): (the people, default first; the figures turned
        away as animals)."""
        people: list[Person] = []
        heads: list[np.ndarray] = []
        peaks: list[Proposal] = []
        maps = None  # the proposer's (maps, scale) for this photo, once computed
        repainted: dict[tuple[int, ...], np.ndarray] = {}  # the photo with these found people painted over
        tried = 0
        tries = MAX_TRIES_PER_PERSON * max_people
        # (not on images under 2 x 224 px, network crops and thumbnails: the whole-image view holds their person)
        # (nor the selfie witness, `person_at`'s `look`: on wide photos the tiles give texture skeletons many
        # tries, while crops and thumbnails such as our 256 px renders show people it often does not see:
        # docs/crowds.md, "A witness that reads the pixels")
        wide_photo = max(image.shape[:2]) >= 2 * DET_SIZE
        proposer_runs = self.proposer is not None and wide_photo

        def proposer_maps():
            nonlocal maps
            if maps is None:
                maps = self.proposer.maps(image)
            return maps

        def heat_witness(person: Person) -> bool:
            """The proposer marks this person's hips (where it runs)."""
            if not proposer_runs:
                return False
            return hip_heat(self.proposer, proposer_maps(), person) >= WITNESS_HEAT

        def confirm(cands: list[Candidate], check=None, witness=heat_witness, doubted: bool = False,
                    open_heads: frozenset[int] = frozenset(), repaint: bool = False) -> None:
            """Take the people the candidates' ROIs show; `open_heads`: indices of people found so far whose
            head does not keep a candidate away; `repaint`: look again with the found people painted over
            (REPAINT_MASK_MIN above)."""
            nonlocal tried
            blocking = lambda: (h for k, h in enumerate(heads) if k not in open_heads)

            def look(img: np.ndarray, cand: Candidate, witness=witness) -> Person | None:
                person = self.person_at(img, cand.roi, cand.score, witness, parts, look=wide_photo)
                if person is None and doubted and parts is not None:  # see DOUBTED_PRESENCE above
                    person = self.person_at(img, cand.roi, cand.score, witness, parts, presence_min=0.0,
                                            look=wide_photo)
                    if person is not None and not parts(img, person, sure=True):
                        person = None
                return person

            def taken(person: Person) -> bool:
                head = head_box(person.keypoints)
                return any(box_iou(head, h)[0, 0] > HEAD_IOU for h in blocking())

            for cand in cands:
                if len(people) >= max_people or tried >= tries:
                    return
                if any(point_inside(cand.face, grow_box(h, HEAD_MARGIN)) for h in blocking()):
                    continue  # this face belongs to someone already found
                tried += 1
                person = look(image, cand)
                if repaint and (person is None or taken(person)) and tried < tries:
                    near = tuple(k for k, q in enumerate(people)
                                 if k not in open_heads and q.mask is not None and meets_roi(q.box, cand.roi))
                    if near:
                        tried += 1
                        if near not in repainted:  # a peak's ROI sizes mostly meet the same people: paint once
                            repainted[near] = painted_over(image, [people[k] for k in near])
                        # (not the proposer's heat as witness: beside a painted person it is theirs)
                        person = look(repainted[near], cand, witness=None)
                if (person is None or not big_enough(person, shape=image.shape)
                        or (check is not None and not check(person))):
                    continue
                if taken(person):
                    continue
                head = head_box(person.keypoints)
                people.append(person)
                heads.append(head)

        # the whole-image views first; then the tiles that the people found there leave open; then the
        # proposer's peaks where nobody was found yet (faces too small, turned away or hidden)
        seen = self.candidates(image, min_score, zoom)
        confirm(seen)
        if wide and len(people) < max_people:
            tiles = [t for t in self.tiles(image.shape) if _covered(t, people) < TILE_SKIP_COVER]
            confirm(merge_candidates(self._hits(image, tiles, min(min_score, TILE_MIN_SCORE), len(seen)), seen))
        # (nor on portraits, whose people found so far cover most of the photo: the proposer costs 0.1-0.3 s)
        if (wide and proposer_runs and len(people) < max_people
                and _image_covered(image.shape, people) < TILE_SKIP_COVER):
            tried, tries = 0, PROPOSAL_TRIES  # the proposer's own budget of landmark attempts
            peaks = self.proposer.propose(image, maps=proposer_maps())
            # (the heat witnesses the proposer's own peaks too: in crowds the mirror doubts many true people)
            # a person found so far on whose hips the proposer puts no peak does not hold their head region against
            # its candidates: such a skeleton often spans two people, hips between theirs (a face detector hit on
            # one, the body on both), and would keep both people's peaks from being tried; once they are found,
            # `drop_nested` drops it (a larger detection holding a person with a peak of their own)
            unmarked = frozenset(k for k, q in enumerate(people) if not peak_marked(q, peaks))
            confirm(self.proposals(image, people, peaks), check=lambda p: big_enough(p, PROPOSAL_MIN_PX, image.shape),
                    doubted=True, open_heads=unmarked, repaint=True)
        people = [self.second_look(p) for p in drop_nested(merge_people(people, peaks), peaks)]
        # only people who overlap another: trimmed alone, some single people's boxes moved and their fits lost
        people = [on_own_skeleton(p, image.shape[:2]) if touches(p, people) else p for p in people]
        # last, on the people the search settled on (a skeleton dropped here has already had its say in the
        # merging above; on the tuning crowds the rule drops nobody, so that order has cost no one there)
        if wide and proposer_runs and self.selfie is not None:
            people = [p for p in people if self.seen_by_pixels(image, p, proposer_maps)]
        kept, animals = self.split_animals(image, people)
        return rank_people(kept, image.shape), rank_people(animals, image.shape)


def keep_newest(store: dict, key, value, limit: int) -> None:
    """store[key] = value as the newest entry (dicts keep insertion order), the oldest dropped past `limit`."""
    store.pop(key, None)
    store[key] = value
    while len(store) > limit:
        del store[next(iter(store))]


def as_rgb(image_rgb: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 RGB image, contiguous, from RGB, RGBA or grey (H, W); ValueError for anything else."""
    image = np.asarray(image_rgb)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, 2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    return np.ascontiguousarray(image[..., :3])


def _moved_back(person: Person, left: int, top: int, shape: tuple[int, int]) -> Person | None:
    """A person found on `_on_canvas`'s canvas, on the image of `shape` (H, W) set at (left, top) in it; None
    when their box lies outside the image."""
    h, w = shape
    box = (np.asarray(person.box, np.float32) - np.float32([left, top, left, top])).clip(0, [w, h, w, h])
    if box[2] - box[0] < 1 or box[3] - box[1] < 1:
        return None
    kp = np.array(person.keypoints, np.float32)
    kp[:, :2] -= np.float32([left, top])
    mask = None if person.mask is None else person.mask.crop_of(left, top, w, h)
    return Person(box=box.astype(np.float32), score=person.score, keypoints=kp, mask=mask, world=person.world)


def hip_heat(proposer, maps: tuple[np.ndarray, float], person: Person) -> float:
    """The proposer's heatmap (`PeopleProposer.heat` on `maps`, its (maps, scale) of the photo) within half a torso
    (mid-hips to mid-shoulders) of the person's mid-hips, from their keypoints (33, 3)."""
    kp = person.keypoints
    return proposer.heat(maps, kp[list(HIPS), :2].mean(0), 0.5 * torso_length(kp))


def _covered(tile: Roi, people: list[Person]) -> float:
    """Fraction of an upright tile's area inside the union of the people's boxes."""
    half = tile.side / 2
    return _rect_covered((tile.cx - half, tile.cy - half, tile.cx + half, tile.cy + half), people, 16)


def _image_covered(shape: tuple[int, ...], people: list[Person]) -> float:
    """Fraction of the image's area inside the union of the people's boxes."""
    return _rect_covered((0.0, 0.0, float(shape[1]), float(shape[0])), people, 32)


def _rect_covered(rect: tuple[float, float, float, float], people: list[Person], n: int) -> float:
    """Fraction of the rectangle x0, y0, x1, y1 inside the union of the people's boxes, sampled at the centres
    of an n x n grid of cells."""
    if not people:
        return 0.0
    x0, y0, x1, y1 = rect
    cells = (np.arange(n) + 0.5) / n
    gx, gy = np.meshgrid(x0 + cells * (x1 - x0), y0 + cells * (y1 - y0))
    inside = np.zeros((n, n), bool)
    for p in people:
        bx0, by0, bx1, by1 = (float(v) for v in p.box)
        inside |= (gx >= bx0) & (gx <= bx1) & (gy >= by0) & (gy <= by1)
    return float(inside.mean())


def _tile_centres(extent: float, tile: float) -> np.ndarray:
    """Centres along one axis of tiles of side `tile` covering [0, extent], overlapping by TILE_OVERLAP."""
    if extent <= tile:
        return np.array([extent / 2])
    n = math.ceil((extent - tile) / (tile * (1 - TILE_OVERLAP))) + 1
    return np.linspace(tile / 2, extent - tile / 2, n)


def input_key(pixels: np.ndarray) -> tuple:
    """(digest, shape, dtype) of a model's input sample (H, W, C): `PersonSearch.run_once`'s key for it."""
    return (hashlib.blake2b(np.ascontiguousarray(pixels).data, digest_size=16).digest(), pixels.shape,
            pixels.dtype.str)


def image_key(image: np.ndarray) -> tuple:
    """(digest, shape) of a contiguous image array: the part of detect()'s cache key that names the image."""
    return (hashlib.blake2b(image.data, digest_size=16).digest(), image.shape)
