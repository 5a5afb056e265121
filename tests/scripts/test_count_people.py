"""scripts/count_people.py on the bundled photos: the people the app would show, and unreadable files named."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import count_people  # noqa: E402


def test_people_in_photos_with_and_without_people(tmp_path, capsys):
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    from inference.pipeline import Predictor

    photos = ROOT / "resources" / "photos"
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not a whole jpeg")
    found, bad = count_people.count(Predictor(detect="on"), [photos / "coffee.jpg", photos / "camera.png", broken])
    assert list(found) == ["camera.png"] and len(found["camera.png"]) == 1
    assert len(bad) == 1 and bad[0].startswith("broken.jpg")
    assert count_people.main([str(photos / "coffee.jpg"), str(photos / "rocket.jpg")]) == 0
    assert capsys.readouterr().out.strip().endswith("photos with a person: 0 of 2; people: 0")
    # none readable: each named on stderr, exit 1 (was "photos with a person: 0 of 0", exit 0)
    assert count_people.main([str(broken), str(tmp_path / "missing.jpg")]) == 1
    out, err = capsys.readouterr()
    assert "photos with a person" not in out and "Traceback" not in err
    broken_line, missing_line, last = err.splitlines()[-3:]
    assert broken_line == f"unreadable: {bad[0]}" and missing_line.startswith("unreadable: missing.jpg: ")
    assert last == "error: none of the 2 photos could be read: nothing counted"


def test_a_negative_square_is_refused(capsys):
    """--square -2 was a cv2.resize traceback after the detector had loaded."""
    with pytest.raises(SystemExit) as stop:
        count_people.main(["--square", "-2", str(ROOT / "resources" / "photos" / "camera.png")])
    assert stop.value.code == 2 and "argument --square: must be 0 or more, not -2" in capsys.readouterr().err


def test_mirror_images_are_counted_with_mirror(tmp_path):
    """--mirror reads each photo's mirror image: the camera man is found there too, his box mirrored."""
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    from inference.image_io import load_image
    from inference.pipeline import Predictor

    pred = Predictor(detect="on")
    camera = ROOT / "resources" / "photos" / "camera.png"
    found, _ = count_people.count(pred, [camera], mirror=True)
    assert len(found["camera.png"]) == 1
    rgb = load_image(camera)
    (plain,), (mirrored,) = pred.people(rgb), pred.people(np.ascontiguousarray(rgb[:, ::-1]))
    w = rgb.shape[1]
    assert abs((w - mirrored.box[2]) - plain.box[0]) < 25  # the same man, on the other side
