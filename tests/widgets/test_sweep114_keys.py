"""Sweep 114 (keyboard and help): the part legend keeps all its rows off the part map, its swatches are outlined,
the folder list follows its current row, the dataset table lets Tab go and opens a case on Enter, the histogram's
filter works from the keyboard, and the F1 list fits its rows, tells the truth and comes forward on F1."""
from __future__ import annotations

import shutil

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QStyle

from app.qt_images import from_qimage
from inference.detect import Person
from inference.parts import PART_COLORS, PART_NAMES
from tests.widgets.test_main_window import drop, wait_prediction


def _people(n: int) -> tuple:
    return tuple(Person(box=np.float32([20 + 60 * k, 10, 60 + 60 * k, 110]), score=0.9,
                        keypoints=np.zeros((33, 3), np.float32), mask=None, world=None) for k in range(n))


def _legend_clear_of_canvas(panel) -> None:
    canvas, legend = panel.canvas, panel.legend
    assert canvas.geometry().bottom() < legend.geometry().top(), (canvas.geometry(), legend.geometry())
    for entry in legend._entries:  # every entry inside the legend, none cut at its foot
        assert entry.geometry().bottom() < legend.height(), (entry.geometry(), legend.geometry())


def test_the_part_legend_keeps_its_rows_off_the_part_map_at_its_minimum_height(qtbot):
    """F1: the parts panel's minimum was 176 px with a legend of 93 px in two columns (the flow layout's minimum is
    one entry): at that height the legend lay 36 px over the canvas and its last row was cut off."""
    from widgets.panels import SegmentationPanel

    panel = SegmentationPanel()
    qtbot.addWidget(panel)
    panel.resize(438, 400)
    panel.show()
    qtbot.waitExposed(panel)
    QApplication.processEvents()
    legend = panel.legend
    assert legend.minimumSizeHint().height() >= legend.heightForWidth(legend.width())
    panel.resize(438, panel.minimumSizeHint().height())
    QApplication.processEvents()
    _legend_clear_of_canvas(panel)
    panel.resize(300, 400)  # narrower: more rows, a taller minimum
    QApplication.processEvents()
    QApplication.processEvents()
    panel.resize(300, panel.minimumSizeHint().height())
    QApplication.processEvents()
    _legend_clear_of_canvas(panel)


def test_the_people_strip_leaves_the_legend_its_room_in_a_small_window(qtbot, window):
    """F1 in the window: 1240 x 660 (a 1920 x 1080 screen at 150 %) with two people, whose strip takes its height
    from the parts panel."""
    window.resize(1240, 660)
    qtbot.waitUntil(lambda: window.width() == 1240, timeout=2000)
    QApplication.processEvents()
    window.session.set_people(_people(2), 0)
    qtbot.waitUntil(lambda: window.photo.people_list.isVisible(), timeout=2000)
    QApplication.processEvents()
    QApplication.processEvents()
    seg = window.segmentation
    assert seg.height() >= seg.minimumSizeHint().height()
    _legend_clear_of_canvas(seg)


def test_the_legend_swatches_have_an_outline(qtbot):
    """F10: head (98, 255, 255) and the forearms were about 1.05:1 against the light window, unseen without an
    edge."""
    from widgets.legend import PartLegend

    legend = PartLegend()
    qtbot.addWidget(legend)
    head = PART_NAMES.index("head")
    swatch = legend._entries[head].findChildren(QLabel)[0]
    img = from_qimage(swatch.pixmap().toImage())
    fill = np.asarray(PART_COLORS[head], int)
    edge = img[0, img.shape[1] // 2].astype(int)
    assert np.abs(img[img.shape[0] // 2, img.shape[1] // 2].astype(int) - fill).max() <= 2  # the colour inside
    assert edge.sum() < fill.sum() - 200, edge  # a dark edge around it


PAUSE = 600  # ms: longer than the folder list's pause before the current row's image opens (FOLLOW_MS)


def _folder(tmp_path, photo, n: int = 4):
    folder = tmp_path / "photos"
    folder.mkdir()
    for k in range(n):
        shutil.copy(photo, folder / f"img_{k}.png")
    return folder


def test_the_folder_list_opens_the_row_its_keys_rest_on_once(qtbot, window, photo, tmp_path):
    """F3: Down moved the highlight and the image stayed; Enter and Space did nothing. Now the image follows the
    current row once the keys rest (holding Down reads the image it stops on, not each one passed), Enter and
    Space open it at once, and the app opening another image (Alt+Right) moves the row without a load."""
    drop(window, [_folder(tmp_path, photo)])
    wait_prediction(qtbot, window)
    fl = window.folder_list
    asked = []
    fl.imageRequested.connect(asked.append)
    opened = []
    real = window.controller.open_folder_image
    window.controller.open_folder_image = lambda row: (opened.append(row), real(row))[1]
    fl.list.setFocus()
    # a press elsewhere whose release never came (Qt's global button state left "down", as a test before this one
    # or a drag out of the window leaves it): the list goes by its own presses
    QTest.mousePress(window.mesh_view, Qt.MouseButton.LeftButton)
    for _ in range(3):  # held down: three moves within the pause
        qtbot.keyClick(fl.list, Qt.Key.Key_Down)
    assert asked == [] and fl.list.currentIndex().row() == 3
    qtbot.waitUntil(lambda: window.session.shown.name == "img_3.png", timeout=20000)
    assert asked == [3] and opened == [3]
    qtbot.keyClick(fl.list, Qt.Key.Key_Return)  # the image shown: not fitted anew
    qtbot.wait(PAUSE)
    assert asked == [3]
    qtbot.keyClick(fl.list, Qt.Key.Key_Up)
    qtbot.keyClick(fl.list, Qt.Key.Key_Space)  # at once, and the pause's own request does not follow
    assert asked == [3, 2] and window.session.shown.name == "img_2.png"
    qtbot.wait(PAUSE)
    assert asked == [3, 2]
    qtbot.keyClick(fl.list, Qt.Key.Key_Up)
    qtbot.keyClick(fl.list, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert asked == [3, 2, 1] and window.session.shown.name == "img_1.png"
    window.act_next.trigger()  # the app opens the next one: the highlight follows, nothing more is asked
    assert window.session.shown.name == "img_2.png" and fl.list.currentIndex().row() == 2
    qtbot.wait(PAUSE)
    assert asked == [3, 2, 1] and opened == [3, 2, 1]
    wait_prediction(qtbot, window)
    # a file from elsewhere: no row is marked, and Tab into the list opens nothing; Down then opens the first image
    window.controller.open_file(photo)
    assert not fl.list.selectionModel().hasSelection()
    window.mesh_view.setFocus()
    fl.list.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(fl.list.hasFocus, timeout=2000)
    qtbot.wait(PAUSE)
    assert asked == [3, 2, 1] and window.session.shown.name == photo.name
    qtbot.keyClick(fl.list, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.session.shown.name == "img_0.png", timeout=20000)
    assert asked == [3, 2, 1, 0] and [i.row() for i in fl.list.selectionModel().selectedRows()] == [0]
    wait_prediction(qtbot, window)


def test_the_dataset_table_lets_tab_go_and_opens_a_case_on_enter(qtbot, window, synth_dataset, monkeypatch):
    """F4: Tab only moved between the table's cells, and no key opened a case in the main view."""
    panel, ds = window.dataset_panel, window.dataset
    assert ds.open(synth_dataset, run=False) == 3
    window.tabs.setCurrentWidget(panel)
    opened = []
    monkeypatch.setattr(window.controller, "open_case", lambda path: opened.append(str(path)) or True)
    table = panel.table
    assert not table.tabKeyNavigation()
    panel.select_row(1)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened == [str(ds.model.case(1).image_path)]
    assert window.tabs.currentWidget() is window.photo_tab


def _histogram(qtbot):
    from widgets.histogram import Histogram

    h = Histogram()
    qtbot.addWidget(h)
    h.resize(360, 200)
    h.set_values([1, 1, 2, 5, 5, 5, 9], "error", "mm")
    h.show()
    qtbot.waitExposed(h)
    return h


def test_the_histogram_filter_works_from_the_keyboard(qtbot):
    """F4: the histogram took no focus, so its bars (the table's filter) needed the mouse. Left/Right mark a bar
    holding cases, Enter or Space choose it as a click does, again or Esc clear it; the focus shows."""
    h = _histogram(qtbot)
    assert h.focusPolicy() & Qt.FocusPolicy.TabFocus
    unfocused = from_qimage(h.grab().toImage())
    h.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(h.hasFocus, timeout=2000)
    focused = from_qimage(h.grab().toImage())
    assert (np.abs(focused.astype(int) - unfocused.astype(int)).sum(-1) > 30).sum() > 100  # the focus is seen
    filled = [i for i, c in enumerate(h.counts) if c > 0]
    assert h.marked == filled[0]
    chosen, cleared = [], []
    h.rangeChosen.connect(lambda lo, hi, closed: chosen.append((lo, hi, closed)))
    h.rangeCleared.connect(lambda: cleared.append(True))
    qtbot.keyClick(h, Qt.Key.Key_Right)  # over the empty bins to the next bar with cases
    assert h.marked == filled[1]
    qtbot.keyClick(h, Qt.Key.Key_Return)
    i = filled[1]
    assert chosen == [(h.edges[i], h.edges[i + 1], False)]
    qtbot.keyClick(h, Qt.Key.Key_Space)  # chosen again: cleared, as a second click
    assert cleared == [True] and h.chosen is None
    qtbot.keyClick(h, Qt.Key.Key_End)
    qtbot.keyClick(h, Qt.Key.Key_Space)
    assert chosen[-1][2] and h.marked == filled[-1]  # the last bin is closed
    qtbot.keyClick(h, Qt.Key.Key_Escape)
    assert cleared == [True, True] and h.chosen is None


def test_the_shortcuts_list_fits_its_rows_and_tells_the_truth(qtbot, window):
    """F12: long rows were cut ("…write every result to a …"), "+ / -" was said to zoom about the cursor, and the keys
    of the folder list, the dataset table and the people strip were missing."""
    from widgets.shortcuts import show_shortcuts

    dlg = show_shortcuts(window)
    qtbot.waitExposed(dlg)
    QApplication.processEvents()
    table = dlg.table
    fm = table.fontMetrics()
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)  # (the cell's)

    def fits() -> None:
        for r in range(table.rowCount()):
            for c in range(2):
                text = table.item(r, c).text()
                need = fm.boundingRect(QRect(0, 0, table.columnWidth(c) - margin, 10000),
                                       Qt.TextFlag.TextWordWrap, text).height()
                assert table.rowHeight(r) >= need, (text, table.rowHeight(r), need)

    fits()
    dlg.resize(420, dlg.height())  # narrower: the rows grow
    QApplication.processEvents()
    fits()
    rows = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    said = " | ".join(f"{k}: {t}" for k, t in rows)
    assert not any(k.startswith("Wheel, + / -") for k, _ in rows)
    assert any(k == "+ / -" and "centre" in t for k, t in rows)
    for key in ("Up / Down", "Enter or double-click a row", "Left / Right", "Alt+Left", "Alt+Right"):
        assert key in said, key
    assert "Photo tab only" in dlg.note.text()  # (the one-key shortcuts: widgets/main_window.py TypingKeys)
    dlg.close()


def test_f1_brings_the_open_shortcuts_list_forward_with_the_keys(qtbot, window):
    """F12: F1 with the dialog open behind the window raised it but left the keys in the window (it seemed to do
    nothing)."""
    from widgets.shortcuts import show_shortcuts

    dlg = show_shortcuts(window)
    qtbot.waitExposed(dlg)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    assert show_shortcuts(window) is dlg
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=2000)
    dlg.close()
