"""scripts/study_false_people.py: the person crop the ImageNet classifier reads and its class list."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from study_false_people import WORN, box_crop  # noqa: E402


def test_box_crop_centres_the_box_and_grows_it_by_a_tenth():
    image = np.zeros((300, 400, 3), np.uint8)
    image[..., 2] = 255  # blue around the box
    image[100:200, 150:250] = (255, 0, 0)  # a red 100 x 100 box
    crop = box_crop(image, (150, 100, 250, 200), side=110, grow=0.1)
    assert crop.shape == (110, 110, 3)
    assert tuple(crop[55, 55]) == (255, 0, 0)
    assert tuple(crop[2, 2]) == (0, 0, 255) and tuple(crop[107, 107]) == (0, 0, 255)
    assert tuple(crop[8, 8]) == (255, 0, 0) and tuple(crop[101, 101]) == (255, 0, 0)


def test_worn_classes_are_distinct_imagenet_indices_of_the_object_range():
    assert len(set(WORN)) == len(WORN)
    assert all(398 <= i < 1000 for i in WORN)
