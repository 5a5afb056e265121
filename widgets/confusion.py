"""The part confusion matrix of a dataset run, drawn with QPainter: 13 x 13 (background and the 12 parts),
rows the ground truth, columns the prediction, each row normalised (the share of a true part's pixels given
to each predicted part). The cells of left/right swaps (a true left thigh predicted as the right one, ...)
are outlined in red, so a model that mixes up sides shows at a glance; hover a cell for its numbers."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.dataset_model import row_normalised
from inference.parts import MIRROR_LABELS, PALETTE, PART_NAMES

NAMES = ("background", *PART_NAMES)  # label 0..12


def short_name(name: str) -> str:
    """'left forearm+hand' -> 'L forearm', 'upper torso' -> 'up torso': fits a row header."""
    name = name.replace("left ", "L ").replace("right ", "R ").replace("upper torso", "up torso")
    name = name.replace("lower torso", "low torso").replace("background", "bg")
    return name.split("+")[0]


SHORT = tuple(short_name(n) for n in NAMES)


class ConfusionMatrix(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts = np.zeros((13, 13), np.int64)
        self.shares = np.full((13, 13), np.nan)
        # narrow enough to sit under the histogram in a small window: the row names then shrink with the cells
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(380, 340)

    def set_counts(self, counts: np.ndarray) -> None:
        """counts: (13, 13) pixel counts, rows ground truth, columns prediction (app DatasetTableModel.confusion)."""
        self.counts = np.asarray(counts, np.int64)
        self.shares = row_normalised(self.counts)
        self.update()

    def swap_share(self) -> float:
        """Left/right swaps of the counts (0..1; NaN when none), as `main.py evaluate` reports them
        (inference.metrics.left_right_swaps)."""
        from inference.metrics import left_right_swaps

        return left_right_swaps(self.counts)

    # ---------------------------------------------------------------- layout
    def _header_scale(self) -> float:
        """The row names' size relative to the widget's font: 1, or less where a cell is lower than a line of
        text (a small window), so that the names neither overlap nor take the room the cells need."""
        fm = self.fontMetrics()
        names = max(fm.horizontalAdvance(s) for s in SHORT)
        top = fm.height() * 3 + 8
        cell = max(10.0, min(self.width() - names - 18, self.height() - top - 6)) / 13
        return float(np.clip(cell / fm.height(), 0.6, 1.0))

    def _grid(self) -> tuple[QRectF, float]:
        fm = self.fontMetrics()
        left = max(fm.horizontalAdvance(s) for s in SHORT) * self._header_scale() + 12
        top = fm.height() * 3 + 8  # title, the swap share, the column colour chips
        side = max(10.0, min(self.width() - left - 6, self.height() - top - 6))
        cell = side / 13
        return QRectF(left, top, cell * 13, cell * 13), cell

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(true label, predicted label) of the cell under widget (x, y), None outside the grid."""
        g, cell = self._grid()
        if not g.contains(x, y):
            return None
        return min(12, int((y - g.top()) / cell)), min(12, int((x - g.left()) / cell))

    # ---------------------------------------------------------------- drawing
    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(250, 250, 251))
        fm = p.fontMetrics()
        g, cell = self._grid()
        p.setPen(QColor(40, 40, 40))
        # short enough for the panel's usual width (longer lines were cut off at 1600 px)
        lines = ["% of each true part: rows truth, columns predicted"]
        swap = self.swap_share()
        if np.isfinite(swap):
            lines.append(f"left/right swaps (outlined): {swap * 100:.1f} %")
        for k, text in enumerate(lines):
            p.drawText(QRectF(6, 2 + k * fm.height(), self.width() - 12, fm.height() + 2), Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText(text, Qt.TextElideMode.ElideRight, self.width() - 12))
        if not self.counts.any():
            p.setPen(QColor(130, 130, 130))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no scored cases yet")
            p.end()
            return
        small = p.font()
        small.setPointSizeF(max(6.0, min(small.pointSizeF(), cell * 0.32)))
        for r in range(13):
            for c in range(13):
                v = self.shares[r, c]
                rect = QRectF(g.left() + c * cell, g.top() + r * cell, cell, cell)
                if not np.isfinite(v):
                    p.fillRect(rect, QColor(236, 236, 238))
                    continue
                t = float(np.sqrt(v))  # the square root lifts the small off-diagonal shares into view
                p.fillRect(rect, QColor(int(255 - 225 * t), int(255 - 185 * t), int(255 - 95 * t)))
                if v >= 0.005 and cell >= 16:
                    p.setFont(small)
                    p.setPen(QColor(255, 255, 255) if t > 0.6 else QColor(40, 40, 40))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{v * 100:.0f}")
        p.setFont(self.font())
        # left/right swaps: the mirror cell of every sided part, outlined
        p.setPen(QPen(QColor(207, 34, 46), 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r in range(13):
            c = int(MIRROR_LABELS[r])
            if c != r:
                p.drawRect(QRectF(g.left() + c * cell + 1, g.top() + r * cell + 1, cell - 2, cell - 2))
        p.setPen(QColor(170, 170, 175))
        p.drawRect(g)
        # headers: names on the rows, colour chips on the columns (names would not fit across)
        p.setPen(QColor(40, 40, 40))
        names = p.font()
        names.setPointSizeF(max(5.0, names.pointSizeF() * self._header_scale()))
        p.setFont(names)
        for k in range(13):
            y = g.top() + k * cell
            p.drawText(QRectF(0, y, g.left() - 6, cell), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       SHORT[k])
            chip = QRectF(g.left() + k * cell + cell * 0.2, g.top() - fm.height() * 0.9, cell * 0.6, fm.height() * 0.7)
            p.fillRect(chip, QColor(*(int(x) for x in PALETTE[k])))
            p.drawRect(chip)
        p.end()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        at = self.cell_at(event.position().x(), event.position().y())
        if at is None or not self.counts.any():
            QToolTip.hideText()
            return
        r, c = at
        total = int(self.counts[r].sum())
        share = self.shares[r, c]
        text = (f"true <b>{NAMES[r]}</b> → predicted <b>{NAMES[c]}</b><br>"
                + (f"{share * 100:.1f} % of {total:,} px" if np.isfinite(share) else "not in the ground truth"))
        if MIRROR_LABELS[r] == c and c != r:
            text += "<br><span style='color:#b00'>left/right swap</span>"
        QToolTip.showText(event.globalPosition().toPoint(), text, self)
