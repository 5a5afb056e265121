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


def test_a_detail_is_drawn_in_place_of_its_layer_in_its_region(qtbot):
    """set_detail: a sharper picture of a region of the base (here a white square over a black base) is drawn
    where that region is shown, and only there."""
    from PySide6.QtCore import QRectF

    from app.qt_images import from_qimage

    c = make(qtbot)
    c.set_base(np.zeros((300, 400, 3), np.uint8))
    c.set_view(2.0)
    c.set_detail("base", np.full((200, 200, 3), 255, np.uint8), QRectF(175, 125, 50, 50))
    img = from_qimage(c.grab().toImage())
    r, k = c.image_rect(), c.image_rect().width() / 400
    inside = img[int(r.top() + 135 * k):int(r.top() + 165 * k), int(r.left() + 185 * k):int(r.left() + 215 * k)]
    outside = img[int(r.top() + 100 * k):int(r.top() + 115 * k), int(r.left() + 150 * k):int(r.left() + 165 * k)]
    assert inside.min() > 240 and outside.max() < 20
    c.set_base(np.zeros((300, 400, 3), np.uint8))  # a new base drops it
    assert c.detail("base") is None


def test_a_zoomed_photo_shows_the_full_size_photo_and_an_overlay_drawn_for_the_view(qtbot, window, tmp_path):
    """Zoomed onto a person of a photo larger than its display copy (at most 2048 px), the view showed that copy
    and the mesh overlay (drawn at most 1024 px) enlarged, both soft; now it shows the region from the full-size
    photo and an overlay drawn for the region at the view's resolution, on the body where the overlay is."""
    import cv2

    from tests.app.support import SAMPLE, read_rgb, write_png

    big = tmp_path / "big.png"
    write_png(big, cv2.resize(read_rgb(SAMPLE), (3072, 3072), interpolation=cv2.INTER_CUBIC))
    c, s = window.controller, window.session
    assert c.open_file(big)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=90000)
    canvas = window.photo.canvas
    qtbot.waitUntil(lambda: canvas.overlay is not None, timeout=20000)
    assert canvas.detail("base") is None and canvas.detail("overlay") is None  # fitted: the copies suffice
    canvas.set_view(16.0)  # on the image's centre: the person's middle
    qtbot.waitUntil(lambda: canvas.detail("base") is not None and canvas.detail("overlay") is not None,
                    timeout=20000)
    region, size = canvas.visible_region()
    picture, where = canvas.detail("base")
    assert where.contains(region.adjusted(1, 1, -1, -1))  # the whole view, in display px
    assert picture.width() > 1.2 * where.width()  # more pixels than the display copy has there
    rgba, where = canvas.detail("overlay")
    assert abs(rgba.width() - where.width() * size.width() / region.width()) <= 2  # at the view's resolution
    # the detail's body is where the whole overlay's body is, in that region
    full = (_alpha(canvas.overlay) > 0).astype(np.uint8)
    k = full.shape[1] / canvas.base.width()  # overlay px per display px
    crop = full[int(where.top() * k):int(where.bottom() * k), int(where.left() * k):int(where.right() * k)]
    detail = cv2.resize((_alpha(rgba) > 0).astype(np.uint8), crop.shape[::-1], interpolation=cv2.INTER_AREA) > 0
    iou = (detail & (crop > 0)).sum() / max(1, (detail | (crop > 0)).sum())
    assert iou > 0.85
    canvas.reset_view()  # fitted again: no detail
    qtbot.waitUntil(lambda: canvas.detail("base") is None and canvas.detail("overlay") is None, timeout=5000)


def _alpha(image) -> np.ndarray:
    """The alpha channel (h, w) uint8 of a QImage."""
    from PySide6.QtGui import QImage

    q = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = q.width(), q.height()
    a = np.frombuffer(q.constBits(), np.uint8, count=q.bytesPerLine() * h).reshape(h, q.bytesPerLine())
    return a[:, : 4 * w].reshape(h, w, 4)[..., 3].copy()
