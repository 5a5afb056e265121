"""summary.csv and the rank logs name each image by its absolute path: `main.py predict` given a relative path, then
the app started in another folder, finds the photo of a parameter file through the summary
(inference.params_prediction.find_photo). Summaries written with relative paths read as before."""
from __future__ import annotations

import shutil
from pathlib import Path

from cli.main import main
from inference.batch_log import APP_LOG, RANK_LOGS, BatchLog, read_logs
from inference.params_prediction import find_photo
from inference.paths import RESOURCES
from inference.predict_outputs import SUMMARY, SummaryRow, read_summary, write_summary

SAMPLE = RESOURCES / "samples" / "synthetic_01.png"


def test_a_relative_image_path_is_found_from_another_folder(tmp_path, monkeypatch, capsys, cached_predictor):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "photos").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(SAMPLE, work / "photos" / "me.png")
    monkeypatch.chdir(work)
    assert main(["predict", "photos/me.png", "--out", "out", "--detect", "off"]) == 0
    said = capsys.readouterr().out
    assert str(work / "photos") not in said  # the console names the image as typed

    photo = work / "photos" / "me.png"
    rows = read_summary(work / "out" / SUMMARY)
    assert [r.image for r in rows] == [str(photo)]
    assert [r.image for r in read_logs(work / "out")] == [str(photo)]
    monkeypatch.chdir(elsewhere)
    found = find_photo(work / "out" / "me.npz")
    assert found is not None and found.resolve() == photo.resolve()


def test_an_older_summary_with_relative_paths_reads_as_before(tmp_path, monkeypatch):
    """A summary written before (a path relative to the output folder, or to the folder the app runs in)."""
    out = tmp_path / "out"
    (out / "photos").mkdir(parents=True)
    shutil.copy(SAMPLE, out / "photos" / "me.png")
    write_summary(out / SUMMARY, [SummaryRow(index=0, image="photos/me.png", output="me", status="done")])
    monkeypatch.chdir(tmp_path)
    assert find_photo(out / "me.npz") == out / "photos" / "me.png"
    write_summary(out / SUMMARY, [SummaryRow(index=0, image="out/photos/me.png", output="me", status="done")])
    assert find_photo(out / "me.npz") == Path("out/photos/me.png")  # relative to the app's working folder


def test_the_apps_run_all_log_records_absolute_paths(tmp_path, monkeypatch):
    """The app's Run all (app/batch_run.py) logs through the same BatchLog."""
    monkeypatch.chdir(tmp_path)
    log = BatchLog(tmp_path / "out", APP_LOG, rank="app", exclusive=True)
    log.write(index=0, image="in/a.png", output="a", status="error", message="unreadable")
    log.close()
    rows = read_summary(tmp_path / "out" / RANK_LOGS / APP_LOG)
    assert [r.image for r in rows] == [str(tmp_path / "in" / "a.png")]
