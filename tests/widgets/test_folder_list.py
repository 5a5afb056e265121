"""The folder list in the real window: a dropped folder lists its images with thumbnails; each row shows
its status (painted dot colour and label); a click shows that image; Run all fills in every row."""
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.image_status import DONE, ERROR, NO_PERSON, NOT_RUN
from tests.app.support import SAMPLES, TWO_PEOPLE, detector_ready, grey_image, write_png
from tests.widgets.test_main_window import drop, grab
from widgets.folder_list import status_color


def _folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLES / "synthetic_01.png", folder / "a_person.png")
    write_png(folder / "b_nobody.png", grey_image())
    shutil.copy(SAMPLES / "synthetic_02.png", folder / "c_person.png")
    return folder


def _has_color(img: np.ndarray, qcolor, tol: int = 12) -> bool:
    c = np.array([qcolor.red(), qcolor.green(), qcolor.blue()])
    return bool((np.abs(img.astype(np.int32) - c).sum(-1) <= tol).sum() >= 20)


def test_folder_list_shows_statuses_and_opens_the_clicked_image(qtbot, window, tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    fl, model = window.folder_list, window.controller.folder.model
    assert not fl.isVisible()
    drop(window, [folder])
    assert fl.isVisible() and model.rowCount() == 3
    qtbot.waitUntil(lambda: all(t is not None for t in model.thumbs), timeout=10000)
    qtbot.waitUntil(lambda: model.statuses[0].state == DONE, timeout=30000)  # the first image opened
    assert [s.state for s in model.statuses[1:]] == [NOT_RUN, NOT_RUN]
    assert _has_color(grab(fl.list), status_color(model.statuses[0]))  # the fit-quality colour is painted

    rect = fl.list.visualRect(model.index(1))
    QTest.mouseClick(fl.list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center() + QPoint(0, 0))
    qtbot.waitUntil(lambda: model.statuses[1].state in (NO_PERSON, ERROR), timeout=30000)
    assert window.session.shown.name == "b_nobody.png" and fl.list.currentIndex().row() == 1
    assert "no person" in model.data(model.index(1), Qt.ItemDataRole.ToolTipRole)

    out = tmp_path / "out"
    monkeypatch.setattr("widgets.main_window.QFileDialog.getExistingDirectory", lambda *a, **k: str(out))
    with qtbot.waitSignal(window.controller.folder.finished, timeout=120000):
        fl.run_all.click()
        assert fl.cancel.isEnabled() and not fl.run_all.isEnabled()
    assert [s.state for s in model.statuses] == [DONE, model.statuses[1].state, DONE]
    assert (out / "c_person_parts.png").is_file() and (out / "c_person.obj").is_file()
    assert (out / "c_person.glb").is_file()  # the meshes of `main.py predict` by default
    assert fl.progress.value() == 3 and "2 written" in fl.summary.text()


def test_run_all_writes_the_mesh_formats_chosen_and_remembers_them(qtbot, window, tmp_path, monkeypatch):
    """"Meshes" under Run all: the ticked formats are the mesh files written (as predict --mesh-formats), the last
    one cannot be unticked, the choice is saved in the settings and restored at the next start, and the menu cannot
    change while the batch runs."""
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    shutil.copy(SAMPLES / "synthetic_01.png", folder / "a_person.png")
    write_png(folder / "b_nobody.png", grey_image())  # (a folder of one image opens as that image)
    fl, model = window.folder_list, window.controller.folder.model
    drop(window, [folder])
    qtbot.waitUntil(lambda: model.rowCount() == 2 and model.statuses[0].state == DONE, timeout=30000)
    assert fl.mesh_formats() == ("obj", "glb") and fl.formats.text() == "Meshes: .obj .glb"
    acts = fl._format_actions
    acts["obj"].trigger()  # unticked
    acts["glb"].trigger()  # the last one: stays ticked
    assert fl.mesh_formats() == ("glb",)
    acts["ply"].trigger()
    acts["bvh"].trigger()
    acts["glb"].trigger()
    assert fl.mesh_formats() == ("ply", "bvh") and fl.formats.text() == "Meshes: .ply .bvh"
    assert window.controller.settings.value("ui/run_all_mesh_formats") == "ply,bvh"
    monkeypatch.setattr("widgets.main_window.QFileDialog.getExistingDirectory", lambda *a, **k: str(out))
    with qtbot.waitSignal(window.controller.folder.finished, timeout=120000):
        fl.run_all.click()
        assert not fl.formats.isEnabled()
    assert fl.formats.isEnabled()
    written = sorted(q.name for q in out.iterdir() if q.suffix in (".obj", ".glb", ".ply", ".bvh"))
    assert written == ["a_person.bvh", "a_person.ply"], written

    fl.set_mesh_formats(["nonsense"])  # an unknown name: predict's default
    assert fl.mesh_formats() == ("obj", "glb")
    window.restore_state()  # as at the next start, from the settings saved above
    assert fl.mesh_formats() == ("ply", "bvh")


def test_every_person_ticked_writes_everyone_of_each_image(qtbot, window, tmp_path, monkeypatch):
    """"Every person" under Run all: the batch writes each person of a photo of two (NAME_p2) and their scene; the box
    cannot change while the batch runs, and the choice is kept in the settings for the next start. "Replace results"
    then writes them again."""
    ready, why = detector_ready()
    if not ready:
        pytest.skip(why)
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    write_png(folder / "a_nobody.png", grey_image())
    shutil.copy(TWO_PEOPLE, folder / "b_two_people.jpg")
    fl, model = window.folder_list, window.controller.folder.model
    drop(window, [folder])
    qtbot.waitUntil(lambda: model.statuses[0].state in (NO_PERSON, ERROR), timeout=30000)  # the first image opened
    monkeypatch.setattr("widgets.main_window.QFileDialog.getExistingDirectory", lambda *a, **k: str(out))
    fl.everyone.setChecked(True)
    with qtbot.waitSignal(window.controller.folder.finished, timeout=300000):
        fl.run_all.click()
        assert not fl.everyone.isEnabled()
    assert fl.everyone.isEnabled() and model.statuses[1].state == DONE, model.statuses
    assert (out / "b_two_people_p2.obj").is_file() and (out / "b_two_people_scene.glb").is_file()
    assert str(window.controller.settings.value("ui/run_all_every_person")).lower() in ("1", "true")  # remembered
    # "Replace results" fits the images again over what is there (unticked, the second run would keep them), but for
    # the person the user looked at: their fit made on screen is written as it is
    c = window.controller
    assert c.open_folder_image(1)
    qtbot.waitUntil(lambda: c.session.prediction is not None and not c.session.busy, timeout=60000)
    stamp = (out / "b_two_people_p2.obj").stat().st_mtime_ns
    fl.replace.setChecked(True)
    with qtbot.waitSignal(window.controller.folder.finished, timeout=300000) as done:
        fl.run_all.click()
        assert not fl.replace.isEnabled()
    assert done.args[0].startswith("1 written") and (out / "b_two_people_p2.obj").stat().st_mtime_ns != stamp, done.args
    assert "person 1: the fit made on screen" in model.statuses[1].message, model.statuses[1]


@pytest.fixture
def held_list(qtbot, predictor_factory, model_config, tmp_path):
    """A FolderList over a one-image FolderSession whose batch sees an interactive request in flight
    (app.worker.InFlight): a run pauses at once. Yields (session, list)."""
    from app.folder import FolderSession
    from app.worker import Generation, InFlight
    from widgets.folder_list import FolderList

    gen = Generation()
    in_flight = InFlight(gen)
    in_flight.sent(gen.next())
    session = FolderSession(predictor_factory, model_config, in_flight=in_flight)
    fl = FolderList(session)
    qtbot.addWidget(fl)
    write_png(tmp_path / "grey.png", grey_image())
    session.set_images([tmp_path / "grey.png"])
    yield session, fl
    session.shutdown()


def test_the_progress_says_when_run_all_waits_for_the_image_shown(qtbot, held_list, tmp_path):
    """While an interactive fit is in flight the batch pauses (app.worker.InFlight): its progress says why."""
    session, fl = held_list
    with qtbot.waitSignal(session.pausedChanged, timeout=30000):
        session.run_all(tmp_path / "out")
    assert "paused" in fl.progress.format() and fl.cancel.isEnabled()
    with qtbot.waitSignal(session.finished, timeout=10000):
        session.cancel()
    assert fl.progress.format() == "%v / %m" and not fl.cancel.isEnabled()


def test_the_paused_progress_is_readable_in_a_narrow_list(qtbot, held_list, tmp_path):
    """In a 1280 px window the list is about 180 px wide: 'N / M · paused for the image shown' was broken over two
    lines inside the 16 px bar (unreadable). The bar says 'paused' in what fits it; the summary line, which wraps,
    says it in full; a wide list's bar says it in full."""
    from widgets.folder_list import PAUSED

    session, fl = held_list
    fl.resize(181, 500)
    fl.show()
    qtbot.waitExposed(fl)
    with qtbot.waitSignal(session.pausedChanged, timeout=30000):
        session.run_all(tmp_path / "out")
    bar = fl.progress
    assert "paused" in bar.text()
    assert bar.fontMetrics().horizontalAdvance(bar.text()) <= bar.contentsRect().width() - 8  # one line, whole
    assert PAUSED in fl.summary.text()
    fl.resize(400, 500)
    qtbot.waitUntil(lambda: bar.text() == f"0 / 1 · {PAUSED}", timeout=2000)
    with qtbot.waitSignal(session.finished, timeout=10000):
        session.cancel()
    assert bar.format() == "%v / %m" and PAUSED not in fl.summary.text()


def test_names_that_start_alike_stay_apart_in_a_narrow_list(qtbot, predictor_factory, model_config, tmp_path):
    """In a 1280 px window the list is about 180 px wide: each name was elided to one line in its middle, and
    kpa_cold_water.jpg and kpa_pool.jpg were both painted 'kpa_....jpg', as a phone's photos all are 'IMG_....jpg'. A
    name that does not fit takes two lines, its start and its end: the rows differ."""
    from app.folder import FolderSession
    from widgets.folder_list import FolderList, name_lines

    names = ["IMG_20240101_0001_edit.png", "IMG_20240101_0002_edit.png"]
    for n in names:
        write_png(tmp_path / n, grey_image())
    session = FolderSession(predictor_factory, model_config)
    fl = FolderList(session)
    qtbot.addWidget(fl)
    try:
        session.set_images([tmp_path / n for n in names])
        fl.resize(181, 500)
        fl.show()
        qtbot.waitExposed(fl)
        qtbot.waitUntil(lambda: all(t is not None for t in session.model.thumbs), timeout=10000)
        img = grab(fl.list)
        rows = [fl.list.visualRect(session.model.index(r)) for r in range(2)]
        # right of the thumbnails, inside the rows (the list's frame line runs along the first row's top)
        text = [img[r.top() + 3:r.bottom() - 2, r.left() + 84:r.right() - 2].astype(int) for r in rows]
        assert text[0].shape == text[1].shape
        assert (np.abs(text[0] - text[1]).sum(-1) > 60).sum() > 10  # the rows' texts differ
        width = rows[0].width() - 84 - 4
        fm = fl.list.fontMetrics()
        for n in names:  # the start, and the end with the photo's number
            first, second = name_lines(fm, n, width)
            assert n.startswith(first) and second.endswith(n[-11:])  # ..01_edit.png, ..02_edit.png
        assert "".join(name_lines(fm, "kpa_cold_water.png", width)) == "kpa_cold_water.png"  # whole in two lines
        assert name_lines(fm, "a.png", width) == ["a.png"]
    finally:
        session.shutdown()


def test_the_layout_and_view_choices_come_back_at_the_next_start(qtbot, window, tmp_path):
    """The photo-above-parts split, the 3D colour mode, the parts panel's mode and the folder list's width are
    saved with the window and restored at the next start (before, only the window's size and its main split were;
    helper-103's sweep)."""
    folder = _folder(tmp_path)
    fl = window.folder_list
    drop(window, [folder])
    qtbot.waitUntil(lambda: fl.isVisible() and fl.width() > 0, timeout=10000)
    qtbot.wait(50)  # (the list's width is set once the layout that shows it has run)
    total = sum(window.left_split.sizes())
    window.left_split.setSizes([total // 3, total - total // 3])
    window.photo_tab.setSizes([300, sum(window.photo_tab.sizes()) - 300])
    window.view_bar.colors.setCurrentIndex(window.view_bar.colors.findData("parts"))
    window.segmentation.mode.setCurrentIndex(window.segmentation.mode.findData("side"))
    split = window.left_split.sizes()
    window.save_state()
    window.left_split.setSizes([total - total // 3, total // 3])
    window.view_bar.colors.setCurrentIndex(window.view_bar.colors.findData("skin"))
    window.segmentation.mode.setCurrentIndex(window.segmentation.mode.findData("overlay"))
    window.restore_state()  # as at the next start
    a, b = window.left_split.sizes()
    assert abs(a / (a + b) - split[0] / sum(split)) < 0.02, (window.left_split.sizes(), split)  # (in the space now)
    assert window.view_bar.colors.currentData() == "parts" and window.segmentation.mode.currentData() == "side"
    assert window.controller.settings.value("ui/folder_width") in (300, "300")
    window.resize(1400, 900)  # (offscreen, the geometry restored is not the window's size)
    qtbot.wait(50)
    window._folder_room_made = False  # the list appearing in a new window takes the saved width
    window._make_room_for_folder_list()
    qtbot.waitUntil(lambda: window.photo_tab.sizes()[0] == 300, timeout=5000)
