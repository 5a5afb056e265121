"""scripts/bench_inference.py under bad input (helper-85's fixes): counts below their minimum and a --weights folder
that is no weights folder are one line and exit 2, before any image is rendered."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_inference  # noqa: E402


@pytest.mark.parametrize("args, why", [(["--n", "0"], "--n: must be 1 or more, not 0"),
                                       (["--n", "-3"], "--n: must be 1 or more, not -3"),
                                       (["--warmup", "-1"], "--warmup: must be 0 or more, not -1"),
                                       (["--refine-n", "-1"], "--refine-n: must be 0 or more, not -1")])
def test_counts_below_their_minimum_are_refused(args, why, capsys):
    """--n 0, --n -3 and --warmup -1 timed nothing, said "every image failed (no person found)" and exited 0."""
    with pytest.raises(SystemExit) as stop:
        bench_inference.main(args)
    assert stop.value.code == 2 and f"argument {why}" in capsys.readouterr().err


def test_a_weights_folder_that_is_none_is_one_line(tmp_path, capsys):
    """A missing --weights folder was "skipped", exit 0; one of files that are no weights a PredictionError
    traceback after the images had been rendered."""
    assert bench_inference.main(["--weights", str(tmp_path / "missing"), "--n", "1"]) == 2
    out, err = capsys.readouterr()
    assert err == f"error: --weights {tmp_path / 'missing'}: no such folder (give the folder that holds seg.pt " \
                  "and fit.pt)\n" and "skipped" not in out
    for name in ("seg.pt", "fit.pt"):
        (tmp_path / name).write_text("not weights")
    assert bench_inference.main(["--weights", str(tmp_path), "--n", "1", "--detect", "off"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"error: cannot load weights {tmp_path / 'seg.pt'}") and len(err.splitlines()) == 1
    assert "synthetic images" not in out  # refused before any image was rendered
