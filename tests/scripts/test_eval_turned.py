"""The turned-people measure (scripts/eval_turned.py): its pictures and one run end to end."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_turned  # noqa: E402


def test_a_turned_picture_keeps_its_centre_and_fills_with_its_mean_colour():
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.integers(0, 255, (64, 64, 3)).astype(np.uint8), (0, 0), 4.0)
    np.testing.assert_array_equal(eval_turned.turned_image(img, 0.0, shrink=1.0), img)
    turned = eval_turned.turned_image(img, 90.0, shrink=1.0).astype(int)
    assert np.abs(turned - cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE).astype(int))[2:-2, 2:-2].mean() < 2.0
    small = eval_turned.turned_image(img, 45.0)
    np.testing.assert_array_equal(small[0, 0], img.reshape(-1, 3).mean(0).astype(int))


def test_one_person_turned_is_found_and_scored_at_each_angle(tmp_path):
    from inference.body_model import BodyModel
    from inference.datasets import write_sample, write_splits
    from inference.detect import detector_available
    from inference.pipeline import WEIGHTS_DIR
    from training.synth.generator import SampleRenderer

    if not (WEIGHTS_DIR / "fit.pt").exists():
        pytest.skip("shipped weights not there yet")
    ok, why = detector_available()
    if not ok:
        pytest.skip(f"no person detector (the turn follows its keypoints): {why}")
    body = BodyModel()
    r = SampleRenderer(body, size=256)
    (tmp_path / "d").mkdir()
    write_sample(tmp_path / "d", 0, r.render(987655, 3))  # found by the detector turned on its side
    r.renderer.close()
    write_splits(tmp_path / "d", 1, "test")
    out = tmp_path / "turned.json"
    assert eval_turned.main([str(tmp_path / "d"), "--angles", "0,90", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["angle"] for r in rows] == [0.0, 90.0]
    assert all("missed" not in r for r in rows), rows
    assert abs(rows[1]["turn"]) > 45  # read upright: the torso lay on its side
    assert all(0 < r["network"] < 300 and 0 < r["refined"] < 300 for r in rows)
