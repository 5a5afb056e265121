"""scripts/study_blazepose_features.py: BlazePose's kept tensors found in the shipped landmark model, maps warped into
the crop the way the part map is, and the whole study on three synthetic people (the real Predictor, detector and
torch heads)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.app.support import detector_ready, make_dataset

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_blazepose_features as study  # noqa: E402


def test_the_crop_map_follows_the_part_maps_convention():
    """A label painted on the photo and warped into the crop lands where `crop.uncrop_labels` sends it back."""
    from inference.crop import uncrop_labels
    from inference.types import Crop

    crop = Crop(offset=np.array([30.0, 12.0]), scale=256 / 200, size=256)
    labels = np.zeros((128, 128), np.uint8)
    labels[40:60, 70:90] = 5
    photo = uncrop_labels(labels, crop, (240, 260))
    back = study.warp(photo, study.crop_affine(crop)[:2].astype(np.float32), nearest=True)
    inner = np.zeros_like(labels, bool)
    inner[41:59, 71:89] = True
    assert (back[inner] == 5).all() and (back[~inner] == 0).sum() > 128 * 128 - 500


def test_crop_miou_counts_parts_in_either_map():
    a = np.zeros((128, 128), np.uint8)
    b = a.copy()
    a[:10, :10], b[:10, :10] = 1, 1  # part 1 right
    a[20:30, :10] = 2  # part 2 painted where the truth has none
    assert study.crop_miou(a, b) == pytest.approx(0.5)
    assert study.crop_miou(b * 0, b * 0) == 1.0


@pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])
def test_the_study_runs_on_three_synthetic_people(tmp_path, capsys):
    from inference.detect.runtime import LANDMARK_FILE, MODEL_DIR, _import_interpreter

    it = _import_interpreter()(model_path=str(MODEL_DIR / LANDMARK_FILE), experimental_preserve_all_tensors=True)
    assert set(study.tensor_indices(it)) == {"f48", "h39", "s8"}
    make_dataset(tmp_path / "set", 3)
    assert study.main([str(tmp_path / "set"), "--n", "3", "--train-below", "2", "--steps", "3",
                       "--cache", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| variant")]
    assert [r.split(" | ")[0][2:] for r in rows] == ["seg.pt", "head on seg.pt", "head on seg.pt + f48",
                                                     "head on seg.pt + h39", "head on seg.pt + s8",
                                                     "head on seg.pt + f48 + h39 + s8", "f48 + h39 + s8 alone"]
    assert all(0.0 <= float(r.rsplit("|", 2)[1]) <= 1.0 for r in rows)
    case = np.load(next((tmp_path / "cache").glob("*.npz")))
    assert case["probs"].shape == (13, 128, 128) and case["f48"].shape == (128, 128, 48)
    assert case["s8"].shape == (128, 128, 8) and case["h39"].shape == (128, 128, 39)
    assert (case["gt"] > 0).mean() > 0.05 and float(np.abs(case["h39"]).max()) > 0  # a person, features on them
