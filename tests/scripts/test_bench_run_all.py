"""scripts/bench_run_all.py: the app's Run all timed over a photo of two people, of every person and of person 1."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_run_all  # noqa: E402


def test_every_person_writes_both_people_and_their_scene(qapp, tmp_path, capsys, monkeypatch):
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    shutil.copy(ROOT / "resources" / "photos" / "two_people.jpg", tmp_path / "two_people.jpg")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert bench_run_all.main([str(tmp_path)]) == 0
    assert not list(scratch.iterdir()), "the benchmark's output folders are removed"
    lines = capsys.readouterr().out.splitlines()
    # the photo count and what the detector's kept searches mean for the second mode, before the figures
    assert lines[0] == ("1 photo, the model loaded first (untimed); the detector keeps its last 4 searches, so "
                        "person 1 only reuses every photo's search"), lines[0]
    every, one = (line for line in lines[1:] if not line.startswith("    "))
    assert every.startswith("every person: ") and "1 written" in every and "meshes 2, scenes 1" in every, every
    assert one.startswith("person 1") and "meshes 1, scenes 0" in one, one
    assert "two_people.jpg: 2 people · " in lines[2]


def test_no_photos_is_an_error(tmp_path, capsys):
    assert bench_run_all.main([str(tmp_path)]) == 2
    assert "no photos" in capsys.readouterr().err
