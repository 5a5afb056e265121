"""Legend of the 12 NBF part colours, optionally with a value per part (e.g. IoU).

The entries flow in rows of at most `columns` (widgets/flow_layout.py), two in a narrow pane: three fixed columns
held the parts panel, and with it the window, at least 390 px wide (1030 px with the folder list). It is never
narrower than two entries: in one column the twelve rows did not fit under the parts of a small window. The entries
share one width, so that the rows line up in columns."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from inference.parts import PART_COLORS, PART_NAMES

from .flow_layout import FlowLayout


class PartLegend(QWidget):
    def __init__(self, columns: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        flow = FlowLayout(self, spacing=1, max_per_row=columns)
        flow.setContentsMargins(4, 2, 4, 2)
        self._labels: list[QLabel] = []
        self._entries: list[QWidget] = []
        for k, (name, rgb) in enumerate(zip(PART_NAMES, PART_COLORS)):
            entry = QWidget()
            row = QHBoxLayout(entry)
            row.setContentsMargins(0, 0, 8, 0)  # the gap between columns
            row.setSpacing(4)
            sw = QLabel()
            pm = QPixmap(14, 14)
            pm.fill(QColor(*[int(c) for c in rgb]))
            sw.setPixmap(pm)
            text = QLabel(name)
            text.setToolTip(f"label {k + 1}: {name} (RGB {tuple(int(c) for c in rgb)})")
            row.addWidget(sw)
            row.addWidget(text, 1)
            flow.addWidget(entry)
            self._labels.append(text)
            self._entries.append(entry)
        self._even_widths()

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
