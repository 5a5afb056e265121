"""Zoom and pan on the image canvases (photo and parts panels): the wheel zooms about the cursor, a drag pans
without picking, a click still maps to the right image pixel, a double click or 0 fits the image again, and
the parts panel follows the photo panel."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from widgets.image_canvas import ImageCanvas


def wheel(widget, pos: QPointF, notches: int) -> None:
    ev = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def image_point(canvas: ImageCanvas, pos: QPointF) -> tuple[float, float]:
    r = canvas.image_rect()
    k = canvas.base.width() / r.width()
    return (pos.x() - r.left()) * k, (pos.y() - r.top()) * k


def make(qtbot) -> ImageCanvas:
    c = ImageCanvas()
    qtbot.addWidget(c)
    img = np.zeros((300, 400, 3), np.uint8)
    img[100:120, 200:210] = 255  # a small bright "person"
    c.set_base(img)
    c.resize(408, 308)
    c.show()
    qtbot.waitExposed(c)
    return c


def test_wheel_zooms_about_the_cursor_and_double_click_fits(qtbot):
    c = make(qtbot)
    assert c.zoom == 1.0
    pos = QPointF(250.0, 120.0)
    before = image_point(c, pos)
    wheel(c, pos, 3)
    assert c.zoom == 1.25 ** 3
    after = image_point(c, pos)
    assert np.allclose(before, after, atol=0.5)  # the point under the cursor stays
    assert c.image_rect().width() > 1.9 * 400 * 0.99
    wheel(c, pos, -10)  # never below the fitted size
    assert c.zoom == 1.0
    wheel(c, pos, 4)
    qtbot.mouseDClick(c, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert c.zoom == 1.0 and c.pan == QPointF(0, 0)
    wheel(c, pos, 4)
    c.setFocus()
    qtbot.keyClick(c, Qt.Key.Key_0)
    assert c.zoom == 1.0


def test_drag_pans_without_a_click_and_a_click_maps_to_the_zoomed_pixel(qtbot):
    c = make(qtbot)
    c.zoom_to((200, 100, 210, 120))  # a 20 px tall thing fills most of the panel
    assert c.zoom > 8
    r = c.image_rect()
    k = r.width() / 400
    centre = QPointF(r.left() + 205 * k, r.top() + 110 * k)
    assert abs(centre.x() - c.width() / 2) < 3 and abs(centre.y() - c.height() / 2) < 3
    clicks = []
    c.clicked.connect(lambda p: clicks.append((p.x(), p.y())))
    qtbot.mouseClick(c, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()), int(centre.y())))
    assert len(clicks) == 1 and np.allclose(clicks[0], (205, 110), atol=1)
    # a drag moves the image with the mouse and is not a click
    pan = c.pan
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(c, QPoint(230, 160))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, pos=QPoint(230, 160))
    assert len(clicks) == 1
    assert np.allclose([c.pan.x() - pan.x(), c.pan.y() - pan.y()], [30, 10], atol=1)
    # the zoomed image is drawn: the bright patch fills the middle of the grabbed canvas
    from app.qt_images import from_qimage

    shot = from_qimage(c.grab().toImage())
    assert shot[c.height() // 2 - 20:c.height() // 2, c.width() // 2 + 10:c.width() // 2 + 30].mean() > 200


def test_a_second_canvas_follows_the_view(qtbot):
    a, b = make(qtbot), make(qtbot)
    b.resize(300, 250)
    a.viewChanged.connect(b.set_relative_view)
    wheel(a, QPointF(300.0, 200.0), 5)
    assert b.zoom == a.zoom
    za, pa = a.relative_view()
    zb, pb = b.relative_view()
    assert np.allclose([pa.x(), pa.y()], [pb.x(), pb.y()], atol=1e-3)
