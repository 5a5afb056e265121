"""scripts/eval_crowds.py under bad input (helper-85's fixes): a folder that holds no crowd frames, --out a folder
and a negative --limit are one line and exit 2 before the run; a frame whose people do not read is named and left
out (exit 1 when no frame reads)."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_crowds  # noqa: E402


def _err(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and not out.startswith("frame")  # nothing scored
    return err


def _crowd(folder: Path, people: bytes | None = None) -> Path:
    """A crowd folder of one frame (8 x 8 px) whose NNNNN_people.npz holds `people` (default: one person's)."""
    import cv2

    folder.mkdir()
    (folder / "crowd.json").write_text("{}")
    cv2.imwrite(str(folder / "00000_image.png"), np.zeros((8, 8, 3), np.uint8))
    cv2.imwrite(str(folder / "00000_ids.png"), np.zeros((8, 8), np.uint8))
    if people is None:
        buf = io.BytesIO()
        np.savez_compressed(buf, **{k: np.zeros((1, 4), np.float32) for k in eval_crowds.PEOPLE_KEYS})
        people = buf.getvalue()
    (folder / "00000_people.npz").write_bytes(people)
    return folder


def test_a_folder_of_other_cases_is_not_a_crowd_folder(tmp_path, capsys):
    """A synth set (UP-3D layout: NNNNN_image.png too) was a FileNotFoundError traceback on its first frame's
    NNNNN_people.npz; an older one without synth.json is known by its NNNNN_body.pkl."""
    for name, said in (("synth.json", "synth.json"), ("00000_body.pkl", "*_body.pkl")):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / "00000_image.png").write_bytes(b"")
        (folder / name).write_text("{}")
        assert eval_crowds.main([str(folder)]) == 2
        assert _err(capsys) == (f"error: {folder} is not a synth-crowd folder: it holds a synth set ({said}); score "
                                "its cases with main.py evaluate\n")


def test_outputs_and_limit_are_checked_before_the_run(tmp_path, capsys):
    """--out a folder was an IsADirectoryError after the whole run; --limit -1 left the last frame out."""
    crowd = _crowd(tmp_path / "crowd")
    assert eval_crowds.main([str(crowd), "--out", str(tmp_path)]) == 2
    assert _err(capsys) == f"error: --out {tmp_path} is a folder: give the file to write (e.g. " \
                           f"{tmp_path / 'crowds_table.md'})\n"
    with pytest.raises(SystemExit) as stop:
        eval_crowds.main([str(crowd), "--limit", "-1"])
    assert stop.value.code == 2 and "argument --limit: must be 0 or more, not -1" in _err(capsys)


def test_a_truncated_people_file_is_named_and_left_out(tmp_path, capsys):
    """A truncated NNNNN_people.npz was a BadZipFile traceback that ended the run; no frame left: exit 1, nothing
    written (and no model loaded)."""
    whole = _crowd(tmp_path / "whole").joinpath("00000_people.npz").read_bytes()
    crowd = _crowd(tmp_path / "crowd", whole[: len(whole) // 2])
    out = tmp_path / "table.md"
    assert eval_crowds.main([str(crowd), "--no-fit", "--out", str(out)]) == 1
    said = _err(capsys).splitlines()
    assert said[0].startswith(f"left out: frame 0: {crowd / '00000_people.npz'}: ") and "cut short" in said[0], said
    assert said[1:] == [f"error: none of the 1 frames in {crowd} could be read: nothing to score"]
    assert not out.exists()
