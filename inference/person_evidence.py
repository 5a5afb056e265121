"""Whether there is a person: the part segmentation as the person search's witness, and the rules that take a photo
in which the search finds nobody as one person's crop.

`PersonEvidence` is a mixin of `inference.pipeline.Predictor`, whose segmentation it asks. The host provides
`detector` (an `inference.detect.PersonDetector` or None), `size` (the network's crop side, px), `_witnessed` (a list,
empty at first) and `_person_parts(crop_image, joints2d, conf, mask_crop, photo_mask=None) -> PartMap`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from .crop import apply_crop, crop_for_box, uncrop_parts
from .types import Crop, PartMap

UNDETECTED_PERSON_FRACTION = 0.08  # a person the detector missed must fill this much of the whole image
# ... with a confident segmentation (mean winning-part probability). Square crops of person-free photos reach
# 0.66 (126 wallpapers and OpenCV samples: 13 at 0.50-0.66, among them the 512 px chick photo itself at 0.51);
# synthetic tuning people the detector misses start at 0.70. Between the two (docs/crowds.md, "Square photos").
UNDETECTED_PERSON_CONFIDENCE = 0.68
# ... or, failing the confidence, the segmentation is this confident reading the keypoints of a skeleton the landmark
# model's first pass sees on a ROI that holds the whole image (`PersonDetector.frame_skeletons`), in that skeleton's
# crop, painting UNDETECTED_PERSON_FRACTION of it: a person whose face the frame cuts off, whom the face detector
# cannot find and whose part map read without keypoints is unsure. The centre squares of the 165 person-free photos
# reach 0.70 at 384 px, 0.68 at 256, 0.67 at 160; the tuning case the rule was made for 0.85, and 0.84-0.89 on 12 of
# its 13 resized, cropped, shifted, compressed and mirrored copies (docs/crowds.md, "A person whose face the frame
# cuts off"). The fit then reads the image alone, as for the rule above:
# on renders the search misses, a whole-frame skeleton's keypoints mislead the fit more than no keypoints do.
FRAME_SKELETON_CONFIDENCE = 0.75
# A doubtful person (detector score under the detector's WITNESS_SCORE) whom only the mirror test vouches for
# (not the proposer's heat) is kept when the segmentation, run on their crop, paints at least this fraction of
# their confident keypoints with their own parts (keypoint-part agreement, inference.metrics). Skeletons the
# landmark model sees in textures often get part maps that do not follow them: 0.00-0.21 for four of the ten
# false people on the wallpapers of scripts/fetch_wallpapers.py. People score higher, but not by much where the
# network is weak: doubtful real people of the project's photos 0.62-0.93, synthetic tuning people from 0.40,
# an upside-down synthetic acrobat 0.29 (docs/crowds.md, "A third witness").
PART_WITNESS_MIN = 0.25
# A person the landmark model doubts (pose presence under its threshold) on a peak of the wide-shot proposer is
# kept when the part map follows the skeleton this well and the network is this confident about it (its mean
# winning-part probability). Of the doubted skeletons on the crowd tuning frames' people, 16 of 106 score
# 0.5-0.6; of the 30 on person-free photos one scores at least 0.5 and 0.7 together, and it is 36 px tall, under
# PROPOSAL_MIN_PX (docs/crowds.md, "Doubted people" and "Found people painted over").
SURE_PART_AGREEMENT = 0.5
SURE_PART_CONFIDENCE = 0.7
WITNESSED_KEPT = 4  # part maps of recent third-witness calls kept for the strict ask that may follow the lenient one
# The witness reads the part map warped onto the photo at most this many photo pixels across the person's crop: a
# person filling a 90-megapixel photo took 5.7 s a witness call at the photo's resolution (13 probability planes of
# 9000 x 9000), 40 s of search in all. Every crop of the project's test photos and renders is smaller, so the
# witness answers there as when its bars were set (docs/crowds.md).
WITNESS_MAX_SIDE = 1024


def undetected_person(image_shape: tuple[int, ...], parts: PartMap, confident: float = UNDETECTED_PERSON_CONFIDENCE
                       ) -> bool:
    """Whether a photo of image_shape (H, W, ...) in which the search found nobody still holds one person, from the
    part map of the whole photo: only a square, pre-cropped image (the network's own input convention) that the
    segmentation clearly fills, with at least `confident` mean winning-part probability."""
    h, w = image_shape[:2]
    return (abs(w / h - 1) < 0.05 and float((parts.labels > 0).mean()) >= UNDETECTED_PERSON_FRACTION
            and parts.confidence() >= confident)


def fingerprint(rgb: np.ndarray) -> tuple:
    """A cheap identity of a photo (H, W, 3): its shape and a hash of every 8th pixel of every 8th row."""
    return rgb.shape, hashlib.blake2b(np.ascontiguousarray(rgb[::8, ::8]).data, digest_size=16).digest()


class PersonEvidence:
    """The segmentation's say on people (see the module docstring for what the host class provides)."""

    def part_agreement(self, rgb: np.ndarray, person) -> float:
        """Keypoint-part agreement of `person` (a detect.Person on the (H, W, 3) photo) with the part map the
        segmentation gives their crop, in the photo's frame; NaN without a confident keypoint to check."""
        return self._part_witness(rgb, person)[0]

    def _crop_parts(self, rgb: np.ndarray, person) -> tuple[Crop, PartMap]:
        """(the crop of `person`, a detect.Person on the (H, W, 3) photo; the part map of that crop read with their
        keypoints and restricted to their silhouette, if any). A skeleton asked about twice (the lenient witness,
        then the strict one) is segmented once."""
        from .detect.person_inputs import body_box, crop_inputs

        crop = crop_for_box(tuple(float(v) for v in body_box(person, rgb.shape)), rgb.shape, self.size)
        parts = self._witnessed_parts(rgb, person, crop)
        if parts is None:
            joints2d, conf, mask = crop_inputs(person, crop, rgb.shape)
            parts = self._person_parts(apply_crop(rgb, crop), joints2d, conf, mask, person.mask)
            self._witnessed = [(person, fingerprint(rgb), crop, parts), *self._witnessed][:WITNESSED_KEPT]
        return crop, parts

    def _part_witness(self, rgb: np.ndarray, person) -> tuple[float, float]:
        """(`part_agreement`, the segmentation network's own confidence on the person's crop)."""
        from .metrics import keypoint_part_agreement

        crop, parts = self._crop_parts(rgb, person)
        keypoints, shape = np.asarray(person.keypoints, np.float32), rgb.shape[:2]
        k = min(1.0, WITNESS_MAX_SIDE * crop.scale / crop.size)  # (crop.size / crop.scale: its side in photo px)
        if k < 1.0:  # the photo, the crop and the keypoints at k times their size
            shape = (max(1, round(shape[0] * k)), max(1, round(shape[1] * k)))
            crop = Crop(np.asarray(crop.offset, np.float32) * k, crop.scale / k, crop.size)
            keypoints = np.concatenate([keypoints[:, :2] * k, keypoints[:, 2:]], 1)
        # the map weighed on the crop, as the witness's thresholds were set (crowds.md)
        agreement = keypoint_part_agreement(uncrop_parts(parts, crop, shape, in_photo=False), keypoints).agreement
        return float(agreement), parts.confidence()

    def _witnessed_parts(self, rgb: np.ndarray, person, crop: Crop) -> PartMap | None:
        """The restricted part map `part_agreement` computed for this very person (the detector's object) on
        this photo and crop, or None."""
        mine = [(key, c, parts) for p, key, c, parts in self._witnessed if p is person]
        photo = fingerprint(rgb) if mine else None
        for key, c, parts in mine:
            if key == photo and c.size == crop.size and c.scale == crop.scale and np.array_equal(c.offset, crop.offset):
                return parts
        return None

    def parts_follow(self, rgb: np.ndarray, person, sure: bool = False) -> bool:
        """The detector's third witness (`detect.blazepose.PersonDetector.person_at`): the part map of the person's crop
        of the (H, W, 3) uint8 photo `rgb` agrees with their skeleton (PART_WITNESS_MIN; with no confident keypoint to
        check, yes). `sure`: the strict form for a skeleton the landmark model doubts and for people found only on a
        small image's canvas (SURE_PART_AGREEMENT with a network at least SURE_PART_CONFIDENCE confident; without a
        confident keypoint to check, no)."""
        agreement, confidence = self._part_witness(rgb, person)
        if sure:
            return agreement >= SURE_PART_AGREEMENT and confidence >= SURE_PART_CONFIDENCE
        return not agreement < PART_WITNESS_MIN

    def people(self, rgb: np.ndarray, cancel: Callable[[], bool] | None = None) -> tuple:
        """The detector's people on the (H, W, 3) uint8 photo, default person first, with the segmentation as
        a third witness for doubtful ones (`parts_follow`); () without a detector. The detector answers a
        photo it has just seen from its cache. `cancel() -> bool` True stops the search (Cancelled)."""
        if self.detector is None:
            return ()
        return tuple(self.detector.detect(rgb, parts=self.parts_follow, cancel=cancel))

    def person_without_detection(self, rgb: np.ndarray) -> bool:
        """Whether `predict` takes the (H, W, 3) uint8 photo as one person although the search finds nobody in
        it (see `undetected_person`); False when the search finds someone or there is no detector."""
        if self.detector is None or self.people(rgb):
            return False
        frame = crop_for_box(None, rgb.shape, self.size)
        return self.one_person_image(rgb, self._person_parts(apply_crop(rgb, frame), None, None, None))

    def one_person_image(self, rgb: np.ndarray, parts: PartMap) -> bool:
        """Whether the (H, W, 3) photo, in which the search found nobody, is one person's crop: from `parts`, its part
        map read without keypoints (`undetected_person`), or, failing the confidence, from a skeleton the landmark
        model sees in the whole frame (FRAME_SKELETON_CONFIDENCE)."""
        if undetected_person(rgb.shape, parts):
            return True
        # (the filled square first: the landmark passes and segmentations cost 0.1-0.2 s)
        if self.detector is None or not undetected_person(rgb.shape, parts, confident=0.0):
            return False
        for skeleton in self.detector.frame_skeletons(rgb):
            _, read = self._crop_parts(rgb, skeleton)  # (a skeleton has no silhouette: the map as segmented)
            if (float((read.labels > 0).mean()) >= UNDETECTED_PERSON_FRACTION
                    and read.confidence() >= FRAME_SKELETON_CONFIDENCE):
                return True
        return False
