"""People in real photographs: person boxes, 33 BlazePose keypoints and a silhouette per person.

    from inference.detect import PersonDetector, detector_available
    ok, why = detector_available()          # (False, "...pip install -r requirements-detect.txt") without the runtime
    people = PersonDetector().detect(rgb)   # list[Person], default person first; [] when nobody is there
    joints = people[0].lsp13()              # (13, 3) LSP-order x, y, confidence in image pixels

The models are MediaPipe's BlazePose detector and full landmark model (Apache-2.0, shipped in
resources/detector/, see LICENSE.md there); they run on the LiteRT (TFLite) interpreter from the optional
`ai-edge-litert` package (requirements-detect.txt).  In wide shots a face-free person proposer of NBF's own
(people_net.py, torch, weights resources/weights/people.pt) adds candidates where the face-keyed detector
found nobody; the landmark model verifies them as it verifies the detector's.  A doubtful person whose
silhouette ImageNet's classifier takes for a land mammal is turned away (animals.py, torch, weights
resources/weights/imagenet_lite0.pt).  Nothing here needs Qt or a network.
"""
from __future__ import annotations

import threading
from pathlib import Path

from .blazepose import PersonDetector
from .person import HEAD_LANDMARKS, LANDMARK_NAMES, LSP_FROM_BLAZEPOSE, LSP_NAMES, MIN_BOX_PX, Person, torso_length
from .runtime import (
    ANIMAL_WEIGHTS,
    DETECTOR_FILE,
    INSTALL_HINT,
    LANDMARK_FILE,
    MODEL_DIR,
    PEOPLE_WEIGHTS,
    DetectorUnavailable,
    detector_available,
)

_SHARED: dict[tuple[Path, Path | None], PersonDetector] = {}
_SHARED_LOCK = threading.Lock()


def shared_detector(model_dir: Path | None = None, people: Path | None = None) -> PersonDetector:
    """One PersonDetector per process, model folder and proposer weights, built on first use (its calls are
    serialised by a lock, so threads may share it). Building one prepares the TFLite models while holding the
    interpreter lock for about 0.1 s, so the app builds it in a thread of its own after its window's first paint
    (cli/cmd_gui.py DetectorAfterFirstPaint) and every Predictor reuses it.
    people: the proposer's people.pt (None: the shipped one, PEOPLE_WEIGHTS), e.g. a weights folder's own.
    Raises DetectorUnavailable."""
    from . import blazepose

    folder = Path(model_dir or blazepose.MODEL_DIR).resolve()  # read at call time: tests point it elsewhere
    own = {} if people is None else {"people": Path(people)}  # (people=None itself would turn the proposer off)
    key = (folder, Path(people).resolve() if people is not None else None)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = PersonDetector(folder, **own)
        return _SHARED[key]


__all__ = ["ANIMAL_WEIGHTS", "DETECTOR_FILE", "HEAD_LANDMARKS", "INSTALL_HINT", "LANDMARK_FILE", "LANDMARK_NAMES",
           "LSP_FROM_BLAZEPOSE", "LSP_NAMES", "MIN_BOX_PX", "MODEL_DIR", "PEOPLE_WEIGHTS", "DetectorUnavailable",
           "Person", "PersonDetector", "detector_available", "shared_detector", "torso_length"]
