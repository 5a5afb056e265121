"""The fit-quality indicator: a coloured dot (good / doubtful / bad), a short summary and the warnings;
every number, what it means and the bounds on hover (inference.fit_quality.FitQuality, computed by the
model worker). One line where the pane holds it, else two: the warning under the summary. The text is a shade of the
verdict's colour readable on the window (WCAG 4.5:1). Also the small coloured icons that mark each fitted person in
the person picker and the strip, each with its verdict's shape (not colour alone)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QWidget

from .hidpi import hidpi_pixmap

TEXT_CONTRAST = 4.5  # WCAG AA for normal text: the verdict colour at 2.0:1 (amber on grey) was hard to read
WARN_COLOR = (179, 107, 0)  # the warning's hue (its text is shaded from it to TEXT_CONTRAST)


def luminance(rgb) -> float:
    """WCAG relative luminance of an (r, g, b) 0..255 colour."""
    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(float(v)) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two (r, g, b) colours, 1..21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _rgb(c) -> tuple[int, int, int]:
    return (c.red(), c.green(), c.blue()) if isinstance(c, QColor) else tuple(int(v) for v in c[:3])


def readable(rgb, background, toward, ratio: float = TEXT_CONTRAST) -> QColor:
    """`rgb` shaded toward `toward` (the palette's text colour: darker on a light window, lighter on a dark one) just
    as far as its contrast with `background` reaches `ratio`: text keeps the hue but can be read."""
    rgb, background, toward = _rgb(rgb), _rgb(background), _rgb(toward)
    for step in range(21):
        t = step / 20
        c = tuple(round(a + (b - a) * t) for a, b in zip(rgb, toward))
        if contrast(c, background) >= ratio:
            return QColor(*c)
    return QColor(*toward)


def soft_text(palette: QPalette) -> QColor:
    """A secondary-text grey for `palette`: the text colour toward the window's as far as it stays readable (the
    fixed #888 was 3.1:1 on the light window)."""
    window, text = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText)
    best = text
    for step in range(1, 11):
        t = step / 20  # at most half way
        c = QColor(*(round(a + (b - a) * t) for a, b in zip(_rgb(text), _rgb(window))))
        if contrast(_rgb(c), _rgb(window)) < TEXT_CONTRAST:
            break
        best = c
    return best


def paint_verdict(p: QPainter, rect: QRectF, rgb, verdict: str = "", outline: QColor | None = None) -> None:
    """A dot in the verdict's colour with the verdict's shape in it (good or "fitted" ✓, doubtful !, bad ✕, none for
    unknown): the shape tells the verdicts apart without their colours."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(outline, 1) if outline is not None else Qt.PenStyle.NoPen)
    p.setBrush(QColor(*rgb))
    p.drawEllipse(rect)
    ink = QColor(20, 20, 20) if contrast(rgb, (20, 20, 20)) >= contrast(rgb, (255, 255, 255)) else QColor(255, 255, 255)
    w, x, y = rect.width(), rect.x(), rect.y()
    pen = QPen(ink, max(1.2, w / 7), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath()
    if verdict in ("good", "fitted"):
        path.moveTo(x + 0.27 * w, y + 0.52 * w)
        path.lineTo(x + 0.44 * w, y + 0.69 * w)
        path.lineTo(x + 0.74 * w, y + 0.33 * w)
    elif verdict == "bad":
        for a, b in ((0.32, 0.68), (0.68, 0.32)):
            path.moveTo(x + 0.32 * w, y + a * w)
            path.lineTo(x + 0.68 * w, y + b * w)
    elif verdict == "doubtful":
        path.moveTo(x + 0.5 * w, y + 0.25 * w)
        path.lineTo(x + 0.5 * w, y + 0.55 * w)
        p.drawPoint(QPointF(x + 0.5 * w, y + 0.74 * w))
    p.drawPath(path)
    p.restore()


def verdict_pixmap(rgb, size: int = 12, dpr: float = 1.0, verdict: str = "") -> QPixmap:
    """The verdict's dot `size` logical px wide, drawn at `dpr` device px per px (sharp on a high-DPI screen)."""
    pm = hidpi_pixmap(QSize(size, size), dpr)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    paint_verdict(p, QRectF(0.5, 0.5, size - 1, size - 1), rgb, verdict)
    p.end()
    return pm


def verdict_icon(rgb: tuple[int, int, int], size: int = 12, verdict: str = "") -> QIcon:
    """The verdict's dot at 1x, 2x and the screens' own ratio: the icon picks the one its screen needs."""
    icon = QIcon()
    app = QGuiApplication.instance()
    for dpr in sorted({1.0, 2.0, float(app.devicePixelRatio()) if isinstance(app, QGuiApplication) else 1.0}):
        icon.addPixmap(verdict_pixmap(rgb, size, dpr, verdict))
    return icon


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
        self.dot.setPixmap(verdict_pixmap(quality.color, 14, self.devicePixelRatioF(), quality.verdict))
        self.text.setText(quality.summary())
        self._colour_text()
        self.note.setVisible(self.edited)
        w = quality.warnings
        self.warn.setText(f"⚠ {_short(w[0])}" + (f" (+{len(w) - 1})" if len(w) > 1 else "") if w else "")
        self.warn.setVisible(bool(w))
        note = ("<p><i>These numbers are the fit's as predicted: the body on screen has been edited since "
                "(Ctrl+R resets it).</i></p>") if self.edited else ""
        self.setToolTip(note + quality.tooltip_html())
        self.show()
        self._arrange()

    def _colour_text(self) -> None:
        """The summary in a shade of the verdict's colour, the warning in one of amber, each readable on this
        palette's window (TEXT_CONTRAST); the dot keeps the verdict's own colour."""
        pal = self.palette()
        window, text = pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.WindowText)
        c = readable(self.quality.color, window, text).name()
        for lab in (self.text, self.note):
            lab.setStyleSheet(f"color: {c}; font-weight: bold;")
        self.warn.setStyleSheet(f"color: {readable(WARN_COLOR, window, text).name()};")

    def event(self, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.PaletteChange and self.quality is not None:
            self._colour_text()  # (a light or dark theme chosen while shown)
        elif kind == QEvent.Type.DevicePixelRatioChange and self.quality is not None:  # (moved to another screen)
            self.dot.setPixmap(verdict_pixmap(self.quality.color, 14, self.devicePixelRatioF(), self.quality.verdict))
        return super().event(event)

    def set_edited(self, edited: bool) -> None:
        """Say (or stop saying) that the body on screen was edited after these numbers were measured."""
        if bool(edited) != self.edited:
            self.edited = bool(edited)
            self.set_quality(self.quality)

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
