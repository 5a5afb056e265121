"""scripts/study_cut_people.py: a render cut below its shoulders keeps the legs and loses the head, and each cut image
is counted by the route that takes it as a person."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_cut_people  # noqa: E402


def _joints(shoulder_y: float, hip_y: float, ankle_y: float, hip_x: float = 128.0) -> np.ndarray:
    """(14, 3) LSP joints: x, y, visible; only the joints the cut reads matter."""
    j = np.zeros((14, 3), np.float32)
    j[:, 0] = hip_x
    j[[8, 9], 1] = shoulder_y
    j[[2, 3], 1] = hip_y
    j[[0, 5], 1] = ankle_y
    j[:, 2] = 1
    return j


def test_the_cut_drops_the_rows_above_the_shoulders_and_keeps_the_size():
    image = np.zeros((256, 256, 3), np.uint8)
    image[:60] = 255  # the head's rows
    image[60:] = 100
    cut = study_cut_people.cut_render(image, _joints(shoulder_y=60, hip_y=140, ankle_y=240))
    assert cut.shape == image.shape
    assert cut.max() == 100  # nothing of the rows above the cut (shoulders + 0.1 torso = row 68)


def test_renders_whose_feet_leave_the_frame_or_too_little_is_left_are_skipped():
    image = np.zeros((256, 256, 3), np.uint8)
    assert study_cut_people.cut_render(image, _joints(60, 140, 300)) is None  # ankles below the frame
    assert study_cut_people.cut_render(image, _joints(180, 230, 250)) is None  # under 96 px left


def test_routes_of_a_photo_with_a_person_and_one_without(predictor):
    from inference.image_io import load_image

    photos = ROOT / "resources" / "photos"
    assert study_cut_people.route(predictor, load_image(photos / "astronaut.jpg")) == "search"
    coffee = load_image(photos / "coffee.jpg")
    h = coffee.shape[0]
    assert study_cut_people.route(predictor, np.ascontiguousarray(coffee[:, 196:196 + h])) == "none"
