"""BlazePose on a TFLite interpreter: detector -> rotated person ROIs -> 33 landmarks + silhouette per ROI.

Stages (as described in the BlazePose paper and MediaPipe's model cards):
1. The image is letterboxed to 224x224 ([-1, 1] floats); the SSD-style detector scores 2254 fixed anchors and
   regresses, per anchor, a box and 4 keypoints (hip centre, a point on the full-body circle, shoulder centre,
   a point on the upper-body circle).  Sigmoid scores > 0.5, weighted non-maximum suppression.
2. Each detection gives a square ROI centred on the hips, side 2.5x the full-body radius, rotated so that the
   hips->head direction points up.  The ROI is resampled to 256x256 ([0, 1] floats) for the landmark model,
   whose outputs are 39 landmarks (x, y, z, visibility and presence logits; the first 33 are the body), a pose
   presence score, a 256x256 segmentation logit map and 64x64 heatmaps (used to refine x, y).
3. Landmarks and the mask are mapped back into the image; the person's box is the silhouette's extent
   joined with the visible keypoints.
4. Wide shots: the detector also looks at overlapping tiles of the photo (`PersonDetector.tiles`), and the
   people proposer (people_net.py) marks every person's hips whether or not a face shows; its peaks give
   ROIs for stage 2 where nobody was found yet.
5. Last, a person whose silhouette ImageNet's classifier takes for a land mammal is dropped (animals.py).
Coordinates are continuous image pixels: pixel (i, j)'s centre is at (i + 0.5, j + 0.5).
"""
from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..integrity import ModelFileError, check_files, load_refusal
from .blazepose_model import (
    BODY,
    DET_MIN_SCORE,
    DET_SIZE,
    LM_SIZE,
    MIRROR,
    N_ANCHORS,
    MirrorPass,
    TfliteModel,
    box_iou,
    decode_landmarks,
    default_threads,
    mirror_averaged,
    sigmoid,
    ssd_anchors,
    weighted_nms,
)
from .merging import (
    HEAD_IOU,
    Candidate,
    big_enough,
    box_share,
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
from .person import Person, torso_length
from .roi import ROI_SCALE, Roi, keypoint_drift, meets_roi, roi_from_points, roi_window, world_to_image_axes
from .runtime import (
    ANIMAL_WEIGHTS,
    DETECTOR_FILE,
    INSTALL_HINT,
    LANDMARK_FILE,
    MODEL_DIR,
    PEOPLE_WEIGHTS,
    DetectorUnavailable,
    _import_interpreter,
)
from .selfie import LOOK_MIN, SELFIE_FILE, SELFIE_SIZE, person_share
from .silhouettes import near_keypoints, on_own_skeleton, own_silhouette, painted_over, person_box, warped_mask

if TYPE_CHECKING:  # the proposer's module needs torch; the detector itself does not
    from .people_net import Proposal
PRESENCE_MIN = 0.5           # landmark model's pose presence
MAX_DRIFT = 0.1              # keypoint disagreement of the two landmark passes, in body radii
SETTLE_PASSES = 2            # landmark passes after the first one at most (see PersonDetector.person_at)
SETTLED_MAX_DRIFT = 0.05     # ... and the agreement asked of the second and third (clutter settles loosely)
HEAD_MARGIN = 1.0            # a face inside a found person's head box grown by this is that person's
UPRIGHT_RETRY = math.pi / 4  # see PersonDetector.person_at
SHRINK_RETRY = 0.7           # see PersonDetector.person_at
BOX_SHARE_MIN = 0.5          # a person found in a user's box has at least this share of their box inside it
BOX_ROI_SCALES = (ROI_SCALE, 1.1, 1.0, 0.9, 1.6)  # ROI sides tried for a user's box (x its longer side)
MAX_TRIES_PER_PERSON = 3     # landmark attempts per wanted person (bounds the time on cluttered photos)
# wide shots (see PersonDetector.tiles): overlapping square tiles at sides shrinking by TILE_RATIO down to
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
# ROIs that hold a whole square image, for `PersonDetector.frame_skeletons`: (side x the image's long side, centre
# moved up by this x the long side: room for a head the frame cuts off)
FRAME_ROIS = ((1.0, 0.0), (1.25, 0.0), (1.5, 0.0), (1.0, 0.15), (1.25, 0.15), (1.5, 0.15))
CACHE_SIZE = 4              # recent detect() results kept (a photo's people are found once, fitted one by one)
ADDED_IMAGES = 64            # images whose user-boxed people (`PersonDetector.add_person`) are kept
# A second witness for people the detector is unsure of (see PersonDetector.person_at): on textures, flowers
# and toys the face detector fires at 0.5-0.68 and the landmark model settles on a skeleton twice; a dog's face
# scored 0.701. The bar sits where no true person of the tuning crowds or photos lacks a witness that answers:
# the people of the tuning crowds and real photos scored 0.7-0.75 have proposer heat >= 0.36 (docs/crowds.md)
WITNESS_SCORE = 0.75        # people with a detector (or proposer peak) score below this need a second witness:
MIRROR_MAX_DRIFT = 0.1      # ... the mirrored ROI shows the same skeleton within this (body radii) and
MIRROR_PRESENCE = 0.8       # ... with at least this pose presence, or
WITNESS_HEAT = 0.3          # ... the proposer's heatmap reaches this within half a torso of their hips
# On wide photos every person, however sure the landmark model is, must be seen by one of the two networks that
# read the pixels apart from BlazePose: the proposer's heatmap at their hips or the selfie segmenter on their
# silhouette (`seen_by_pixels`). No person of the project's photos or tuning crowds is blind to both (the larger
# of the two is at least 0.73 for the real people, e.g. Messi 0.10 heat, 0.73 selfie, and 0.33 for the rendered
# ones, e.g. 0.33 heat, 0.03 selfie: the selfie segmenter often sees nothing of our renders, the proposer then
# does); a texture skeleton scored 0.75 on a painted wallpaper is (docs/crowds.md, "Seen by neither"). Asked
# only where both models are loaded and the wide-shot search runs.
UNSEEN_HEAT = 0.1
UNSEEN_SELFIE = 0.1
# DOUBTED_PRESENCE: a proposer peak the landmark passes refuse is tried again without the presence floor (mostly
# they refused for presence: small, blurred people in crowds); a skeleton the passes then agree on is a person
# when the part segmentation of their crop vouches for it strictly (`parts(image, person, sure=True)`:
# inference.pipeline.Predictor.parts_follow). The first try is the usual one, so per candidate nothing changes
# where it found someone.


class PersonDetector:
    """Finds people in an RGB photo (see inference/detect/__init__.py).  One instance may be shared between
    threads: calls are serialised by a lock."""

    def __init__(self, model_dir: Path | None = None, threads: int | None = None,
                 people: Path | None = PEOPLE_WEIGHTS, animals: Path | None = ANIMAL_WEIGHTS):
        model_dir = Path(model_dir) if model_dir is not None else MODEL_DIR
        try:
            interpreter_cls = _import_interpreter()
        except ImportError as exc:
            raise DetectorUnavailable(f"the person detector needs a TFLite runtime ({INSTALL_HINT}); "
                                      f"import failed: {exc}") from None
        for f in (DETECTOR_FILE, LANDMARK_FILE):
            if not (model_dir / f).is_file():
                raise DetectorUnavailable(f"detector model file missing: {model_dir / f}")
        try:  # sizes and SHA-256 from models.json: a truncated model can crash the TFLite loader itself
            check_files(model_dir, (DETECTOR_FILE, LANDMARK_FILE))
        except ModelFileError as exc:
            raise DetectorUnavailable(str(exc)) from None
        self.threads = threads = threads or default_threads()
        self.detector = TfliteModel(interpreter_cls, model_dir / DETECTOR_FILE, threads)
        self.landmarker = TfliteModel(interpreter_cls, model_dir / LANDMARK_FILE, threads)
        if (set(self.detector.outputs) != {N_ANCHORS * 12, N_ANCHORS}
                or not {195, 1, LM_SIZE * LM_SIZE, 64 * 64 * 39} <= set(self.landmarker.outputs)):
            raise DetectorUnavailable(f"unexpected model outputs in {model_dir} (not BlazePose full?)")
        # the pixels witness of doubtful people (selfie.py); a folder without its file runs without it
        self.selfie = None
        if (model_dir / SELFIE_FILE).is_file():
            try:
                check_files(model_dir, (SELFIE_FILE,))
            except ModelFileError as exc:
                raise DetectorUnavailable(str(exc)) from None
            self.selfie = TfliteModel(interpreter_cls, model_dir / SELFIE_FILE, threads)
            if set(self.selfie.outputs) != {SELFIE_SIZE * SELFIE_SIZE}:
                raise DetectorUnavailable(f"unexpected model outputs in {model_dir / SELFIE_FILE} (not MediaPipe's "
                                          f"square selfie segmentation?)")
        self.anchors = ssd_anchors()
        # torch models beside the TFLite ones (torch is imported by a detector, not by this module); a path None or
        # absent: the search runs without that model
        import torch

        from ..nets.precision import resolve_precision
        from .animals import AnimalCheck
        from .people_net import PeopleProposer

        self.proposer = _optional_model(people, PeopleProposer, "wide-shot person proposer")
        # people checked for animals (animals.py). A veto, not a finder: a file that does not load turns the
        # check off, said in `problems` (the Predictor's warnings), rather than the whole detector
        self.problems: list[str] = []
        self.animals = None
        off = "animals the detector takes for people are not turned away"
        try:  # the process's format (NBF_PRECISION or the CPU): a misspelt word is the user's, not the file's
            precision = resolve_precision("auto", torch.device("cpu"))
        except ValueError as exc:
            raise DetectorUnavailable(str(exc)) from None
        try:
            self.animals = _optional_model(animals, lambda path: AnimalCheck(path, precision), "animal check")
        except DetectorUnavailable as exc:
            self.problems.append(f"{exc}; {off}")
        if animals is not None and not Path(animals).is_file():
            self.problems.append(f"animal check {animals}: the file is missing; {off}")
        self._lock = threading.Lock()
        self._cache: list[tuple[tuple, list[Person]]] = []
        # people a user boxed (`add_person`), per image (digest, shape), listed after the search's: kept apart from
        # the cache, so that a search made again (the cache evicted) still lists them at the same index
        self._added: dict[tuple, list[Person]] = {}
        # figures the last search of an image (digest, shape) turned away as animals, for the "no person found"
        # message and the pictures that draw them (`set_aside`); the last CACHE_SIZE images that had any
        self._set_aside: dict[tuple, list[Person]] = {}
        self._passes: tuple[np.ndarray, dict] | None = None  # (image, passes by ROI) of the running detect() call
        # the running detect() call's landmark results by id: (person, image, ROI, mirrored pass or None)
        self._looks: dict[int, tuple] | None = None

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
        x = view.sample(image, DET_SIZE).astype(np.float32) / 127.5 - 1.0
        out = self.detector(x)
        raw = out[N_ANCHORS * 12].reshape(N_ANCHORS, 12) / DET_SIZE
        scores = sigmoid(out[N_ANCHORS].reshape(N_ANCHORS))
        keep = scores > min_score
        raw, anchors, scores = raw[keep], self.anchors[keep], scores[keep]
        centre = raw[:, :2] + anchors
        half = raw[:, 2:4] / 2
        boxes = view.to_image(np.stack([centre - half, centre + half], 1)).reshape(-1, 4)
        kps = view.to_image(raw[:, 4:12].reshape(-1, 4, 2) + anchors[:, None])
        return weighted_nms(boxes, kps, scores)

    def candidates(self, image: np.ndarray, min_score: float = DET_MIN_SCORE, zoom: bool = True,
                   wide: bool = False, found: list[Person] = ()) -> list[Candidate]:
        """Detector hits of every view, the whole image's first, each view's best first.  With `wide`, the
        hits of the wide-shot tiles (`tiles`, score > TILE_MIN_SCORE) follow, duplicates of a face found in
        another tile merged (`merge_candidates`), best score first; tiles lying mostly (TILE_SKIP_COVER)
        inside the boxes of people `found` already are not searched (a portrait's tiles all lie on its one
        person)."""
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
            boxes, kps, scores = self.detect_view(image, view, min_score)
            for b, k, sc in zip(boxes, kps, scores):
                roi = roi_from_points(k[0], k[1])
                if roi is not None:
                    out.append(Candidate(face=(b[:2] + b[2:]) / 2, roi=roi, score=float(sc), view=i))
        return out

    def proposals(self, image: np.ndarray, found: list[Person] = (), peaks: list[Proposal] | None = None
                  ) -> list[Candidate]:
        """The proposer's peaks (inference/detect/people_net.py; `peaks` when already computed for this image)
        as candidates, best first, leaving out those on the hips of someone `found`; a candidate's `face` is
        where the head should be (so that the search's own check, a face inside a found person's head box,
        applies too)."""
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

    # ------------------------------------------------------------------ stage 2: landmarks
    def landmarks(self, image: np.ndarray, roi: Roi, with_mask: bool = True):
        """One landmark-model pass on a ROI: (keypoints (33, 3) image px + visibility, pose presence,
        mask (a Silhouette: `warped_mask`) or None, the next ROI from the model's two auxiliary alignment
        landmarks or None, world landmarks (33, 3) in metres).  Within one `detect` call the answers without a
        mask are kept per ROI (a doubted proposer peak is tried twice, from the same first ROIs)."""
        memo = self._passes
        if with_mask or memo is None or memo[0] is not image:
            return self._landmarks(image, roi, with_mask)
        if roi not in memo[1]:
            memo[1][roi] = self._landmarks(image, roi, False)
        return memo[1][roi]

    def _landmarks(self, image: np.ndarray, roi: Roi, with_mask: bool):
        x = roi.sample(image, LM_SIZE).astype(np.float32) / 255.0
        out = self.landmarker(x)
        _, uv, visibility, presence = decode_landmarks(out)
        kp = np.zeros((33, 3), np.float32)
        kp[:, :2] = roi.to_image(uv)
        kp[:, 2] = visibility
        aux = roi.to_image(out[195].reshape(39, 5)[33:35, :2] / LM_SIZE)
        mask = None
        if with_mask:
            seg = sigmoid(out[LM_SIZE * LM_SIZE].reshape(LM_SIZE, LM_SIZE)).astype(np.float32)
            mask = warped_mask(seg, roi, image.shape[:2])
        return kp, presence, mask, roi_from_points(aux[0], aux[1]), world_to_image_axes(out[117], roi.angle)

    def mirror_pass(self, image: np.ndarray, roi: Roi) -> MirrorPass:
        """The landmark model on the mirror image of a ROI, its keypoints mapped back to the image."""
        x = roi.sample(image, LM_SIZE)[:, ::-1].astype(np.float32) / 255.0
        raw, refined, visibility, presence = decode_landmarks(self.landmarker(np.ascontiguousarray(x)))
        raw[:, 0], refined[:, 0] = 1.0 - raw[:, 0], 1.0 - refined[:, 0]
        return MirrorPass(raw=roi.to_image(raw[MIRROR]), refined=roi.to_image(refined[MIRROR]),
                          visibility=visibility[MIRROR], presence=presence, radius=roi.side / (2 * ROI_SCALE))

    def mirrored(self, image: np.ndarray, roi: Roi, kp: np.ndarray, mirror: MirrorPass | None = None
                 ) -> tuple[float, float]:
        """The landmark model on the mirror image of a ROI, mapped back: (median disagreement of its nose, arm
        and leg keypoints with `kp` (33, 3), the model's answer on the same ROI, in body radii; its pose
        presence).  A person looks the same in a mirror; the skeleton the model settles on in a texture, a
        flower or a toy's face mostly does not. `mirror`: that pass when already made."""
        mirror = mirror if mirror is not None else self.mirror_pass(image, roi)
        d = np.hypot(*(mirror.raw[BODY] - kp[BODY, :2]).T)
        return float(np.median(d)) / mirror.radius, mirror.presence

    def person_at(self, image: np.ndarray, roi: Roi, score: float, witness=None, parts=None,
                  presence_min: float = PRESENCE_MIN, look: bool = True) -> Person | None:
        """Landmark passes (the detector's ROI, then the ROI the first pass aligns on the body, as the tracker
        of a video would); None unless both see a person and agree on the keypoints within MAX_DRIFT body
        radii (a lone pass on clutter can report a confident but unstable skeleton).  When the two disagree,
        a third pass from the realigned ROI is tried and it must agree with the second within
        SETTLED_MAX_DRIFT (a detector ROI far off the body, e.g. from a face turned away, moves a lot on the
        second pass; on clutter the passes keep wandering or settle only loosely: the stricter bound keeps
        photos without people empty).  When the detector's ROI is tilted by more than UPRIGHT_RETRY, an
        upright ROI is tried too (its body-axis guess is often wrong for small or bent people) and the
        steadier result wins.  When neither finds a person, a ROI SHRINK_RETRY x as large is tried last: for
        people far away the detector's ROI is often twice their height, too loose for the landmark model.
        A person scored under WITNESS_SCORE also needs a second witness: `witness(person)` (a callable, e.g. the
        proposer's heatmap at their hips) says yes, or the mirrored ROI (`mirrored`) shows the same skeleton
        within MIRROR_MAX_DRIFT with presence MIRROR_PRESENCE and `parts(image, person)` (a callable, e.g. the
        part segmentation following the skeleton: `inference.pipeline.Predictor.people`), when given, agrees,
        and, with `look`, the selfie segmenter paints their silhouette as person (`looks_like_person`).
        `presence_min`: the pose presence both passes need (PRESENCE_MIN; the search lowers it only for proposer
        peaks, and then asks `parts(..., sure=True)` of what it returns: DOUBTED_PRESENCE)."""
        best = None
        rois = [roi] + ([Roi(roi.cx, roi.cy, roi.side, 0.0)] if abs(roi.angle) > UPRIGHT_RETRY else [])
        rois.append(Roi(roi.cx, roi.cy, roi.side * SHRINK_RETRY, roi.angle))
        for n, r in enumerate(rois):
            if n == len(rois) - 1 and best is not None:
                break  # the tighter ROI is a fallback only
            kp1, pres1, _, r2, _ = self.landmarks(image, r, with_mask=False)
            if pres1 < presence_min or r2 is None:
                continue
            bound = MAX_DRIFT
            for _ in range(SETTLE_PASSES):
                kp, pres2, mask, r3, world = self.landmarks(image, r2, True)
                drift = keypoint_drift(kp, kp1, r, r2)
                if pres2 < presence_min or drift <= bound or r3 is None:
                    break
                r, r2, kp1, bound = r2, r3, kp, SETTLED_MAX_DRIFT
            if pres2 >= presence_min and drift <= bound and (best is None or drift < best[0]):
                best = (drift, kp, mask, r2, world)
        if best is None:
            return None
        _, kp, mask, r2, world = best
        mask = near_keypoints(own_silhouette(mask, kp, r2), kp, r2)
        box = person_box(kp, mask, roi_window(r2, image.shape[:2]), image.shape[:2])
        if box is None:
            return None
        person = Person(box=box, score=float(score), keypoints=kp, mask=mask, world=world)
        mirror = None
        if score < WITNESS_SCORE and not (witness is not None and witness(person)):
            mirror = self.mirror_pass(image, r2)
            drift, presence = self.mirrored(image, r2, kp, mirror)
            if not (presence >= MIRROR_PRESENCE and drift <= MIRROR_MAX_DRIFT
                    and (parts is None or parts(image, person))):
                return None
            # the witnesses so far read BlazePose's own skeleton; the selfie segmenter reads the pixels (selfie.py).
            # Not asked of people the proposer's heat vouched for: it paints too few of our renders' people
            if look and not self.looks_like_person(image, person):
                return None
        if self._looks is not None:  # for `second_look`, once the search has settled on its people
            self._looks[id(person)] = (person, image, r2, mirror)
        return person

    def frame_skeletons(self, image_rgb: np.ndarray) -> list[Person]:
        """The skeletons the landmark model's first pass sees, with pose presence PRESENCE_MIN, on ROIs that hold the
        whole (H, W, 3) uint8 image (FRAME_ROIS), in that order; each a Person with the image as box, no silhouette.
        Not people of the search (one pass, no witness, no face): evidence that an image already cropped to one person
        whose face the frame cuts off shows a person, for the caller to weigh
        (`inference.person_evidence.PersonEvidence.one_person_image`). Over the ROIs the second pass, which the search
        asks for, comes and goes on such a person (docs/crowds.md, "A person cut at the neck")."""
        image = _as_rgb(image_rgb)
        h, w = image.shape[:2]
        side = max(h, w)
        box = np.array([0, 0, w, h], np.float32)
        out = []
        with self._lock:
            for k, up in FRAME_ROIS:
                kp, presence, _, _, _ = self._landmarks(image, Roi(w / 2, h / 2 - up * side, side * k), False)
                if presence >= PRESENCE_MIN:
                    out.append(Person(box=box, score=float(presence), keypoints=kp))
        return out

    def person_in_box(self, image_rgb: np.ndarray, box: tuple[float, float, float, float]) -> Person | None:
        """The person a user boxed in an (H, W, 3) uint8 image (x0, y0, x1, y1 image px, roughly around the body),
        or None when the landmark model sees nobody there. The user's word replaces the search's witnesses (the
        person is scored 1.0): only the landmark passes' own checks apply (presence, passes that agree). ROIs centred
        on the box, their sides BOX_ROI_SCALES x its longer side (the landmark model is sensitive to the ROI: in a
        group photo one size finds the neighbour, another nobody); of the people found with at least BOX_SHARE_MIN
        of their box inside the user's, the one whose box overlaps it most (IoU)."""
        image = _as_rgb(image_rgb)
        x0, y0, x1, y1 = (float(v) for v in box)
        extent = max(x1 - x0, y1 - y0)
        if not extent >= 2:
            return None
        user = np.array([x0, y0, x1, y1], np.float32)
        best, best_iou = None, 0.0
        with self._lock:
            for k in BOX_ROI_SCALES:
                person = self.person_at(image, Roi((x0 + x1) / 2, (y0 + y1) / 2, extent * k), 1.0, look=False)
                if person is None or box_share(person.box, user) < BOX_SHARE_MIN:
                    continue
                iou = float(box_iou(np.asarray(person.box, np.float32), user[None])[0])
                if iou > best_iou:
                    best, best_iou = person, iou
        return None if best is None else replace(best, boxed=True)

    def add_person(self, image_rgb: np.ndarray, person: Person) -> None:
        """Keep `person` (from `person_in_box`) with this image: detect() lists them after the search's people from
        now on (for ADDED_IMAGES images, the oldest forgotten first), so that they are asked for by their index as a
        person the search found, also after the search runs again. Shared by every user of this detector."""
        key = _image_key(_as_rgb(image_rgb))  # (as detect() keys the image: a grey photo made RGB)
        with self._lock:
            added = self._added.get(key, [])
            if person not in added:
                added.append(person)
            _keep_newest(self._added, key, added, ADDED_IMAGES)

    def second_look(self, person: Person) -> Person:
        """A person the search settled on, with keypoints averaged with the landmark model's answer on the mirror
        image of the ROI that found them (`mirror_averaged`): the search itself compares the model's own answers
        (its witnesses and merging were set on those), and the people it keeps get the steadier keypoints. The
        person as they are when this `detect` call did not find them."""
        look = (self._looks or {}).get(id(person))
        if look is None or look[0] is not person:
            return person
        _, image, roi, mirror = look
        mirror = mirror if mirror is not None else self.mirror_pass(image, roi)
        return Person(box=person.box, score=person.score, keypoints=mirror_averaged(person.keypoints, mirror),
                      mask=person.mask, world=person.world)

    def looks_like_person(self, image: np.ndarray, person: Person) -> bool:
        """The selfie segmenter paints at least LOOK_MIN of the person's silhouette as person (selfie.py);
        yes when this detector has no selfie model."""
        if self.selfie is None:
            return True
        return person_share(self.selfie, image, person.box, person.mask) >= LOOK_MIN

    def seen_by_pixels(self, image: np.ndarray, person: Person, maps) -> bool:
        """The selfie segmenter paints at least UNSEEN_SELFIE of the person's silhouette as person, or the
        proposer's heatmap reaches UNSEEN_HEAT within half a torso of their hips (a model this detector lacks
        sees nobody). `maps()`: the proposer's (maps, scale) of this image (asked only when the segmenter does
        not see them: the proposer does not run on portraits)."""
        if self.selfie is not None and person_share(self.selfie, image, person.box, person.mask) >= UNSEEN_SELFIE:
            return True
        return self.proposer is not None and _hip_heat(self.proposer, maps(), person) >= UNSEEN_HEAT

    # ------------------------------------------------------------------ all
    def split_animals(self, image: np.ndarray, people: list[Person]) -> tuple[list[Person], list[Person]]:
        """(the people kept, those whose silhouette ImageNet's classifier takes for a land mammal: animals.py), each
        in the given order; sure people are checked too (a dog's face can score 0.78); everyone is kept when the
        check is off. image (H, W, 3) uint8."""
        if self.animals is None:
            return list(people), []
        verdicts = [self.animals.is_animal(image, p) for p in people]
        return ([p for p, a in zip(people, verdicts) if not a], [p for p, a in zip(people, verdicts) if a])

    def set_aside(self, image_rgb: np.ndarray) -> list[Person]:
        """The figures the last search of this (H, W, 3) uint8 image (whatever its options) found and turned away as
        animals (animals.py), in image px, default first (`rank_people`); [] when there were none, or the image was
        not among the last CACHE_SIZE searched.
        A user told "no person found" learns from them that a figure was seen and why it was not fitted. A figure a
        user has since boxed as a person (`add_person`: box IoU at least 0.5) is one no longer. Kept without
        silhouettes or world landmarks; the image is hashed only while some image has figures set aside."""
        with self._lock:
            if not self._set_aside:
                return []
        key = _image_key(_as_rgb(image_rgb))
        with self._lock:
            figures, added = self._set_aside.get(key, ()), self._added.get(key, ())
        if not added:
            return list(figures)
        boxes = np.array([p.box for p in added], np.float32)
        return [f for f in figures if not (box_iou(np.asarray(f.box, np.float32), boxes) >= 0.5).any()]

    def forget(self) -> None:
        """Drop the kept detect() results (CACHE_SIZE): a benchmark times the search, not the cache."""
        with self._lock:
            self._cache = []

    def detect(self, image_rgb: np.ndarray, max_people: int | None = None, with_masks: bool = True,
               min_score: float = DET_MIN_SCORE, zoom: bool = True, wide: bool = True, parts=None) -> list[Person]:
        """Every person found in an (H, W, 3) uint8 RGB image (grey (H, W) is accepted), at most max_people
        (default 5, WIDE_MAX_PEOPLE with `wide`), the default person first (`rank_people`: the most complete,
        central and large); [] when there is nobody.  `wide` adds the tiled passes of `tiles` for people far
        from the camera.  The last CACHE_SIZE results are kept: the same image with the same options is
        answered without running the models again (fitting several people of one photo detects once).
        `parts(image, person, sure=False) -> bool`: a third witness for doubtful people the mirror vouches for
        (`person_at`), and with `sure` the strict one that lets a proposer peak's skeleton through when the
        landmark model doubts it and vouches for people found only on a small image's canvas (`_on_canvas`,
        searched only with a witness); the cache tells results with and without one apart, not two different
        ones."""
        image = _as_rgb(image_rgb)
        if max_people is None:
            max_people = WIDE_MAX_PEOPLE if wide else 5
        key = (*_image_key(image), max_people, min_score, zoom, wide, parts is not None)
        with self._lock:
            added = list(self._added.get(key[:2], ()))
            for k, found in self._cache:
                if k == key:
                    return [p if with_masks else Person(p.box, p.score, p.keypoints, None, p.world)
                            for p in found + added]
            self._passes, self._looks = (image, {}), {}
            try:
                people, animals = self._detect(image, max_people, min_score, zoom, wide, parts)
                if not people and wide and parts is not None and max(image.shape[:2]) < 2 * DET_SIZE:
                    people, on_canvas = self._on_canvas(image, max_people, min_score, zoom, parts)
                    animals = animals or on_canvas  # (the canvas mostly finds the same animal again)
            finally:
                self._passes, self._looks = None, None
            self._cache = [(key, people), *self._cache][:CACHE_SIZE]
            if animals:  # (kept without their silhouettes: only where they are is told)
                _keep_newest(self._set_aside, key[:2], [Person(a.box, a.score, a.keypoints) for a in animals],
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
            return _hip_heat(self.proposer, proposer_maps(), person) >= WITNESS_HEAT

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
                return any(box_iou(head, h[None])[0] > HEAD_IOU for h in blocking())

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


def _keep_newest(store: dict, key, value, limit: int) -> None:
    """store[key] = value as the newest entry (dicts keep insertion order), the oldest dropped past `limit`."""
    store.pop(key, None)
    store[key] = value
    while len(store) > limit:
        del store[next(iter(store))]


def _as_rgb(image_rgb: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 RGB image, contiguous, from RGB, RGBA or grey (H, W); ValueError for anything else."""
    image = np.asarray(image_rgb)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, 2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    return np.ascontiguousarray(image[..., :3])


def _optional_model(path: Path | None, load, what: str):
    """`load(path)` once the file is checked against its folder's manifest; None when `path` is None or absent.
    DetectorUnavailable, naming `what` and the file, when it is damaged or not the model `load` expects."""
    if path is None or not Path(path).is_file():
        return None
    import pickle

    try:
        check_files(Path(path).parent, (Path(path).name,))
        return load(Path(path))
    except ModelFileError as exc:
        raise DetectorUnavailable(f"{what} {path}: {exc}") from None
    except (ValueError, RuntimeError, KeyError, pickle.UnpicklingError, EOFError, OSError) as exc:
        raise DetectorUnavailable(f"{what} {path}: {load_refusal(exc)}") from None


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


def _hip_heat(proposer, maps: tuple[np.ndarray, float], person: Person) -> float:
    """The proposer's heatmap (`PeopleProposer.heat` on `maps`, its (maps, scale) of the photo) within half a torso
    (mid-hips to mid-shoulders) of the person's mid-hips, from their keypoints (33, 3)."""
    kp = person.keypoints
    return proposer.heat(maps, kp[[23, 24], :2].mean(0), 0.5 * torso_length(kp))


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


def _image_key(image: np.ndarray) -> tuple:
    """(digest, shape) of a contiguous image array: the part of detect()'s cache key that names the image."""
    return (hashlib.blake2b(image.data, digest_size=16).digest(), image.shape)
