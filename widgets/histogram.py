"""A small histogram drawn with QPainter (no matplotlib)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class Histogram(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values = np.zeros(0)
        self.title = ""
        self.unit = ""
        self.bins = 20
        self.counts = np.zeros(0, np.int64)
        self.edges = np.zeros(0)
        self.setMinimumSize(220, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 200)

    def set_values(self, values, title: str = "", unit: str = "") -> None:
        v = np.asarray(values, np.float64).ravel()
        self.values = v[np.isfinite(v)]
        self.title, self.unit = title, unit
        if self.values.size:
            lo, hi = float(self.values.min()), float(self.values.max())
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            bins = int(np.clip(np.sqrt(self.values.size) * 2, 5, 40))
            self.counts, self.edges = np.histogram(self.values, bins=bins, range=(lo, hi))
        else:
            self.counts, self.edges = np.zeros(0, np.int64), np.zeros(0)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(250, 250, 251))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = p.fontMetrics()
        lh = fm.height()
        r = QRectF(self.rect()).adjusted(44, lh + 10, -28, -(2 * lh + 8))
        p.setPen(QColor(40, 40, 40))
        n = self.values.size
        head = self.title
        if n:
            head += f"   n = {n}, mean {self.values.mean():.1f}, median {np.median(self.values):.1f} {self.unit}"
        p.drawText(QRectF(8, 4, self.width() - 16, lh + 4), Qt.AlignmentFlag.AlignLeft, head)
        if not n or r.width() < 10 or r.height() < 10:
            p.setPen(QColor(130, 130, 130))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no values yet")
            p.end()
            return
        cmax = max(1, int(self.counts.max()))
        nb = len(self.counts)
        bw = r.width() / nb
        p.setPen(QPen(QColor(255, 255, 255), 1))
        p.setBrush(QColor(70, 120, 200))
        for i, c in enumerate(self.counts):
            h = r.height() * c / cmax
            p.drawRect(QRectF(r.left() + i * bw, r.bottom() - h, bw, h))
        # axes
        p.setPen(QPen(QColor(60, 60, 60), 1))
        p.drawLine(r.bottomLeft(), r.bottomRight())
        p.drawLine(r.bottomLeft(), r.topLeft())
        lo, hi = float(self.edges[0]), float(self.edges[-1])
        for t in np.linspace(lo, hi, 5):
            x = r.left() + (t - lo) / (hi - lo) * r.width()
            p.drawLine(int(x), int(r.bottom()), int(x), int(r.bottom() + 4))
            txt = f"{t:.0f}" if hi - lo > 10 else f"{t:.1f}"
            box = QRectF(min(max(x - 40, 0), self.width() - 80), r.bottom() + 5, 80, lh)
            p.drawText(box, Qt.AlignmentFlag.AlignHCenter, txt)
        p.drawText(QRectF(r.left(), r.bottom() + lh + 5, r.width(), lh), Qt.AlignmentFlag.AlignHCenter, self.unit)
        for c in (0, cmax):
            y = r.bottom() - r.height() * c / cmax
            p.drawText(QRectF(0, y - lh / 2, 40, lh), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       str(c))
        # mean marker
        m = float(self.values.mean())
        x = r.left() + (m - lo) / (hi - lo) * r.width()
        p.setPen(QPen(QColor(220, 60, 40), 2, Qt.PenStyle.DashLine))
        p.drawLine(int(x), int(r.top()), int(x), int(r.bottom()))
        p.end()
