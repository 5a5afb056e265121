"""cli/predict_args.py: `predict`'s inputs expanded from files and folders (its own outputs left out, subfolders
named) and the checks that refuse a bad --person or --box with one line before any model loads."""
from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from cli.main import main
from cli.predict_args import (
    PredictInputError,
    check_box_use,
    check_person,
    expand,
    missing_inputs,
    parse_box,
    subfolders_note,
)
from inference.batch_log import RANK_LOGS


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


@pytest.fixture
def shared_tmp():
    """A folder (0755) under the system's temporary folder, which the user 'nobody' reaches too (pytest's tmp_path
    lies in a folder of root's alone); emptied at the end whatever modes its folders were given."""
    if os.name == "nt":
        pytest.skip("no POSIX permissions")
    base = Path(tempfile.mkdtemp(prefix="nbf-perm-"))
    base.chmod(0o755)
    yield base
    for d in base.iterdir():
        d.chmod(0o755)
    shutil.rmtree(base)


@contextlib.contextmanager
def _permissions_count():
    """A block in which permission bits stop this process: as root, who reads any folder, it runs with the
    effective user 'nobody' (65534)."""
    root = os.geteuid() == 0
    if root:
        os.seteuid(65534)
    try:
        yield
    finally:
        if root:
            os.seteuid(0)


def test_a_folder_that_cannot_be_read_is_named_and_the_other_inputs_go_on(shared_tmp):
    """A folder without permission (mode 000, or 311: entered but not listed) was a PermissionError traceback; now
    one line naming it, and the other inputs are read."""
    base = shared_tmp
    for name, mode in (("closed", 0o000), ("unlisted", 0o311)):
        (base / name).mkdir()
        (base / name / "photo.jpg").write_bytes(b"")
        (base / name).chmod(mode)
    (base / "open").mkdir()
    (base / "open" / "photo.png").write_bytes(b"")
    with _permissions_count():
        problems: list[str] = []
        found = expand([base / "closed", base / "unlisted", base / "open"], problems=problems)
        assert [p.name for p in found] == ["photo.png"]
        assert problems == [f"cannot read the folder {base / 'closed'} (no permission)",
                            f"cannot read the folder {base / 'unlisted'} (no permission)"]
        assert subfolders_note([base / "closed"]) == ""


def test_predict_on_a_folder_that_cannot_be_read_is_one_line_and_exit_2(shared_tmp, capsys):
    base = shared_tmp
    (base / "closed").mkdir()
    (base / "closed" / "photo.jpg").write_bytes(b"")
    (base / "closed").chmod(0)
    with _permissions_count():
        assert main(["predict", str(base / "closed"), "--out", str(base / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"error: cannot read the folder {base / 'closed'} (no permission)", err
        assert not (base / "o").exists()


def test_a_mistyped_folder_is_refused_before_anything_is_made(tmp_path, capsys):
    """`predict photoz/` (a folder that is not there, typed with its slash) was read as an image that failed: exit 1,
    OUT made, a summary row 'photoz'; now refused as an argument, with the slash the user typed."""
    typed = f"{tmp_path / 'photoz'}/"
    assert main(["predict", typed, "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {typed} does not exist"
    assert not (tmp_path / "o").exists()
    assert missing_inputs([str(tmp_path), typed]) == f"{typed} does not exist"
    (tmp_path / "a.jpg").write_bytes(b"")
    assert missing_inputs([f"{tmp_path / 'a.jpg'}/"]) == f"{tmp_path / 'a.jpg'}/ is not a folder"
    # a missing image too (it was read as an image that failed: exit 1, OUT made; sweep 118)
    assert missing_inputs([str(tmp_path / "gone.jpg"), f"{tmp_path}/"]) == f"{tmp_path / 'gone.jpg'} does not exist"


def test_the_output_folders_rank_logs_are_no_subfolder_not_searched(tmp_path):
    """`predict DIR --out DIR` noted its own summary_ranks as a subfolder not searched."""
    (tmp_path / "photo.jpg").write_bytes(b"")
    (tmp_path / RANK_LOGS).mkdir()
    assert subfolders_note([tmp_path], out=tmp_path) == ""
    assert subfolders_note([tmp_path], out=tmp_path / "elsewhere").startswith("note: 1 subfolder not searched")


def test_a_link_to_an_image_that_is_gone_is_named(tmp_path):
    """A broken link among the images was left out without a word (a non-image is reported by the reader)."""
    (tmp_path / "photo.jpg").write_bytes(b"")
    (tmp_path / "broken.png").symlink_to(tmp_path / "gone.png")
    (tmp_path / "notes.txt").symlink_to(tmp_path / "gone.txt")  # not an image: not one of the inputs anyway
    assert [p.name for p in expand([tmp_path])] == ["photo.jpg"]
    broken = tmp_path / "broken.png"
    assert subfolders_note([tmp_path]) == f"note: 1 link to a file that is not there skipped ({broken})"
