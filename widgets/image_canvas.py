"""A widget that shows an image with an optional overlay layer (blended or side by side), with zoom and pan:
wheel zooms about the cursor, a left drag pans, a double click or the 0 / Home key fits the image again, and a
Shift+drag draws a box (boxDrawn). It takes Tab focus (a frame shows it): + / - zoom about the centre and the arrow
keys pan a zoomed view."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QRegion
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.qt_images import to_qimage

BACKGROUND = QColor(38, 40, 44)
MAX_ZOOM = 32.0      # x the fitted size: a 50 px person of a 2000 px photo fills a panel
WHEEL_STEP = 1.25    # zoom factor per wheel notch
DRAG_START = 4       # px the mouse must move before a press becomes a pan (a shorter press is a click)
BAND_MIN = 6         # widget px a Shift+drag box must span on each side to count (a shorter one is a slip)
KEY_PAN = 0.1        # of the panel's width or height an arrow key pans a zoomed view
FOCUS_PEN = 2        # px of the frame that shows the keyboard focus (inside the 4 px margin around the image)
KEYS_HELP = "+ / -: zoom, arrow keys: pan, 0 or Home: fit the image again"


_frames_hidden = 0  # > 0 inside focus_frames_hidden()


@contextmanager
def focus_frames_hidden():
    """Paint no focus frame meanwhile: a screenshot of a view (widget.grab()) is of the picture, not of the focus."""
    global _frames_hidden
    _frames_hidden += 1
    try:
        yield
    finally:
        _frames_hidden -= 1


def paint_focus_frame(widget: QWidget, p: QPainter) -> None:
    """A thin frame in the palette's highlight colour along the widget's edge while it has the keyboard focus (a
    custom-painted view showed nothing, so Tab seemed to go nowhere)."""
    if widget.hasFocus() and not _frames_hidden:
        p.save()
        p.setClipping(False)
        p.setOpacity(1.0)
        p.setPen(QPen(widget.palette().color(QPalette.ColorRole.Highlight), FOCUS_PEN))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(widget.rect()).adjusted(FOCUS_PEN / 2, FOCUS_PEN / 2, -FOCUS_PEN / 2, -FOCUS_PEN / 2))
        p.restore()


def _label(p: QPainter, area: QRectF, flags, text: str) -> None:
    """Light text on a translucent dark plate, placed in `area` by `flags`: readable on any photo (light grey
    text alone vanished on a bright one, e.g. the zoom's "2.4x (double-click: fit)" over a white wall)."""
    box = p.fontMetrics().boundingRect(area.toRect(), int(flags), text)
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 150))
    p.drawRoundedRect(QRectF(box).adjusted(-4, -2, 4, 2), 3, 3)
    p.setPen(QColor(235, 235, 235))
    p.drawText(area, flags, text)
    p.restore()


def fit_rect(img_w: int, img_h: int, area: QRectF) -> QRectF:
    """The largest rect of the image's aspect centred in `area`."""
    if img_w <= 0 or img_h <= 0 or area.width() <= 0 or area.height() <= 0:
        return QRectF()
    s = min(area.width() / img_w, area.height() / img_h)
    w, h = img_w * s, img_h * s
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


class ImageCanvas(QWidget):
    """Paints `base` scaled to fit; `overlay` (same aspect, any resolution) drawn on top with
    `opacity` ("overlay" mode) or beside it on black ("side" mode). Without a base: a hint text.
    A decorator (set_decorator) paints vector annotations over the image: fn(painter, origin, k)
    with base-image pixel (x, y) at widget point origin + k * (x, y)."""

    clicked = Signal(QPointF)  # position in base-image pixels
    boxDrawn = Signal(QRectF)  # a box drawn with Shift+drag, in base-image pixels (clipped to the image)
    viewChanged = Signal(float, QPointF)  # zoom (1 = fitted), pan in fitted-image widths/heights (see relative_view)
    viewMoved = Signal()  # the view changed in any way (a zoom or pan, one followed from another canvas, a resize)

    def __init__(self, hint: str = "", parent: QWidget | None = None, name: str = ""):
        """name: what a screen reader calls the canvas ("photo", "part map")."""
        super().__init__(parent)
        self._base: QImage | None = None
        self._overlay: QImage | None = None
        self._mips: dict[str, list[QImage]] = {}  # "base" / "overlay" -> the image, then halved copies
        # "base" / "overlay" -> (a sharper picture of a region, that region in base-image px): drawn over the layer
        # there (set_detail)
        self._details: dict[str, tuple[QImage, QRectF]] = {}
        self._opacity = 0.6
        self._mode = "overlay"
        self._hint = hint
        self._caption = ""
        self._decorator = None
        self._zoom = 1.0
        self._pan = QPointF(0.0, 0.0)  # offset of the zoomed image's centre from the fitted image's, widget px
        # the same offset in fitted-image widths and heights: what a resize or a mode change keeps (the fitted
        # image's size changes with them, and the other panel, which follows this one, knows only this)
        self._rel_pan = QPointF(0.0, 0.0)
        self._press: QPointF | None = None
        self._press_pan = QPointF(0.0, 0.0)
        self._dragging = False
        self._band: QRectF | None = None  # Shift+drag: the box being drawn, widget px
        self._box_drawing = False  # whether Shift+drag draws a box (set_box_drawing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # in the Tab chain: the keys need no mouse click first
        self.setAccessibleName(name)
        self.setAccessibleDescription(f"Wheel or {KEYS_HELP}")
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, BACKGROUND)
        self.setPalette(pal)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, 400)

    # ---------------------------------------------------------------- state
    def set_base(self, image: np.ndarray | QImage | None) -> None:
        """A new image; the view is fitted again unless it has the size of the previous one (a re-render)."""
        new = to_qimage(image) if isinstance(image, np.ndarray) else image
        same = (new is not None and self._base is not None and new.size() == self._base.size())
        self._base = new
        self._details.clear()
        if not same:
            self._zoom, self._pan = 1.0, QPointF(0.0, 0.0)
        self.update()
        self.viewMoved.emit()

    def set_overlay(self, image: np.ndarray | QImage | None) -> None:
        self._overlay = to_qimage(image) if isinstance(image, np.ndarray) else image
        self._details.pop("overlay", None)  # (of the overlay before)
        self.update()

    def set_detail(self, role: str, image: np.ndarray | QImage | None, region: QRectF | None = None) -> None:
        """A sharper picture of one region of the base image ("base") or of the overlay ("overlay"), drawn over
        that layer there in "overlay" mode: what a zoomed view shows of a photo larger than the base, or of an
        overlay drawn at a higher resolution. region: the picture's place in base-image px. None clears it; a new
        base or overlay clears its own."""
        if role not in ("base", "overlay"):
            raise ValueError(role)
        if image is None or region is None or region.isEmpty():
            self._details.pop(role, None)
        else:
            self._details[role] = (to_qimage(image) if isinstance(image, np.ndarray) else image, QRectF(region))
        self.update()

    def detail(self, role: str) -> tuple[QImage, QRectF] | None:
        """(picture, region in base-image px) set by set_detail, or None."""
        return self._details.get(role)

    def visible_region(self) -> tuple[QRectF, QSize]:
        """The part of the base image the view shows (base-image px) and its size on screen (device px);
        (empty, empty) without an image or in side-by-side mode."""
        if self._base is None or self._mode == "side":
            return QRectF(), QSize()
        area = self._areas()[0]
        rect = self._view_rect(area)
        shown = rect.intersected(area)
        if shown.isEmpty():
            return QRectF(), QSize()
        k = self._base.width() / rect.width()
        region = QRectF((shown.topLeft() - rect.topLeft()) * k, shown.size() * k)
        dpr = self.devicePixelRatioF()
        return region, QSize(round(shown.width() * dpr), round(shown.height() * dpr))

    def set_opacity(self, opacity: float) -> None:
        self._opacity = float(np.clip(opacity, 0.0, 1.0))
        self.update()

    def set_mode(self, mode: str) -> None:
        if mode not in ("overlay", "side", "overlay_only"):
            raise ValueError(mode)
        self._mode = mode
        self.set_relative_view(self._zoom, self._rel_pan)  # side by side halves the fitted image: same view
        self.update()

    def set_decorator(self, fn) -> None:
        """fn(painter, origin: QPointF, k: float) or None; called after the image and overlay are drawn."""
        self._decorator = fn
        self.update()

    def set_hint(self, text: str) -> None:
        """The text shown while there is no base image."""
        self._hint = text
        self.update()

    def set_caption(self, text: str) -> None:
        self._caption = text
        self.update()

    # ---------------------------------------------------------------- zoom and pan
    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def pan(self) -> QPointF:
        return QPointF(self._pan)

    def set_view(self, zoom: float, pan: QPointF | None = None, notify: bool = True) -> None:
        """Zoom (1 = the image fitted to the panel, up to MAX_ZOOM) and pan (widget px); the pan is limited so
        that the image always covers the panel's centre."""
        zoom = float(np.clip(zoom, 1.0, MAX_ZOOM))
        pan = QPointF(pan) if pan is not None else QPointF(self._pan)
        fitted = self._fitted_rect()
        if zoom == 1.0 or fitted.isEmpty():
            pan = QPointF(0.0, 0.0)
        else:
            lx, ly = fitted.width() * zoom / 2, fitted.height() * zoom / 2
            pan = QPointF(float(np.clip(pan.x(), -lx, lx)), float(np.clip(pan.y(), -ly, ly)))
        if zoom == self._zoom and pan == self._pan:
            return
        self._zoom, self._pan = zoom, pan
        if not fitted.isEmpty():  # (a hidden canvas has no size: its view is kept for when it shows)
            self._rel_pan = self.relative_view()[1]
        self.update()
        self.viewMoved.emit()
        if notify:
            self.viewChanged.emit(*self.relative_view())

    def relative_view(self) -> tuple[float, QPointF]:
        """(zoom, pan as fractions of the fitted image's width and height): the same view on a canvas of
        another size (the parts panel follows the photo panel)."""
        r = self._fitted_rect()
        if r.isEmpty():
            return self._zoom, QPointF(0.0, 0.0)
        return self._zoom, QPointF(self._pan.x() / r.width(), self._pan.y() / r.height())

    def set_relative_view(self, zoom: float, pan: QPointF) -> None:
        """Show the view another canvas reports by viewChanged (no signal back)."""
        r = self._fitted_rect()
        self.set_view(zoom, QPointF(pan.x() * r.width(), pan.y() * r.height()), notify=False)

    def reset_view(self) -> None:
        self.set_view(1.0, QPointF(0.0, 0.0))

    def zoom_at(self, factor: float, pos: QPointF) -> None:
        """Zoom by `factor` keeping the image point under widget point `pos` where it is."""
        rect = self.image_rect()
        if rect.isEmpty():
            return
        zoom = float(np.clip(self._zoom * factor, 1.0, MAX_ZOOM))
        u = (pos.x() - rect.left()) / rect.width()
        v = (pos.y() - rect.top()) / rect.height()
        fitted = self._fitted_rect()
        w, h = fitted.width() * zoom, fitted.height() * zoom
        centre = QPointF(pos.x() - u * w + w / 2, pos.y() - v * h + h / 2)
        self.set_view(zoom, centre - fitted.center())

    def zoom_to(self, box) -> None:
        """Zoom so that the base-image box (x0, y0, x1, y1) fills most of the panel, centred."""
        fitted = self._fitted_rect()
        if fitted.isEmpty() or self._base is None:
            return
        x0, y0, x1, y1 = (float(v) for v in box)
        k = fitted.width() / self._base.width()  # widget px per image px when fitted
        zoom = 0.8 * min(fitted.width() / max((x1 - x0) * k, 1e-6), fitted.height() / max((y1 - y0) * k, 1e-6))
        zoom = float(np.clip(zoom, 1.0, MAX_ZOOM))
        # the box centre at the fitted rect's centre
        cx, cy = (x0 + x1) / 2 / self._base.width(), (y0 + y1) / 2 / self._base.height()
        w, h = fitted.width() * zoom, fitted.height() * zoom
        self.set_view(zoom, QPointF((0.5 - cx) * w, (0.5 - cy) * h))

    def _fitted_rect(self, area: QRectF | None = None) -> QRectF:
        if self._base is None:
            return QRectF()
        return fit_rect(self._base.width(), self._base.height(), area if area is not None else self._areas()[0])

    def _view_rect(self, area: QRectF) -> QRectF:
        """Where the base image is drawn in `area`, zoomed and panned."""
        r = self._fitted_rect(area)
        if r.isEmpty() or self._zoom == 1.0:
            return r
        w, h = r.width() * self._zoom, r.height() * self._zoom
        c = r.center() + self._pan
        return QRectF(c.x() - w / 2, c.y() - h / 2, w, h)

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if self._base is None or steps == 0:
            event.ignore()
            return
        self.zoom_at(WHEEL_STEP ** steps, event.position())
        event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._press_pan, self._dragging = event.position(), QPointF(self._pan), False
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            on = shift and self._box_drawing and self._base is not None and self._areas()[0].contains(event.position())
            self._band = QRectF(event.position(), event.position()) if on else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._band is not None and self._press is not None:
            self._band = QRectF(self._press, event.position()).normalized()
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.update()
        elif self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            d = event.position() - self._press
            if self._dragging or abs(d.x()) + abs(d.y()) >= DRAG_START:
                self._dragging = True
                if self._zoom > 1.0:
                    self.set_view(self._zoom, self._press_pan + d)
                    self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mouseMoveEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.reset_view()
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.reset_view()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            self.zoom_at(WHEEL_STEP if event.key() != Qt.Key.Key_Minus else 1 / WHEEL_STEP,
                         QPointF(self.rect().center()))
            event.accept()
            return
        step = self._arrow_step(event)
        if step is not None:
            self.set_view(self._zoom, self._pan - step)  # the view moves the arrow's way, the image the other
            event.accept()
            return
        super().keyPressEvent(event)

    def _arrow_step(self, event) -> QPointF | None:
        """The view's move (widget px) for an arrow key without Ctrl, Alt or Meta on a zoomed view; None for any
        other key (Alt+arrows are the window's, and a fitted view has nowhere to pan)."""
        dirs = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        mods = event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
        if event.key() not in dirs or mods or self._zoom <= 1.0:
            return None
        dx, dy = dirs[event.key()]
        return QPointF(dx * KEY_PAN * self.width(), dy * KEY_PAN * self.height())

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.update()  # (the focus frame)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        self.set_relative_view(self._zoom, self._rel_pan)  # the same view on the new size, within its limits
        super().resizeEvent(event)
        self.viewMoved.emit()

    @property
    def base(self) -> QImage | None:
        return self._base

    @property
    def overlay(self) -> QImage | None:
        return self._overlay

    @property
    def opacity(self) -> float:
        return self._opacity

    @property
    def mode(self) -> str:
        return self._mode

    # ---------------------------------------------------------------- painting
    def _areas(self) -> list[QRectF]:
        r = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        if self._mode == "side" and self._overlay is not None:
            half = (r.width() - 6) / 2
            return [QRectF(r.x(), r.y(), half, r.height()), QRectF(r.x() + half + 6, r.y(), half, r.height())]
        return [r]

    def image_rect(self) -> QRectF:
        """Where the base image is drawn (widget coordinates; zoomed and panned, it may exceed the widget)."""
        if self._base is None:
            return QRectF()
        return self._view_rect(self._areas()[0])

    def _level(self, role: str, image: QImage, width: float) -> QImage:
        """The image, or a copy halved (smoothly) as often as it stays at least `width` device pixels wide: a
        2048 px photo in a 500 px panel is then scaled from a 1024 px copy made once, not from 3 MP per paint."""
        chain = self._mips.get(role)
        if chain is None or chain[0] is not image:
            chain = self._mips[role] = [image]
        need = width * self.devicePixelRatioF()
        while chain[-1].width() >= 2 * need and chain[-1].width() >= 128:
            last = chain[-1]
            chain.append(last.scaled(last.width() // 2, last.height() // 2, Qt.AspectRatioMode.IgnoreAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation))
        for level in reversed(chain):
            if level.width() >= need:
                return level
        return chain[0]

    def set_box_drawing(self, on: bool) -> None:
        """Let Shift+drag draw a box (boxDrawn) on the image (the first pane in side-by-side mode); off by default."""
        self._box_drawing = bool(on)

    def _band_on_base(self, band: QRectF) -> QRectF | None:
        """A box drawn on the widget (px) in base-image pixels, clipped to the image; None when it is under
        BAND_MIN widget px on a side or misses the image."""
        if self._base is None or band.width() < BAND_MIN or band.height() < BAND_MIN:
            return None
        band = band.intersected(self._areas()[0])
        rect = self.image_rect()
        s = self._base.width() / rect.width()
        box = QRectF((band.topLeft() - rect.topLeft()) * s, (band.bottomRight() - rect.topLeft()) * s)
        box = box.intersected(QRectF(0, 0, self._base.width(), self._base.height()))
        return box if box.width() > 0 and box.height() > 0 else None

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self._base is None:
            p.setPen(QColor(170, 174, 180))
            f = p.font()
            f.setPointSizeF(f.pointSizeF() * 1.15)
            p.setFont(f)
            p.drawText(self.rect().adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self._hint)
            paint_focus_frame(self, p)
            p.end()
            return
        areas = self._areas()
        rect = self._view_rect(areas[0])
        p.setClipRect(areas[0])
        k = rect.width() / self._base.width()  # widget px per base-image px

        def draw(role: str, image: QImage) -> None:
            """The layer, with its detail (set_detail) in place of it where there is one."""
            detail = self._details.get(role) if self._mode == "overlay" else None
            if detail is None:
                p.drawImage(rect, self._level(role, image, rect.width()))
                return
            picture, region = detail
            target = QRectF(rect.topLeft() + region.topLeft() * k, region.size() * k)
            p.setClipRegion(QRegion(areas[0].toAlignedRect()) - QRegion(target.toAlignedRect()))
            p.drawImage(rect, self._level(role, image, rect.width()))
            p.setClipRect(areas[0])
            p.setClipRect(target, Qt.ClipOperation.IntersectClip)
            p.drawImage(target, picture)
            p.setClipRect(areas[0])

        if self._mode != "overlay_only":
            draw("base", self._base)
        else:
            p.fillRect(rect, Qt.GlobalColor.black)
        if self._overlay is not None:
            if self._mode == "side":
                r2 = self._view_rect(areas[1])
                p.setClipRect(areas[1])
                p.fillRect(r2, Qt.GlobalColor.black)
                p.drawImage(r2, self._level("overlay", self._overlay, r2.width()))
                p.setClipRect(areas[0])
            else:
                p.setOpacity(1.0 if self._mode == "overlay_only" else self._opacity)
                draw("overlay", self._overlay)
                p.setOpacity(1.0)
        if self._decorator is not None:
            self._decorator(p, rect.topLeft(), rect.width() / self._base.width())
        p.setClipping(False)
        if self._caption:
            _label(p, rect.intersected(areas[0]).adjusted(6, 4, -6, -4),
                   Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, self._caption)
        if self._band is not None:
            pen = QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawRect(self._band)
        if self._zoom > 1.0:
            _label(p, areas[0].adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight,
                   f"{self._zoom:.1f}x (double-click: fit)")
        paint_focus_frame(self, p)
        p.end()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        band, self._band = self._band, None
        box = self._band_on_base(band) if band is not None else None
        if band is not None:
            self.unsetCursor()
            self.update()
        if box is not None and event.button() == Qt.MouseButton.LeftButton:  # (a Shift+click is a click)
            self._press, self._dragging = None, False
            self.boxDrawn.emit(box)
            event.accept()
            return
        dragged, self._press, self._dragging = self._dragging, None, False
        if dragged:
            self.unsetCursor()
        if self._base is not None and event.button() == Qt.MouseButton.LeftButton and not dragged:
            rect = self.image_rect()
            if rect.contains(event.position()) and self._areas()[0].contains(event.position()):
                s = self._base.width() / rect.width()
                pos = (event.position() - rect.topLeft()) * s
                self.clicked.emit(QPointF(pos))
        super().mouseReleaseEvent(event)
