"""PersonDetector.person_in_box: of the skeletons its ROIs find in a user's box, the one that overlaps the box and
lies inside it most (sweep101's crowd: a skeleton joining one walker's legs to a neighbour's head overlapped a
3 px wider box as much as the walker's own, and the user's box gave back the neighbour, fitted before). The
landmark passes are replaced by the skeletons they gave on that frame, so the choice alone is tested."""
from __future__ import annotations

import numpy as np
import pytest

from inference.detect import Person, detector_available, shared_detector
from inference.detect.blazepose import BOX_ROI_SCALES

AVAILABLE, WHY = detector_available()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=WHY)


def _person(box) -> Person:
    return Person(box=np.float32(box), score=1.0, keypoints=np.zeros((33, 3), np.float32))


MIXED = (737, 273, 780, 354)   # the walker's legs under the neighbour's head (the search's person 1)
WALKER = (736, 286, 766, 353)  # the walker alone


@pytest.mark.parametrize("box", [(733, 283, 770, 356), (730, 282, 773, 357)], ids=["tight", "3 px wider"])
def test_the_skeleton_inside_the_box_wins_over_one_that_reaches_out_of_it(monkeypatch, box):
    det = shared_detector()
    found = {k: _person(MIXED if k in (BOX_ROI_SCALES[0], BOX_ROI_SCALES[-1]) else WALKER) for k in BOX_ROI_SCALES}
    side = max(box[2] - box[0], box[3] - box[1])
    monkeypatch.setattr(det, "person_at", lambda image, roi, score, look=False: found[round(roi.side / side, 2)])
    got = det.person_in_box(np.zeros((640, 1024, 3), np.uint8), box)
    assert got is not None and got.boxed and tuple(int(v) for v in got.box) == WALKER
    # where the ROIs find only the skeleton that reaches out of the box, it is still the one in the box
    monkeypatch.setattr(det, "person_at", lambda image, roi, score, look=False: _person(MIXED))
    got = det.person_in_box(np.zeros((640, 1024, 3), np.uint8), box)
    assert got is not None and tuple(int(v) for v in got.box) == MIXED
