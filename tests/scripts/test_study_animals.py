"""scripts/study_animals.py on real photos: the dachshund the search finds is checked and turned away, the astronaut
checked and kept."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_animals  # noqa: E402


def test_the_dog_is_checked_and_turned_away_and_the_person_kept(capsys):
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    dog = ROOT / "tests" / "inference" / "detect" / "photos" / "daisy.jpg"
    coffee = ROOT / "resources" / "photos" / "coffee.jpg"
    astronaut = ROOT / "resources" / "photos" / "astronaut.jpg"
    assert study_animals.main([str(dog), str(coffee), str(astronaut), "--all"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(x) for x in lines[:-1]]
    checks = [r for r in rows if "turned_away" in r]
    assert [r["photo"] for r in checks] == ["daisy.jpg", "astronaut.jpg"]  # since stop 65 the sure astronaut too
    assert checks[0]["turned_away"] and checks[0]["mammal"] >= 0.65 and checks[0]["ms"] > 0
    assert not checks[1]["turned_away"] and checks[1]["mammal"] < 0.2
    kept = [r for r in rows if "kept" in r]
    assert [r["photo"] for r in kept] == ["astronaut.jpg"] and kept[0]["mammal"] == checks[1]["mammal"]
    assert lines[-1].startswith("1 of 3 photos with a person, 1 people kept; 2 people checked")
    assert "1 turned away as animals" in lines[-1]


def test_mirror_images_and_flipped_squares(capsys):
    """--mirror reads the dachshund's mirror image (still turned away); --flipped adds each check's share for its
    square mirrored, near the share itself for a dog seen side on."""
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    dog = ROOT / "tests" / "inference" / "detect" / "photos" / "daisy.jpg"
    assert study_animals.main([str(dog), "--mirror", "--flipped"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    (check,) = [json.loads(x) for x in lines[:-1]]
    assert check["turned_away"] and check["box"][0] > 170  # the dog's box mirrored (x 179-550 in the photo: 202-573)
    assert abs(check["flipped"] - check["mammal"]) < 0.1 and check["flipped"] >= 0.65
