"""The detector's optional models (inference/detect/blazepose.py, `PersonDetector._optional`): the wide-shot person
proposer (resources/weights/people.pt), the selfie segmenter (resources/detector/selfie_segmentation.tflite) and the
animal check. A copy of one, damaged or gone, turns that part off with one warning naming the file, what is lost and
how to restore it; BlazePose itself keeps finding people (helper-109's sweep, F5: a damaged one switched the whole
detector off, so the whole image was fitted as one person; a missing one went unsaid)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from inference.detect import detector_available
from inference.detect.runtime import MODEL_DIR, PEOPLE_WEIGHTS
from inference.detect.selfie import SELFIE_FILE
from inference.paths import RESOURCES

AVAILABLE, WHY = detector_available()
needs_runtime = pytest.mark.skipif(not AVAILABLE, reason=WHY)
ASTRONAUT = RESOURCES / "photos" / "astronaut.jpg"  # one sure person


def load(path: Path):
    from inference.image_io import load_image

    return load_image(path)


def truncated_copy(source: Path, folder: Path, keep: int = 1000) -> Path:
    """`source` cut to `keep` bytes in `folder`, beside a copy of its folder's manifest (models.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source.parent / "models.json", folder / "models.json")
    path = folder / source.name
    path.write_bytes(source.read_bytes()[:keep])
    return path


def detector_folder(tmp_path: Path, selfie: str) -> Path:
    """A copy of resources/detector whose selfie model is "truncated" or "missing"."""
    folder = tmp_path / "detector"
    shutil.copytree(MODEL_DIR, folder)
    if selfie == "missing":
        (folder / SELFIE_FILE).unlink()
    else:
        truncated_copy(MODEL_DIR / SELFIE_FILE, folder, keep=100_000)
    return folder


def only_that_part_is_off(detector, name: str, lost: str) -> str:
    """The detector's one problem, naming the file `name` and the part it turns off (`lost`); BlazePose still finds
    the astronaut."""
    assert len(detector.problems) == 1, detector.problems
    line = detector.problems[0]
    assert name in line and lost in line, line
    assert "LICENSE.md" not in line  # (the restore hint named resources/weights/LICENSE.md, which does not exist)
    assert len(detector.detect(load(ASTRONAUT))) == 1
    return line


@needs_runtime
def test_a_truncated_proposer_turns_off_the_proposer_alone(tmp_path):
    from inference.detect.blazepose import PersonDetector

    damaged = truncated_copy(PEOPLE_WEIGHTS, tmp_path)
    detector = PersonDetector(people=damaged)
    assert detector.proposer is None
    assert detector.selfie is not None and detector.animals is not None
    line = only_that_part_is_off(detector, "people.pt", "proposer is off")
    assert "truncated: 1,000 bytes" in line and "resources/weights/people.pt" in line


@needs_runtime
def test_a_missing_proposer_is_said(tmp_path):
    from inference.detect.blazepose import PersonDetector

    detector = PersonDetector(people=tmp_path / "people.pt")
    assert detector.proposer is None
    assert "missing" in only_that_part_is_off(detector, "people.pt", "proposer is off")
    assert PersonDetector(people=None).problems == []  # (no proposer asked for: nothing to say)


@needs_runtime
@pytest.mark.parametrize("selfie", ["truncated", "missing"])
def test_a_damaged_or_missing_selfie_model_turns_off_the_selfie_check_alone(tmp_path, selfie):
    from inference.detect.blazepose import PersonDetector

    detector = PersonDetector(model_dir=detector_folder(tmp_path, selfie), people=None, animals=None)
    assert detector.selfie is None
    line = only_that_part_is_off(detector, SELFIE_FILE, "selfie segmenter is off")
    assert ("truncated: 100,000 bytes" if selfie == "truncated" else "missing") in line


@needs_runtime
def test_the_predictor_keeps_the_detector_and_warns_once(tmp_path, monkeypatch):
    """The sweep's case: a Predictor over a detector whose people.pt is cut short has the detector (the photo is
    searched, not fitted whole) and one warning naming the file, also with --detect on (which refused before)."""
    import inference.detect as detect
    from inference.detect.blazepose import PersonDetector
    from inference.pipeline import Predictor

    damaged = PersonDetector(people=truncated_copy(PEOPLE_WEIGHTS, tmp_path))
    monkeypatch.setattr(detect, "shared_detector", lambda model_dir=None: damaged)
    pred = Predictor(device="cpu", detect="on")
    assert pred.detector is damaged
    said = [w for w in pred.warnings if "people.pt" in w]
    assert len(said) == 1 and "proposer is off" in said[0]
    assert not any("no person detector" in w for w in pred.warnings)


def test_the_restore_hint_names_a_file_that_exists():
    """A shipped file is restored with `git checkout` of its own path (the hint named the folder's LICENSE.md, which
    resources/weights lacks); a copy elsewhere is pointed to the project's file."""
    from inference.errors import restore_hint

    assert restore_hint(PEOPLE_WEIGHTS, PEOPLE_WEIGHTS) == "restore it with `git checkout resources/weights/people.pt`"
    assert restore_hint(Path("/elsewhere/people.pt"), PEOPLE_WEIGHTS).endswith("resources/weights/people.pt")
    assert (RESOURCES.parent / "resources/weights/people.pt").is_file()
