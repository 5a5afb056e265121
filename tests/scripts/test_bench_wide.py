"""scripts/bench_wide.py without an image to time: one line and exit 2, before the model loads."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_wide  # noqa: E402


def test_an_empty_folder_is_one_line(tmp_path, capsys):
    """An empty folder loaded the model, then failed: IndexError, list index out of range."""
    assert bench_wide.main([str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert err == (f"error: no image to time in {tmp_path} (a crowd folder holds NNNNN_image.png frames: main.py "
                   "synth-crowd)\n") and "threads" not in out


@pytest.mark.parametrize("args, why", [(["--n", "0"], "--n: must be 1 or more, not 0"),
                                       (["--torch-threads", "-1"], "--torch-threads: must be 0 or more, not -1")])
def test_counts_below_their_minimum_are_refused(args, why, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        bench_wide.main([str(tmp_path), *args])
    assert stop.value.code == 2 and f"argument {why}" in capsys.readouterr().err
