"""The window explains itself: the fit-quality indicator (colour, numbers on hover, warnings, per person),
the shape's live height and weight with measured beta tooltips, the camera following a growing body,
the Back view and Help › Keyboard shortcuts. Real window, real renderer, real predictor (CPU)."""
import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app.qt_images import from_qimage
from inference.colors import VERDICT_COLORS
from tests.app.support import PHOTOS, SAMPLES, TWO_PEOPLE, detector_ready

needs_detector = pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])


def wait_prediction(qtbot, window, person=None):
    s = window.session
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy
                    and (person is None or s.prediction.person == person), timeout=30000)


def menu_action(window, menu_title: str, text: str):
    for a in window.menuBar().actions():
        if a.menu() is not None and a.menu().title().replace("&", "") == menu_title:
            for b in a.menu().actions():
                if b.text().replace("&", "") == text:
                    return b
    raise AssertionError(f"no {menu_title} › {text}")


def test_quality_indicator_shows_verdict_numbers_and_warnings(qtbot, window):
    badge = window.photo.quality
    assert not badge.isVisible()
    window.controller.open_file(SAMPLES / "synthetic_01.png")
    wait_prediction(qtbot, window)
    q = window.session.quality
    assert q is not None and badge.isVisible() and badge.quality is q
    assert badge.text.text() == q.summary() and q.summary().startswith(f"{q.verdict} fit")
    tip = badge.toolTip()
    assert "IoU" in tip and q.mask_source in tip
    # the dot is drawn in the verdict's colour
    dot = from_qimage(badge.dot.pixmap().toImage())[..., :3]
    assert (np.abs(dot.astype(int) - VERDICT_COLORS[q.verdict]).sum(-1) < 30).sum() > 20
    # the inspector repeats the numbers
    assert q.summary() in window.inspector.info.text()
    if detector_ready()[0]:
        assert "detector score" in tip and "PCK" in tip and "keypoint-part agreement" in tip
        assert q.verdict == "good"  # the synthetic sample is fitted well by the shipped weights


@needs_detector
def test_cut_person_is_warned_and_each_person_gets_a_mark(qtbot, window):
    window.controller.open_file(PHOTOS / "astronaut.jpg")
    wait_prediction(qtbot, window)
    q = window.session.quality
    assert any("cut by the frame" in w for w in q.warnings)  # a half-length portrait
    assert window.photo.quality.warn.isVisible() and "cut by the frame" in window.photo.quality.warn.text()
    assert "cut by the frame" in window.inspector.info.text()
    # her legs are outside the photo: the part map paints none of her shins, and says so
    assert window.session.prediction.parts.absent == (11, 12)
    assert "no shins painted (the photo does not show them)" in window.inspector.info.text()
    assert "label map of the crop, shown on the photo" in window.inspector.info.text()
    # two people: the picker marks each fitted person with its verdict
    window.controller.open_file(TWO_PEOPLE)
    wait_prediction(qtbot, window, person=0)
    box = window.photo.person_box
    assert not box.itemIcon(0).isNull() and box.itemIcon(1).isNull()
    window.photo.personRequested.emit(1)
    wait_prediction(qtbot, window, person=1)
    assert not box.itemIcon(1).isNull() and window.session.quality.person == 1
    assert "fit" in box.itemData(1, 3)  # ToolTipRole: the detector score and the fit summary


def test_shape_height_weight_tooltips_and_camera_follows_growth(qtbot, window, photo):
    window.controller.open_file(photo)
    wait_prediction(qtbot, window)
    ins = window.inspector
    qtbot.waitUntil(lambda: ins.measure_values is not None, timeout=2000)
    m0 = ins.measure_values
    assert 1.3 < m0.height_m < 2.1 and 30 < m0.mass_kg < 150  # a person-sized body
    assert f"{m0.height_m * 100:.0f} cm" in ins.measures.text() and "kg" in ins.measures.text()
    # each beta's tooltip says what it does, measured on this body model
    for i in range(3):
        assert "Per +1: height" in ins.betas[i].toolTip() and ins.beta_labels[i].toolTip() == ins.betas[i].toolTip()
    assert "shorter" in ins.betas[0].toolTip()  # the embedded model's β1: -10 cm per +1
    # dragging β1 down makes the body taller: the height follows and the 3D camera moves back
    view = window.mesh_view
    d0 = view.distance
    ins.betas[0].set_value(-3.0)
    qtbot.waitUntil(lambda: ins.measure_values is not m0 and window.session.mesh is not window.session.prediction.mesh,
                    timeout=3000)
    qtbot.waitUntil(lambda: ins.measure_values.height_m > m0.height_m + 0.05, timeout=3000)
    assert view.distance > d0
    v = view.project(view.vertices)[:, 1]
    assert v.min() > 0 and v.max() < view.height()  # head to feet still in the picture


def test_back_view_and_shortcut_list(qtbot, window, photo):
    window.controller.open_file(photo)
    wait_prediction(qtbot, window)
    back = menu_action(window, "View", "Back")
    assert back.shortcut().toString() == "9"
    back.trigger()
    assert window.mesh_view.yaw == 180.0
    window.view_bar.buttons["front"].click()
    assert window.mesh_view.yaw == 0.0
    window.view_bar.buttons["back"].click()
    assert window.mesh_view.yaw == 180.0
    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    dlg = window._shortcuts_dialog
    qtbot.waitExposed(dlg)
    t = dlg.table
    rows = {t.item(r, 0).text(): t.item(r, 1).text() for r in range(t.rowCount())}
    assert "Back (View)" in rows["9"] and "Cancel prediction" in rows["Esc"] and "F5" in rows
    assert "rotate" in rows["Left-drag"]
    assert "Redo edit (Edit)" in rows["Ctrl+Shift+Z or Ctrl+Y"]  # every key of an action with two
    settings = menu_action(window, "File", "Settings…").shortcut().toString()
    assert settings and any("Settings" in v for k, v in rows.items() if k == settings)  # on every platform
    dlg.close()
    QApplication.processEvents()


def test_the_inspector_says_why_a_body_was_not_refined():
    from types import SimpleNamespace

    from widgets.inspector import _refined_text

    assert _refined_text(SimpleNamespace(refined=True, person=0), True).startswith("yes")
    assert "Settings" in _refined_text(SimpleNamespace(refined=False, person=0), False)
    assert "no detected person" in _refined_text(SimpleNamespace(refined=False, person=-1), True)
    assert "network's, which was kept" in _refined_text(SimpleNamespace(refined=False, person=1), True)
