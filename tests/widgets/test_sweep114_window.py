"""The window from the keyboard (sweep 114): one-key shortcuts leave the hidden Photo tab and lists alone; every
menu's letters are unique; the inspector keeps the keyboard focus when its controls are disabled for a moment and
names its sliders for a screen reader; a person the search missed can be boxed without a mouse; About names the
version and where the documents are."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from inference.paths import project_version
from tests.widgets.test_main_window import drop, wait_prediction
from tests.widgets.test_sweep99_keys_and_sliders import focus, opened, record_one_key_shortcuts


def test_one_key_shortcuts_do_nothing_from_the_dataset_tab_and_lists_keep_their_typed_keys(qtbot, window, fitted,
                                                                                           tmp_path):
    opened(qtbot, window, fitted, tmp_path)
    fired = record_one_key_shortcuts(window)
    people = window.act_people.isChecked()
    window.tabs.setCurrentWidget(window.dataset_panel)
    table = window.dataset_panel.table
    focus(qtbot, window, table)
    for key in (Qt.Key.Key_N, Qt.Key.Key_R, Qt.Key.Key_P, Qt.Key.Key_1):
        QTest.keyClick(table, key, Qt.KeyboardModifier.NoModifier)
    bar = window.tabs.tabBar()  # (no list or field: on the Photo tab the keys would be the shortcuts)
    focus(qtbot, window, bar)
    QTest.keyClick(bar, Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier)
    assert fired == [] and window.act_people.isChecked() == people

    # back on the Photo tab: a list takes the letter (its type-to-search), the 3D view gives it to the shortcut
    window.show_image_tab()
    for owner in (window.photo.people_list, window.folder_list):
        owner.setVisible(True)
        view = owner.list
        focus(qtbot, window, view)
        QTest.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier)
    assert fired == []
    focus(qtbot, window, window.mesh_view)
    QTest.keyClick(window.mesh_view, Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier)
    assert fired == ["&Reset 3D view"]


def _mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def test_every_menu_item_has_a_letter_of_its_own(window):
    def walk(menu: QMenu, where: str) -> None:
        letters = {}
        for a in menu.actions():
            if a.isSeparator():
                continue
            letter = _mnemonic(a.text())
            assert letter, f"{where} > {a.text()} has no letter"
            assert letter not in letters, f"{where}: {a.text()!r} and {letters[letter]!r} share &{letter}"
            letters[letter] = a.text()
            if a.menu() is not None and a.menu() is not menu:
                walk(a.menu(), a.text())

    window._rebuild_recent(["/photos/Tom&Jerry.jpg", "/photos/b.jpg"])
    for a in window.menuBar().actions():
        walk(a.menu(), a.text())
    assert [a.text() for a in window.recent_menu.actions()][:2] == ["&1 Tom&&Jerry.jpg", "&2 b.jpg"]


def test_about_names_the_version_the_model_card_and_the_licences(window):
    from widgets.main_window import about_text

    text = about_text()
    assert project_version() in text and project_version() != "unknown"
    assert "MODEL_CARD.md" in text and "F1" in text and "Apache-2.0" in text


def test_the_sliders_are_named_for_a_screen_reader_and_carry_their_value(qtbot, window, fitted, tmp_path):
    opened(qtbot, window, fitted, tmp_path)
    ins = window.inspector
    names = [s.slider.accessibleName() for s in (*ins.betas, *ins.orient, *ins.joint)]
    assert all(names) and len(set(names)) == len(names), names
    b2 = ins.betas[1]
    assert b2.slider.accessibleDescription() == b2.label.text()  # "-0.14", not the slider's "-14"
    ins.select_joint(18)  # left elbow
    assert "elbow" in ins.joint[0].slider.accessibleName()
    labels = [w for w in ins.findChildren(type(ins.measures)) if w.text() == "β2"]
    assert labels and labels[0].buddy() is b2.slider


def test_the_focus_stays_on_a_slider_while_the_next_body_loads(qtbot, window, fitted, tmp_path):
    params = opened(qtbot, window, fitted, tmp_path)
    slider = window.inspector.betas[1].slider
    focus(qtbot, window, slider)
    window.session.set_params(None, record_undo=False)  # (as while the next image of a folder loads)
    assert QApplication.focusWidget() is not slider
    window.session.set_params(params, record_undo=False)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is slider, timeout=3000)


def test_undo_spent_gives_the_focus_to_redo(qtbot, window, fitted, tmp_path):
    from app import pose_edit

    params = opened(qtbot, window, fitted, tmp_path)
    window.controller.set_params(pose_edit.with_beta(params, 1, 1.0))
    window.controller.end_edit()
    undo = window.inspector.undo_button
    assert undo.isEnabled()
    focus(qtbot, window, undo)
    QTest.keyClick(undo, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier)
    assert not undo.isEnabled()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.inspector.redo_button, timeout=3000)


def test_a_missed_person_can_be_boxed_from_the_keyboard(qtbot, window, photo, monkeypatch):
    from widgets.box_dialog import PersonBoxDialog

    drop(window, [photo])
    wait_prediction(qtbot, window)
    h, w = window.session.shown.image.shape[:2]
    seen = {}

    def answer(dlg) -> int:
        seen["start"] = tuple(int(v) for v in dlg.box())
        dlg.spins[0].setValue(w // 4)
        dlg.spins[2].setValue(3 * w // 4)
        return 1

    calls = []
    real = window.controller.fit_box
    monkeypatch.setattr(window.controller, "fit_box", lambda box: calls.append(box) or real(box))
    monkeypatch.setattr(PersonBoxDialog, "exec", answer)
    act = next(a for a in window.findChildren(QAction) if "search &missed" in a.text())
    assert not act.shortcut().isEmpty() or act.isEnabled()
    act.trigger()
    assert seen["start"] == (0, 0, w, h)  # the whole photo: the view is not zoomed
    assert calls == [(float(w // 4), 0.0, float(3 * w // 4), float(h))]
    wait_prediction(qtbot, window)


def test_the_inspector_writes_the_verdict_and_its_labels_readably(qtbot, window, photo):
    from PySide6.QtGui import QColor, QPalette

    from widgets.quality_badge import contrast

    drop(window, [photo])
    wait_prediction(qtbot, window)
    qtbot.waitUntil(lambda: window.session.quality is not None, timeout=10000)
    html = window.inspector.info.text()
    background = window.inspector.palette().color(QPalette.ColorRole.Window)
    colours = set(re.findall(r"color:\s*(#[0-9a-fA-F]{3,6}|rgb\([^)]*\))", html))
    assert len(colours) >= 2, html  # the verdict's and the row names'
    for c in colours:
        rgb = [int(v) for v in re.findall(r"\d+", c)] if c.startswith("rgb") else QColor(c).getRgb()[:3]
        assert contrast(rgb, (background.red(), background.green(), background.blue())) >= 4.5, c


def test_a_screenshot_of_a_focused_view_has_no_focus_frame(qtbot, window, photo, tmp_path):
    import numpy as np
    from PySide6.QtGui import QImage

    from app.qt_images import from_qimage

    drop(window, [photo])
    wait_prediction(qtbot, window)
    canvas = window.photo.canvas
    focus(qtbot, window, canvas)
    with qtbot.waitSignal(window.controller.exported, timeout=20000):
        assert window.save_screenshot(canvas, tmp_path / "photo.png")
    window.mesh_view.setFocus()
    qtbot.waitUntil(lambda: not canvas.hasFocus(), timeout=3000)

    # (from_qimage copies: an array over the buffer of a converted QImage read freed memory once it was gone)
    saved = from_qimage(QImage(str(tmp_path / "photo.png")))
    assert np.array_equal(saved, from_qimage(canvas.grab().toImage()))
