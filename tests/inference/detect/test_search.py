"""inference/detect/search.py: the search stops when its caller cancels (a helper measured 40 s of search on a
90-megapixel photo that Esc and closing the window could not stop), and keeps nothing of a cancelled run."""
from __future__ import annotations

import cv2
import pytest

from inference.detect import PersonDetector, detector_available
from inference.errors import Cancelled
from inference.paths import RESOURCES

AVAILABLE, WHY = detector_available()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=WHY)


@pytest.fixture(scope="module")
def photo():
    return cv2.cvtColor(cv2.imread(str(RESOURCES / "photos" / "two_people.jpg")), cv2.COLOR_BGR2RGB)


class Countdown:
    """A cancel callable that says yes from its n-th question on, counting the questions."""

    def __init__(self, n: int):
        self.n, self.asked = n, 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.asked >= self.n


def test_a_cancelled_search_stops_soon_and_keeps_nothing(photo):
    detector = PersonDetector()
    whole = Countdown(10 ** 9)
    people = detector.detect(photo, cancel=whole)
    assert len(people) == 2 and whole.asked > 20  # asked at every view and landmark pass
    detector.forget()
    for n in (1, 5, whole.asked // 2):
        stop = Countdown(n)
        with pytest.raises(Cancelled):
            detector.detect(photo, cancel=stop)
        assert stop.asked == n  # not asked again after it said yes: the search stopped there
        assert detector._cache == [] and detector._cancel is None
    # the same search without a cancel afterwards: as if nothing had happened
    again = detector.detect(photo)
    assert [p.box.tolist() for p in again] == [p.box.tolist() for p in people]


def test_predict_passes_its_cancel_to_the_search(photo):
    """The model worker's cancel reaches the search: Predictor.predict stops inside it."""
    from inference.pipeline import Predictor

    pred = Predictor(device="cpu", detect="on")
    pred.detector.forget()
    stop = Countdown(3)
    with pytest.raises(Cancelled):
        pred.predict(photo, cancel=stop)
    assert stop.asked == 3
