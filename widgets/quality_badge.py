"""The fit-quality indicator: a coloured dot (good / doubtful / bad), a short summary and the warnings;
every number, what it means and the bounds on hover (inference.fit_quality.FitQuality, computed by the
model worker). Also the small coloured icons that mark each fitted person in the person picker."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget


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
    """Shows one FitQuality (or nothing): dot + 'good fit · parts 91% · PCK 100% · IoU 0.67' + '⚠ warning'."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.quality = None
        self.edited = False  # the body on screen was edited since: the numbers are those of the fit before
        self.dot = QLabel()
        # both elided with '…' in a narrow pane (the tooltip has it all): the summary was cut mid-word and the
        # warning pushed out of sight; the summary keeps its width first, the warning keeps its sign and a word
        self.text = _ElidedLabel()
        self.warn = _ElidedLabel()
        self.warn.setStyleSheet("color: #b36b00;")
        for lab in (self.text, self.warn):  # elided rather than widening the photo pane
            lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.warn.setMinimumWidth(self.warn.fontMetrics().horizontalAdvance("⚠ person…"))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(4)
        lay.addWidget(self.dot)
        lay.addWidget(self.text)
        lay.addWidget(self.warn, 1)
        self.set_quality(None)

    @property
    def verdict(self) -> str:
        return self.quality.verdict if self.quality is not None else ""

    def set_quality(self, quality) -> None:
        self.quality = quality
        if quality is None:
            self.hide()
            self.setToolTip("")
            return
        self.dot.setPixmap(verdict_icon(quality.color, 14).pixmap(14, 14))
        self.text.setText(quality.summary() + (" (before your edits)" if self.edited else ""))
        r, g, b = quality.color
        self.text.setStyleSheet(f"color: rgb({r},{g},{b}); font-weight: bold;")
        w = quality.warnings
        self.warn.setText(f"⚠ {_short(w[0])}" + (f" (+{len(w) - 1})" if len(w) > 1 else "") if w else "")
        self.warn.setVisible(bool(w))
        note = ("<p><i>These numbers are the fit's as predicted: the body on screen has been edited since "
                "(Ctrl+R resets it).</i></p>") if self.edited else ""
        self.setToolTip(note + quality.tooltip_html())
        self.show()

    def set_edited(self, edited: bool) -> None:
        """Say (or stop saying) that the body on screen was edited after these numbers were measured."""
        if bool(edited) != self.edited:
            self.edited = bool(edited)
            self.set_quality(self.quality)


class _ElidedLabel(QLabel):
    """A one-line label drawn with '…' where it is too narrow for its text (text() stays the whole text); it can
    shrink to nothing (a QLabel's own minimum is its whole text)."""

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
