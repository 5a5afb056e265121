"""A widget that shows an image with an optional overlay layer (blended or side by side)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.qt_images import to_qimage

BACKGROUND = QColor(38, 40, 44)


def colorize_rgba(labels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Labels (H, W) 0..12 -> RGBA (H, W, 4) uint8, transparent on background."""
    lab = np.clip(np.asarray(labels), 0, len(palette) - 1)
    rgba = np.empty(lab.shape + (4,), np.uint8)
    rgba[..., :3] = palette[lab]
    rgba[..., 3] = np.where(lab > 0, 255, 0)
    return rgba


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

    def __init__(self, hint: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._base: QImage | None = None
        self._overlay: QImage | None = None
        self._opacity = 0.6
        self._mode = "overlay"
        self._hint = hint
        self._caption = ""
        self._decorator = None
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
        self._base = to_qimage(image) if isinstance(image, np.ndarray) else image
        self.update()

    def set_overlay(self, image: np.ndarray | QImage | None) -> None:
        self._overlay = to_qimage(image) if isinstance(image, np.ndarray) else image
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self._opacity = float(np.clip(opacity, 0.0, 1.0))
        self.update()

    def set_mode(self, mode: str) -> None:
        if mode not in ("overlay", "side", "overlay_only"):
            raise ValueError(mode)
        self._mode = mode
        self.update()

    def set_hint(self, text: str) -> None:
        self._hint = text
        self.update()

    def set_decorator(self, fn) -> None:
        """fn(painter, origin: QPointF, k: float) or None; called after the image and overlay are drawn."""
        self._decorator = fn
        self.update()

    def set_caption(self, text: str) -> None:
        self._caption = text
        self.update()

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
        """Where the base image is drawn (widget coordinates)."""
        if self._base is None:
            return QRectF()
        return fit_rect(self._base.width(), self._base.height(), self._areas()[0])

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
            p.end()
            return
        areas = self._areas()
        rect = fit_rect(self._base.width(), self._base.height(), areas[0])
        if self._mode != "overlay_only":
            p.drawImage(rect, self._base)
        else:
            p.fillRect(rect, Qt.GlobalColor.black)
        if self._overlay is not None:
            if self._mode == "side":
                r2 = fit_rect(self._base.width(), self._base.height(), areas[1])
                p.fillRect(r2, Qt.GlobalColor.black)
                p.drawImage(r2, self._overlay)
            else:
                p.setOpacity(1.0 if self._mode == "overlay_only" else self._opacity)
                p.drawImage(rect, self._overlay)
                p.setOpacity(1.0)
        if self._decorator is not None:
            self._decorator(p, rect.topLeft(), rect.width() / self._base.width())
        if self._caption:
            p.setPen(QColor(230, 230, 230))
            p.drawText(rect.adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
                       self._caption)
        p.end()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._base is not None and event.button() == Qt.MouseButton.LeftButton:
            rect = self.image_rect()
            if rect.contains(event.position()):
                s = self._base.width() / rect.width()
                pos = (event.position() - rect.topLeft()) * s
                self.clicked.emit(QPointF(pos))
        super().mouseReleaseEvent(event)
