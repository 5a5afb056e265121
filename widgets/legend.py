"""Legend of the 12 NBF part colours, optionally with a value per part (e.g. IoU)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from inference.parts import PART_COLORS, PART_NAMES


class PartLegend(QWidget):
    def __init__(self, columns: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        self._labels: list[QLabel] = []
        rows = (len(PART_NAMES) + columns - 1) // columns
        for k, (name, rgb) in enumerate(zip(PART_NAMES, PART_COLORS)):
            sw = QLabel()
            pm = QPixmap(14, 14)
            pm.fill(QColor(*[int(c) for c in rgb]))
            sw.setPixmap(pm)
            text = QLabel(name)
            text.setToolTip(f"label {k + 1}: {name} (RGB {tuple(int(c) for c in rgb)})")
            r, c = k % rows, k // rows
            grid.addWidget(sw, r, 2 * c)
            grid.addWidget(text, r, 2 * c + 1)
            self._labels.append(text)
        grid.setColumnStretch(2 * columns - 1, 1)

    def set_values(self, values: np.ndarray | None, fmt: str = "{:.0f}%", scale: float = 100.0) -> None:
        """Values (12,) per part (NaN = absent) appended to the names; None clears them."""
        for k, lab in enumerate(self._labels):
            name = PART_NAMES[k]
            if values is None:
                lab.setText(name)
            else:
                v = float(values[k])
                lab.setText(f"{name}  {fmt.format(v * scale) if np.isfinite(v) else '–'}")
