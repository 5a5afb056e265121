"""scripts/eval_real_parts.py under bad input (helper-85's fixes): no readable photo is exit 1 with each named,
bad arguments one line and exit 2, all before the models load."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_real_parts  # noqa: E402


def _err(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return err


def test_no_readable_photo_is_exit_1_and_writes_nothing(tmp_path, capsys):
    """Every photo missing or unreadable was exit 0 with an empty table written over the folder's results."""
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a whole jpeg")
    out = tmp_path / "out"
    assert eval_real_parts.main([str(tmp_path / "missing.jpg"), str(tmp_path / "broken.jpg"),
                                 "--out", str(out)]) == 1
    err = _err(capsys).splitlines()
    assert err[0].startswith("left out: missing.jpg: file not found") and "broken.jpg is a truncated JPEG" in err[1]
    assert err[2] == "error: none of the 2 photos could be read: nothing to evaluate"
    assert list(out.iterdir()) == []


def test_bad_arguments_are_one_line(tmp_path, capsys):
    """--out a file and a missing --weights folder were tracebacks (the latter once the models loaded)."""
    photo = str(Path(__file__).resolve().parents[2] / "resources" / "photos" / "camera.png")
    (tmp_path / "file").write_text("")
    assert eval_real_parts.main([photo, "--out", str(tmp_path / "file")]) == 2
    assert _err(capsys) == f"error: --out {tmp_path / 'file'} is a file, not a folder\n"
    assert eval_real_parts.main([photo, "--weights", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert _err(capsys).startswith(f"error: --weights {tmp_path / 'none'}: no such folder")
