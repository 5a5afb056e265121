"""Pixmaps drawn at the screen's device pixel ratio."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPixmap


def hidpi_pixmap(size: QSize, dpr: float) -> QPixmap:
    """A pixmap of `size` logical px with `dpr` device px per px: sharp on a high-DPI screen (a plain QPixmap(size)
    was stretched there, blurred). A painter on it draws in logical px."""
    pm = QPixmap(max(1, round(size.width() * dpr)), max(1, round(size.height() * dpr)))
    pm.setDevicePixelRatio(dpr)
    return pm
