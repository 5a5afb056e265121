"""Where the person detector's models live and whether they can run here: the TFLite runtime (LiteRT, or the
older tflite_runtime), the BlazePose files, NBF's proposer and ImageNet's classifier beside them."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..paths import RESOURCES, in_checkout

MODEL_DIR = RESOURCES / "detector"
DETECTOR_FILE = "pose_detection.tflite"
LANDMARK_FILE = "pose_landmark_full.tflite"


def install_hint(checkout: bool | None = None) -> str:
    """How to install the detector's TFLite runtime: the requirements file in a checkout, the package's `detect` extra
    in an installed copy (no requirements files there). `checkout`: None: `in_checkout()`."""
    checkout = in_checkout() if checkout is None else checkout
    return "pip install -r requirements-detect.txt" if checkout else "pip install 'nbf-studio[detect]'"


INSTALL_HINT = install_hint()
# The wide-shot person proposer (people_net.py): NBF's own trained weights, the shipped ones beside seg.pt; a
# Predictor given another weights folder with its own people.pt reads that one (`shared_detector(people=...)`)
PEOPLE_WEIGHTS = RESOURCES / "weights" / "people.pt"
ANIMAL_WEIGHTS = RESOURCES / "weights" / "imagenet_lite0.pt"  # ImageNet's classifier (animals.py)


class DetectorUnavailable(RuntimeError):
    """The detector cannot run here (runtime not installed or model files missing); the message says why."""


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
