"""Zoom and pan on the image canvases (photo and parts panels): the wheel zooms about the cursor, a drag pans
without picking, a click still maps to the right image pixel, a double click or 0 fits the image again, and
the parts panel follows the photo panel, also in the real main window on the real model."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from widgets.image_canvas import WHEEL_STEP, ImageCanvas


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


def test_wheel_over_the_photo_in_the_main_window_zooms_the_parts_too(qtbot, window, photo):
    """A photo opened in the real window and predicted by the real model: the wheel over the photo panel zooms
    it (the image drawn larger, the point under the cursor kept), and the parts panel, which shows the same
    display image, takes the same view."""
    s = window.session
    assert window.controller.open_file(photo)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=30000)
    canvas, parts = window.photo.canvas, window.segmentation.canvas
    assert canvas.isVisible() and parts.isVisible()
    assert canvas.zoom == 1.0 and parts.zoom == 1.0
    photo_rect, parts_rect = canvas.image_rect(), parts.image_rect()
    assert not photo_rect.isEmpty() and not parts_rect.isEmpty()
    pos = QPointF(photo_rect.center().x() + photo_rect.width() / 5, photo_rect.center().y() - photo_rect.height() / 6)
    before = image_point(canvas, pos)
    wheel(canvas, pos, 3)
    assert canvas.zoom == WHEEL_STEP ** 3
    assert canvas.image_rect().width() > 0.99 * WHEEL_STEP ** 3 * photo_rect.width()
    assert np.allclose(image_point(canvas, pos), before, atol=0.5)
    # the parts panel followed: the same zoom, the same pan relative to its own fitted image, drawn larger
    assert parts.zoom == canvas.zoom
    (_, photo_pan), (_, parts_pan) = canvas.relative_view(), parts.relative_view()
    assert photo_pan != QPointF(0, 0)
    assert np.allclose([parts_pan.x(), parts_pan.y()], [photo_pan.x(), photo_pan.y()], atol=1e-3)
    assert parts.image_rect().width() > 0.99 * WHEEL_STEP ** 3 * parts_rect.width()


def test_side_by_side_and_a_resize_keep_the_view_the_other_canvas_follows(qtbot):
    """The parts panel switched to side by side (its fitted image halves) or resized keeps the same relative
    view, so it still shows what the photo panel shows; before, it kept the pan in widget pixels."""
    a, b = make(qtbot), make(qtbot)
    a.viewChanged.connect(b.set_relative_view)
    wheel(a, QPointF(300.0, 220.0), 6)
    want = a.relative_view()[1]
    assert want != QPointF(0, 0)
    for change in (lambda: b.set_mode("side"), lambda: b.resize(520, 330), lambda: b.set_mode("overlay")):
        change()
        qtbot.wait(10)  # the resize event
        got = b.relative_view()[1]
        assert b.zoom == a.zoom and np.allclose([got.x(), got.y()], [want.x(), want.y()], atol=2e-3)


def test_a_shift_drag_draws_a_box_in_image_pixels(qtbot):
    """Shift+drag draws a box (boxDrawn, base-image pixels, clipped to the image) instead of panning or clicking;
    a slip of a few pixels draws nothing. Zoomed in, the box is where the image is under the mouse."""
    c = make(qtbot)
    c.set_box_drawing(True)
    boxes, clicks = [], []
    c.boxDrawn.connect(lambda r: boxes.append((r.left(), r.top(), r.right(), r.bottom())))
    c.clicked.connect(lambda p: clicks.append(p))
    r = c.image_rect()
    k = r.width() / 400

    def at(x: float, y: float) -> QPoint:
        return QPoint(int(round(r.left() + x * k)), int(round(r.top() + y * k)))

    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, shift, at(100, 50))
    qtbot.mouseMove(c, at(200, 150))
    qtbot.mouseMove(c, at(300, 250))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, shift, at(300, 250))
    assert len(boxes) == 1 and not clicks and c.pan == QPointF(0, 0)
    assert np.allclose(boxes[0], (100, 50, 300, 250), atol=2 / k + 1)
    # beyond the image's edge: clipped
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, shift, at(300, 200))
    qtbot.mouseMove(c, QPoint(c.width() - 1, c.height() - 1))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, shift, QPoint(c.width() - 1, c.height() - 1))
    assert len(boxes) == 2 and boxes[1][2] <= 400 and boxes[1][3] <= 300
    # a slip: no box, a click (Shift+click still picks a person)
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, shift, at(100, 100))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, shift, at(101, 101))
    assert len(boxes) == 2 and len(clicks) == 1
    # a canvas that does not draw boxes (the parts panel) pans or clicks as without Shift
    other = make(qtbot)
    other.boxDrawn.connect(lambda r: boxes.append(r))
    qtbot.mousePress(other, Qt.MouseButton.LeftButton, shift, at(100, 50))
    qtbot.mouseMove(other, at(300, 250))
    qtbot.mouseRelease(other, Qt.MouseButton.LeftButton, shift, at(300, 250))
    assert len(boxes) == 2
    # zoomed in on the small "person": the box drawn around it on screen is around it in the image
    c.zoom_to((200, 100, 210, 120))
    r = c.image_rect()
    k = r.width() / 400
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, shift, at(199, 99))
    qtbot.mouseMove(c, at(211, 121))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, shift, at(211, 121))
    assert len(boxes) == 3 and np.allclose(boxes[2], (199, 99, 211, 121), atol=0.5)


def test_the_zoom_note_is_readable_on_a_bright_photo(qtbot):
    """"2.4x (double-click: fit)" was light grey text drawn straight on the photo: on a bright one (a white wall,
    snow) it could not be read. It sits on a dark plate now, light text on dark whatever the photo."""
    from app.qt_images import from_qimage

    c = ImageCanvas()
    qtbot.addWidget(c)
    c.set_base(np.full((300, 400, 3), 250, np.uint8))  # a white photo
    c.resize(408, 308)
    c.show()
    qtbot.waitExposed(c)
    wheel(c, QPointF(204, 154), 3)
    assert c.zoom > 1.0
    img = from_qimage(c.grab().toImage()).astype(int)
    corner = img[-30:-4, -200:-4].sum(-1)  # where the note is (bottom right, inside the 4 px frame)
    assert (corner < 400).sum() > 200  # the plate under the text: dark (a white photo is 750 here)
    assert (corner > 600).sum() > 20  # the text and the photo around it: light
