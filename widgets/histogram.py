"""A small histogram drawn with QPainter (no matplotlib). A click on a bar chooses its range (the dataset
table then shows only those cases); a click on the chosen bar, or outside the bars, clears it. An empty bin
chooses nothing: it would only empty the table. From the keyboard (it takes Tab focus, the filter was mouse-only):
Left/Right (Home/End) move a marked bar over the bins that hold cases, Enter or Space choose it as a click does,
Esc clears the choice."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .own_keys import OwnKeys

BAR = QColor(70, 120, 200)
CHOSEN = QColor(232, 128, 32)
MARKED = QColor(120, 165, 230)  # the bar the keys are on (lighter), outlined in MARK_EDGE
MARK_EDGE = QColor(20, 20, 20)
KEYS = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Home: "first", Qt.Key.Key_End: "last",
        Qt.Key.Key_Return: "choose", Qt.Key.Key_Enter: "choose", Qt.Key.Key_Space: "choose",
        Qt.Key.Key_Escape: "clear"}


class Histogram(OwnKeys, QWidget):
    """rangeChosen(lo, hi, closed) on a click on a bar: its bin [lo, hi), [lo, hi] for the last (closed, as
    numpy.histogram counts); rangeCleared() when the choice is cleared. A click on an empty bin changes nothing."""

    rangeChosen = Signal(float, float, bool)
    rangeCleared = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values = np.zeros(0)
        self.title = ""
        self.unit = ""
        self.bins = 20
        self.counts = np.zeros(0, np.int64)
        self.edges = np.zeros(0)
        self.chosen: tuple[float, float] | None = None  # the chosen bin's range (kept while new values arrive)
        self.marked: int | None = None  # the bin the keys are on (drawn while the histogram has the focus)
        # narrow enough to sit under the table in a small window (the axis then has fewer ticks)
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)  # the pointing hand over the bars that can be clicked only
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Click a bar to list only its cases; click it again to list all. "
                        "Keys: Left/Right mark a bar, Enter or Space choose it, Esc lists all")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 200)

    def set_values(self, values, title: str = "", unit: str = "") -> None:
        m = self.marked
        # the marked bar stays where it was on the axis while new scores re-bin the values (they come during a run)
        at = float(self.edges[m] + self.edges[m + 1]) / 2 if m is not None and 0 <= m < len(self.counts) else None
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
        self.marked = self._chosen_index()
        if at is not None and len(self.counts):
            self.marked = int(np.clip(np.searchsorted(self.edges, at, side="right") - 1, 0, len(self.counts) - 1))
        self.update()

    def _plot_rect(self) -> QRectF:
        lh = self.fontMetrics().height()
        return QRectF(self.rect()).adjusted(44, lh + 10, -28, -(2 * lh + 8))

    def bin_at(self, x: float) -> int | None:
        """The index of the bar under widget x, None outside the bars."""
        r, nb = self._plot_rect(), len(self.counts)
        if not nb or not r.left() <= x < r.right():
            return None
        return min(nb - 1, int((x - r.left()) / (r.width() / nb)))

    def choose_bin(self, i: int | None) -> None:
        """Choose bar i (None, or the chosen one again: clear) and say so by signal. An empty bin is not chosen and
        leaves the choice as it is: the table would list no case while the details still showed one."""
        if i is not None and 0 <= i < len(self.counts) and self.counts[i] == 0:
            return
        if i is None or not 0 <= i < len(self.counts) or self._is_chosen(i):
            if self.chosen is not None:
                self.chosen = None
                self.rangeCleared.emit()
            self.update()
            return
        lo, hi = float(self.edges[i]), float(self.edges[i + 1])
        self.chosen = (lo, hi)
        self.update()
        self.rangeChosen.emit(lo, hi, i == len(self.counts) - 1)

    def clear_choice(self) -> None:
        """Clear the chosen bar without a signal (new data: the owner resets its filter itself)."""
        self.chosen = None
        self.update()

    def _chosen_index(self) -> int | None:
        return next((i for i in range(len(self.counts)) if self._is_chosen(i)), None)

    def _filled(self) -> list[int]:
        return [i for i, c in enumerate(self.counts) if c > 0]

    def _move_mark(self, how) -> None:
        filled = self._filled()
        if not filled:
            return
        if how == "first" or (self.marked is None and how == 1):
            self.marked = filled[0]
        elif how == "last" or self.marked is None:
            self.marked = filled[-1]
        else:
            ahead = [i for i in filled if (i - self.marked) * how > 0]
            if ahead:
                self.marked = ahead[0] if how > 0 else ahead[-1]
        self.update()

    def _key_action(self, event):
        """What a key does here (None: not ours). Esc only while a bar is chosen: else it stays the window's."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return None
        action = KEYS.get(event.key())
        return None if action == "clear" and self.chosen is None else action

    def keyPressEvent(self, event) -> None:  # noqa: N802
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        if action == "choose":
            if self.marked is None:
                self._move_mark("first")
            if self.marked is not None:
                self.choose_bin(self.marked)
        elif action == "clear":
            self.choose_bin(None)
        else:
            self._move_mark(action)
        event.accept()

    def focusInEvent(self, event) -> None:  # noqa: N802
        if self.marked is None or not 0 <= self.marked < len(self.counts):
            self.marked = self._chosen_index()
            if self.marked is None and self._filled():
                self.marked = self._filled()[0]
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    def _is_chosen(self, i: int) -> bool:
        if self.chosen is None:
            return False
        lo, hi = float(self.edges[i]), float(self.edges[i + 1])
        return lo < self.chosen[1] and hi > self.chosen[0]  # the bar overlaps the chosen range

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            i = self.bin_at(event.position().x())
            if i is not None and self.counts[i] > 0:
                self.marked = i  # (the keys go on from the bar clicked)
            self.choose_bin(i)
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        i = self.bin_at(event.position().x())
        self.setCursor(Qt.CursorShape.PointingHandCursor if i is not None and self.counts[i] > 0
                       else Qt.CursorShape.ArrowCursor)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(250, 250, 251))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = p.fontMetrics()
        lh = fm.height()
        r = self._plot_rect()
        p.setPen(QColor(40, 40, 40))
        n = self.values.size
        head = self.title
        if n:
            head += f"   n = {n}, mean {self.values.mean():.1f}, median {np.median(self.values):.1f} {self.unit}"
        # elided, not cut mid-word, where the histogram shares a narrow column
        p.drawText(QRectF(8, 4, self.width() - 16, lh + 4), Qt.AlignmentFlag.AlignLeft,
                   fm.elidedText(head, Qt.TextElideMode.ElideRight, self.width() - 16))
        if not n or r.width() < 10 or r.height() < 10:
            p.setPen(QColor(130, 130, 130))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no values yet")
            if self.hasFocus():
                self._paint_focus(p, None, 0, 1)
            p.end()
            return
        cmax = max(1, int(self.counts.max()))
        nb = len(self.counts)
        bw = r.width() / nb
        p.setPen(QPen(QColor(255, 255, 255), 1))
        for i, c in enumerate(self.counts):
            h = r.height() * c / cmax
            p.setBrush(CHOSEN if self._is_chosen(i) else MARKED if i == self.marked and self.hasFocus() else BAR)
            p.drawRect(QRectF(r.left() + i * bw, r.bottom() - h, bw, h))
        # axes
        p.setPen(QPen(QColor(60, 60, 60), 1))
        p.drawLine(r.bottomLeft(), r.bottomRight())
        p.drawLine(r.bottomLeft(), r.topLeft())
        lo, hi = float(self.edges[0]), float(self.edges[-1])
        ticks = int(np.clip(r.width() // 60 + 1, 2, 5))  # labels some 60 px apart: they do not run together
        for t in np.linspace(lo, hi, ticks):
            x = r.left() + (t - lo) / (hi - lo) * r.width()
            p.drawLine(int(x), int(r.bottom()), int(x), int(r.bottom() + 4))
            txt = f"{t:.0f}" if hi - lo > 10 else f"{t:.1f}"
            box = QRectF(min(max(x - 40, 0), self.width() - 80), r.bottom() + 5, 80, lh)
            p.drawText(box, Qt.AlignmentFlag.AlignHCenter, txt)
        # the axis' unit, or while focused the marked bar's range and count in its place
        p.drawText(QRectF(r.left(), r.bottom() + lh + 5, r.width(), lh), Qt.AlignmentFlag.AlignHCenter,
                   fm.elidedText(self._marked_text() if self.hasFocus() else self.unit, Qt.TextElideMode.ElideLeft,
                                 int(r.width())))
        for c in (0, cmax):
            y = r.bottom() - r.height() * c / cmax
            p.drawText(QRectF(0, y - lh / 2, 40, lh), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       str(c))
        # mean marker
        m = float(self.values.mean())
        x = r.left() + (m - lo) / (hi - lo) * r.width()
        p.setPen(QPen(QColor(220, 60, 40), 2, Qt.PenStyle.DashLine))
        p.drawLine(int(x), int(r.top()), int(x), int(r.bottom()))
        if self.hasFocus():
            self._paint_focus(p, r, bw, cmax)
        p.end()

    def _marked_text(self) -> str:
        i = self.marked
        if i is None or not 0 <= i < len(self.counts):
            return self.unit
        lo, hi = float(self.edges[i]), float(self.edges[i + 1])
        digits = 0 if hi - lo >= 1 else 2
        n = int(self.counts[i])
        return f"{lo:.{digits}f}–{hi:.{digits}f} {self.unit}: {n} case{'s' * (n != 1)}".replace(" :", ":")

    def _paint_focus(self, p: QPainter, r: QRectF | None, bw: float, cmax: int) -> None:
        """A frame in the highlight colour round the widget, and the marked bar outlined in near-black (the highlight
        colour hardly showed on the blue bars)."""
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
        p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        i = self.marked
        if r is None or i is None or not 0 <= i < len(self.counts):
            return
        h = max(r.height() * self.counts[i] / cmax, 3.0)
        p.setPen(QPen(MARK_EDGE, 2))
        p.drawRect(QRectF(r.left() + i * bw, r.bottom() - h, bw, h).adjusted(-1, -1, 1, 1))
