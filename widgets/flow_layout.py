"""A layout that places its items in a row and wraps onto further rows when the width runs out.

The panes' title rows (a title, pickers, check boxes, view buttons) need 400-550 px on one row; beside the
folder list and the inspector in a 1280 x 720 window a pane gets less, and a QHBoxLayout's minimum width would
then squeeze the inspector instead. In a FlowLayout the row's minimum width is its widest item: a narrow pane
shows its controls on two rows, a wide one on one. Stretch items (addStretch) push the items after them to the
right end of their row, as in a QHBoxLayout. `max_per_row` caps a row's items (the part legend: rows of three
in a wide pane, of two or one in a narrow one). A widget added with a stretch (`addWidget(w, 1)`) takes the room left
in its row, and an item whose height depends on its width (a word-wrapped label) is as tall as its text needs at the
width it gets: the Dataset tab's folder and score line shares its row with the run controls in a wide window and has
a row of its own in a narrow one.
"""
from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QSpacerItem, QWidget, QWidgetItem


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6, max_per_row: int | None = None):
        super().__init__(parent)
        self.max_per_row = max_per_row
        self._items: list[QLayoutItem] = []
        self._stretch_after: set[int] = set()  # indices of the items an addStretch() came before
        self._grow: set[int] = set()  # indices of the items added with a stretch (they share their row's room)
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    # ---------------------------------------------------------------- QLayout
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802
        """stretch > 0: the widget also takes the room its row leaves (shared with the row's other such widgets)."""
        self.addChildWidget(widget)
        if stretch > 0:
            self._grow.add(len(self._items))
        self.addItem(QWidgetItem(widget))
        self.invalidate()

    def addStretch(self, _stretch: int = 1) -> None:  # noqa: N802
        """The items added after this one go to the right end of their row."""
        self._stretch_after.add(len(self._items))
        self.addItem(QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        if not 0 <= index < len(self._items):
            return None
        self._stretch_after = {i - (i > index) for i in self._stretch_after if i != index}
        self._grow = {i - (i > index) for i in self._grow if i != index}
        return self._items.pop(index)

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        """All items on one row (`max_per_row` to a row)."""
        w = h = 0
        for row in self._rows(1 << 24):
            if row:
                w = max(w, sum(item.sizeHint().width() for item, _ in row) + self.spacing() * (len(row) - 1))
                h += max(item.sizeHint().height() for item, _ in row) + (self.spacing() if h else 0)
        m = self.contentsMargins()
        return QSize(w + m.left() + m.right(), h + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802
        """The widest item (every item on a row of its own, at worst)."""
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    # ---------------------------------------------------------------- placing
    def _visible(self) -> list[QLayoutItem]:
        return [it for it in self._items if not (it.widget() is not None and it.widget().isHidden())
                and it.spacerItem() is None]

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, bool]]]:
        """Items (with: does a stretch come before it) in rows that fit `width` (at their size hints' widths)."""
        rows: list[list[tuple[QLayoutItem, bool]]] = [[]]
        used, stretch = 0, False
        for i, item in enumerate(self._items):
            if i in self._stretch_after:
                stretch = True
                continue
            if item.widget() is None or item.widget().isHidden():
                continue
            w = item.sizeHint().width()
            if rows[-1] and (used + self.spacing() + w > width or len(rows[-1]) == self.max_per_row):
                rows.append([])
                used = 0
            used += (self.spacing() if rows[-1] else 0) + w
            rows[-1].append((item, stretch))
            stretch = False
        return rows

    def _place(self, rect: QRect, move: bool) -> int:
        """Lay the items out in `rect` (move=False: only measure); the height used."""
        m: QMargins = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        y = area.y()
        growing = {id(self._items[i]) for i in self._grow}
        for row in self._rows(area.width()):
            if not row:
                continue
            widths = [min(item.sizeHint().width(), area.width()) for item, _ in row]
            free = area.width() - sum(widths) - self.spacing() * (len(row) - 1)
            grow = [k for k, (item, _) in enumerate(row) if id(item) in growing]
            if grow and free > 0:  # the stretched widgets take the room, none is left for a stretch to push
                for n, k in enumerate(grow):
                    widths[k] += free // len(grow) + (n < free % len(grow))
                free = 0
            # a word-wrapped label is as tall as its lines at the width it gets, not at its size hint's width
            heights = [item.heightForWidth(w) if item.hasHeightForWidth() else item.sizeHint().height()
                       for (item, _), w in zip(row, widths)]
            h = max(heights)
            if move:
                x = area.x()
                for (item, stretch), w, ih in zip(row, widths, heights):
                    if stretch and free > 0:
                        x += free
                        free = 0
                    item.setGeometry(QRect(QPoint(x, y + (h - ih) // 2), QSize(w, ih)))
                    x += w + self.spacing()
            y += h + self.spacing()
        return max(0, y - self.spacing() - area.y()) + m.top() + m.bottom()
