"""scripts/bench_app.py's arguments and memory line: counts below 1 are refused before the app starts, and a run of
10 images or fewer gives no growth figure instead of "growth from 10 to 10: +0 MB" (the figures are MiB)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_app  # noqa: E402


@pytest.mark.parametrize("args, why", [(["--images", "0"], "--images: must be 1 or more, not 0"),
                                       (["--frames", "0"], "--frames: must be 1 or more, not 0")])
def test_counts_below_one_are_refused(args, why, capsys):
    """--images 0 ran the whole benchmark and then failed on min() of no memory marks; --frames 0 on the median of
    no frame times."""
    with pytest.raises(SystemExit) as stop:
        bench_app.main(args)
    assert stop.value.code == 2 and f"argument {why}" in capsys.readouterr().err


def test_the_memory_line_gives_growth_only_between_two_marks():
    line = bench_app.memory_line(1000.4, {10: 1100.0, 50: 1150.0, 100: 1300.6}, [])
    assert line == ("memory (RSS): 1000 MiB before, 1100 MiB after 10, 1150 MiB after 50, 1301 MiB after 100 images; "
                    "growth from 10 to 100: +201 MiB")
    assert bench_app.memory_line(1000.0, {10: 1100.0}, []).endswith(
        "1100 MiB after 10 images; no growth figure (it needs more than 10 images)")
    assert bench_app.memory_line(1000.0, {3: 1010.0}, ["x"]).endswith(
        "1010 MiB after 3 images; no growth figure (it needs more than 10 images) (1 of them answered with an "
        "error, e.g. 'x')")
    assert bench_app.memory_line(1000.0, {10: 1100.0, 30: 1090.0}, []).endswith("growth from 10 to 30: -10 MiB")
