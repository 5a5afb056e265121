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
   ROIs for stage 2 where nobody was found yet. Where to look (stage 1, tiles, peaks) and what is kept is the
   search's (search.py, `PersonSearch`, a part of PersonDetector); this module holds the models and stage 2.
5. Last, a person whose silhouette ImageNet's classifier takes for a land mammal is dropped (animals.py).
Coordinates are continuous image pixels: pixel (i, j)'s centre is at (i + 0.5, j + 0.5).
"""
from __future__ import annotations

import math
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..boxes import box_iou, box_share
from ..errors import restore_hint
from ..integrity import ModelFileError, check_files, load_refusal
from ..weights_folder import is_shipped, script_note
from .blazepose_model import (
    BODY,
    LM_SIZE,
    MIRROR,
    N_ANCHORS,
    MirrorPass,
    RoiLandmarks,
    TfliteModel,
    decode_landmarks,
    default_threads,
    mirror_averaged,
    sigmoid,
    ssd_anchors,
)
from .person import Person
from .roi import ROI_SCALE, Roi, keypoint_drift, roi_from_points, roi_window, world_to_image_axes
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
from .search import PersonSearch, as_rgb, hip_heat, image_key, keep_newest
from .selfie import LOOK_MIN, SELFIE_FILE, SELFIE_SIZE, person_share
from .silhouettes import near_keypoints, own_silhouette, person_box, warped_mask

PRESENCE_MIN = 0.5           # landmark model's pose presence
MAX_DRIFT = 0.1              # keypoint disagreement of the two landmark passes, in body radii
SETTLE_PASSES = 2            # landmark passes after the first one at most (see PersonDetector.person_at)
SETTLED_MAX_DRIFT = 0.05     # ... and the agreement asked of the second and third (clutter settles loosely)
UPRIGHT_RETRY = math.pi / 4  # see PersonDetector.person_at
SHRINK_RETRY = 0.7           # see PersonDetector.person_at
BOX_SHARE_MIN = 0.5          # a person found in a user's box has at least this share of their box inside it
BOX_ROI_SCALES = (ROI_SCALE, 1.1, 1.0, 0.9, 1.6)  # ROI sides tried for a user's box (x its longer side)
# ROIs that hold a whole square image, for `PersonDetector.frame_skeletons`: (side x the image's long side, centre
# moved up by this x the long side: room for a head the frame cuts off)
FRAME_ROIS = ((1.0, 0.0), (1.25, 0.0), (1.5, 0.0), (1.0, 0.15), (1.25, 0.15), (1.5, 0.15))
ADDED_IMAGES = 64            # images whose user-boxed people (`PersonDetector.add_person`) are kept
# A second witness for people the detector is unsure of (see PersonDetector.person_at): on textures, flowers
# and toys the face detector fires at 0.5-0.68 and the landmark model settles on a skeleton twice; a dog's face
# scored 0.701. The bar sits where no true person of the tuning crowds or photos lacks a witness that answers:
# the people of the tuning crowds and real photos scored 0.7-0.75 have proposer heat >= 0.36 (docs/crowds.md)
WITNESS_SCORE = 0.75        # people with a detector (or proposer peak) score below this need a second witness:
MIRROR_MAX_DRIFT = 0.1      # ... the mirrored ROI shows the same skeleton within this (body radii) and
MIRROR_PRESENCE = 0.8       # ... with at least this pose presence, or the search's witness answers for them
                            # (search.WITNESS_HEAT: the proposer's heatmap at their hips)
# On wide photos every person, however sure the landmark model is, must be seen by one of the two networks that
# read the pixels apart from BlazePose: the proposer's heatmap at their hips or the selfie segmenter on their
# silhouette (`seen_by_pixels`). No person of the project's photos or tuning crowds is blind to both (the larger
# of the two is at least 0.73 for the real people, e.g. Messi 0.10 heat, 0.73 selfie, and 0.33 for the rendered
# ones, e.g. 0.33 heat, 0.03 selfie: the selfie segmenter often sees nothing of our renders, the proposer then
# does); a texture skeleton scored 0.75 on a painted wallpaper is (docs/crowds.md, "Seen by neither"). Asked
# only where both models are loaded and the wide-shot search runs.
UNSEEN_HEAT = 0.1
UNSEEN_SELFIE = 0.1
# what a user loses with an optional model off (PersonDetector._optional), in the warning that says so
PEOPLE_OFF = ("the wide-shot person proposer is off: people far from the camera, or whose face does not show, are "
              "looked for less well")
SELFIE_OFF = ("the selfie segmenter is off: people the detector is unsure of are not checked against it, so a "
              "texture or a toy is taken for a person more often")
ANIMALS_OFF = "the animal check is off: animals the detector takes for people are not turned away"


class PersonDetector(PersonSearch):
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
            check_files(model_dir, (DETECTOR_FILE, LANDMARK_FILE), restore_hint(model_dir, MODEL_DIR))
        except ModelFileError as exc:
            raise DetectorUnavailable(str(exc)) from None
        self.threads = threads = threads or default_threads()
        self.detector = TfliteModel(interpreter_cls, model_dir / DETECTOR_FILE, threads)
        self.landmarker = TfliteModel(interpreter_cls, model_dir / LANDMARK_FILE, threads)
        if (set(self.detector.outputs) != {N_ANCHORS * 12, N_ANCHORS}
                or not {195, 1, LM_SIZE * LM_SIZE, 64 * 64 * 39} <= set(self.landmarker.outputs)):
            raise DetectorUnavailable(f"unexpected model outputs in {model_dir} (not BlazePose full?)")
        # The optional parts: each a witness, a finder or a veto beside BlazePose's two models. A file that is missing
        # or does not load turns that part off, said once in `problems` (the Predictor's warnings) with what is lost,
        # rather than the whole detector (which would fit the whole image as one person)
        self.problems: list[str] = []

        def selfie_model(path: Path) -> TfliteModel:
            model = TfliteModel(interpreter_cls, path, threads)
            if set(model.outputs) != {SELFIE_SIZE * SELFIE_SIZE}:
                raise DetectorUnavailable(f"unexpected model outputs in {path} (not MediaPipe's square selfie "
                                          f"segmentation?)")
            return model

        # the pixels witness of doubtful people (selfie.py)
        self.selfie = self._optional(model_dir / SELFIE_FILE, selfie_model, SELFIE_OFF, MODEL_DIR / SELFIE_FILE)
        self.anchors = ssd_anchors()
        # torch models beside the TFLite ones (torch is imported by a detector, not by this module); a path None: the
        # search runs without that model, as asked (no problem said)
        import torch

        from ..nets.precision import resolve_precision
        from .animals import AnimalCheck
        from .people_net import PeopleProposer

        self.proposer = self._optional(people, PeopleProposer, PEOPLE_OFF, PEOPLE_WEIGHTS)
        # people checked for animals (animals.py): a veto, not a finder
        try:  # the process's format (NBF_PRECISION or the CPU): a misspelt word is the user's, not the file's
            precision = resolve_precision("auto", torch.device("cpu"))
        except ValueError as exc:
            raise DetectorUnavailable(str(exc)) from None
        self.animals = self._optional(animals, lambda path: AnimalCheck(path, precision), ANIMALS_OFF, ANIMAL_WEIGHTS)
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
        self._cancel = None  # the running detect() call's cancel callable (`stop_if_cancelled`)
        self._runs: dict[tuple, object] | None = None  # the running detect() call's model answers (`run_once`)

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
        pixels = roi.sample(image, LM_SIZE)
        found, out = self.run_once(("landmarks", "with mask" if with_mask else "plain"), pixels,
                                   lambda: self._landmark_model(pixels, with_mask=with_mask))
        presence = found.presence
        kp = np.zeros((33, 3), np.float32)
        kp[:, :2] = roi.to_image(found.refined)
        kp[:, 2] = found.visibility
        aux = roi.to_image(out[195].reshape(39, 5)[33:35, :2] / LM_SIZE)
        mask = None
        if with_mask:
            seg = sigmoid(out[LM_SIZE * LM_SIZE].reshape(LM_SIZE, LM_SIZE)).astype(np.float32)
            mask = warped_mask(seg, roi, image.shape[:2])
        return kp, presence, mask, roi_from_points(aux[0], aux[1]), world_to_image_axes(out[117], roi.angle)

    def _landmark_model(self, pixels: np.ndarray, with_mask: bool = False, mirror: bool = False
                        ) -> tuple[RoiLandmarks, dict[int, np.ndarray]]:
        """The landmark model on a ROI's (256, 256, 3) uint8 sample, or on its mirror image: (its landmarks decoded,
        `decode_landmarks`; the outputs `_landmarks` reads: 195 the landmarks (39, 5), 117 the world landmarks
        (39, 3) and, `with_mask`, LM_SIZE * LM_SIZE the segmentation logits (256, 256); none for the mirror image,
        whose pass reads only the decoded landmarks). Only what is read is returned: `run_once` keeps it until the
        detect() call ends (the 64x64x39 heatmaps, 0.6 MB, are read by the decoding alone)."""
        x = pixels[:, ::-1] if mirror else pixels
        out = self.landmarker(np.ascontiguousarray(x.astype(np.float32) / 255.0))
        kept = () if mirror else (195, 117, LM_SIZE * LM_SIZE) if with_mask else (195, 117)
        found = decode_landmarks(out)
        for a in (found.raw, found.refined, found.visibility, *(out[n] for n in kept)):  # (shared: `run_once`)
            a.setflags(write=False)
        return found, {n: out[n] for n in kept}

    def mirror_pass(self, image: np.ndarray, roi: Roi) -> MirrorPass:
        """The landmark model on the mirror image of a ROI of an (H, W, 3) uint8 RGB image, its keypoints mapped
        back to the image (`MirrorPass`: keypoints (33, 2) image px, in the unmirrored person's order)."""
        pixels = roi.sample(image, LM_SIZE)
        found, _ = self.run_once(("landmarks", "mirrored"), pixels, lambda: self._landmark_model(pixels, mirror=True))
        raw, refined = found.raw.copy(), found.refined.copy()
        raw[:, 0], refined[:, 0] = 1.0 - raw[:, 0], 1.0 - refined[:, 0]
        return MirrorPass(raw=roi.to_image(raw[MIRROR]), refined=roi.to_image(refined[MIRROR]),
                          visibility=found.visibility[MIRROR], presence=found.presence,
                          radius=roi.side / (2 * ROI_SCALE))

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
        self.stop_if_cancelled()
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
            if not (presence >= MIRROR_PRESENCE and drift <= MIRROR_MAX_DRIFT):
                return None
            # the mirror and the part segmentation (`parts`) read BlazePose's own skeleton; the selfie segmenter reads
            # the pixels (selfie.py). Not asked of people the proposer's heat vouched for: it paints too few of our
            # renders' people. The selfie (about 14 ms) goes before the part segmentation (about 300 ms): both must
            # say yes and neither changes what the other answers (`parts` keeps the part map it makes for a strict
            # ask about this same person, which makes it again otherwise)
            if look and not self.looks_like_person(image, person):
                return None
            if parts is not None and not parts(image, person):
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
        image = as_rgb(image_rgb)
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
        of their box inside the user's, the one whose box overlaps it most (IoU) and lies inside it most: the
        product of the two (in a crowd a skeleton can join one walker's legs to a neighbour's head, which reaches out
        of the box: it overlapped a 3 px wider box as much as the walker's own, 0.63 against 0.62, and won)."""
        image = as_rgb(image_rgb)
        x0, y0, x1, y1 = (float(v) for v in box)
        extent = max(x1 - x0, y1 - y0)
        if not extent >= 2:
            return None
        user = np.array([x0, y0, x1, y1], np.float32)
        best, best_fit = None, 0.0
        with self._lock:
            for k in BOX_ROI_SCALES:
                person = self.person_at(image, Roi((x0 + x1) / 2, (y0 + y1) / 2, extent * k), 1.0, look=False)
                share = 0.0 if person is None else float(box_share(person.box, user)[0, 0])
                if share < BOX_SHARE_MIN:
                    continue
                fit = share * float(box_iou(person.box, user)[0, 0])
                if fit > best_fit:
                    best, best_fit = person, fit
        return None if best is None else replace(best, boxed=True)

    def add_person(self, image_rgb: np.ndarray, person: Person) -> None:
        """Keep `person` (from `person_in_box`) with this (H, W, 3) uint8 image (grey (H, W) too): detect() lists
        them after the search's people from now on (for ADDED_IMAGES images, the oldest forgotten first), so that they
        are asked for by their index as a person the search found, also after the search runs again. Shared by every
        user of this detector."""
        key = image_key(as_rgb(image_rgb))  # (as detect() keys the image: a grey photo made RGB)
        with self._lock:
            added = self._added.get(key, [])
            if person not in added:
                added.append(person)
            keep_newest(self._added, key, added, ADDED_IMAGES)

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
        """The selfie segmenter paints at least LOOK_MIN of the person's silhouette in the (H, W, 3) uint8 image as
        person (selfie.py); yes when this detector has no selfie model."""
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
        return self.proposer is not None and hip_heat(self.proposer, maps(), person) >= UNSEEN_HEAT

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
        key = image_key(as_rgb(image_rgb))
        with self._lock:
            figures, added = self._set_aside.get(key, ()), self._added.get(key, ())
        if not added:
            return list(figures)
        boxes = np.array([p.box for p in added], np.float32)
        return [f for f in figures if not (box_iou(f.box, boxes) >= 0.5).any()]

    def forget(self) -> None:
        """Drop the kept detect() results (CACHE_SIZE): a benchmark times the search, not the cache."""
        with self._lock:
            self._cache = []

    def _optional(self, path: Path | None, load, off: str, shipped: Path):
        """`load(path)` once the file is checked against its folder's manifest; None when `path` is None (not asked
        for), or, with a line in `problems` naming the file, what is lost (`off`: which part is off and what that
        costs) and how to restore it (`shipped`: the project's copy), when the file is missing, damaged or not the
        model `load` expects."""
        if path is None:
            return None
        folder = Path(path).parent
        hint = restore_hint(path, shipped)
        if (folder / "models.json").is_file() and not is_shipped(folder):
            # a weights folder of the user's (`predict --weights`): the file may be a candidate copied in on purpose,
            # which its manifest should record rather than the project's copy replace
            hint += ("; or, if it was put there on purpose, record it with `python scripts/package_weights.py "
                     f"--manifest-only --dest {folder}`{script_note()}")
        model, problem = _load_optional(Path(path), load, f"{off}; {hint}")
        if problem is not None:
            self.problems.append(problem)
        return model


def _load_optional(path: Path, load, tail: str) -> tuple[object | None, str | None]:
    """(the model `load(path)` gives, None), or (None, why it gives none, ending with `tail`: what is lost and how
    to restore the file)."""
    import pickle

    if not path.is_file():
        return None, f"model file {path} is missing; {tail}"
    try:
        check_files(path.parent, (path.name,), tail)
        return load(path), None
    except ModelFileError as exc:  # (its message ends with `tail`, unless the manifest itself does not read)
        why = str(exc)
        return None, why if why.endswith(tail) else f"{why}; {tail}"
    except DetectorUnavailable as exc:  # a .tflite the interpreter refuses, or of other outputs
        return None, f"{exc}; {tail}"
    except (ValueError, RuntimeError, KeyError, pickle.UnpicklingError, EOFError, OSError) as exc:
        return None, f"model file {path} cannot be loaded ({load_refusal(exc)}); {tail}"
