"""Legend of the 12 NBF part colours, optionally with a value per part (e.g. IoU).

The entries flow in rows of at most `columns` (widgets/flow_layout.py), two in a narrow pane: three fixed columns
held the parts panel, and with it the window, at least 390 px wide (1030 px with the folder list). It is never
narrower than two entries: in one column the twelve rows did not fit under the parts of a small window. The entries
share one width, so that the rows line up in columns. Its minimum height is that of its rows at the width it has:
the flow layout's own minimum is one entry, and the parts panel then let the people strip squeeze the legend over
its canvas, two parts cut off."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from inference.parts import PART_COLORS, PART_NAMES

from .flow_layout import FlowLayout

SWATCH = 14  # px (logical)


class PartLegend(QWidget):
    def __init__(self, columns: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        flow = FlowLayout(self, spacing=1, max_per_row=columns)
        flow.setContentsMargins(4, 2, 4, 2)
        self._labels: list[QLabel] = []
        self._swatches: list[QLabel] = []
        self._entries: list[QWidget] = []
        self._min_height = -1  # the minimum height last reported to the parent's layout
        for k, (name, rgb) in enumerate(zip(PART_NAMES, PART_COLORS)):
            entry = QWidget()
            row = QHBoxLayout(entry)
            row.setContentsMargins(0, 0, 8, 0)  # the gap between columns
            row.setSpacing(4)
            sw = QLabel()
            text = QLabel(name)
            text.setToolTip(f"label {k + 1}: {name} (RGB {tuple(int(c) for c in rgb)})")
            row.addWidget(sw)
            row.addWidget(text, 1)
            flow.addWidget(entry)
            self._labels.append(text)
            self._swatches.append(sw)
            self._entries.append(entry)
        self._paint_swatches()
        self._even_widths()

    def _paint_swatches(self) -> None:
        """Each colour with an outline in the text colour: the light ones (head, the forearms) were invisible on a
        light window (about 1.05:1), and the dark ones are on a dark one."""
        dpr = max(1.0, self.devicePixelRatioF())
        outline = self.palette().color(QPalette.ColorRole.WindowText)
        outline.setAlpha(170)
        side = round(SWATCH * dpr)
        for sw, rgb in zip(self._swatches, PART_COLORS):
            pm = QPixmap(side, side)
            pm.fill(QColor(*[int(c) for c in rgb]))
            p = QPainter(pm)
            p.setPen(outline)
            p.drawRect(QRect(0, 0, side - 1, side - 1))
            if dpr >= 1.75:  # two device pixels thick where one would be a hairline
                p.drawRect(QRect(1, 1, side - 3, side - 3))
            p.end()
            pm.setDevicePixelRatio(dpr)
            sw.setPixmap(pm)

    def _even_widths(self) -> None:
        """Every entry as wide as the widest (the rows line up in columns)."""
        for e in self._entries:
            e.setMinimumWidth(0)
        widest = max(e.sizeHint().width() for e in self._entries)
        for e in self._entries:
            e.setMinimumWidth(widest)
        flow = self.layout()
        m = flow.contentsMargins()
        n = min(2, flow.max_per_row or 2)
        self.setMinimumWidth(n * widest + (n - 1) * flow.spacing() + m.left() + m.right())
        flow.invalidate()
        self._sync_min_height()

    def _rows_height(self) -> int:
        """The height of the rows at the width the legend is laid out at (before that: at its minimum width, the
        tallest)."""
        laid = self.layout().geometry().width()
        return self.heightForWidth(max(laid, self.minimumWidth()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(hint.width(), max(hint.height(), self._rows_height()))

    def _sync_min_height(self) -> None:
        h = self._rows_height()
        if h != self._min_height:  # the parent's layout asks again (a width with more or fewer columns)
            self._min_height = h
            self.updateGeometry()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._sync_min_height()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._paint_swatches()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if abs(self._swatches[0].pixmap().devicePixelRatio() - max(1.0, self.devicePixelRatioF())) > 1e-3:
            self._paint_swatches()  # (on a screen of another scale than at construction)

    def set_values(self, values: np.ndarray | None, fmt: str = "{:.0f}%", scale: float = 100.0) -> None:
        """Values (12,) per part (NaN = absent) appended to the names; None clears them."""
        for k, lab in enumerate(self._labels):
            name = PART_NAMES[k]
            if values is None:
                lab.setText(name)
            else:
                v = float(values[k])
                lab.setText(f"{name}  {fmt.format(v * scale) if np.isfinite(v) else '–'}")
        self._even_widths()
