"""The person search runs each model input once per detect() call (`PersonSearch.run_once`) and finds the same people
as when it runs every input it meets.

Real models on camera.png (512 px, square: its largest tile is the whole-image view); skipped without the TFLite
runtime, as the other detector tests are.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

import inference.detect as det
from inference.detect import detector_available
from inference.paths import RESOURCES

AVAILABLE, WHY = detector_available()
needs_runtime = pytest.mark.skipif(not AVAILABLE, reason=WHY)


class Counting:
    """A TFLite model (`blazepose_model.TfliteModel`) that notes a digest of each input it is run on."""

    def __init__(self, model):
        self.model, self.inputs = model, []

    def __call__(self, x: np.ndarray) -> dict[int, np.ndarray]:
        self.inputs.append(hashlib.blake2b(np.ascontiguousarray(x).data, digest_size=16).digest())
        return self.model(x)


def vouch(image, person, sure: bool = False) -> bool:
    """A third witness that says yes to everyone: the search then also tries the proposer's doubted peaks again
    (search.DOUBTED_PRESENCE), the landmark passes on the ROIs it tried once already."""
    return True


def people_bits(people) -> list:
    return [(p.box.tobytes(), p.score, p.keypoints.tobytes(), None if p.world is None else p.world.tobytes(),
             None if p.mask is None else (p.mask.x, p.mask.y, np.asarray(p.mask.values).tobytes())) for p in people]


@pytest.fixture(scope="module")
def runs():
    """{remember_runs: (detector inputs, landmark inputs, the people found as bytes)} on camera.png."""
    from inference.image_io import load_image

    detector = det.PersonDetector()
    image = load_image(RESOURCES / "photos" / "camera.png")
    models = Counting(detector.detector), Counting(detector.landmarker)
    detector.detector, detector.landmarker = models
    out = {}
    for remember in (True, False):
        detector.remember_runs = remember
        detector.forget()
        for m in models:
            m.inputs = []
        people = detector.detect(image, parts=vouch)
        out[remember] = (models[0].inputs, models[1].inputs, people_bits(people))
    return out


@needs_runtime
def test_each_detector_input_runs_once_per_search(runs):
    inputs, _, _ = runs[True]
    every, _, _ = runs[False]
    assert len(inputs) == len(set(inputs))
    assert set(inputs) == set(every) and len(every) > len(inputs)  # (the whole-image view is a tile too)


@needs_runtime
def test_each_landmark_input_runs_once_per_search(runs):
    _, inputs, _ = runs[True]
    _, every, _ = runs[False]
    assert len(inputs) == len(set(inputs))
    assert set(inputs) == set(every) and len(every) > len(inputs)  # (doubted peaks: the same passes again)


@needs_runtime
def test_the_memo_changes_nobody_found(runs):
    people = runs[True][2]
    assert people and people == runs[False][2]
