"""scripts/bench_dataset_table.py: the Dataset tab's table sorted and scored with many made-up cases."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_dataset_table  # noqa: E402


def test_each_sort_is_timed_and_in_the_right_order(qapp, capsys):
    assert bench_dataset_table.main(["--rows", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["sort_asc", "sort_desc", "sort_case"]
    assert all(line.endswith("order right") for line in lines[:3]), lines
    assert lines[-1].startswith("sort_asc_ms=") and lines[-1].endswith("rows=200")


def test_too_few_rows_is_an_error(capsys):
    assert bench_dataset_table.main(["--rows", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
