"""scripts/eval_real_photos.py counts people from 1 in results.json, as the README and every other output do:
the committed docs/real_fits/results.json gives back the committed results.md through the script's table."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import eval_real_photos  # noqa: E402

FITS = ROOT / "docs" / "real_fits"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    if not (FITS / "results.json").is_file():
        pytest.skip("docs/real_fits/results.json not there")
    return json.loads((FITS / "results.json").read_text())


def test_people_are_counted_from_1(rows):
    fitted = [r for r in rows if "person" in r]
    assert fitted and all(1 <= r["person"] <= r["people"] for r in fitted)
    two = [r["person"] for r in fitted if r["photo"] == "two_people.jpg"]
    assert two == [1, 2]


def test_the_table_is_the_committed_one(rows):
    assert eval_real_photos.results_markdown(rows) == (FITS / "results.md").read_text()


# ---------------------------------------------------------------------- bad input (helper-85's fixes)
def _err(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return err


def test_bad_arguments_are_refused_before_any_work(tmp_path, capsys):
    """--max-people 0 or -1 gave an empty table and exit 0; an --out that is a file a traceback."""
    photo = str(ROOT / "resources" / "photos" / "camera.png")
    for n in ("0", "-1"):
        with pytest.raises(SystemExit) as stop:
            eval_real_photos.main([photo, "--max-people", n, "--out", str(tmp_path / "o")])
        assert stop.value.code == 2
        assert f"argument --max-people: must be 1 or more, not {n}" in _err(capsys)
    (tmp_path / "file").write_text("")
    assert eval_real_photos.main([photo, "--out", str(tmp_path / "file")]) == 2
    assert _err(capsys).strip() == f"error: --out {tmp_path / 'file'} is a file, not a folder"


def test_no_readable_photo_is_exit_1_and_writes_nothing(tmp_path, capsys):
    """Every photo missing or unreadable was exit 0 with an empty table written over the folder's results (the
    messages: `cli.out_arg.out_folder_and_photos`, tests/cli/test_out_arg.py)."""
    out = tmp_path / "out"
    assert eval_real_photos.main([str(tmp_path / "missing.jpg"), "--out", str(out)]) == 1
    assert _err(capsys).splitlines()[-1] == "error: none of the 1 photos could be read: nothing to evaluate"
    assert list(out.iterdir()) == []


def test_photos_that_share_a_file_name_keep_their_own_names(tmp_path):
    """a/x.jpg and b/x.jpg were two rows named x.jpg and one x.png, the second picture written over the first; a
    person's picture (x_person2) takes no other photo's name either (`predict_outputs.readable_photos`)."""
    import cv2
    import numpy as np

    from inference.predict_outputs import readable_photos

    photos = [tmp_path / "a/x.jpg", tmp_path / "b/x.jpg", tmp_path / "c/y.jpg", tmp_path / "x_person2.png",
              tmp_path / "gone.jpg"]
    for p in photos[:4]:
        p.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(p), np.zeros((8, 8, 3), np.uint8))
    readable, skipped = readable_photos(photos)
    assert [(n, stem) for _, n, stem in readable] == [(str(photos[0]), "x"), (str(photos[1]), "x_jpg"), ("y.jpg", "y"),
                                                      ("x_person2.png", "x_person2")]
    assert len(skipped) == 1 and skipped[0].startswith("gone.jpg: file not found")
    taken: set[str] = set()
    pictures = [eval_real_photos.picture_name(stem, person, taken)
                for stem, person in (("x", 1), ("x", 2), ("x_jpg", 1), ("x_person2", 1))]
    assert pictures == ["x", "x_person2", "x_jpg", "x_person2_2"]


def test_two_photos_of_one_name_give_two_pictures_and_rows(tmp_path, capsys):
    """End to end (one person of each photo): distinct rows and pictures, an unreadable photo named and left out."""
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.png").write_bytes((ROOT / "resources" / "photos" / "camera.png").read_bytes())
    out = tmp_path / "out"
    photos = [str(tmp_path / "a" / "x.png"), str(tmp_path / "b" / "x.png"), str(tmp_path / "missing.png")]
    assert eval_real_photos.main([*photos, "--max-people", "1", "--out", str(out)]) == 0
    assert "left out: missing.png: file not found" in _err(capsys)
    rows = json.loads((out / "results.json").read_text())
    assert [(r["photo"], r["picture"]) for r in rows] == [(photos[0], "x.png"), (photos[1], "x_png.png")]
    assert sorted(p.name for p in out.glob("*.png")) == ["x.png", "x_png.png"]
