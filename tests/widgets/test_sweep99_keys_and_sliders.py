"""The real main window: letters typed into a combo box go to it, not to the one-key shortcuts; an angle slider
moves its own angle only; betas beyond the sliders' range show and step from their true value; the two reset
buttons say what they reset; the window fits 1024 x 700 with the folder list, and is less than 1000 px wide at
least."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import pose_edit
from tests.app.support import SAMPLE, write_params_files
from tests.widgets.test_main_window import drop
from tests.widgets.test_open_params_window import wait_opened


def opened(qtbot, window, fitted, tmp_path, betas=None):
    """The window showing a parameter file of the fitted sample (with `betas` {index: value} written into it)."""
    if betas:
        import shutil

        from inference.export import save_params

        pred, cam, body = fitted
        b = np.array(pred.params.betas, np.float32)
        for i, v in betas.items():
            b[i] = v
        shutil.copy(SAMPLE, tmp_path / "person.png")  # the photo beside it
        path = save_params(tmp_path / "person.npz", pred.params.with_(betas=b), pred.camera.focal, pred.camera.size,
                           body.name, photo=cam)
    else:
        path = write_params_files(tmp_path, fitted)[".npz"]
    drop(window, [path])
    wait_opened(qtbot, window, path)
    return window.session.params


def focus(qtbot, window, widget):
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=3000)


def action(window, text):
    found = [a for a in window.findChildren(type(window.act_undo)) if a.text() == text]
    assert len(found) == 1, text
    return found[0]


ONE_KEY = ("Toggle refined / &network fit", "&Reset 3D view", "&Front", "Detected &people")


def record_one_key_shortcuts(window) -> list[str]:
    """The texts of the one-key shortcuts' actions, appended as they fire."""
    fired = []
    for text in ONE_KEY:
        action(window, text).triggered.connect(lambda _=False, t=text: fired.append(t))
    return fired


# ------------------------------------------------------------------ item 8: one-key shortcuts and typing
def test_letters_typed_into_the_joint_box_choose_a_joint_and_leave_the_shortcuts_alone(qtbot, window, fitted,
                                                                                        tmp_path):
    opened(qtbot, window, fitted, tmp_path)
    fired = record_one_key_shortcuts(window)
    people = window.act_people.isChecked()
    box = window.inspector.joint_box
    focus(qtbot, window, box)
    QTest.keyClick(box, Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier)
    assert box.currentText() == "neck"
    QTest.keyClick(box, Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier, 1200)  # (after the box's search interval)
    assert box.currentText().startswith("right")
    QTest.keyClick(box, Qt.Key.Key_P, Qt.KeyboardModifier.NoModifier, 1200)
    QTest.keyClick(box, Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier)
    assert fired == [] and window.act_people.isChecked() == people

    # elsewhere the keys are the shortcuts: the 3D view, the photo, a slider
    focus(qtbot, window, window.mesh_view)
    QTest.keyClick(window.mesh_view, Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier)
    focus(qtbot, window, window.photo.canvas)
    QTest.keyClick(window.photo.canvas, Qt.Key.Key_P, Qt.KeyboardModifier.NoModifier)
    slider = window.inspector.betas[0].slider
    focus(qtbot, window, slider)
    QTest.keyClick(slider, Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier)
    assert fired == ["&Reset 3D view", "Detected &people", "&Front"]
    assert window.act_people.isChecked() != people


# ------------------------------------------------------------------ item 9: one angle at a time
@pytest.mark.parametrize("joint", [1, 0])
def test_an_angle_step_moves_that_angle_alone(qtbot, window, fitted, tmp_path, joint):
    params = opened(qtbot, window, fitted, tmp_path)
    # fractional angles, as a fit gives them (the sliders show whole degrees)
    angles = (-78.65, -1.46, 9.64) if joint else (-16.3, 1.7, 2.62)
    window.controller.set_params(pose_edit.with_joint_euler(params, joint, angles))
    window.controller.end_edit()
    if joint:
        window.inspector.select_joint(joint)
    before = pose_edit.joint_euler(window.session.params, joint)
    sliders = window.inspector.joint if joint else window.inspector.orient
    focus(qtbot, window, sliders[0].slider)
    QTest.keyClick(sliders[0].slider, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier)
    after = pose_edit.joint_euler(window.session.params, joint)
    assert after[0] == pytest.approx(round(before[0]) + 1, abs=1e-4)
    assert np.abs(after[1:] - before[1:]).max() < 1e-6, (before, after)
    assert window.controller.undo()
    assert np.allclose(pose_edit.joint_euler(window.session.params, joint), before, atol=1e-6)


# ------------------------------------------------------------------ item 10: betas beyond the sliders' range
def test_betas_beyond_the_range_show_their_value_and_step_from_it(qtbot, window, fitted, tmp_path):
    opened(qtbot, window, fitted, tmp_path, betas={0: 5.0, 1: -4.0})
    b1, b2, b3 = window.inspector.betas[:3]
    assert (b1.label.text(), b2.label.text()) == ("+5.00", "-4.00")
    assert b1.label.toolTip() and "beyond" in b1.label.toolTip()
    assert not b3.label.toolTip()
    # another slider moved: the body keeps its β1 and β2
    b3.set_value(1.0)
    assert window.session.params.betas[:2].tolist() == [5.0, -4.0]
    # one step left on β1: 4.99, not 2.99; and again
    focus(qtbot, window, b1.slider)
    QTest.keyClick(b1.slider, Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier)
    assert float(window.session.params.betas[0]) == pytest.approx(4.99, abs=1e-5)
    QTest.keyClick(b1.slider, Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier)
    assert float(window.session.params.betas[0]) == pytest.approx(4.98, abs=1e-5)
    assert b1.label.text() == "+4.98" and b1.slider.value() == b1.slider.maximum()
    assert float(window.session.params.betas[1]) == -4.0
    # a drag sets the value under the handle
    b2.set_value(-1.5)
    assert float(window.session.params.betas[1]) == pytest.approx(-1.5) and b2.label.text() == "-1.50"
    assert not b2.label.toolTip()


# ------------------------------------------------------------------ item 12: two resets, two names
def test_the_two_reset_buttons_say_what_they_reset(window):
    assert window.view_bar.buttons["reset"].text() == "Reset view"
    assert window.inspector.reset_button.text() == "Reset body"
    button = window.inspector.reset_button
    assert button.minimumWidth() >= button.fontMetrics().horizontalAdvance("Reset body")  # never cut


# ------------------------------------------------------------------ item 11: a small window with the folder list
def test_the_window_fits_1024_by_700_with_the_folder_list(qtbot, window, tmp_path):
    import shutil

    for name in ("a.png", "b.png"):
        shutil.copy(SAMPLE, tmp_path / name)
    window.controller.open_paths([str(tmp_path)])
    qtbot.waitUntil(lambda: window.folder_list.isVisible(), timeout=10000)
    QApplication.processEvents()
    window.layout().activate()  # (the window's least size follows its layout once laid out)
    window.resize(800, 600)
    QApplication.processEvents()
    # the least width in characters (the machine's default font sets it): 166 of the tests' 6 px ones leave room
    # in 1024 px
    chars = window.fontMetrics().averageCharWidth()
    assert window.width() < 166 * chars and window.photo_tab.minimumSizeHint().width() < 166 * chars, chars
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700, timeout=3000)
    QApplication.processEvents()
    legend = window.segmentation.legend
    assert legend.height() >= legend.heightForWidth(legend.width())  # every part's name shown
    scroll = window.inspector.scroll_area
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
