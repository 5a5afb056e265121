"""cli/predict_args.py: `predict`'s inputs expanded from files and folders (its own outputs left out, subfolders
named) and the checks that refuse a bad --person or --box with one line before any model loads."""
from __future__ import annotations

import math

import pytest

from cli.predict_args import PredictInputError, check_box_use, check_person, expand, parse_box, subfolders_note


def test_outputs_in_the_input_folder_are_not_inputs(tmp_path):
    for name in ("photo.jpg", "photo_parts.png", "photo_overlay.png", "photo_p2_people.png", "x_png_parts.png",
                 "x.png", "beach_overlay.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in expand([tmp_path], tmp_path)] == ["beach_overlay.png", "photo.jpg", "x.png"]
    assert len(expand([tmp_path], tmp_path / "elsewhere")) == 7  # another output folder: all images are inputs
    assert [p.name for p in expand([tmp_path / "x.png", tmp_path / "x.png"])] == ["x.png"]  # each file once


def test_subfolders_not_searched_are_named(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"")
    assert subfolders_note([tmp_path]) == ""
    (tmp_path / "holiday 2024").mkdir()
    (tmp_path / "out").mkdir()
    note = subfolders_note([tmp_path, tmp_path / "photo.jpg"], out=tmp_path / "out")
    assert note.startswith(f"note: 1 subfolder not searched ({tmp_path / 'holiday 2024'}):")  # not the output folder
    assert [p.name for p in expand([tmp_path])] == ["photo.jpg"]


def test_person_and_box_checks_refuse_with_a_message():
    assert check_person(2) == 2
    with pytest.raises(PredictInputError, match="counted from 1"):
        check_person(0)
    assert parse_box(None) is None
    assert parse_box([10, 20.5, 30, 40]) == (10.0, 20.5, 30.0, 40.0)
    for bad, why in (([1, 2, 3], "four finite numbers"), ([0, 0, math.nan, 5], "four finite numbers"),
                     ([30, 20, 10, 40], "right of and below"), ([10, 40, 30, 40], "right of and below")):
        with pytest.raises(PredictInputError, match=why):
            parse_box(bad)


def test_a_box_goes_with_one_photo_one_person_and_the_detector(tmp_path):
    one, two = [tmp_path / "a.jpg"], [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    check_box_use(None, two, True, 3, "off")       # no box: nothing to check
    check_box_use((0, 0, 5, 5), one, False, 1, "on")
    cases = ((one, False, 1, "off", "--detect off"), (two, False, 1, "on", "2 images"),
             (one, True, 1, "on", "--all-people"), (one, False, 2, "on", "--person 2"))
    for images, everyone, person, detect, why in cases:
        with pytest.raises(PredictInputError, match=why):
            check_box_use((0, 0, 5, 5), images, everyone, person, detect)
