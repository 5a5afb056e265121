"""The folder workflow (app.folder) on the real predictor and real files: thumbnails off the GUI thread,
"Run all" writing every output of every image with the CLI's exporter, per-image failures as statuses,
cancel keeping what was written, the summary.csv table beside the outputs, interactive results filling in
the list."""
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.folder import DONE, ERROR, NO_PERSON, NOT_RUN, FolderSession, status_of
from inference.predict_outputs import SUMMARY, output_paths, output_stems, read_summary
from tests.app.support import SAMPLES, SlowPredictor, factory_for, grey_image, write_png


@pytest.fixture
def images(tmp_path):
    """Two synthetic people, a picture with nobody in it and a file that is not an image."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("synthetic_01.png", "synthetic_02.png"):
        shutil.copy(SAMPLES / name, folder / name)
    write_png(folder / "nobody.png", grey_image())
    (folder / "notes.png").write_text("this is not an image")
    return sorted(folder.iterdir())


@pytest.fixture
def session(qtbot, predictor_factory, model_config):
    s = FolderSession(predictor_factory, model_config)
    yield s
    s.shutdown()


def _written(out, images, row, people=True):
    stem = out / output_stems(images)[row]
    return [p for p in output_paths(stem, ["obj"], people=people)]


def test_a_failure_is_sorted_by_the_flag_its_exception_set_not_by_its_message():
    """"no person" comes from the exception's class (inference.errors.NoPersonFound, checked where it is
    caught), carried as a flag; the message is only shown."""
    assert status_of(error="no person found in the image", no_person=True).state == NO_PERSON
    assert status_of(error="no person found in the image").state == ERROR
    assert status_of().state == DONE and status_of().verdict == "unknown"

def test_thumbnails_are_made_off_the_gui_thread(qtbot, session, images):
    threads = []
    session.thumbs.thumbnail.connect(lambda *a: threads.append(threading.current_thread()),
                                     type=Qt.ConnectionType.DirectConnection)
    session.set_images(images)
    assert [s.state for s in session.model.statuses] == [NOT_RUN] * 4
    readable = [i for i, p in enumerate(images) if p.name != "notes.png"]
    qtbot.waitUntil(lambda: all(session.model.thumbs[i] is not None for i in readable), timeout=10000)
    notes = [p.name for p in images].index("notes.png")
    assert session.model.thumbs[notes] is None
    # a file the app's reader refuses too is marked at once, with the reader's message, before any run
    qtbot.waitUntil(lambda: session.model.statuses[notes].state == ERROR, timeout=10000)
    assert "notes.png" in session.model.statuses[notes].message
    assert all(session.model.statuses[i].state == NOT_RUN for i in readable)
    assert max(session.model.thumbs[readable[0]].width(), session.model.thumbs[readable[0]].height()) <= 72
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_run_all_writes_every_result_and_reports_failures(qtbot, session, images, tmp_path):
    out = tmp_path / "out"
    session.set_images(images)
    with qtbot.waitSignal(session.finished, timeout=120000) as done:
        assert session.run_all(out)
        assert session.running  # the GUI thread did not wait
    states = {p.name: s for p, s in zip(images, session.model.statuses)}
    assert states["synthetic_01.png"].state == DONE and states["synthetic_02.png"].state == DONE
    assert states["synthetic_01.png"].verdict in ("good", "doubtful", "bad", "unknown")
    assert states["nobody.png"].state == NO_PERSON and states["nobody.png"].message  # NoPersonFound
    assert states["notes.png"].state == ERROR
    for row, p in enumerate(images):
        files = _written(out, images, row, people=False)
        if p.name.startswith("synthetic"):
            assert all(f.is_file() and f.stat().st_size > 0 for f in files), files
            assert set(states[p.name].outputs) >= set(files)
        else:
            assert not any(f.exists() for f in files)
    assert session.summary.done == 2 and session.summary.failed == 1 and session.summary.no_person == 1
    assert "2 written" in done.args[0]
    # summary.csv beside the outputs, the table `main.py predict` writes: one row per image, in list order
    table = read_summary(out / SUMMARY)
    assert [r["image"] for r in table] == [str(p) for p in images]
    assert [r["output"] for r in table] == output_stems(images)
    rows = {Path(r["image"]).name: r for r in table}
    for name in ("synthetic_01.png", "synthetic_02.png"):
        r = rows[name]
        assert r["status"] == "done" and int(r["people"]) >= 1 and float(r["seconds"]) > 0
        assert r["person"] == "1"  # counted from 1, as `predict` and the app's "Person 1" count
        assert r["mask_inside"] == "" or 0 <= float(r["mask_inside"]) <= 1
        assert r["verdict"] == states[name].verdict and r["verdict"] in ("good", "doubtful", "bad", "unknown")
        assert all(r[k] == "" or 0 <= float(r[k]) <= 1 for k in ("agreement", "pck", "mask_iou"))
    assert rows["nobody.png"]["status"] == "no person" and rows["nobody.png"]["message"]
    assert rows["notes.png"]["status"] == "error"
    # a second run keeps what is there (resume), as `main.py predict` does, and the table keeps their numbers
    first = _written(out, images, [p.name for p in images].index("synthetic_01.png"))[0]
    stamp = first.stat().st_mtime_ns
    with qtbot.waitSignal(session.finished, timeout=120000):
        session.run_all(out)
    assert session.summary.skipped == 2 and first.stat().st_mtime_ns == stamp
    again = {Path(r["image"]).name: r for r in read_summary(out / SUMMARY)}
    assert again["synthetic_01.png"] == rows["synthetic_01.png"]


def test_cancel_keeps_what_was_written(qtbot, real_predictor, model_config, images, tmp_path):
    slow = SlowPredictor(real_predictor, delay=0.5)
    s = FolderSession(factory_for(slow, model_config), model_config)
    try:
        pics = [p for p in images if p.name.startswith("synthetic")] + [SAMPLES / "synthetic_03.png"]
        out = tmp_path / "out"
        s.set_images(pics)
        first_done = []
        s.model.dataChanged.connect(lambda *a: s.model.statuses[0].state == DONE and first_done.append(1))
        s.run_all(out)
        qtbot.waitUntil(lambda: bool(first_done), timeout=60000)
        with qtbot.waitSignal(s.finished, timeout=60000):
            s.cancel()
        assert not s.running and s.summary.cancelled
        assert all(f.is_file() for f in _written(out, pics, 0, people=False))
        assert not any(f.exists() for f in _written(out, pics, 2))  # the last one never started
        assert s.model.statuses[2].state == NOT_RUN
        table = read_summary(out / SUMMARY)
        assert table[0]["status"] == "done" and table[2]["status"] == "pending"
    finally:
        s.shutdown()


def test_interactive_results_fill_in_the_list(qtbot, app_settings, predictor_factory, model_config, images):
    from app.controller import Controller

    c = Controller(app_settings, predictor_factory, config=model_config)
    try:
        assert c.open_paths([images[0].parent])
        assert c.folder.paths == images
        assert images[0].name == "nobody.png"  # the first image opens: nobody in it
        qtbot.waitUntil(lambda: c.folder.model.statuses[0].state in (NO_PERSON, ERROR), timeout=30000)
        assert c.folder.model.statuses[0].state == NO_PERSON  # told apart by the exception's class
        row = [p.name for p in images].index("synthetic_01.png")
        assert c.open_folder_image(row)
        qtbot.waitUntil(lambda: c.folder.model.statuses[row].state == DONE, timeout=30000)
        assert c.folder.model.statuses[row].verdict in ("good", "doubtful", "bad", "unknown")
        assert c.image_list == images and c.image_index == row
    finally:
        c.shutdown()
