"""scripts/study_whole_photo.py: the whole photo as the landmark model's ROI finds the person who fills a photo,
and adds nobody to photos without people."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_whole_photo  # noqa: E402


def test_the_whole_photo_finds_the_person_who_fills_it(predictor):
    from inference.image_io import load_image

    image = load_image(ROOT / "resources" / "photos" / "astronaut.jpg")
    person, seen = study_whole_photo.whole_photo_person(predictor, image)
    assert person is not None and 0.0 < seen <= 1.0
    box = person.box
    assert (box[2] - box[0]) * (box[3] - box[1]) > 0.2 * image.shape[0] * image.shape[1]


def test_photos_without_people_get_nobody(predictor, capsys):
    photos = ROOT / "resources" / "photos"
    study_whole_photo.free(predictor, [photos / "coffee.jpg", photos / "rocket.jpg"])
    assert capsys.readouterr().out.strip().endswith("the whole photo adds a person to 0, 0 of them with seen >= 0.67")
