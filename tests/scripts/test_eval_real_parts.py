"""scripts/eval_real_parts.py under bad input (helper-85's fixes): no readable photo is exit 1 with each named,
bad arguments one line and exit 2, all before the models load."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_real_parts  # noqa: E402


def _err(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return err


def test_no_readable_photo_is_exit_1_and_writes_nothing(tmp_path, capsys):
    """Every photo missing or unreadable was exit 0 with an empty table written over the folder's results (the
    messages: `cli.out_arg.out_folder_and_photos`, tests/cli/test_out_arg.py)."""
    out = tmp_path / "out"
    assert eval_real_parts.main([str(tmp_path / "missing.jpg"), "--out", str(out)]) == 1
    assert _err(capsys).splitlines()[-1] == "error: none of the 1 photos could be read: nothing to evaluate"
    assert list(out.iterdir()) == []


def test_bad_arguments_are_one_line(tmp_path, capsys):
    """--out a file and a missing --weights folder were tracebacks (the latter once the models loaded)."""
    photo = str(Path(__file__).resolve().parents[2] / "resources" / "photos" / "camera.png")
    (tmp_path / "file").write_text("")
    assert eval_real_parts.main([photo, "--out", str(tmp_path / "file")]) == 2
    assert _err(capsys) == f"error: --out {tmp_path / 'file'} is a file, not a folder\n"
    assert eval_real_parts.main([photo, "--weights", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert _err(capsys).startswith(f"error: --weights {tmp_path / 'none'}: no such folder")


def test_damaged_photos_are_named_before_the_models_load(tmp_path, capsys, monkeypatch):
    """Cut-short files and files whose header and end marker are whole but whose data is damaged (which only a
    decode finds, not a look at the header: `predict_outputs.readable_photos` decodes) are left out, named, before
    the Predictor is made; the one whole photo goes on to it."""
    import cv2
    import numpy as np

    import inference.pipeline

    class ModelsLoad(Exception):
        pass

    def predictor(*args, **kwargs):
        raise ModelsLoad

    monkeypatch.setattr(inference.pipeline, "Predictor", predictor)
    image = np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)
    png, jpg = (bytearray(cv2.imencode(s, image)[1].tobytes()) for s in (".png", ".jpg"))
    bad_png, bad_jpg = bytearray(png), bytearray(jpg)
    start = png.index(b"IDAT") + 20
    bad_png[start:start + 40] = bytes(b ^ 0x55 for b in png[start:start + 40])  # (a CRC error)
    start = jpg.index(b"\xff\xc4") + 4
    bad_jpg[start:start + 26] = b"\xff" * 26  # (Huffman tables that do not decode)
    files = {"cut.jpg": jpg[:len(jpg) // 2], "cut.png": png[:len(png) // 2], "bad.png": bad_png, "bad.jpg": bad_jpg}
    for name, data in files.items():
        (tmp_path / name).write_bytes(bytes(data))
    good = Path(__file__).resolve().parents[2] / "resources" / "photos" / "camera.png"
    with pytest.raises(ModelsLoad):
        eval_real_parts.main([*(str(tmp_path / n) for n in files), str(good), "--out", str(tmp_path / "out")])
    assert _err(capsys).splitlines() == [
        "left out: cut.jpg is a truncated JPEG (the file ends before the image does)",
        "left out: cut.png is a truncated PNG (the file ends before the image does)",
        "left out: bad.png could not be read: corrupt or truncated",
        "left out: bad.jpg could not be read: corrupt or truncated"]


def test_every_person_of_a_photo_is_listed_under_the_photo(tmp_path, capsys):
    """The second person of a photo was listed as photo "silhouette IoU 0.96" (the caption loop took the photo's
    name variable), in the table and real_parts.json (helper-112's sweep)."""
    import json

    photo = Path(__file__).resolve().parents[2] / "resources" / "photos" / "two_people.jpg"
    out = tmp_path / "out"
    assert eval_real_parts.main([str(photo), "--out", str(out)]) == 0
    rows = json.loads((out / "real_parts.json").read_text())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    people = [r for r in rows if "agreement" in r]
    assert len(people) == 2 and {r["photo"] for r in people} == {"two_people.jpg"}
    assert [r["person"] for r in people] == [1, 2]


def test_the_box_and_number_helpers_are_one_copy_shared_with_eval_real_photos():
    """eval_real_parts.py and eval_real_photos.py each had their own _view and _fmt (identical bodies)."""
    for helper in (eval_real_parts.person_view, eval_real_parts.fmt):
        assert helper.__module__.endswith("eval_real_photos"), helper.__module__
    assert [eval_real_parts.fmt(x) for x in (None, float("nan"), 0.456)] == ["-", "-", "0.46"]
    assert eval_real_parts.person_view([10, 20, 30, 60], (100, 200)) == (4, 14, 37, 67)
    assert eval_real_parts.person_view([10, 10, 12, 12], (100, 200)) == (0, 0, 200, 100)  # too small: the image
