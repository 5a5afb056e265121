"""The folder workflow (app.folder) on the real predictor and real files: thumbnails off the GUI thread,
"Run all" writing every output of every image with the CLI's exporter, per-image failures as statuses,
cancel keeping what was written, the summary.csv table beside the outputs merged from the batch logs of the
app and of `main.py predict` (either tool keeps the other's rows and knows what it wrote), interactive results
filling in the list."""
import shutil
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.batch_run import BatchSummary
from app.folder import FolderSession
from app.image_status import DONE, ERROR, NO_PERSON, NOT_RUN, status_of
from cli.main import main as cli_main
from inference.batch_log import APP_LOG, RANK_LOGS
from inference.predict_outputs import SUMMARY, output_paths, output_stems, read_summary
from tests.app import support
from tests.app.support import SAMPLES, SlowPredictor, factory_for, grey_image, write_png
from tests.inference.test_bad_inputs import needs_heif_tools
from tests.predictor_stand_in import recording_predictor
from tests.tiny_weights import write_tiny_weights


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


@needs_heif_tools
def test_a_heic_photo_gets_its_thumbnail(qtbot, session, tmp_path):
    """An iPhone's HEIC photo, which Pillow does not read, gets a thumbnail from the app's reader (libheif's tools)
    and is not marked unreadable (it was: no thumbnail, then a whole decode only to find it reads)."""
    heic = tmp_path / "IMG_0001.HEIC"
    shutil.copy(Path(__file__).resolve().parents[1] / "inference" / "images" / "synthetic_01.heic", heic)
    unreadable = []
    session.thumbs.unreadable.connect(lambda *a: unreadable.append(a))
    session.set_images([heic, tmp_path / "missing.png"])
    # (the status and the signal come by separate queued calls: under load the test saw the one before the other)
    qtbot.waitUntil(lambda: session.model.thumbs[0] is not None and session.model.statuses[1].state == ERROR
                    and bool(unreadable), timeout=20000)
    thumb = session.model.thumbs[0]
    assert max(thumb.width(), thumb.height()) == 72 and [u[1] for u in unreadable] == [1]
    assert session.model.statuses[0].state == NOT_RUN


def test_a_thumbnail_shows_the_pixels_the_photo_opens_with(tmp_path):
    """A cut-out PNG's thumbnail was black where the photo opens on white, and a 16-bit grey PNG's was white where
    the photo is mid-grey (Pillow's conversion, not the app's reader's rules)."""
    from app.qt_images import from_qimage
    from app.thumbnails import thumbnail
    from inference.image_io import load_image

    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = (200, 30, 30, 255)
    cv2.imwrite(str(tmp_path / "cutout.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    cv2.imwrite(str(tmp_path / "grey16.png"), np.full((40, 40), 30000, np.uint16))
    for name in ("cutout.png", "grey16.png"):
        thumb = from_qimage(thumbnail(tmp_path / name, side=40))[..., :3]
        full = load_image(tmp_path / name)
        assert thumb.shape == full.shape
        np.testing.assert_allclose(thumb, full, atol=1, err_msg=name)


def test_run_all_refuses_an_unknown_mesh_format(qtbot, session, images, tmp_path):
    session.set_images(images)
    with qtbot.waitSignal(session.error, timeout=5000) as said:
        assert session.run_all(tmp_path / "out", mesh_formats=("obj", "stl")) == 0
    assert "stl" in said.args[0] and "obj, ply, glb" in said.args[0] and not session.running
    assert not (tmp_path / "out").exists()


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
    # the run over, its Predictor is let go (a second copy of the networks held for the session: sweep115)
    qtbot.waitUntil(lambda: session.batch._predictor is None, timeout=10000)
    # summary.csv beside the outputs, the table `main.py predict` writes: one row per image, in list order
    table = read_summary(out / SUMMARY)
    assert [r.image for r in table] == [str(p) for p in images]
    assert [r.output for r in table] == output_stems(images)
    rows = {Path(r.image).name: r for r in table}
    for name in ("synthetic_01.png", "synthetic_02.png"):
        r = rows[name]
        assert r.status == "done" and r.people >= 1 and r.seconds > 0
        assert r.person == 1  # counted from 1, as `predict` and the app's "Person 1" count
        q = r.quality
        assert q.mask_inside is None or 0 <= q.mask_inside <= 1
        assert q.verdict == states[name].verdict and q.verdict in ("good", "doubtful", "bad", "unknown")
        assert all(x is None or 0 <= x <= 1 for x in (q.agreement, q.pck, q.mask_iou))
    assert rows["nobody.png"].status == "no person" and rows["nobody.png"].message
    assert rows["notes.png"].status == "error"
    # a second run keeps what is there (resume), as `main.py predict` does, and the table keeps their numbers
    first = _written(out, images, [p.name for p in images].index("synthetic_01.png"))[0]
    stamp = first.stat().st_mtime_ns
    with qtbot.waitSignal(session.finished, timeout=120000):
        session.run_all(out)
    assert session.summary.skipped == 2 and first.stat().st_mtime_ns == stamp
    again = {Path(r.image).name: r for r in read_summary(out / SUMMARY)}
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
        assert [r.image for r in table] == [str(p) for p in pics]  # every image, those not run "pending"
        assert table[0].status == "done" and table[2].status == "pending"
        # the batch's log, flushed row by row, holds what was done and nothing of the images not run
        logged = read_summary(out / RANK_LOGS / APP_LOG)
        assert [(r.image, r.status, r.rank) for r in logged] == [
            (r.image, "done", "app") for r in table if r.status != "pending"]
    finally:
        s.shutdown()


def _slow_run_past_its_first_image(qtbot, real_predictor, model_config, images, out):
    """(a FolderSession whose Run all over three synthetic people, into `out`, has written the first and is still
    running: each image takes half a second more; the images). The caller shuts the session down."""
    s = FolderSession(factory_for(SlowPredictor(real_predictor, delay=0.5), model_config), model_config)
    pics = [p for p in images if p.name.startswith("synthetic")] + [SAMPLES / "synthetic_03.png"]
    s.set_images(pics)
    first_done = []
    s.model.dataChanged.connect(lambda *a: s.model.statuses[0].state == DONE and first_done.append(1))
    s.run_all(out)
    try:
        qtbot.waitUntil(lambda: bool(first_done), timeout=60000)
    except BaseException:
        s.shutdown()
        raise
    return s, pics


def test_other_images_opened_during_a_run_stop_it_with_its_summary(qtbot, real_predictor, model_config, images,
                                                                    tmp_path):
    """helper-80: opening other images stopped "Run all" without a word (the list changed, its summary was
    dropped with the old list's rows). Now the stopped run's summary is said, and says why it stopped."""
    s, pics = _slow_run_past_its_first_image(qtbot, real_predictor, model_config, images, tmp_path / "out")
    try:
        with qtbot.waitSignal(s.finished, timeout=60000) as said:
            s.set_images(pics[:1])
        assert not s.running and said.args[0].startswith("cancelled: ")
        assert said.args[0].endswith("(stopped: other images were opened)") and "written" in said.args[0]
        assert s.model.paths == pics[:1]
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


def test_run_all_of_every_person_writes_each_person_and_their_scene_and_a_rerun_only_the_missing(qtbot, session,
                                                                                                 tmp_path, capsys):
    """"Every person" (BatchRequest.all_people) follows `predict --all-people` (inference/folder_predict.py):
    two_people.jpg's two people as NAME and NAME_p2 and the scene of both, each person's row in summary.csv; a rerun
    keeps them; after one of person 2's files is deleted, a rerun writes person 2 again and keeps person 1's; and
    `predict --all-people` into that folder, by the same rules, has nothing left to do."""
    ready, why = support.detector_ready()
    if not ready:
        pytest.skip(why)
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    shutil.copy(support.TWO_PEOPLE, folder / "two_people.jpg")
    session.set_images([folder / "two_people.jpg"])

    def run_all():
        with qtbot.waitSignal(session.finished, timeout=300000) as done:
            assert session.run_all(out, all_people=True)
        return done.args[0], session.model.statuses[0]

    text, status = run_all()
    assert status.state == DONE and "2 people" in status.message and text.startswith("1 written"), (text, status)
    assert status.label == f"2 people · {status.verdict}" and status.verdict != "unknown", status.label
    names = {p.name for p in status.outputs}
    assert {"two_people.obj", "two_people_p2.obj", "two_people_p2.npz", "two_people_scene.glb"} <= names
    rows = {(r.output, r.person, r.status) for r in read_summary(out / SUMMARY)}
    assert {("two_people", 1, "done"), ("two_people_p2", 2, "done")} <= rows, rows
    person1 = {p.name: p.stat().st_mtime_ns for p in out.glob("two_people[._]*")
               if "_p2" not in p.name and "_scene" not in p.name}

    text, status = run_all()
    assert "1 already there" in text and "(kept)" in status.message, (text, status)
    (out / "two_people_p2_overlay.png").unlink()
    text, status = run_all()
    assert text.startswith("1 written") and (out / "two_people_p2_overlay.png").is_file(), text
    assert "person 2 of 2" in status.message, status
    (out / "two_people_p2.obj").unlink()  # a mesh alone: made from the parameter file, nobody fitted again
    text, status = run_all()
    assert text.startswith("1 written") and (out / "two_people_p2.obj").is_file(), text
    assert "two_people_p2.obj made from two_people_p2.npz" in status.message and status.label == "done", status
    capsys.readouterr()  # `predict --all-people` into the folder finds every person's files its own: nothing to do
    assert cli_main(["predict", str(folder), "--out", str(out), "--all-people"]) == 0  # (both write .obj and .glb)
    assert "0/1 images done, 1 finished before (skipped)" in capsys.readouterr().out
    assert {n: (out / n).stat().st_mtime_ns for n in person1} == person1  # person 1's files kept


# ------------------------------------------------------------------ the app and `main.py predict` in one folder
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The real Predictor on tiny untrained networks (every pixel one body part), no detector: fast plumbing."""
    from inference.pipeline import Predictor

    return Predictor(detect="off", weights_dir=write_tiny_weights(tmp_path_factory.mktemp("tiny")), device="cpu")


@pytest.fixture
def tiny_session(qtbot, tiny, model_config):
    s = FolderSession(factory_for(tiny, model_config), model_config)
    yield s
    s.shutdown()


@pytest.fixture
def cli(monkeypatch, tiny):
    """`main.py predict IMAGES --out OUT` in this process, one rank, on the same tiny Predictor (built once).
    `.asked`: the arguments of each Predictor the command asked for, by parameter name with the Predictor's defaults
    filled in (how often the models were built, and with which options: `tests.predictor_stand_in`)."""
    asked = recording_predictor(monkeypatch, tiny)
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)

    def run(out: Path, *images: Path) -> int:
        # (predict's default meshes, as the app's Run all writes by default: each finds the other's images finished)
        return cli_main(["predict", *map(str, images), "--out", str(out), "--detect", "off", "--device", "cpu"])

    run.asked = asked
    return run


def _noise(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for name in names:
        write_png(folder / name, rng.integers(0, 256, (64, 48, 3), np.uint8))
    return [folder / n for n in names]


def _run_all(qtbot, session, images, out) -> str:
    session.set_images(images)
    with qtbot.waitSignal(session.finished, timeout=120000) as done:
        assert session.run_all(out)
    return done.args[0]


def _rows(out: Path) -> dict:
    return {Path(r.image).name: r for r in read_summary(out / SUMMARY)}


def _table(out: Path) -> list[tuple[int | None, str, str, str]]:
    """summary.csv as (index, image file name, status, rank) rows, in order."""
    return [(r.index, Path(r.image).name, r.status, r.rank) for r in read_summary(out / SUMMARY)]


def test_the_cli_then_run_all_over_other_images_keeps_both(qtbot, tiny_session, cli, tmp_path, capsys):
    a, b, c = _noise(tmp_path / "in", "a.png", "b.png", "c.png")
    out = tmp_path / "out"
    assert cli(out, a) == 0
    capsys.readouterr()
    assert "2 written" in _run_all(qtbot, tiny_session, [b, c], out)
    # the app's images in its list order, then the CLI's image (index empty: not in this run)
    assert _table(out) == [(0, "b.png", "done", "app"), (1, "c.png", "done", "app"), (None, "a.png", "done", "0")]
    assert sorted(p.name for p in (out / RANK_LOGS).glob("*.csv")) == ["app.csv", "rank0-of-1.csv"]
    rows = _rows(out)
    assert all(r.seconds > 0 and r.quality.verdict and r.finished_at for r in rows.values())
    # a Run all over an image the CLI wrote keeps it, and the table keeps the CLI's row with its numbers
    _run_all(qtbot, tiny_session, [a, b], out)
    assert tiny_session.summary.skipped == 2 and tiny_session.summary.done == 0
    again = _rows(out)
    assert again["a.png"].to_csv() == {**rows["a.png"].to_csv(), "index": "0"}
    assert again["c.png"].to_csv() == {**rows["c.png"].to_csv(), "index": ""}


def test_run_all_then_the_cli_keeps_the_apps_rows_and_knows_its_outputs(qtbot, tiny_session, cli, tmp_path, capsys):
    a, b, c = _noise(tmp_path / "in", "a.png", "b.png", "c.png")
    out = tmp_path / "out"
    _run_all(qtbot, tiny_session, [a, b], out)
    app_rows = _rows(out)
    assert cli(out, c) == 0
    assert _table(out) == [(0, "c.png", "done", "0"), (None, "a.png", "done", "app"), (None, "b.png", "done", "app")]
    assert {n: {**r.to_csv(), "index": ""} for n, r in app_rows.items()} == {
        n: r.to_csv() for n, r in _rows(out).items() if n != "c.png"}
    # what the app wrote counts as this tool's own outputs: finished, so a rerun skips it without the models
    capsys.readouterr()
    built = len(cli.asked)
    assert cli(out, a, c) == 0
    assert "0/2 images done, 2 finished before (skipped)" in capsys.readouterr().out and len(cli.asked) == built
    assert _rows(out)["a.png"].to_csv() == {**app_rows["a.png"].to_csv(), "index": "0"}


def test_run_all_does_not_take_another_images_outputs_for_its_own(qtbot, tiny_session, cli, tmp_path, capsys):
    """x.png written by the CLI and x.jpg given to the app alone both have the output name x: the logs say whose
    fit the files hold, so the app neither skips x.jpg as finished nor replaces them."""
    (x_png,) = _noise(tmp_path / "in", "x.png")
    x_jpg = tmp_path / "in" / "x.jpg"
    cv2.imwrite(str(x_jpg), np.full((64, 48, 3), 90, np.uint8))
    out = tmp_path / "out"
    assert cli(out, x_png) == 0
    assert [asked["detect"] for asked in cli.asked] == ["off"]  # the whole image fitted: nobody detected
    capsys.readouterr()
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    text = _run_all(qtbot, tiny_session, [x_jpg], out)
    status = tiny_session.model.statuses[0]
    assert status.state == ERROR and "holding the whole image of x.png" in status.message and "1 failed" in text
    assert 'tick "Replace results"' in status.message  # (the app's words for the CLI's --overwrite)
    assert all(p.stat().st_mtime_ns == stamps[p.name] for p in out.iterdir() if p.name in stamps and p.name != SUMMARY)
    # x.jpg's refusal, and x.png's row: its fit is what the files hold
    assert _table(out) == [(0, "x.jpg", "error", "app"), (None, "x.png", "done", "0")], _table(out)
    from inference.params_prediction import find_photo

    assert find_photo(out / "x.npz") == x_png  # (the table's done row names the photo of the files)
    # asked to replace results (BatchRequest.overwrite), the app writes x.jpg's fit over them
    with qtbot.waitSignal(tiny_session.finished, timeout=120000) as done:
        assert tiny_session.run_all(out, overwrite=True)
    assert done.args[0].startswith("1 written") and tiny_session.model.statuses[0].state == DONE, done.args
    assert (out / "x.npz").stat().st_mtime_ns != stamps["x.npz"]


def test_a_photo_whose_outputs_would_be_too_long_a_name_is_refused_and_the_rest_written(qtbot, tiny_session,
                                                                                       tmp_path):
    """A 240-character photo name fits the file system, NAME_parts_overlay.png does not: the batch's plan refuses
    it before any fit (`folder_predict.plan`), the list says why, and the other image is written and counted."""
    long_png, short_png = _noise(tmp_path / "in", "a" * 240 + ".png", "short.png")
    out = tmp_path / "out"
    text = _run_all(qtbot, tiny_session, [long_png, short_png], out)
    refused, written = tiny_session.model.statuses
    assert refused.state == ERROR and "rename the photo" in refused.message, refused
    assert written.state == DONE and (out / "short.obj").is_file()
    assert text.startswith("1 written") and "1 failed" in text, text


def test_a_folder_where_the_batch_cannot_log_runs_nothing(qtbot, tiny_session, tmp_path):
    """Without its log the CLI would not know what the batch wrote: one line says why, and nothing is written."""
    (a,) = _noise(tmp_path / "in", "a.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / RANK_LOGS).write_text("not a folder")
    tiny_session.set_images([a])
    with qtbot.waitSignal(tiny_session.error, timeout=60000) as failed:
        tiny_session.run_all(out)
    assert failed.args[0].startswith("Run all: cannot write the batch log in") and "\n" not in failed.args[0]
    assert not tiny_session.running and sorted(p.name for p in out.iterdir()) == [RANK_LOGS]


def test_the_summary_text_says_when_rows_could_not_be_logged(tmp_path):
    text = BatchSummary(done=2, log_error="cannot log to x/app.csv: No space left on device").text(tmp_path)
    assert text == f"2 written in {tmp_path} ({SUMMARY} incomplete: cannot log to x/app.csv: No space left on device)"
    assert "not written: full" in BatchSummary(table_error="full", log_error="x").text(tmp_path)


def test_run_all_without_opengl_writes_every_output_but_the_overlay(qtbot, predictor_factory, model_config, tmp_path,
                                                                   monkeypatch):
    """A machine without offscreen OpenGL (helper-109's sweep, F3): every image failed with a developer's message
    and nothing was written; now every output, the mesh overlay picture saying it was not drawn, said with the first
    image."""
    monkeypatch.setenv("PYOPENGL_PLATFORM", "nogl")  # (asked by the batch when it starts; this process draws on)
    photo = tmp_path / "in" / "person.png"
    photo.parent.mkdir()
    shutil.copy(SAMPLES / "synthetic_01.png", photo)
    out = tmp_path / "out"
    session = FolderSession(predictor_factory, model_config)
    try:
        session.set_images([photo])
        with qtbot.waitSignal(session.finished, timeout=120000) as done:
            assert session.run_all(out)
        assert "1 written" in done.args[0]
        assert "the mesh is not drawn over the photo (NAME_overlay.png says so)" in str(session.model.statuses[0])
    finally:
        session.shutdown()
    assert {q.name for q in output_paths(out / "person", ["obj", "glb"])} <= {q.name for q in out.iterdir()}


def test_a_run_all_that_finishes_takes_down_the_last_one_s_error(qtbot, session, images, tmp_path):
    """The banner kept "Run all: … read-only" after a later Run all had finished (helper-109's sweep, F10)."""
    errors, resolved = [], []
    session.error.connect(errors.append)
    session.errorResolved.connect(resolved.append)
    session._runs.failure.fail("Run all: /x: the file system is read-only")  # as _on_failed says it
    _run_all(qtbot, session, images[:1], tmp_path / "out")
    assert resolved == ["Run all: /x: the file system is read-only"]


def test_a_stopped_runs_summary_names_its_own_folder(qtbot, real_predictor, model_config, images, tmp_path):
    """Other images opened and Run all started again, to another folder, before the stopped run's summary arrived:
    that summary named the new run's folder (sweep183), as if the stopped run had written there."""
    s, pics = _slow_run_past_its_first_image(qtbot, real_predictor, model_config, images, tmp_path / "first")
    try:
        said = []
        s.finished.connect(said.append)
        s.set_images(pics[:1])
        s.run_all(tmp_path / "second")  # (before the event loop brings the stopped run's summary)
        qtbot.waitUntil(lambda: len(said) == 2, timeout=60000)
        stopped = [m for m in said if m.endswith("(stopped: other images were opened)")]
        assert len(stopped) == 1 and str(tmp_path / "first") in stopped[0] and "second" not in stopped[0]
    finally:
        s.shutdown()

