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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..integrity import ModelFileError, check_files, load_refusal
from ..native_stderr import native_stderr
from ..paths import RESOURCES
from ..types import Silhouette
from . import (
    DETECTOR_FILE,
    INSTALL_HINT,
    LANDMARK_FILE,
    MODEL_DIR,
    DetectorUnavailable,
    Person,
    _import_interpreter,
    torso_length,
)
from .selfie import LOOK_MIN, SELFIE_FILE, SELFIE_SIZE, person_share

if TYPE_CHECKING:  # the proposer's module needs torch; the detector itself does not
    from .people_net import Proposal

DET_SIZE = 224
LM_SIZE = 256
N_ANCHORS = 2254
DET_MIN_SCORE = 0.5          # detector sigmoid score
NMS_IOU = 0.3                # weighted NMS overlap
ROI_SCALE = 1.25             # ROI side = ROI_SCALE * 2 * full-body radius
PRESENCE_MIN = 0.5           # landmark model's pose presence
MASK_THRESHOLD = 0.5
MAX_DRIFT = 0.1              # keypoint disagreement of the two landmark passes, in body radii
SETTLE_PASSES = 2            # landmark passes after the first one at most (see PersonDetector.person_at)
SETTLED_MAX_DRIFT = 0.05     # ... and the agreement asked of the second and third (clutter settles loosely)
HEAD_MARGIN = 1.0            # a face inside a found person's head box grown by this is that person's
HEAD_IOU = 0.3               # two found people with overlapping heads are one
UPRIGHT_RETRY = math.pi / 4  # see PersonDetector.person_at
SHRINK_RETRY = 0.7           # see PersonDetector.person_at
BOX_SHARE_MIN = 0.5          # a person found in a user's box has at least this share of their box inside it
BOX_ROI_SCALES = (ROI_SCALE, 1.1, 1.0, 0.9, 1.6)  # ROI sides tried for a user's box (x its longer side)
NESTED_FRACTION = 0.5        # see _drop_nested
NESTED_SCORE_MARGIN = 0.2    # see _clearly_better
NESTED_PEER = 0.3            # see _drop_nested: a nested person's torso at least this x the larger one's
HEAD_ABOVE = 0.1             # see _head_above
ON_LEGS_TORSO = 0.5          # see _on_legs: a skeleton on a person's legs has a torso under this x theirs
ON_LEGS_UP = 0.25            # see _on_legs: ... and its head at most this x their torso above their hips
MAX_TRIES_PER_PERSON = 3     # landmark attempts per wanted person (bounds the time on cluttered photos)
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONF = 0.5
# wide shots (see PersonDetector.tiles): overlapping square tiles at sides shrinking by TILE_RATIO down to
# MIN_TILE px, each upscaled to the detector's input; people fill about 1/2..5/6 of a tile they are found in
MIN_TILE = 112
MIN_TILE_FRACTION = 0.1     # ... but never below this fraction of the image's long side (bounds the count)
TILE_RATIO = 1.5
TILE_OVERLAP = 1 / 3
TILE_MIN_SCORE = 0.5        # detector score in tiles (0.3: recall +0.02, precision -0.03 on crowds)
WIDE_MAX_PEOPLE = 20
SAME_FACE = 0.15            # two candidates whose faces lie closer than this x the smaller ROI side are one
SAME_HEAD = 0.75            # see same_person
SAME_KEYPOINTS = 0.1        # two people whose torso/head keypoints agree within this x body size are one
TILE_SKIP_COVER = 0.6       # a tile this much inside the boxes of people found in the whole-image views is skipped
MASK_MARGIN = 0.25          # see _near_keypoints
SKELETON_MARGIN = 0.3       # see _near_skeleton
SKELETON_BOX_MOVE = 0.05    # see _on_own_skeleton
# A "person" whose box is smaller than this on its longer side (px) is not kept: at that size the landmark
# model fires on specks (a bag on the ground in OpenCV's vtest street video: 16-26 px), and the people the
# wide-shot search is for are 50 px tall and more
MIN_PERSON_PX = 40
# The wide-shot person proposer (inference/detect/people_net.py): NBF's own trained weights, beside seg.pt
PEOPLE_WEIGHTS = RESOURCES / "weights" / "people.pt"
ANIMAL_WEIGHTS = RESOURCES / "weights" / "imagenet_lite0.pt"  # ImageNet's classifier (animals.py)
# The proposer's body radius x these are the ROI's full-body radius, tried in turn (the later ones for the peaks
# whose earlier ROIs the landmark model rejected: its verdict on a small person changes with the ROI's size;
# chosen on the crowd tuning set: docs/crowds.md)
PROPOSAL_RADII = (1.15, 0.85, 1.0)
PROPOSAL_TRIES = 30         # landmark attempts on the proposer's peaks per photo at most
# A person only the proposer found must be at least this tall or wide (px): the proposer is for people 50 px
# and taller, and thin person-like structures below that pass the landmark check (a pylon of the rocket photo, 44 px)
PROPOSAL_MIN_PX = 50
HIPS_TAKEN = 0.25           # a peak this close to a found person's hips (x the peak's radius) is that person
# A proposer peak whose landmark passes find nobody, or settle on someone already found (the nearer or more
# salient of two overlapping people), is looked at once more (one attempt of PROPOSAL_TRIES) with the people
# found so far whose box meets its ROI painted over (`_painted`): the landmark model then often settles on the
# person the peak marks, half hidden behind or in front of them (docs/crowds.md, "Found people painted over").
REPAINT_MASK_MIN = 0.2      # silhouette values painted over, blended by the mask (its soft edge too)
REPAINT_RING = 0.2          # the fill is the median colour of the box grown by this x its larger side
# A small image (long side under 2 x DET_SIZE) in which the whole-image view finds nobody is searched again
# as a wide shot in the middle of a black square this many times its long side: on 256 px renders the face
# detector then finds people it misses in the one view (docs/crowds.md, "Small images on a canvas").
SMALL_CANVAS = 2.0
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
MIRROR = np.arange(33)      # BlazePose's keypoints of a mirrored image: left and right swap
for _l, _r in ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
               (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)):
    MIRROR[_l], MIRROR[_r] = _r, _l
BODY = [0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]  # nose, arms, legs: the points the mirror test compares
# A person's keypoints are the mean of the landmark model's answers on their ROI and on its mirror image where the two
# lie within this many body radii (a second look steadies the model's answer: docs/real_photos.md, "How it works", 4)
MIRROR_AVERAGE_MAX = 0.1


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


def ssd_anchors(size: int = DET_SIZE, strides: tuple[int, ...] = (8, 16, 32, 32, 32)) -> np.ndarray:
    """(2254, 2) anchor centres in [0, 1] of the detector input: 2 anchors per cell and layer, layers of equal
    stride sharing one grid (fixed anchor size, so only the centres matter)."""
    out, i = [], 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        per_cell = 2 * (j - i)
        n = math.ceil(size / strides[i])
        ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
        cells = np.stack([xs.ravel(), ys.ravel()], 1)
        out.append(np.repeat(cells, per_cell, axis=0))
        i = j
    return np.concatenate(out).astype(np.float32)


@dataclass(frozen=True)
class Roi:
    """A square region of the image: centre (cx, cy) and side in pixels, rotated by `angle` radians
    (clockwise on screen; its x axis is (cos, sin) in image coordinates)."""

    cx: float
    cy: float
    side: float
    angle: float = 0.0

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        """Points (..., 2) in the ROI's unit square [0, 1]^2 -> image pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        d = (np.asarray(uv, np.float32) - 0.5) * self.side
        return np.stack([self.cx + c * d[..., 0] - s * d[..., 1], self.cy + s * d[..., 0] + c * d[..., 1]], -1)

    def affine(self, n: int) -> np.ndarray:
        """2x3 matrix taking pixel indices of an n x n resampling of the ROI to image pixel indices."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        k = self.side / n
        origin = self.to_image(np.array([0.5 / n, 0.5 / n])) - 0.5
        return np.array([[c * k, -s * k, origin[0]], [s * k, c * k, origin[1]]], np.float32)

    def sample(self, image: np.ndarray, n: int) -> np.ndarray:
        """The ROI resampled bilinearly to (n, n, C), black outside the image.

        Black, not MediaPipe's replicated edge (its landmark graph's default): with replicated borders the
        landmark model sees skeletons in the edges of person-free photos and finds no more people in crowds
        (docs/crowds.md). A strong downscale is not area-averaged first: that changes nothing measurable."""
        if self.side > 2 * n and self.angle == 0:
            # an axis-aligned downscale mapped corner to corner (within half an output pixel of `affine`; the
            # detector's thresholds were measured with it). cv2.warpAffine has no area mode: bilinear like below
            x0, y0 = self.cx - self.side / 2, self.cy - self.side / 2
            m = np.array([[n / self.side, 0, -x0 * n / self.side], [0, n / self.side, -y0 * n / self.side]],
                         np.float32)
            return cv2.warpAffine(image, m, (n, n), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=0)
        return cv2.warpAffine(image, self.affine(n), (n, n), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _drift(kp: np.ndarray, kp_before: np.ndarray, roi_before: Roi, roi: Roi) -> float:
    """Median keypoint disagreement (33, 3) vs (33, 3) of two landmark passes, in body radii of the larger ROI."""
    return float(np.median(np.hypot(*(kp[:, :2] - kp_before[:, :2]).T))) / (max(roi_before.side, roi.side)
                                                                             / (2 * ROI_SCALE))


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box a (4,) with boxes b (n, 4)."""
    ix = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    iy = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    inter = ix * iy
    area = lambda x: np.clip(x[..., 2] - x[..., 0], 0, None) * np.clip(x[..., 3] - x[..., 1], 0, None)  # noqa: E731
    return inter / np.maximum(area(a) + area(b) - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU):
    """Cluster detections around the best remaining one (IoU > iou) and average each cluster, weighted by
    score; the cluster keeps its best score.  Returns (boxes, keypoints, scores) best first."""
    order = np.argsort(-scores)
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    alive = np.ones(len(scores), bool)
    out_b, out_k, out_s = [], [], []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        members = alive & (_iou(boxes[i], boxes) > iou)
        members[i] = True
        w = scores[members][:, None]
        out_b.append((boxes[members] * w).sum(0) / w.sum())
        out_k.append((keypoints[members] * w[:, :, None]).sum(0) / w.sum())
        out_s.append(scores[i])
        alive &= ~members
    if not out_s:
        return np.zeros((0, 4), np.float32), np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    return np.array(out_b, np.float32), np.array(out_k, np.float32), np.array(out_s, np.float32)


class _Model:
    """One TFLite model: float32 NHWC input, outputs picked by their sizes."""

    def __init__(self, interpreter_cls, path: Path, threads: int):
        try:
            # TFLite announces its CPU delegate on fd 2 ("INFO: Created TensorFlow Lite XNNPACK delegate for
            # CPU."): a line in every CLI run that tells the user nothing
            with native_stderr(keep_out=("XNNPACK delegate",)):
                self.it = interpreter_cls(model_path=str(path), num_threads=threads)
                self.it.allocate_tensors()
        except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file
            raise DetectorUnavailable(f"cannot load {path}: {exc}") from None
        self.input = self.it.get_input_details()[0]
        self.outputs = {int(np.prod(d["shape"])): d["index"] for d in self.it.get_output_details()}

    def __call__(self, x: np.ndarray) -> dict[int, np.ndarray]:
        self.it.set_tensor(self.input["index"], x[None].astype(np.float32))
        self.it.invoke()
        return {n: self.it.get_tensor(i)[0] for n, i in self.outputs.items()}


@dataclass(frozen=True)
class MirrorPass:
    """The landmark model's answer on the mirror image of a ROI, mapped back to the image: keypoints (33, 2) image px
    as the model's regression gives them (`raw`) and moved onto its heatmaps (`refined`, as `landmarks` does),
    visibility (33,), pose presence, and the ROI's body radius in px."""

    raw: np.ndarray
    refined: np.ndarray
    visibility: np.ndarray
    presence: float
    radius: float


@dataclass(frozen=True)
class Candidate:
    """A detector hit: the centre of the face it fired on (image px), its person ROI, score, view index."""

    face: np.ndarray
    roi: Roi
    score: float
    view: int


def roi_from_points(centre: np.ndarray, scale_point: np.ndarray) -> Roi | None:
    """The landmark model's ROI from a body centre and a point on the full-body circle (pointing to the head):
    side ROI_SCALE * 2 * radius, rotated so that centre -> scale_point is up."""
    (x0, y0), (x1, y1) = centre, scale_point
    radius = math.hypot(x1 - x0, y1 - y0)
    if not np.isfinite(radius) or radius < 2:
        return None
    angle = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    return Roi(float(x0), float(y0), 2 * radius * ROI_SCALE, angle)


def default_threads() -> int:
    """TFLite threads of a detector built without a count: as many as torch uses (at most 4). The detector and the
    networks run one after the other, never at once, so they can share the cores; torch's count follows
    OMP_NUM_THREADS and `torch.set_num_threads`, so a run pinned to one core (one process per core) keeps the
    detector on one too. The thread count changes no keypoint (docs/crowds.md, "Two detector threads")."""
    import torch

    return max(1, min(4, torch.get_num_threads()))


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
        self.detector = _Model(interpreter_cls, model_dir / DETECTOR_FILE, threads)
        self.landmarker = _Model(interpreter_cls, model_dir / LANDMARK_FILE, threads)
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
            self.selfie = _Model(interpreter_cls, model_dir / SELFIE_FILE, threads)
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
        scores = _sigmoid(out[N_ANCHORS].reshape(N_ANCHORS))
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
        peaks = [p for p in peaks if not any(_peak_on(p, q) for q in found)]
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
        mask (a Silhouette: `_warped_mask`) or None, the next ROI from the model's two auxiliary alignment
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
        _, uv, visibility, presence = _decoded(out)
        kp = np.zeros((33, 3), np.float32)
        kp[:, :2] = roi.to_image(uv)
        kp[:, 2] = visibility
        aux = roi.to_image(out[195].reshape(39, 5)[33:35, :2] / LM_SIZE)
        mask = None
        if with_mask:
            seg = _sigmoid(out[LM_SIZE * LM_SIZE].reshape(LM_SIZE, LM_SIZE)).astype(np.float32)
            mask = _warped_mask(seg, roi, image.shape[:2])
        return kp, presence, mask, roi_from_points(aux[0], aux[1]), _world_to_image_axes(out[117], roi.angle)

    def mirror_pass(self, image: np.ndarray, roi: Roi) -> MirrorPass:
        """The landmark model on the mirror image of a ROI, its keypoints mapped back to the image."""
        x = roi.sample(image, LM_SIZE)[:, ::-1].astype(np.float32) / 255.0
        raw, refined, visibility, presence = _decoded(self.landmarker(np.ascontiguousarray(x)))
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
                drift = _drift(kp, kp1, r, r2)
                if pres2 < presence_min or drift <= bound or r3 is None:
                    break
                r, r2, kp1, bound = r2, r3, kp, SETTLED_MAX_DRIFT
            if pres2 >= presence_min and drift <= bound and (best is None or drift < best[0]):
                best = (drift, kp, mask, r2, world)
        if best is None:
            return None
        _, kp, mask, r2, world = best
        mask = _near_keypoints(_own_silhouette(mask, kp, r2), kp, r2)
        box = _person_box(kp, mask, _roi_window(r2, image.shape[:2]), image.shape[:2])
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
                if person is None or _box_share(person.box, user) < BOX_SHARE_MIN:
                    continue
                iou = float(_iou(np.asarray(person.box, np.float32), user[None])[0])
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
        image of the ROI that found them (`_mirror_averaged`): the search itself compares the model's own answers
        (its witnesses and merging were set on those), and the people it keeps get the steadier keypoints. The
        person as they are when this `detect` call did not find them."""
        look = (self._looks or {}).get(id(person))
        if look is None or look[0] is not person:
            return person
        _, image, roi, mirror = look
        mirror = mirror if mirror is not None else self.mirror_pass(image, roi)
        return Person(box=person.box, score=person.score, keypoints=_mirror_averaged(person.keypoints, mirror),
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
        return [f for f in figures if not (_iou(np.asarray(f.box, np.float32), boxes) >= 0.5).any()]

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
                head = _head_box(person.keypoints)
                return any(_iou(head, h[None])[0] > HEAD_IOU for h in blocking())

            for cand in cands:
                if len(people) >= max_people or tried >= tries:
                    return
                if any(_inside(cand.face, _grow(h, HEAD_MARGIN)) for h in blocking()):
                    continue  # this face belongs to someone already found
                tried += 1
                person = look(image, cand)
                if repaint and (person is None or taken(person)) and tried < tries:
                    near = tuple(k for k, q in enumerate(people)
                                 if k not in open_heads and q.mask is not None and _meets(q.box, cand.roi))
                    if near:
                        tried += 1
                        if near not in repainted:  # a peak's ROI sizes mostly meet the same people: paint once
                            repainted[near] = _painted(image, [people[k] for k in near])
                        # (not the proposer's heat as witness: beside a painted person it is theirs)
                        person = look(repainted[near], cand, witness=None)
                if (person is None or not big_enough(person, shape=image.shape)
                        or (check is not None and not check(person))):
                    continue
                if taken(person):
                    continue
                head = _head_box(person.keypoints)
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
            # `_drop_nested` drops it (a larger detection holding a person with a peak of their own)
            unmarked = frozenset(k for k, q in enumerate(people) if not _marked(q, peaks))
            confirm(self.proposals(image, people, peaks), check=lambda p: big_enough(p, PROPOSAL_MIN_PX, image.shape),
                    doubted=True, open_heads=unmarked, repaint=True)
        people = [self.second_look(p) for p in _drop_nested(merge_people(people, peaks), peaks)]
        # only people who overlap another: trimmed alone, some single people's boxes moved and their fits lost
        people = [_on_own_skeleton(p, image.shape[:2]) if _touches(p, people) else p for p in people]
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


def _body_size(kp: np.ndarray) -> float:
    """A person's size in px: the larger of the shoulder-hip distance x 2 and the shoulder width x 3."""
    sh, hip = kp[[11, 12], :2].mean(0), kp[[23, 24], :2].mean(0)
    return max(2 * float(np.hypot(*(sh - hip))), 3 * float(np.hypot(*(kp[11, :2] - kp[12, :2]))), 1.0)


def _peak_on(peak: Proposal, person: Person) -> bool:
    """True when the proposer's peak lies on the person's hips: within HIPS_TAKEN x the peak's radius of
    their hip centre."""
    hips = np.asarray(person.keypoints)[[23, 24], :2].mean(0)
    return float(np.hypot(*(hips - peak.hips))) < HIPS_TAKEN * peak.radius


def _marked(person: Person, peaks: list[Proposal]) -> bool:
    """True when one of the proposer's peaks lies on the person's hips (`_peak_on`)."""
    return any(_peak_on(p, person) for p in peaks)


def same_person(a: Person, b: Person) -> bool:
    """True when two detections are one person: their head boxes overlap (IoU > HEAD_IOU), their head centres
    lie closer than SAME_HEAD x the larger head box's side (two people's heads never coincide in a photo: a
    second, partial skeleton on one person does), their nose, shoulders and hips agree within
    SAME_KEYPOINTS x the body size, or their nose, arms and legs (`BODY`) do with left and right swapped (a
    legs-only person under the photo's top edge, read once facing each way)."""
    ka, kb = np.asarray(a.keypoints, np.float32), np.asarray(b.keypoints, np.float32)
    ha, hb = _head_box(ka), _head_box(kb)
    if _iou(ha, hb[None])[0] > HEAD_IOU:
        return True
    side = max(float((ha[2:] - ha[:2]).max()), float((hb[2:] - hb[:2]).max()))
    if float(np.hypot(*((ha[:2] + ha[2:]) / 2 - (hb[:2] + hb[2:]) / 2))) < SAME_HEAD * side:
        return True
    idx = [0, 11, 12, 23, 24]
    size = min(_body_size(ka), _body_size(kb))
    if float(np.median(np.hypot(*(ka[idx, :2] - kb[idx, :2]).T))) < SAME_KEYPOINTS * size:
        return True
    # one body read twice, left and right swapped (the front/back ambiguity of a person whose face the photo
    # does not show): the same points in mirrored roles, legs included, for the head may lie outside the photo
    d = float(np.median(np.hypot(*(ka[BODY, :2] - kb[MIRROR[BODY], :2]).T)))
    return d < SAME_KEYPOINTS * size


def merge_people(people: list[Person], peaks: list[Proposal] = ()) -> list[Person]:
    """One detection per person (found from several views or tiles): of each group of `same_person`
    detections, the one the proposer's `peaks` mark at the hips (`_marked`), then the one with the most
    confident keypoints (ties: the higher score) is kept; order kept. (Two people one almost behind the other:
    a loose skeleton over both can have the surer keypoints, and the far one's own skeleton has the peak.)"""
    quality = [(_marked(p, peaks), _quality(p)) for p in people]
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


def _drop_nested(people: list[Person], peaks: list[Proposal] = ()) -> list[Person]:
    """Drop a person whose silhouette lies mostly (> NESTED_FRACTION) inside a larger person's silhouette and
    whose head lies on that silhouette too: an object someone holds (a camera, a helmet) seen as a small person
    of its own, or a second, partial detection of one person. A person standing behind another keeps their head
    off the front person's silhouette and is kept (masks of people who overlap spill onto each other).

    First, though, a larger detection is dropped when a person nested in it is clearly better (`_clearly_better`):
    a loose skeleton from a weak detector hit whose ROI is far larger than the person, and whose silhouette
    swallows the person's own (a footballer mid-kick, score 0.94 and 33 confident keypoints, inside a loose
    skeleton of score 0.59 and 25). Doing this before the rest means a third person is judged only against the
    people that stay.

    A person whose head lies beyond the larger one's head (`_head_above`) is not dropped for lying inside it:
    that is someone behind them, not something they hold nor a second skeleton on their body (the larger one
    still gives way to them when they are clearly better).

    The proposer's `peaks` (one on every person's hips; none where it did not run) are a second witness: a
    person with a peak on their own hips (`_own_peak`) is not dropped for lying inside a larger one (two people
    side by side, heads level, one's silhouette spilling over the other), and a larger detection that holds
    such a person while no peak marks its own hips gives way to them (a skeleton spanning two people). Where no
    peak marks the larger one, both only for a nested person whose torso is at least NESTED_PEER x the larger
    one's (`_peer`): the two people a skeleton spans stand at about one distance, while a small skeleton on the
    clothes of a large person the proposer missed (basketball2.png of OpenCV's samples: torso 22 px on a man cut
    by the frame whose torso is 149, a peak on the shirt's pattern and none on him) is something the larger one
    wears, and the larger one stays; so does a larger one the proposer missed when the nested skeleton is drawn on
    its hips or legs (`_on_legs`: a man on one leg with the other out, a skeleton on his standing leg holding the
    only peak). (With a peak on both, a small nested person is someone far behind, or a child in front: kept.)"""
    if len(people) < 2:
        return people
    sizes = [int((p.mask.values > MASK_THRESHOLD).sum()) for p in people]

    def inside(i: int, j: int) -> bool:  # i mostly inside the larger j, with its head on j
        own = sizes[i]
        return (people[i].area < people[j].area and bool(own) and _head_on(people[i], people[j].mask)
                and _shared(people[i].mask, people[j].mask) > NESTED_FRACTION * own)

    n = len(people)
    nested = {(i, j) for i in range(n) for j in range(n) if i != j and inside(i, j)}
    marked = [_marked(q, peaks) for q in people]

    def own(i: int, j: int) -> bool:  # i is a person of their own beside or behind j, by the proposer's peaks
        return _own_peak(people[i], people[j], peaks) and (
            marked[j] or (_peer(people[i], people[j]) and not _on_legs(people[i], people[j])))

    loose = {j for i, j in nested if _clearly_better(people[i], people[j]) or (not marked[j] and own(i, j))}
    kept: list[int] = []
    for i in sorted(set(range(n)) - loose, key=lambda i: -people[i].area):
        if not any((i, j) in nested and not _head_above(people[i], people[j]) and not own(i, j) for j in kept):
            kept.append(i)
    return [people[i] for i in sorted(kept)]


def _own_peak(a: Person, b: Person, peaks: list[Proposal]) -> bool:
    """True when one of the proposer's peaks lies on a's hips (within HIPS_TAKEN x the peak's radius) and not
    on b's: the proposer, which puts one peak on every person's hips, sees a as a person of their own."""
    return any(_peak_on(p, a) and not _peak_on(p, b) for p in peaks)


def _peer(a: Person, b: Person) -> bool:
    """True when a's torso (mid-shoulders to mid-hips) is at least NESTED_PEER x b's: a could stand beside b."""
    return torso_length(a.keypoints) >= NESTED_PEER * torso_length(b.keypoints)


def _clearly_better(a: Person, b: Person) -> bool:
    """True when detection a beats b on both counts: the detector's score by at least NESTED_SCORE_MARGIN and
    the keypoints the landmark model is sure of (`_quality`). In the synthetic crowds a partial second skeleton
    inside a whole person can have more sure keypoints but has the lower score, and is not better."""
    return a.score >= b.score + NESTED_SCORE_MARGIN and _quality(a) > _quality(b)


def _up_body(points: np.ndarray, kp: np.ndarray) -> np.ndarray | None:
    """How far each of points (N, 2) lies up the body axis (hips -> shoulders) of the person with BlazePose
    keypoints kp (33, 3), from their mid-hips, in pixels (N,); None when the axis has no length."""
    hips, shoulders = kp[[23, 24], :2].mean(0), kp[[11, 12], :2].mean(0)
    axis = shoulders - hips
    norm = float(np.hypot(*axis))
    return None if norm < 1e-3 else (np.asarray(points, np.float32) - hips) @ (axis / norm)


def _head_above(a: Person, b: Person) -> bool:
    """True when a's head lies further up b's body axis (hips -> shoulders) than b's own head, by more than
    HEAD_ABOVE x b's body size: a stands behind b (a far person above a near one in a crowd), whose silhouette
    can still cover a's through the mask's spill."""
    ka, kb = np.asarray(a.keypoints, np.float32), np.asarray(b.keypoints, np.float32)
    up = _up_body(np.stack([ka[:11, :2].mean(0), kb[:11, :2].mean(0)]), kb)
    return up is not None and float(up[0] - up[1]) > HEAD_ABOVE * _body_size(kb)


def _on_legs(a: Person, b: Person) -> bool:
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


def _shared(a: Silhouette, b: Silhouette) -> int:
    """Pixels on both silhouettes (values > MASK_THRESHOLD)."""
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.bounds[2], b.bounds[2]), min(a.bounds[3], b.bounds[3])
    if x0 >= x1 or y0 >= y1:
        return 0
    return int(((a.window(x0, y0, x1, y1) > MASK_THRESHOLD) & (b.window(x0, y0, x1, y1) > MASK_THRESHOLD)).sum())


def _head_on(person: Person, mask: Silhouette) -> bool:
    """True when the centre of the person's head keypoints lies on the silhouette (values > MASK_THRESHOLD)."""
    x, y = np.asarray(person.keypoints, np.float32)[:11, :2].mean(0)
    h, w = mask.shape
    return bool(0 <= x < w and 0 <= y < h
                and mask.window(int(x), int(y), int(x) + 1, int(y) + 1)[0, 0] > MASK_THRESHOLD)


def _image_key(image: np.ndarray) -> tuple:
    """(digest, shape) of a contiguous image array: the part of detect()'s cache key that names the image."""
    return (hashlib.blake2b(image.data, digest_size=16).digest(), image.shape)


def _box_share(a: np.ndarray, b: np.ndarray) -> float:
    """The fraction of box a (x0, y0, x1, y1) inside box b."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max((a[2] - a[0]) * (a[3] - a[1]), 1e-6)
    return float(w * h / area)


def _head_box(kp: np.ndarray) -> np.ndarray:
    """Box around the head keypoints (nose, eyes, ears, mouth), at least a quarter of the shoulder width."""
    pts = kp[:11, :2]
    lo, hi = pts.min(0), pts.max(0)
    c = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2, np.hypot(*(kp[11, :2] - kp[12, :2])) / 8 + 1)
    return np.concatenate([c - half, c + half]).astype(np.float32)


def _grow(box: np.ndarray, k: float) -> np.ndarray:
    c, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) / 2 * (1 + k)
    return np.concatenate([c - half, c + half])


def _inside(pt: np.ndarray, box: np.ndarray) -> bool:
    return bool(box[0] <= pt[0] <= box[2] and box[1] <= pt[1] <= box[3])


def _world_to_image_axes(world: np.ndarray, angle: float) -> np.ndarray:
    """The landmark model's world landmarks (39 x 3 flat, metres, origin between the hips, axes of the
    rotated ROI: x right, y down, z away from the camera) -> the 33 body landmarks (33, 3) float32 with x and
    y along the image's axes (the ROI's rotation undone, as MediaPipe's projection of world landmarks does)."""
    w = np.asarray(world, np.float32).reshape(39, 3)[:33].copy()
    c, s = math.cos(angle), math.sin(angle)
    x, y = w[:, 0].copy(), w[:, 1].copy()
    w[:, 0], w[:, 1] = c * x - s * y, s * x + c * y
    return w


def _decoded(out: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The landmark model's outputs on one ROI (`_Model` answer) -> its 33 keypoints in the ROI's unit square as
    regressed (33, 2) and moved onto its heatmaps (33, 2, `_refine_with_heatmap`), their visibility (33,), and the
    pose presence (already a probability)."""
    lm = out[195].reshape(39, 5)
    raw = lm[:33, :2] / LM_SIZE
    refined = _refine_with_heatmap(raw, out[64 * 64 * 39].reshape(64, 64, 39)[..., :33])
    return raw, refined, _sigmoid(lm[:33, 3]), float(out[1].reshape(-1)[0])


def _refine_with_heatmap(uv: np.ndarray, heat_logits: np.ndarray) -> np.ndarray:
    """Move each landmark (uv (K, 2) in [0, 1] of the ROI) to the confidence-weighted mean of its 7x7 window of its
    heatmap (heat_logits (n, n, K)) when the window's peak confidence is at least 0.5; windows are cut at the map's
    edge. All landmarks at once: a landmark pass runs it on 33 of them, a wide shot some hundred times."""
    n = heat_logits.shape[0]
    out = uv.copy()
    r = HEATMAP_KERNEL // 2
    with np.errstate(invalid="ignore"):  # a NaN landmark falls outside the map below
        col, row = (uv[:, 0] * n).astype(np.int64), (uv[:, 1] * n).astype(np.int64)
    ks = np.flatnonzero((col >= 0) & (col < n) & (row >= 0) & (row < n))
    if len(ks) == 0:
        return out
    offs = np.arange(-r, r + 1)
    rows, cols = row[ks, None] + offs, col[ks, None] + offs                               # (m, 7) each
    on_map = ((rows >= 0) & (rows < n))[:, :, None] & ((cols >= 0) & (cols < n))[:, None, :]  # (m, 7, 7)
    win = heat_logits[np.clip(rows, 0, n - 1)[:, :, None], np.clip(cols, 0, n - 1)[:, None, :], ks[:, None, None]]
    conf = np.where(on_map, _sigmoid(win), 0.0).astype(heat_logits.dtype)
    total = conf.sum((1, 2))
    good = (conf.max((1, 2)) >= HEATMAP_MIN_CONF) & (total > 0)
    total = np.where(total > 0, total, 1.0)
    out[ks[good], 0] = (((cols + 0.5)[:, None, :] * conf).sum((1, 2)) / total / n)[good]
    out[ks[good], 1] = (((rows + 0.5)[:, :, None] * conf).sum((1, 2)) / total / n)[good]
    return out


def _mirror_averaged(kp: np.ndarray, mirror: MirrorPass, max_apart: float = MIRROR_AVERAGE_MAX) -> np.ndarray:
    """(33, 3) keypoints `kp` averaged with the mirrored pass's, point by point, where the two lie within
    `max_apart` body radii (elsewhere one of them went astray and `kp` stays)."""
    near = np.hypot(*(mirror.refined - kp[:, :2]).T) <= max_apart * mirror.radius
    out = np.array(kp, np.float32, copy=True)
    out[near, :2] = 0.5 * (out[near, :2] + mirror.refined[near])
    out[near, 2] = 0.5 * (out[near, 2] + mirror.visibility[near])
    return out


def same_look(person: Person, result: Person) -> bool:
    """Whether `person`, as `detect` returned them, came from the landmark result `result` (as `person_at` gave it):
    the mirror's second look moves each keypoint by at most half of MIRROR_AVERAGE_MAX body radii, so their median
    point lies within a twentieth of the box's larger side (for the studies that trace the search)."""
    if person is result:
        return True
    near = 0.05 * float(max(person.box[2] - person.box[0], person.box[3] - person.box[1]))
    d = np.hypot(*(np.asarray(person.keypoints)[:, :2] - np.asarray(result.keypoints)[:, :2]).T)
    return bool(np.median(d) <= near)


def _roi_window(roi: Roi, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 integer pixel window holding the (rotated) ROI, clipped to the image."""
    h, w = shape
    corners = roi.to_image(np.array([[0, 0], [1, 0], [0, 1], [1, 1]], np.float32))
    x0, y0 = np.clip(np.floor(corners.min(0)).astype(int), 0, [w, h])
    x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int), 0, [w, h])
    return int(x0), int(y0), int(x1), int(y1)


def _warped_mask(seg: np.ndarray, roi: Roi, shape: tuple[int, int]) -> Silhouette:
    """The landmark model's segmentation (n, n) of a ROI as a Silhouette on the image of `shape` (H, W): warped
    bilinearly (black outside the ROI) onto the ROI's window, grown by one segmentation pixel and one image pixel
    (how far the bilinear edge reaches), the only pixels a warp onto the whole image makes non-zero."""
    h, w = shape
    grow = int(math.ceil(roi.side / seg.shape[0])) + 1
    x0, y0, x1, y1 = _roi_window(roi, shape)
    x0, y0, x1, y1 = max(x0 - grow, 0), max(y0 - grow, 0), min(x1 + grow, w), min(y1 + grow, h)
    if x1 <= x0 or y1 <= y0:
        return Silhouette(np.zeros((0, 0), np.float32), min(x0, w), min(y0, h), shape)
    m = roi.affine(seg.shape[0])
    m[:, 2] -= np.float32([x0, y0])
    values = cv2.warpAffine(seg, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=0)
    return Silhouette(values, x0, y0, shape)


def _own_silhouette(mask: Silhouette, kp: np.ndarray, roi: Roi) -> Silhouette:
    """The mask with only the blobs that hold the person's own visible head, shoulder or hip keypoints (the
    segmentation also lights up other people and person-like things inside the ROI)."""
    x0, y0, x1, y1 = _roi_window(roi, mask.shape)
    win = mask.window(x0, y0, x1, y1)
    n, labels = cv2.connectedComponents((win > MASK_THRESHOLD).astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    anchors = [i for i in (*range(11), 11, 12, 23, 24) if kp[i, 2] > 0.5]
    hits = set()
    for i in anchors:
        c, r = int(kp[i, 0]) - x0, int(kp[i, 1]) - y0
        if 0 <= r < labels.shape[0] and 0 <= c < labels.shape[1] and labels[r, c] > 0:
            hits.add(int(labels[r, c]))
    if not hits:
        hits = {int(np.argmax(np.bincount(labels.ravel())[1:])) + 1}
    keep = np.isin(labels, list(hits)).astype(np.uint8)
    keep = cv2.dilate(keep, np.ones((5, 5), np.uint8))  # keep the soft edge around the kept blobs
    return Silhouette.of(win * keep, x0, y0, mask.shape)


def _near_keypoints(mask: Silhouette, kp: np.ndarray, roi: Roi, margin: float = MASK_MARGIN) -> Silhouette:
    """The mask cleared outside the box of the visible keypoints grown by `margin` x its larger side: people
    who touch make one silhouette blob, and the box of a person in a group would otherwise hold the group."""
    seen = kp[kp[:, 2] > 0.5, :2]
    if len(seen) < 4:
        return mask
    lo, hi = seen.min(0), seen.max(0)
    m = margin * float((hi - lo).max())
    h, w = mask.shape
    x0, y0 = (int(max(0, np.floor(v - m))) for v in lo)
    x1, y1 = int(min(w, np.ceil(hi[0] + m))), int(min(h, np.ceil(hi[1] + m)))
    rx0, ry0, rx1, ry1 = _roi_window(roi, mask.shape)
    if x0 <= rx0 and y0 <= ry0 and x1 >= rx1 and y1 >= ry1:
        return mask  # the grown box holds the whole ROI: nothing to clear
    return Silhouette.of(mask.window(x0, y0, x1, y1), x0, y0, mask.shape)


# bones of the envelope in _near_skeleton (BlazePose ids): arms to the index fingers, legs to the toes and heels,
# the torso's sides (its inside is filled)
SKELETON_BONES = ((11, 13), (13, 15), (15, 19), (12, 14), (14, 16), (16, 20), (23, 25), (25, 27), (27, 31), (27, 29),
                  (24, 26), (26, 28), (28, 32), (28, 30), (11, 12), (23, 24), (11, 23), (12, 24))


def _near_skeleton(mask: Silhouette, kp: np.ndarray, margin: float = SKELETON_MARGIN) -> Silhouette:
    """The silhouette cleared farther than `margin` x the body's scale from the person's own skeleton (33, 3):
    its bones, the torso's quadrilateral, and a head of 1.5 x that reach around the mean of the face landmarks,
    tied to the shoulders.  Scale: the torso length (mid-shoulders to mid-hips), or 0.3 x the skeleton's larger
    side if more (a torso foreshortened towards the camera).  Every landmark counts, seen or not (BlazePose
    places hidden limbs too).  A person behind or beside another shares their silhouette blob, which
    `_near_keypoints`' box around all the keypoints still holds; so the box of the front person held both."""
    p = np.asarray(kp, np.float32)[:, :2]
    if not np.isfinite(p).all() or not mask.values.size:
        return mask
    shoulders = p[[11, 12]].mean(0)
    scale = max(torso_length(p), 0.3 * float((p.max(0) - p.min(0)).max()), 4.0)
    reach = max(int(round(margin * scale)), 2)
    env = np.zeros(mask.values.shape, np.uint8)  # drawn on the silhouette's window: zero elsewhere anyway
    q = np.round(p).astype(np.int32) - np.int32([mask.x, mask.y])
    cv2.fillConvexPoly(env, q[[11, 12, 24, 23]], 1)
    for a, b in SKELETON_BONES:
        cv2.line(env, (int(q[a, 0]), int(q[a, 1])), (int(q[b, 0]), int(q[b, 1])), 1, thickness=2 * reach + 1)
    head = np.round(p[:11].mean(0)).astype(np.int32) - np.int32([mask.x, mask.y])  # nose, eyes, ears, mouth
    neck = np.round(shoulders).astype(np.int32) - np.int32([mask.x, mask.y])
    cv2.circle(env, (int(head[0]), int(head[1])), int(round(1.5 * reach)), 1, -1)
    cv2.line(env, (int(head[0]), int(head[1])), (int(neck[0]), int(neck[1])), 1, thickness=2 * reach + 1)
    return mask.with_values(mask.values * env)


def _touches(person: Person, people: list[Person]) -> bool:
    """Another of `people` has a box that overlaps the person's."""
    others = np.array([o.box for o in people if o is not person], np.float32).reshape(-1, 4)
    return bool((_iou(np.asarray(person.box, np.float32), others) > 0).any())


def _meets(box: np.ndarray, roi: Roi) -> bool:
    """True when a box (x0, y0, x1, y1) and the ROI's upright square (its side, about its centre) overlap."""
    r = roi.side / 2
    return not (box[2] < roi.cx - r or box[0] > roi.cx + r or box[3] < roi.cy - r or box[1] > roi.cy + r)


def _painted(image: np.ndarray, people: list[Person]) -> np.ndarray:
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


def _on_own_skeleton(person: Person, shape: tuple[int, int]) -> Person:
    """The person with their silhouette kept near their own skeleton (`_near_skeleton`) and their box made again
    from it, where that moves a side of the box by more than SKELETON_BOX_MOVE x its larger side (a neighbour or
    clutter joined to their silhouette); otherwise the person as found (the detector's silhouette of a lone
    person, loose clothes and all, stands).  Done once the search has chosen its people: the witnesses (the
    part map on the person's crop) and the nested and merging rules were set with the whole silhouette, and a
    crop around a texture's skeleton made from the trimmed one let two more of them through on the person-free
    photos (docs/crowds.md, "Each person's own silhouette")."""
    if person.mask is None:
        return person
    mask = _near_skeleton(person.mask, person.keypoints)
    x, y, w, h = cv2.boundingRect((mask.values > MASK_THRESHOLD).astype(np.uint8)) if mask.values.size else (0,) * 4
    box = _person_box(person.keypoints, mask, (mask.x + x, mask.y + y, mask.x + x + w, mask.y + y + h), shape)
    old = np.asarray(person.box, np.float32)
    if box is None or np.abs(box - old).max() <= SKELETON_BOX_MOVE * float((old[2:] - old[:2]).max()):
        return person
    return Person(box, person.score, person.keypoints, mask, person.world)


def _person_box(kp: np.ndarray, mask: Silhouette | None, window: tuple[int, int, int, int],
                shape: tuple[int, int]) -> np.ndarray | None:
    """x0, y0, x1, y1 around the silhouette (mask > 0.5) and the visible keypoints, clipped to the image;
    `window` (x0, y0, x1, y1 pixels) holds every non-zero pixel of the mask (only it is searched)."""
    h, w = shape
    pts = [kp[(kp[:, 2] > 0.5), :2]]
    if mask is not None:
        x0, y0, x1, y1 = window
        ys, xs = np.nonzero(mask.window(x0, y0, x1, y1) > MASK_THRESHOLD)
        if len(xs):
            pts.append(np.array([[xs.min() + x0, ys.min() + y0], [xs.max() + x0 + 1, ys.max() + y0 + 1]],
                                np.float32))
    pts = np.concatenate(pts)
    if len(pts) == 0:
        return None
    lo = np.clip(pts.min(0), 0, [w, h])
    hi = np.clip(pts.max(0), 0, [w, h])
    if (hi - lo).min() < 2:
        return None
    return np.array([lo[0], lo[1], hi[0], hi[1]], np.float32)
