"""No legs painted where the photo shows none: the part map of a half-length portrait without its leg labels.

A half-length person is fitted on a crop extended to a whole body (`detect.person_inputs.body_box`), so the
segmentation network reads a small upper body above the photo's edge, and it paints thighs and shins onto what
lies at the bottom of the photo: an arm, a hand, the lower torso (KPhotoAlbum's `qt-logo.jpg`: a shin along a
man's forearm). When the detector's keypoints say the legs are outside the photo (`refine.legs_outside_photo`: no
knee or ankle seen, the crop running off the photo's bottom edge, no hip more than half a torso above it), those
labels are wrong by the detector's account: no shin can be in the photo, nor a thigh when no hip is seen either.
`without_unseen_legs` marks those labels absent from the map (`PartMap.absent`): a pixel where one of them is the
likeliest class stays body and takes its likeliest other part (the network said "person" there, only not which
part), in the crop's map and in the photo's (`crop.uncrop_parts`); the probabilities stay the network's. The
fitting network and the refinement read the map as painted; this one is what the user sees and what the files
hold (measured in docs/segmentation.md, "No legs below a half-length portrait").
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .parts import labels_from_probs
from .refine import LSP_HIPS, legs_outside_photo
from .types import PartMap

THIGHS = (5, 6)   # label values: left thigh, right thigh (inference/parts.py)
SHINS = (11, 12)  # left shin+foot, right shin+foot


def without_unseen_legs(parts: PartMap, joints2d: np.ndarray | None, conf: np.ndarray | None,
                        photo_area: np.ndarray | None) -> PartMap:
    """The part map (labels (r, r) on a crop of S px, probs (13, r, r)) with the leg labels the photo cannot show
    absent (`PartMap.absent`), when the detector's keypoints (joints2d (13+, 2) crop px, LSP order, conf (13+,)) put the
    legs outside it (photo_area (S, S) bool, the crop pixels inside the photo); otherwise the map itself. The shins
    go, and the thighs too when no hip is seen. With a hip seen the thighs stay wherever they are painted: on synthetic
    people cut below the hips, taking out the thighs painted more than 0.15-0.5 torso lengths above the detected hips
    cost true thigh pixels (docs/segmentation.md, "No legs below a half-length portrait")."""
    if parts.probs is None or not legs_outside_photo(joints2d, conf, photo_area):
        return parts
    hips_seen = bool(np.any(np.asarray(conf)[list(LSP_HIPS)] > 0))
    absent = SHINS if hips_seen else THIGHS + SHINS
    return replace(parts, labels=labels_from_probs(np.moveaxis(parts.probs, 0, -1), absent), absent=absent)
