"""The fit-quality indicator: a coloured dot (good / doubtful / bad), a short summary and the warnings;
every number, what it means and the bounds on hover (inference.fit_quality.FitQuality, computed by the
model worker). One line where the pane holds it, else two: the warning under the summary. Also the small coloured
icons that mark each fitted person in the person picker."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QWidget


def verdict_icon(rgb: tuple[int, int, int], size: int = 12) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(*rgb))
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pm)


class QualityBadge(QWidget):
    """Shows one FitQuality (or nothing): dot + 'good fit · parts 91% · PCK 100% · IoU 0.67' + '(before your edits)'
    + '⚠ warning', on one line where the badge is wide enough for it all, else on two: the summary (and the note
    where it fits beside it) on the first, the rest under it (`wrapped`). At 1280 px the photo pane is about 450 px
    wide, and the one line cut the warning to "⚠ person cut by th…" although every word read on two lines."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.quality = None
        self.edited = False  # the body on screen was edited since: the numbers are those of the fit before
        self.dot = QLabel()
        # each elided with '…' only where even its own line is too narrow (the tooltip has it all): the summary was
        # cut mid-word and the warning pushed out of sight; the warning keeps its sign and a word
        self.text = _ElidedLabel()
        self.note = _ElidedLabel("(before your edits)")
        self.warn = _ElidedLabel()
        self.warn.setStyleSheet("color: #b36b00;")
        for lab in (self.text, self.note, self.warn):  # elided rather than widening the photo pane
            lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.warn.setMinimumWidth(self.warn.fontMetrics().horizontalAdvance("⚠ person…"))
        self.note.hide()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._lines = (QHBoxLayout(), QHBoxLayout())
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 0, 6, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        grid.addWidget(self.dot, 0, 0)
        for row, line in enumerate(self._lines):
            line.setSpacing(4)
            line.addStretch(1)  # what a line leaves goes after its last piece, not between them
            grid.addLayout(line, row, 1)
        for lab in (self.text, self.note, self.warn):
            self._lines[0].insertWidget(self._lines[0].count() - 1, lab)
        self._placed: tuple = ((self.text,), ())  # the pieces shown on each line as placed now (`_arrange`)
        self.set_quality(None)

    @property
    def verdict(self) -> str:
        return self.quality.verdict if self.quality is not None else ""

    @property
    def wrapped(self) -> bool:
        """A piece (the note, the warning) is on the second line."""
        return bool(self._placed and self._placed[1])

    def set_quality(self, quality) -> None:
        self.quality = quality
        if quality is None:
            self.hide()
            self.setToolTip("")
            return
        self.dot.setPixmap(verdict_icon(quality.color, 14).pixmap(14, 14))
        self.text.setText(quality.summary())
        r, g, b = quality.color
        for lab in (self.text, self.note):
            lab.setStyleSheet(f"color: rgb({r},{g},{b}); font-weight: bold;")
        self.note.setVisible(self.edited)
        w = quality.warnings
        self.warn.setText(f"⚠ {_short(w[0])}" + (f" (+{len(w) - 1})" if len(w) > 1 else "") if w else "")
        self.warn.setVisible(bool(w))
        note = ("<p><i>These numbers are the fit's as predicted: the body on screen has been edited since "
                "(Ctrl+R resets it).</i></p>") if self.edited else ""
        self.setToolTip(note + quality.tooltip_html())
        self.show()
        self._arrange()

    def set_edited(self, edited: bool) -> None:
        """Say (or stop saying) that the body on screen was edited after these numbers were measured."""
        if bool(edited) != self.edited:
            self.edited = bool(edited)
            self.set_quality(self.quality)

    def one_line_width(self) -> int:
        """The width the dot and every piece shown (summary, note, warning) need side by side, margins included."""
        return self._indent() + self._span([self.text, *self._tail()]) + self.layout().contentsMargins().right()

    def _tail(self) -> list[QLabel]:
        return [lab for lab in (self.note, self.warn) if not lab.isHidden()]

    def _indent(self) -> int:
        grid = self.layout()
        return grid.contentsMargins().left() + self.dot.sizeHint().width() + grid.horizontalSpacing()

    def _span(self, pieces) -> int:
        self.ensurePolished()  # (the summary's bold comes from its style sheet)
        return sum(lab.sizeHint().width() for lab in pieces) + self._lines[0].spacing() * max(0, len(pieces) - 1)

    def _arrange(self) -> None:
        """Every piece on the first line when it holds them all; else the summary first, the note beside it where
        both fit, and the rest on the second line (each piece elided only where even its own line is too narrow)."""
        room = self.width() - self._indent() - self.layout().contentsMargins().right()
        first, second = [self.text], self._tail()
        while second and self._span([*first, second[0]]) <= room:
            first.append(second.pop(0))
        placed = (tuple(first), tuple(second))
        if placed == self._placed:
            return
        self._placed = placed
        for line in self._lines:
            for lab in (self.text, self.note, self.warn):
                line.removeWidget(lab)
        for line, pieces in zip(self._lines, placed):
            for lab in pieces:
                line.insertWidget(line.count() - 1, lab)  # (before the line's stretch)
        for lab in (self.note, self.warn):  # a hidden piece stays in the first line, out of the way
            if lab not in first and lab not in second:
                self._lines[0].insertWidget(self._lines[0].count() - 1, lab)
        self.updateGeometry()  # (one line's height or two: the pane gives the photo the rest)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange()


class _ElidedLabel(QLabel):
    """A one-line label drawn with '…' where it is too narrow for its text (text() stays the whole text); it can
    shrink to nothing (a QLabel's own minimum is its whole text)."""

    @property
    def elided(self) -> bool:
        """Drawn cut, with '…' (the text is wider than the label)."""
        return self.fontMetrics().horizontalAdvance(self.text()) > self.width()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        self.style().drawItemText(p, self.rect(), int(self.alignment()), self.palette(), self.isEnabled(), text,
                                  self.foregroundRole())
        p.end()


def _short(text: str) -> str:
    """The part of a warning before its explanation ('person cut by the frame (feet outside ...)' -> first clause)."""
    for sep in (" (", ":"):
        if sep in text:
            text = text.split(sep, 1)[0]
    return text
