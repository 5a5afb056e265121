"""The opened folder as a side list: each image's thumbnail, name and status (not run, running, done with
the fit-quality colour, no person, error), "Run all…" (of every person, ticked; the mesh formats chosen under
"Meshes") with progress and Cancel. A click shows that image; so does moving the current row with the keys (after
a short pause: holding Down reads only the image it stops on), and Enter or Space.

A view of app.folder.FolderSession: the thumbnails come from its thumbnail thread and the statuses from
the batch worker or the interactive predictions; this widget only paints and forwards clicks."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QProgressBar,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.folder import STATUS_ROLE
from app.image_status import DONE, ERROR, NO_PERSON, RUNNING, ImageStatus
from app.thumbnails import THUMB_SIDE
from inference.colors import VERDICT_COLORS
from inference.predict_outputs import DEFAULT_MESH_FORMATS, MESH_FORMATS, MESH_SUFFIX

ROW_HEIGHT = THUMB_SIDE + 10
FOLLOW_MS = 200  # the current row moved by a key opens its image once the keys rest this long
OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
PAUSED = "paused for the image shown"  # said while the batch waits for the image on screen (app.worker.InFlight)
STATE_COLORS = {  # the dot of a row; a done row takes its fit-quality colour
    "not run": (190, 190, 190), RUNNING: (70, 120, 200), NO_PERSON: (140, 110, 200), ERROR: (207, 34, 46),
}
FORMAT_LABELS = {  # the "Meshes" menu's entries, of inference.predict_outputs.MESH_FORMATS
    "obj": "OBJ mesh", "ply": "PLY mesh", "glb": "glTF mesh", "skinned-glb": "glTF with SMPL skeleton and skin",
    "bvh": "BVH pose (for animation tools)",
}


def status_color(status: ImageStatus) -> QColor:
    if status.state == DONE:
        return QColor(*VERDICT_COLORS.get(status.verdict or "unknown", VERDICT_COLORS["unknown"]))
    return QColor(*STATE_COLORS.get(status.state, STATE_COLORS["not run"]))


def name_lines(fm, name: str, width: int) -> list[str]:
    """A file name in one line when it fits `width` px, else in two: the longest start that fits (broken after a
    '_', '-', ' ' or '.' near its end), then the rest, its start elided if that is still too long (a phone's
    IMG_20240101_0001.jpg keeps its number). In a 1280 px window the list's text column is about 75 px: one line
    elided in the middle made kpa_cold_water.jpg and kpa_pool.jpg both 'kpa_....jpg', and every phone photo
    'IMG_....jpg'."""
    if width <= 0 or fm.horizontalAdvance(name) <= width:
        return [name]
    k = len(name)
    while k > 1 and fm.horizontalAdvance(name[:k]) > width:
        k -= 1
    if fm.horizontalAdvance(name[:k]) > width:  # (not even a letter fits: one elided line, as Qt elides)
        return [fm.elidedText(name, Qt.TextElideMode.ElideMiddle, width)]
    cut = max(name.rfind(ch, 0, k) + 1 for ch in "_- .")
    if cut >= k * 2 // 3:
        k = cut
    return [name[:k], fm.elidedText(name[k:], Qt.TextElideMode.ElideLeft, width)]


class _RowDelegate(QStyledItemDelegate):
    """Thumbnail | name over a coloured status dot and its label."""

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        return QSize(120, ROW_HEIGHT)  # as wide as the list: names and statuses are elided to fit

    def paint(self, p: QPainter, option, index) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # (a 2x thumbnail shown on a 1x screen)
        r = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            p.fillRect(r, option.palette.highlight())
            fg = option.palette.highlightedText().color()
        else:
            fg = option.palette.text().color()
        thumb = index.data(Qt.ItemDataRole.DecorationRole)
        box = QRect(r.left() + 4, r.top() + 5, THUMB_SIDE, THUMB_SIDE)
        if thumb is not None and not thumb.isNull():
            size = thumb.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            at = QRect(box.left() + (box.width() - size.width()) // 2, box.top() + (box.height() - size.height()) // 2,
                       size.width(), size.height())
            p.drawImage(at, thumb)
        else:
            p.fillRect(box, QColor(225, 226, 229))
        status = index.data(STATUS_ROLE) or ImageStatus()
        x = box.right() + 10
        fm = option.fontMetrics
        lines = name_lines(fm, index.data(Qt.ItemDataRole.DisplayRole) or "", r.right() - x - 4)
        p.setPen(fg)
        for k, line in enumerate(lines):
            p.drawText(QRect(x, r.top() + 8 + k * fm.height(), r.right() - x - 4, fm.height()),
                       Qt.AlignmentFlag.AlignLeft, line)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        y = r.top() + 14 + len(lines) * fm.height()
        p.setPen(QPen(QColor(255, 255, 255), 1))
        p.setBrush(status_color(status))
        p.drawEllipse(x, y + (fm.height() - 10) // 2, 10, 10)
        p.setPen(fg if status.state != ERROR else QColor(176, 0, 0))
        label = fm.elidedText(status.label, Qt.TextElideMode.ElideRight, r.right() - x - 20)
        p.drawText(QRect(x + 15, y, r.right() - x - 19, fm.height()), Qt.AlignmentFlag.AlignLeft, label)
        p.restore()


class FolderList(QWidget):
    """imageRequested(row) on a click, on Enter or Space, and when the current row rests on another image than the
    one shown; runAllRequested() on "Run all…" (the window asks for the folder and reads
    `everyone` and `replace`, the "Every person" and "Replace results" boxes, and `mesh_formats()`);
    cancelRequested() on Cancel; meshFormatsChanged(tuple) when the user changes the "Meshes" choice."""

    imageRequested = Signal(int)
    runAllRequested = Signal()
    cancelRequested = Signal()
    meshFormatsChanged = Signal(tuple)

    def __init__(self, folder_session, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = folder_session
        self.wanted = True  # shown whenever a folder is open (View › Folder list switches it off)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.list = QListView()
        self.list.setModel(folder_session.model)
        self.list.setItemDelegate(_RowDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setToolTip("The folder's images: click one, or move to it with the arrow keys, to show it")
        self.run_all = QPushButton("Run all…")
        self.run_all.setToolTip("Run the model on every image and write every result (part map, overlays, the "
                                "meshes chosen under Meshes, parameters .npz/.json/_body.pkl) to a folder you choose")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop after the image being written; what is written stays")
        self.everyone = QCheckBox("Every person")
        self.everyone.setToolTip("Run all fits every person found in each image, not only the first: person 1 "
                                 "under the image's name, person N as NAME_pN, and NAME_scene.glb holding them "
                                 "all in the photo's camera (as `main.py predict --all-people`). A rerun into the "
                                 "same folder writes only the people missing")
        self.replace = QCheckBox("Replace results")
        self.replace.setToolTip("Run all fits every image again and replaces the results already in the folder you "
                                "choose (after changing the settings, say); unticked, an image whose results are "
                                "there is kept. Not remembered: it starts unticked")
        # the mesh files Run all writes: predict's default until changed, so that Run all and `main.py predict`
        # into one folder agree on what a finished image holds
        self.formats = QToolButton()
        self.formats.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.formats.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(self.formats)
        self._format_actions: dict[str, QAction] = {}
        for fmt in MESH_FORMATS:
            a = menu.addAction(f"{FORMAT_LABELS.get(fmt, fmt)} ({_suffix(fmt)})")
            a.setCheckable(True)
            a.toggled.connect(lambda on, f=fmt: self._on_format_toggled(f, on))
            self._format_actions[fmt] = a
        self.formats.setMenu(menu)
        self.set_mesh_formats(DEFAULT_MESH_FORMATS)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m")
        self.progress.setMaximumHeight(16)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_all, 1)
        buttons.addWidget(self.cancel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.title)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.everyone)
        lay.addWidget(self.replace)
        lay.addWidget(self.formats)
        lay.addWidget(self.progress)
        lay.addWidget(self.summary)
        self.setMinimumWidth(160)  # beside the panes and the inspector in a 1280 px window

        # the image shown follows the current row (the arrows moved the highlight and left the image): after a
        # pause, so that holding Down reads the image it stops on, not each one passed (a read is in the GUI thread)
        self._shown = -1  # the row of the image on screen (select_row)
        self._quiet = False  # select_row moving the row: the image is already shown
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._open_current)
        self.list.selectionModel().currentChanged.connect(self._on_current)
        self.list.installEventFilter(self)
        # a button held on the list (its own presses, not QApplication.mouseButtons(): that global state can be
        # left "down" by a press whose release went elsewhere, and the image would then never follow the keys)
        self._pressed = False
        self.list.viewport().installEventFilter(self)
        self.list.clicked.connect(self._on_click)
        self.run_all.clicked.connect(lambda _=False: self.runAllRequested.emit())
        self.cancel.clicked.connect(lambda _=False: self.cancelRequested.emit())
        m = folder_session.model
        m.modelReset.connect(self._on_reset)
        m.dataChanged.connect(lambda *_: self._update_title())
        folder_session.runningChanged.connect(self._on_running)
        folder_session.progress.connect(self._on_progress)
        folder_session.pausedChanged.connect(self._on_paused)
        folder_session.finished.connect(self.summary.setText)
        self._paused = False
        self._on_reset()
        self._on_running(False)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(250, 600)

    def mesh_formats(self) -> tuple[str, ...]:
        """The mesh formats ticked under "Meshes", in MESH_FORMATS' order (never empty)."""
        return tuple(f for f, a in self._format_actions.items() if a.isChecked())

    def set_mesh_formats(self, formats) -> None:
        """Tick these formats (names outside MESH_FORMATS are dropped; none left: predict's default) without
        meshFormatsChanged: the window restores the saved choice with it."""
        wanted = [f for f in formats if f in self._format_actions] or list(DEFAULT_MESH_FORMATS)
        for f, a in self._format_actions.items():
            a.blockSignals(True)
            a.setChecked(f in wanted)
            a.blockSignals(False)
        self._sync_formats_text()

    def _on_format_toggled(self, fmt: str, on: bool) -> None:
        if not on and not self.mesh_formats():  # the last one stays: a result needs its mesh
            a = self._format_actions[fmt]
            a.blockSignals(True)
            a.setChecked(True)
            a.blockSignals(False)
            return
        self._sync_formats_text()
        self.meshFormatsChanged.emit(self.mesh_formats())

    def _sync_formats_text(self) -> None:
        formats = self.mesh_formats()
        self.formats.setText("Meshes: " + " ".join(_suffix(f) for f in formats) if len(formats) <= 2
                             else f"Meshes: {len(formats)} formats")
        self.formats.setToolTip("The mesh files Run all writes for each person: "
                                + ", ".join(f"{FORMAT_LABELS.get(f, f)} ({_suffix(f)})" for f in formats)
                                + ". The same files as `main.py predict --mesh-formats " + ",".join(formats) + "`")

    def select_row(self, row: int) -> None:
        """Mark the image on screen (no signal: the controller opened it already); -1: none of the folder's
        images is on screen (a file from elsewhere was opened), so none stays marked."""
        idx = self.folder.model.index(row)
        self._follow.stop()  # (a row the keys left a moment ago is not opened over the one the app opened)
        self._shown = row if idx.isValid() else -1
        self._quiet = True
        try:
            if not idx.isValid():
                self.list.selectionModel().clear()
            elif self.list.currentIndex() != idx or not self.list.selectionModel().isSelected(idx):
                self.list.setCurrentIndex(idx)
        finally:
            self._quiet = False

    def _on_current(self, current, _previous) -> None:
        if not self._quiet and current.isValid():
            self._follow.start()  # (restarted by each further move)

    def _open_current(self, keyed: bool = False) -> None:
        """The current row's image, unless it is the one shown (opened again, it would be fitted anew). keyed:
        Enter or Space, which also open the row Tab made current without selecting it (entering the list alone
        opens nothing)."""
        if not keyed and self._pressed:
            self._follow.start()  # a press or drag: its click opens it, or this once the button is up
            return
        current = self.list.currentIndex()
        if current.isValid() and current.row() != self._shown and (
                keyed or self.list.selectionModel().isSelected(current)):
            self.imageRequested.emit(current.row())

    def _on_click(self, index) -> None:
        self._follow.stop()
        self.imageRequested.emit(index.row())

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        """Enter or Space on the list: the current row's image at once."""
        if obj is self.list.viewport():
            if event.type() == QEvent.Type.MouseButtonPress:
                self._pressed = True
            elif event.type() in (QEvent.Type.MouseButtonRelease, QEvent.Type.Leave):
                self._pressed = False
            return super().eventFilter(obj, event)
        if obj is self.list and event.type() == QEvent.Type.KeyPress and event.key() in OPEN_KEYS \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self._follow.stop()
            self._open_current(keyed=True)
            return True
        return super().eventFilter(obj, event)

    def _on_reset(self) -> None:
        self._follow.stop()
        self._shown = -1
        paths = self.folder.paths
        self.setVisible(bool(paths) and self.wanted)
        self.progress.setRange(0, max(1, len(paths)))
        self.progress.setValue(0)
        self.summary.setText("")
        self._update_title()

    def _update_title(self) -> None:
        paths = self.folder.paths
        if not paths:
            self.title.setText("")
            return
        statuses = self.folder.model.statuses
        done = sum(1 for s in statuses if s.state == DONE)
        bad = sum(1 for s in statuses if s.state in (ERROR, NO_PERSON))
        where = paths[0].parent.name or str(paths[0].parent)
        self.title.setText(f"<b>{where}</b> — {len(paths)} images<br>{done} done"
                           + (f", {bad} without a fit" if bad else ""))

    def _on_running(self, running: bool) -> None:
        self.run_all.setEnabled(not running)
        self.everyone.setEnabled(not running)  # (a running batch keeps the choices it started with)
        self.replace.setEnabled(not running)
        self.formats.setEnabled(not running)
        self.cancel.setEnabled(running)
        if running:
            self.summary.setText("running…")

    def _on_paused(self, paused: bool) -> None:
        # the batch waits while the image on screen is fitted (app.worker.InFlight): said where its count is, and
        # in full in the summary line, which wraps (the bar is one short line: a narrow list cut the words)
        self._paused = paused
        self._sync_progress_text()
        if self.folder.running:
            self.summary.setText(f"running… {PAUSED}" if paused else "running…")

    def _sync_progress_text(self) -> None:
        """The bar's text: 'N / M', and while paused 'N / M · paused for the image shown' where it fits the bar,
        else 'N / M · paused' (in a 1280 px window the list is about 180 px wide: the long text was broken over two
        lines in the 16 px bar, unreadable)."""
        if not self._paused:
            self.progress.setFormat("%v / %m")
            return
        count = f"{self.progress.value()} / {self.progress.maximum()}"
        room = self.progress.contentsRect().width() - 8
        fits = self.progress.fontMetrics().horizontalAdvance(f"{count} · {PAUSED}") <= room
        self.progress.setFormat(f"%v / %m · {PAUSED}" if fits else "%v / %m · paused")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self._sync_progress_text()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._sync_progress_text()


def _suffix(fmt: str) -> str:
    """The file ending of mesh format `fmt` ('.obj', '_skinned.glb')."""
    return MESH_SUFFIX.get(fmt, "." + fmt)
