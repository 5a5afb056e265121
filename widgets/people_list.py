"""The people of a photo as a strip of thumbnails (each person's crop, small people enlarged), with a
"Fit everyone" button. A click shows that person (fitted at once when fitted before), a double click or Enter zooms
the photo to them. Fitted people are ticked, with the fit quality's colour and shape when known (and its word for
screen readers)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt_images import to_qimage

from .hidpi import hidpi_pixmap
from .people_overlay import box_color
from .quality_badge import paint_verdict, soft_text

if TYPE_CHECKING:
    from app.results import KeptResult

THUMB = QSize(54, 78)
MARGIN = 0.12  # of the box's size, around each thumbnail
# px of the frame around the selected person's thumbnail. The icon is the thumbnail with this margin on each side,
# blank (unselected) or the frame (selected), so the frame covers no pixel of the picture: QListView's icon mode
# tints the whole icon of the selected item, which made the person on screen the hardest to read.
FRAME = 3
ICON = QSize(THUMB.width() + 2 * FRAME, THUMB.height() + 2 * FRAME)
TICK = 14  # px of the fitted person's tick (its verdict's colour and shape)
VERDICT_WORDS = {"good": "good fit", "doubtful": "doubtful fit", "bad": "bad fit", "unknown": "fit not checked"}


def thumbnail(display: np.ndarray, box, scale: float, size: QSize = THUMB) -> QImage:
    """The person's box (image px; display = image * scale) cut from the display image (h, w, 3) uint8 with a
    margin, resized to fit `size` (enlarged for small people)."""
    h, w = display.shape[:2]
    x0, y0, x1, y1 = (float(v) * scale for v in box)
    mx, my = MARGIN * (x1 - x0) + 1, MARGIN * (y1 - y0) + 1
    xa, ya = int(max(0, np.floor(x0 - mx))), int(max(0, np.floor(y0 - my)))
    xb, yb = int(min(w, np.ceil(x1 + mx))), int(min(h, np.ceil(y1 + my)))
    crop = np.ascontiguousarray(display[ya:max(yb, ya + 1), xa:max(xb, xa + 1)])
    return to_qimage(crop).scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def person_thumb(display: np.ndarray | None, box, scale: float, dpr: float = 1.0) -> QPixmap:
    """The person's thumbnail, THUMB logical px on a dark ground, drawn at `dpr`."""
    pm = hidpi_pixmap(THUMB, dpr)
    pm.fill(QColor(30, 30, 30))
    if display is not None:
        img = thumbnail(display, box, scale, QSize(round(THUMB.width() * dpr), round(THUMB.height() * dpr)))
        img.setDevicePixelRatio(dpr)
        w, h = img.width() / dpr, img.height() / dpr
        painter = QPainter(pm)
        painter.drawImage(QRectF((THUMB.width() - w) / 2, (THUMB.height() - h) / 2, w, h), img)
        painter.end()
    return pm


class PeopleList(QWidget):
    """personRequested(index) on a click, zoomRequested(index) on a double click or Enter, fitEveryone() on the
    button."""

    personRequested = Signal(int)
    zoomRequested = Signal(int)
    fitEveryone = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(ICON)
        # 2 px between frames (the cell leaves out the style's empty 3 px beside each icon) and a line for the
        # label: 6 of 9 thumbnails whole in a 1400 x 900 window (the widget tests' size)
        self.list.setGridSize(QSize(ICON.width() + 2, ICON.height() + self.list.fontMetrics().height() + 4))
        self.list.setFixedHeight(self.list.gridSize().height() + self.list.horizontalScrollBar().sizeHint().height()
                                 + 2 * self.list.frameWidth())
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.setToolTip("The people found in the photo: click one to show (or fit) it, double-click (or Enter) to "
                             "zoom to it")
        self.list.setAccessibleName("detected people")
        self.fit_all = QPushButton("Fit everyone")
        self.fit_all.setToolTip("Fit every person of the photo, one after the other; each result is kept")
        self.summary = QLabel()
        self.summary.setStyleSheet(f"color: {soft_text(self.palette()).name()};")
        side = QVBoxLayout()
        side.addWidget(self.fit_all)
        side.addWidget(self.summary)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        lay.addLayout(side)
        self.people: tuple = ()
        self.results: dict[int, KeptResult] = {}  # person index -> that person's fit
        self._display = None
        self._scale = 1.0
        self._thumbs: list[QPixmap] = []
        # the arrow keys move the current row without a click: the person shown follows it (the highlight and the
        # person on screen disagreed). A press on another person moves the row (and asks for them) before the
        # press's own signal, and the click follows at the release: asked for once. A click on the person
        # already current asks again, as it did before (the photo pane passes over the person already shown).
        self._moved, self._press_moved = -1, False
        self.list.currentRowChanged.connect(self._on_row)
        self.list.itemPressed.connect(self._on_press)
        self.list.itemClicked.connect(self._on_click)
        self.list.itemDoubleClicked.connect(self._zoom_to)
        # Enter zooms as a double click does (a key filter, not itemActivated: a style that activates on one click
        # would zoom on every click)
        self.list.installEventFilter(self)
        self.fit_all.clicked.connect(lambda _=False: self.fitEveryone.emit())

    def _on_row(self, row: int) -> None:
        if 0 <= row < self.list.count():
            self._moved = row  # until this event is handled: a press's own signal comes within it, a key has none
            QTimer.singleShot(0, self._forget_move)
            self.personRequested.emit(int(self.list.item(row).data(Qt.ItemDataRole.UserRole)))

    def _zoom_to(self, item: QListWidgetItem) -> None:
        self.zoomRequested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if (obj is self.list and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
                and self.list.currentItem() is not None):
            self._zoom_to(self.list.currentItem())
            return True
        return super().eventFilter(obj, event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.DevicePixelRatioChange and self.people:  # (moved to another screen)
            people, self.people = self.people, ()
            self.set_people(people, self.list.currentRow(), self._display, self._scale)
        return super().event(event)

    def _forget_move(self) -> None:
        self._moved = -1

    def _on_press(self, item: QListWidgetItem) -> None:
        self._press_moved = self.list.row(item) == self._moved

    def _on_click(self, item: QListWidgetItem) -> None:
        if self._press_moved:  # asked for when the press moved the row
            self._press_moved = False
            return
        self.personRequested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def set_people(self, people, person: int, display: np.ndarray | None, scale: float) -> None:
        """The detected people (thumbnails cut from the display image) and the one shown; the same people
        again only move the selection (the strip is not rebuilt under the mouse)."""
        people = tuple(people)
        if (len(people) == len(self.people) and all(a is b for a, b in zip(people, self.people))
                and display is self._display):
            self.set_current(person)
            return
        self.people, self._display, self._scale = people, display, scale
        dpr = self.devicePixelRatioF()
        self._thumbs = []
        with QSignalBlocker(self.list):
            self.list.clear()
            for n, p in enumerate(self.people):
                self._thumbs.append(person_thumb(display, p.box, scale, dpr))
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, n)
                self.list.addItem(item)
            # icons and labels before the selection: selecting lays the items out (to scroll to the current one),
            # and items without them were laid out as empty, off their grid cells (never laid out again)
            self._refresh()
            if 0 <= person < len(self.people):
                self.list.setCurrentRow(person)

    def set_current(self, person: int) -> None:
        with QSignalBlocker(self.list):
            if 0 <= person < self.list.count():
                self.list.setCurrentRow(person)

    def set_results(self, results: dict[int, KeptResult]) -> None:
        self.results = dict(results)
        self._refresh()

    def _icon(self, thumb: QPixmap) -> QIcon:
        """The item's icon (ICON) for the thumbnail `thumb` (THUMB): the thumbnail on a blank margin, and for the
        selected state its own pixmap framed in the palette's highlight colour (the label's, which the style
        highlights itself), not the style's tint of the picture."""
        icons = []
        for framed in (False, True):
            pm = hidpi_pixmap(ICON, thumb.devicePixelRatio())
            pm.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pm)
            if framed:
                painter.fillRect(pm.rect(), self.list.palette().color(QPalette.ColorRole.Highlight))
            painter.drawPixmap(FRAME, FRAME, thumb)
            painter.end()
            icons.append(pm)
        icon = QIcon(icons[0])
        icon.addPixmap(icons[1], QIcon.Mode.Selected)
        return icon

    def _refresh(self) -> None:
        for n in range(self.list.count()):
            item = self.list.item(n)
            kept = self.results.get(n)
            pm = QPixmap(self._thumbs[n]) if n < len(self._thumbs) else hidpi_pixmap(THUMB, self.devicePixelRatioF())
            dpr = pm.devicePixelRatio()
            w, h = pm.width() / dpr, pm.height() / dpr  # logical px
            q = kept.quality if kept is not None else None
            painter = QPainter(pm)
            painter.setPen(box_color(n))
            painter.drawRect(QRectF(0.5, 0.5, w - 1, h - 1))  # (1 px inside the edge at any ratio)
            if kept is not None:  # a tick in the quality's colour and shape (a white ✓ when unknown)
                paint_verdict(painter, QRectF(w - TICK - 3, 3, TICK, TICK),
                              q.color if q is not None else (235, 235, 235), q.verdict if q is not None else "fitted",
                              outline=QColor(20, 20, 20))
            painter.end()
            item.setIcon(self._icon(pm))
            p = self.people[n]
            hpx = float(p.box[3] - p.box[1])
            item.setText(f"{n + 1}" + (" ✓" if kept is not None else ""))
            state = ("fitted" + (f", {VERDICT_WORDS.get(q.verdict, q.verdict)}" if q is not None else "")
                     if kept is not None else "not fitted yet")
            tip = f"Person {n + 1}: {hpx:.0f} px tall, {p.score_text()}"
            tip += ("\nfitted" + (f": {q.summary()}" if q is not None else "")
                    if kept is not None else "\nnot fitted yet")
            item.setToolTip(tip)
            # a screen reader says the verdict the tick's colour shows (the colour alone said nothing to it)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"Person {n + 1}, {state}")
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, tip)
        n, done = len(self.people), sum(1 for k in self.results if 0 <= k < len(self.people))
        self.summary.setText(f"{done} of {n} fitted")
        self.fit_all.setEnabled(done < n)
