"""scripts/study_witnesses.py and scripts/study_small_mirror.py on bundled photos: one line per person found, with
the path that let them in and both pixel readers' answers; the mirror bound's counts."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_small_mirror  # noqa: E402
import study_witnesses  # noqa: E402

PHOTOS = ROOT / "resources" / "photos"


@pytest.fixture(autouse=True)
def _needs_detector():
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")


def test_grace_hopper_gets_in_by_the_mirror_and_the_selfie_model_sees_her(capsys, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not a whole jpeg")
    assert study_witnesses.main([str(PHOTOS / "grace_hopper.jpg"), str(PHOTOS / "coffee.jpg"), str(broken)]) == 0
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]
    assert len(rows) == 1 and rows[0]["photo"] == "grace_hopper.jpg"
    assert rows[0]["path"] == "mirror" and rows[0]["score"] < 0.7 and rows[0]["wide"]
    assert rows[0]["selfie"] > 0.8 and rows[0]["heat"] is not None and 0 <= rows[0]["parts"] <= 1
    assert "broken.jpg" in out.err


def test_small_mirror_counts_the_small_person_photo_and_not_the_coffee_thumbnail(capsys, tmp_path):
    import cv2

    import inference.detect.blazepose as bp
    from inference.detect.blazepose_model import DET_SIZE

    renders = tmp_path / "renders"
    renders.mkdir()
    small = cv2.resize(cv2.imread(str(PHOTOS / "camera.png")), (256, 256), interpolation=cv2.INTER_AREA)
    assert 256 < 2 * DET_SIZE  # a small photo: the mirror bound, not the wide-shot witnesses, decides
    cv2.imwrite(str(renders / "00000_image.png"), small)
    kept = bp.MIRROR_MAX_DRIFT
    argv = [str(renders), "--free", str(PHOTOS / "coffee.jpg"), "--sizes", "256", "--drifts", "0.1", "0.2"]
    assert study_small_mirror.main(argv) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("MIRROR_MAX_DRIFT")]
    assert lines == [f"MIRROR_MAX_DRIFT {d}: renders with a person 1 of 1; person-free thumbnails with a person "
                     "0 of 1 []" for d in (0.1, 0.2)]
    assert bp.MIRROR_MAX_DRIFT == kept  # the bound is restored after the run
