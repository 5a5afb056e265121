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


def test_verdicts_are_counted_right_and_wrong_with_and_without_the_facing_rule(tmp_path, capsys):
    """--verdicts: the table counts each verdict's right and wrong fits, now and before the facing rule, and says
    who faced the person's way where the rule fired; with --no-fit it is refused before the run."""
    nan = float("nan")
    judged = [dict(verdict="good", verdict_before="good", facing=10.0, fit_gt_deg=5.0, det_gt_deg=6.0, wrong=False),
              dict(verdict="doubtful", verdict_before="bad", facing=170.0, fit_gt_deg=12.0, det_gt_deg=168.0,
                   wrong=False),
              dict(verdict="good", verdict_before="good", facing=nan, fit_gt_deg=150.0, det_gt_deg=nan, wrong=True)]
    text = "\n".join(eval_crowds.verdict_lines(judged))
    assert "| good | 1 | 1 | 0.50 | 1 | 1 |" in text
    assert "| doubtful | 1 | 0 | 0.00 | 0 | 0 |" in text and "| bad | 0 | 0 | - | 1 | 0 |" in text
    assert "fired on 1 fits: the fit faced the person's way in 1, the detector's landmarks in 0" in text
    assert "Bad verdicts on right fits: 0 (before: 1); good verdicts on wrong fits: 1 (before: 1)" in text
    crowd = _crowd(tmp_path / "crowd")
    assert eval_crowds.main([str(crowd), "--no-fit", "--verdicts"]) == 2
    assert "--verdicts judges fits" in _err(capsys)


def test_a_fit_is_judged_against_its_own_ground_truth():
    """judge_fit on the self-consistent fit of tests/inference/test_fit_quality.py: right against its own joints,
    wrong against a person turned round; with landmarks that face the other way, doubtful now and good before."""
    from dataclasses import replace

    from inference.body_model import BodyModel
    from tests.inference.test_fit_quality import _rendered, _world

    out = _rendered(BodyModel())
    joints = np.asarray(out.mesh.joints, np.float64)
    right = eval_crowds.judge_fit(out, joints, 20.0)
    assert not right["wrong"] and right["fit_gt_deg"] < 1 and right["verdict"] == right["verdict_before"] == "good"
    turned = joints * (-1.0, 1.0, -1.0)  # the person seen from behind
    assert eval_crowds.judge_fit(out, turned, 20.0)["wrong"] and eval_crowds.judge_fit(out, joints, 150.0)["wrong"]
    mirrored = replace(out, people=(replace(out.people[0], world=_world(joints, mirrored=True)),))
    j = eval_crowds.judge_fit(mirrored, joints, 20.0)
    assert (j["verdict"], j["verdict_before"]) == ("doubtful", "good") and j["det_gt_deg"] > 175
