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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import joints
from ..paths import RESOURCES
from ..types import Silhouette

MODEL_DIR = RESOURCES / "detector"
DETECTOR_FILE = "pose_detection.tflite"
LANDMARK_FILE = "pose_landmark_full.tflite"
INSTALL_HINT = "pip install -r requirements-detect.txt"
# The wide-shot person proposer (people_net.py): NBF's own trained weights, beside seg.pt
PEOPLE_WEIGHTS = RESOURCES / "weights" / "people.pt"
ANIMAL_WEIGHTS = RESOURCES / "weights" / "imagenet_lite0.pt"  # ImageNet's classifier (animals.py)
MIN_BOX_PX = 8  # a box drawn around a person (`Predictor.predict_box`, the app's Shift+drag): photo px on each side

# BlazePose's 33 landmarks (the subject's own left and right).
LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index")
HEAD_LANDMARKS = tuple(range(11))  # nose, eyes, ears, mouth
# LSP order: R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder, L shoulder, L elbow,
# L wrist (neck = mid-shoulders is added by Person.lsp13).
LSP_FROM_BLAZEPOSE = (28, 26, 24, 23, 25, 27, 16, 14, 12, 11, 13, 15)
LSP_NAMES = joints.LSP_NAMES[:13]  # the detector gives no head top


def torso_length(keypoints: np.ndarray) -> float:
    """Mid-shoulders to mid-hips in the keypoints' units (BlazePose keypoints (33, 2+), e.g. `Person.keypoints`)."""
    kp = np.asarray(keypoints)
    return float(np.linalg.norm((kp[11, :2] + kp[12, :2]) / 2 - (kp[23, :2] + kp[24, :2]) / 2))


class DetectorUnavailable(RuntimeError):
    """The detector cannot run here (runtime not installed or model files missing); the message says why."""


@dataclass(frozen=True, eq=False)
class Person:
    """One detected person.

    box (4,) float32 x0, y0, x1, y1 in image pixels (clipped to the image); score in [0, 1] (the person
    detector's); keypoints (33, 3) float32 x, y, visibility in image pixels, BlazePose order (they may lie
    outside the image for body parts cut off by its border, with low visibility); mask, the person's
    silhouette on the image (person probabilities in [0, 1], kept as the window that holds them: a
    `inference.types.Silhouette`), or None; world (33, 3) float32 the landmark model's
    3D landmarks in metres, origin between the hips, x right and y down along the image's axes, z away from
    the camera, or None; boxed: found in a box the user drew (`PersonDetector.person_in_box`, score 1.0 by the
    user's word), not by the search.
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray
    mask: Silhouette | None = None
    world: np.ndarray | None = None
    boxed: bool = False

    def score_text(self) -> str:
        """'detector score 0.95', or 'in a box you drew' for a person the search did not find."""
        return "in a box you drew" if self.boxed else f"detector score {float(self.score):.2f}"

    @property
    def area(self) -> float:
        return float(max(self.box[2] - self.box[0], 0) * max(self.box[3] - self.box[1], 0))

    def edges(self, image_shape: tuple[int, ...]) -> tuple[str, ...]:
        """The edges of the image ("left", "top", "right", "bottom") the box touches, within a pixel: where the
        photo may cut the person off."""
        h, w = image_shape[:2]
        x0, y0, x1, y1 = (float(v) for v in self.box)
        return tuple(s for s, hit in (("left", x0 <= 1), ("top", y0 <= 1), ("right", x1 >= w - 1),
                                      ("bottom", y1 >= h - 1)) if hit)

    def lsp13(self, image_shape: tuple[int, ...] | None = None) -> np.ndarray:
        """(13, 3) float32 LSP-order joints x, y, confidence in image pixels; neck = mid-shoulders with the
        smaller of the two shoulder confidences.  With image_shape, joints outside the image get confidence 0."""
        kp = np.asarray(self.keypoints, np.float32)
        out = np.zeros((13, 3), np.float32)
        out[:12] = kp[list(LSP_FROM_BLAZEPOSE)]
        out[12, :2] = (kp[11, :2] + kp[12, :2]) / 2
        out[12, 2] = min(kp[11, 2], kp[12, 2])
        if image_shape is not None:
            h, w = image_shape[:2]
            outside = (out[:, 0] < 0) | (out[:, 1] < 0) | (out[:, 0] > w) | (out[:, 1] > h)
            out[outside, 2] = 0.0
        return out


def _import_interpreter():
    """The TFLite Interpreter class from the first runtime installed (LiteRT first), or raise ImportError."""
    errors = []
    for mod in ("ai_edge_litert.interpreter", "tflite_runtime.interpreter"):
        try:
            module = __import__(mod, fromlist=["Interpreter"])
        except ImportError as exc:  # not installed, or built for another numpy
            errors.append(f"{mod.split('.')[0]}: {exc}")
            continue
        if mod.startswith("tflite_runtime") and int(np.__version__.split(".")[0]) >= 2:
            # its last release (2.14) imports under numpy 2 but fails when it loads a model
            errors.append("tflite_runtime: built for numpy 1, this is numpy " + np.__version__)
            continue
        return module.Interpreter
    raise ImportError("; ".join(errors))


def detector_available(model_dir: Path | None = None) -> tuple[bool, str]:
    """(True, "") when PersonDetector can run, else (False, a one-line reason with the fix)."""
    model_dir = Path(model_dir) if model_dir is not None else MODEL_DIR
    try:
        _import_interpreter()
    except ImportError as exc:
        return False, f"the person detector needs a TFLite runtime ({INSTALL_HINT}); import failed: {exc}"
    missing = [f for f in (DETECTOR_FILE, LANDMARK_FILE) if not (model_dir / f).is_file()]
    if missing:
        return False, f"detector model files missing in {model_dir}: {', '.join(missing)}"
    return True, ""


from .blazepose import PersonDetector  # noqa: E402 - needs Person; imports the runtime only when built

_SHARED: dict[Path, PersonDetector] = {}
_SHARED_LOCK = threading.Lock()


def shared_detector(model_dir: Path | None = None) -> PersonDetector:
    """One PersonDetector per process and model folder, built on first use (its calls are serialised by a
    lock, so threads may share it). Building one prepares the TFLite models while holding the interpreter
    lock for about 0.1 s, so the app builds it before its window shows and every Predictor reuses it.
    Raises DetectorUnavailable."""
    from . import blazepose

    key = Path(model_dir or blazepose.MODEL_DIR).resolve()  # read at call time: tests point it elsewhere
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = PersonDetector(key)
        return _SHARED[key]


__all__ = ["Person", "PersonDetector", "DetectorUnavailable", "detector_available", "shared_detector",
           "LANDMARK_NAMES", "LSP_FROM_BLAZEPOSE", "LSP_NAMES", "MODEL_DIR"]
