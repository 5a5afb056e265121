"""Sweep 107 on the real window and renderer: the Dataset tab no longer holds the window 942 px wide and its
controls flow onto further rows without overlapping; an empty histogram bar lists no empty table, and a filter that
hides the case shown clears the details; the 3D view keeps a body zoomed far out (or framed from beyond the far
plane) in the picture; and it turns, pans and zooms with keys of its own that no window shortcut uses."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtTest import QTest

from inference.types import BodyParams
from tests.widgets.test_main_window import drop
from tests.widgets.test_sweep99_keys_and_sliders import focus


def in_panel(panel, w) -> QRect:
    return QRect(w.mapTo(panel, QPoint(0, 0)), w.size())


def scored(qtbot, window, folder):
    ds = window.dataset
    drop(window, [folder])
    qtbot.waitUntil(lambda: not ds.running and len(ds.model.results()) == 3, timeout=90000)
    return window.dataset_panel, ds


# ------------------------------------------------------------------ finding 3: the Dataset tab in a narrow window
def test_the_dataset_tab_lets_the_window_shrink_and_its_controls_flow(qtbot, window, synth_dataset):
    """The Dataset tab's row of controls (930 px on one row) held the whole window at least 942 px wide, on every tab.
    Now the tab needs some 110 characters' width (660 px in the 6 px characters of the tests' default font), and at
    the window's smallest width its line and controls flow onto further rows: each control whole, inside the tab,
    overlapping none; the charts one over the other; the details scroll rather than squeeze."""
    panel = window.dataset_panel
    chars = window.fontMetrics().averageCharWidth()  # (widths in characters: the machine's default font sets them)
    assert panel.minimumSizeHint().width() <= 116 * chars, (panel.minimumSizeHint(), chars)
    assert window.minimumSizeHint().width() < 133 * chars, (window.minimumSizeHint(), chars)  # the Photo tab's
    scored(qtbot, window, synth_dataset)
    panel.select_row(0)
    qtbot.waitUntil(lambda: "00000" in panel.detail_title.text(), timeout=10000)
    window.tabs.setCurrentWidget(panel)
    window.resize(window.minimumSizeHint().width(), 600)
    qtbot.waitUntil(lambda: window.width() == window.minimumSizeHint().width(), timeout=5000)
    qtbot.wait(200)
    top = [panel.folder_label, panel.split, panel.metric_box, panel.progress, panel.run_button, panel.stop_button,
           panel.csv_button]
    boxes = [in_panel(panel, w) for w in top]
    for w, box in zip(top, boxes):
        assert w.isVisible() and panel.rect().contains(box), (w, box, panel.rect())
        assert box.width() >= w.minimumSizeHint().width(), (w, box)
    assert boxes[0].height() >= panel.folder_label.heightForWidth(boxes[0].width())  # every line of the score line
    for (a, ra), (b, rb) in itertools.combinations(zip(top, boxes), 2):
        assert not ra.intersects(rb), (a, ra, b, rb)
    split = panel.layout().itemAt(1).widget()
    assert in_panel(panel, split).top() > max(r.bottom() for r in boxes)  # the table etc. under the controls
    assert panel.charts.orientation() == Qt.Orientation.Vertical  # no room for the charts side by side
    detail = panel.detail_scroll.widget()
    assert detail.height() >= detail.layout().totalMinimumHeightForWidth(detail.width())  # scrolls, not squeezed
    # a wide window shows the line and the controls on one row, the charts side by side
    window.resize(1600, 960)
    qtbot.waitUntil(lambda: window.width() == 1600, timeout=5000)
    qtbot.wait(200)
    assert panel.charts.orientation() == Qt.Orientation.Horizontal
    assert abs(in_panel(panel, panel.run_button).center().y() - in_panel(panel, panel.folder_label).center().y()) < 20


# ------------------------------------------------------------------ finding 9: histogram bars and the details
def test_an_empty_bar_filters_nothing_and_a_filter_hiding_the_shown_case_clears_it(qtbot, window, synth_dataset):
    panel, ds = scored(qtbot, window, synth_dataset)
    h = panel.histogram
    window.tabs.setCurrentWidget(panel)
    qtbot.wait(100)
    assert (h.counts == 0).any(), h.counts  # 3 cases in 5 bins
    metric = panel.metric_box.currentText()
    top = int(np.argmax([ds.model.metric_value(row, metric) for row in range(3)]))  # in the last bar
    panel.select_row(top)
    qtbot.waitUntil(lambda: ds.model.case(top).case_id in panel.detail_title.text(), timeout=10000)
    r = h._plot_rect()

    def click(i):
        x = r.left() + (i + 0.5) * r.width() / len(h.counts)
        QTest.mouseClick(h, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(int(x), int(r.center().y())))

    chosen = []
    h.rangeChosen.connect(lambda *a: chosen.append(a))
    click(int(np.flatnonzero(h.counts == 0)[0]))
    assert chosen == [] and h.chosen is None
    assert panel.proxy.rowCount() == 3 and not panel.filter_label.isVisibleTo(panel)
    assert ds.model.case(top).case_id in panel.detail_title.text()
    # the first bar, which does not hold the case shown: its cases listed, the details those of one of them or none
    click(0)
    assert len(chosen) == 1 and 0 < panel.proxy.rowCount() < 3
    shown = panel.current_row
    if shown is None:
        assert not panel.open_button.isEnabled() and panel.meshes.gt.vertices is None
    else:  # the table's current row moved to a listed case, whose details come
        assert panel.proxy.mapFromSource(ds.model.index(shown, 0)).isValid()
        qtbot.waitUntil(lambda: ds.model.case(shown).case_id in panel.detail_title.text(), timeout=10000)
    assert ds.model.case(top).case_id not in panel.detail_title.text()


# ------------------------------------------------------------------ finding 5: zoomed far out
@pytest.fixture
def host(qtbot, body_model):
    from widgets.render_host import RenderHost

    h = RenderHost()
    with qtbot.waitSignal(h.ready, timeout=60000):
        h.set_body(body_model.faces, body_model.weights)
    yield h
    h.close()


def body_pixels(view) -> float:
    image = view.render_frame()
    assert image is not None, view._message
    a = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return float((a[:, 3: image.width() * 4: 4] > 0).mean())


def test_the_body_stays_in_the_picture_zoomed_far_out_and_framed_from_far(qtbot, host, body_model):
    """The wheel let the view zoom out to 200 m, past the orbit camera's 100 m far plane: the body vanished. Now the
    zoom stops at 20 times the framed distance, and a body whose farthest point lies past the far plane (a giant one,
    framed from 150 m) is drawn as well."""
    from widgets import mesh_view
    from widgets.mesh_view import MeshView

    view = MeshView(host)
    view.resize(200, 260)
    mesh = body_model.mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10), np.array([0.0, 0.3, -3.0])))
    view.set_mesh(mesh, reframe=True)
    home = view.distance
    assert body_pixels(view) > 0.05
    view.zoom(-40)  # 40 wheel steps out
    assert body_pixels(view) > 0
    limit = home * mesh_view.ZOOM_OUT
    assert limit * 0.99 < view.distance <= limit + 1e-9
    view.zoom(-40)
    assert view.distance <= limit + 1e-9
    view.reset_view()
    near = body_pixels(view)

    class Giant:  # the same body 40 times larger: framed from some 80 m, its back past the far plane
        vertices = mesh.vertices * 40
        joints = mesh.joints * 40

    view.set_mesh(Giant, reframe=True)
    assert view.distance + view._radius > 100
    assert body_pixels(view) == pytest.approx(near, abs=0.01)  # the same picture as the person's
    view.deleteLater()


# ------------------------------------------------------------------ finding 10: keys of the 3D view
VIEW_KEYS = [(k, m) for k in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)
             for m in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)] + \
    [(k, Qt.KeyboardModifier.NoModifier) for k in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus)] + \
    [(Qt.Key.Key_Plus, Qt.KeyboardModifier.ShiftModifier)]


def claims(view, key, modifiers) -> bool:
    """Does the view take this key ahead of the window's shortcuts (accept its ShortcutOverride, as Qt asks the focus
    widget before it triggers a shortcut)?"""
    from PySide6.QtWidgets import QApplication

    event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifiers)
    event.ignore()  # as Qt sends it
    QApplication.sendEvent(view, event)
    return event.isAccepted()


def test_no_window_shortcut_is_a_key_of_the_3d_view(window):
    """Every key the 3D view handles is free of the window's shortcuts (and taken by the view even should one come to
    use it), and every window shortcut passes through the view to the window."""
    from PySide6.QtGui import QAction

    view = window.mesh_view
    for k, m in VIEW_KEYS:
        assert claims(view, k, m), (k, m)
    taken = {QKeySequence(k | m).toString() for k, m in VIEW_KEYS}
    shortcuts = [(a.text(), seq) for a in window.findChildren(QAction) for seq in a.shortcuts()]
    assert len(shortcuts) > 20
    for text, seq in shortcuts:
        assert seq.toString() not in taken, (text, seq.toString())
        assert not claims(view, seq[0].key(), seq[0].keyboardModifiers()), (text, seq.toString())


def test_the_3d_view_turns_pans_and_zooms_with_keys_and_leaves_the_shortcuts_to_the_window(qtbot, window):
    from PySide6.QtGui import QAction

    view = window.mesh_view
    fired = []
    for a in window.findChildren(QAction):
        a.triggered.connect(lambda _=False, t=a.text(): fired.append(t))
    focus(qtbot, window, view)
    yaw, pitch, dist, target = view.yaw, view.pitch, view.distance, view.target.copy()
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert view.yaw == pytest.approx((yaw + 5) % 360)
    QTest.keyClick(view, Qt.Key.Key_Right)
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert view.yaw == pytest.approx((yaw - 5) % 360)
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.pitch == pytest.approx(pitch + 5)
    QTest.keyClick(view, Qt.Key.Key_Up)
    assert view.pitch == pytest.approx(pitch)
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert not np.allclose(view.target, target) and view.yaw == pytest.approx((yaw - 5) % 360)
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert view.distance < dist
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert view.distance == pytest.approx(dist)
    QTest.keyClick(view, Qt.Key.Key_Equal)
    assert view.distance < dist
    assert fired == []
    # the window's one-key shortcuts still work from the 3D view ...
    QTest.keyClick(view, Qt.Key.Key_R)
    assert fired == ["&Reset 3D view"] and view.yaw == yaw and view.distance == dist
    # ... and from another widget, where the view's keys are that widget's
    canvas = window.photo.canvas
    focus(qtbot, window, canvas)
    QTest.keyClick(canvas, Qt.Key.Key_Left)
    QTest.keyClick(canvas, Qt.Key.Key_Minus)
    assert view.yaw == yaw and view.distance == dist
    QTest.keyClick(canvas, Qt.Key.Key_3)
    assert fired == ["&Reset 3D view", "&Side"] and view.yaw == 90.0
    assert "arrow keys" in view.toolTip() and "+ / -" in view.toolTip()  # the keys are said where the gestures are
