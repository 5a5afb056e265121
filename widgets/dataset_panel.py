"""Dataset inspection: sortable table of per-case errors, a histogram whose bars filter the table, the run's
part confusion matrix, and the details of one case (ground-truth vs predicted segmentation with per-part
IoU; ground-truth vs predicted mesh, rotating together, the prediction coloured by its per-vertex error, the
refined fit or the network's own)."""
from __future__ import annotations

import math
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.dataset_model import COLUMNS, METRICS, DatasetSortProxy
from inference.parts import colorize_rgba

from .compare_meshes import GT_MESH_HINT, PRED_MESH_HINT, MeshPair
from .confusion import ConfusionMatrix
from .flow_layout import FlowLayout
from .histogram import Histogram
from .image_canvas import ImageCanvas
from .legend import PartLegend
from .render_host import RenderHost

SPLIT_TIP = "which split list to run (all = every NNNNN_image.png)"
PAUSED = "paused"  # said after the count while the run waits for the photo's fit (DatasetSession.pausedChanged)
PAUSED_TIP = ("paused while the image on the Photo tab is fitted: the run goes on by itself once that fit is done "
              "(the case it was scoring is scored again from its start)")
DETAIL_HINT = "Click a row to compare ground truth and prediction."
CELL_PAD_PX = 8  # either side of a cell's text (the style's margin and a little air)
RESORT_MS = 300  # new scores re-sort the table, histogram and heading at most this often
# ... and at most this share of the time: a 5000-case table takes about 0.2 s a sort and histogram, so its updates
# come every 2 s, and the window answers clicks and scrolling in between
RESORT_SHARE = 0.1


def _number(v: float, unit: str) -> str:
    return f"{v:.1f}{unit}" if math.isfinite(v) else "–"


def _least(w: QWidget) -> QSize:
    """The smallest size a layout gives `w` (its minimum size where set, else its minimum size hint)."""
    return w.minimumSize().expandedTo(w.minimumSizeHint())


class ChartsSplitter(QSplitter):
    """The histogram and the confusion matrix side by side, or one over the other while the table's column is too
    narrow for both side by side. Its minimum width is the stacked one: side by side they held the Dataset tab, and
    so the window, hundreds of pixels wider than a small screen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)

    def _handles(self) -> int:
        return self.handleWidth() * max(0, self.count() - 1)

    def side_by_side_width(self) -> int:
        return sum(_least(self.widget(i)).width() for i in range(self.count())) + self._handles()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        sizes = [_least(self.widget(i)) for i in range(self.count())]
        if not sizes:
            return super().minimumSizeHint()
        return QSize(max(s.width() for s in sizes), sum(s.height() for s in sizes) + self._handles())

    def resizeEvent(self, event) -> None:  # noqa: N802
        wide = event.size().width() >= self.side_by_side_width()
        want = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.orientation() != want:
            self.setOrientation(want)
        super().resizeEvent(event)


class FlowLabel(QLabel):
    """A word-wrapped label that shares a FlowLayout row with other items only when the row leaves it FLOW_WIDTH px
    (a QLabel's own size hint, some 230 px, put the folder and score line beside the controls in five lines)."""

    FLOW_WIDTH = 480

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.FLOW_WIDTH, self.heightForWidth(self.FLOW_WIDTH))


class _Details(QWidget):
    """The details' content in their scroll area: as tall as the view, or as its minimum at this width where the view
    is lower. A QWidget's height for a width is its layout's preferred one, which made the pictures fill the tall
    content and the meshes scroll out of sight; the part legend is the one item whose height depends on the width."""

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.layout().totalMinimumHeightForWidth(width)


class DatasetPanel(QWidget):
    def __init__(self, dataset_session, controller, host: RenderHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.ds = dataset_session
        self.controller = controller
        self.host = host
        self.current_row: int | None = None
        self._details_body = None  # the body model the shown details were made with

        self.folder_label = FlowLabel("No dataset open. File › Open dataset… or drop a folder in UP-3D layout "
                                      "(NNNNN_image.png, NNNNN_body.pkl, NNNNN_parts.png, test.txt).")
        self.run_button = QPushButton("Run")
        self.stop_button = QPushButton("Stop")
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setToolTip("write the table (every case, every metric, per-part IoU) as a CSV file")
        self.csv_button.setEnabled(False)
        self.csv_button.clicked.connect(self.export_csv_dialog)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        # wide enough for a large set's count while paused (the top row gives every control its size hint's width)
        self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance(f"00000 / 00000 · {PAUSED}") + 16)
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        self.progress.setTextVisible(False)  # no dataset yet: no count to show (shown once one opens)
        self.progress.setValue(0)
        self.split = QComboBox()
        for name in ("test", "val", "train", "all"):
            self.split.addItem(name)
        self.split.setToolTip(SPLIT_TIP)
        self.metric_box = QComboBox()
        for name in METRICS:
            self.metric_box.addItem(name)
        # the folder and score line and the controls flow onto further rows in a narrow window: on one row they need
        # 930 px, and as the tab widget's largest page minimum that held the whole window at least 942 px wide. The
        # controls stay together (the line's row or one of their own, at its right end), each picker with its name.
        controls = QWidget()
        flow = FlowLayout(controls)
        for w in (self._named("split", self.split), self._named("histogram of", self.metric_box), self.progress,
                  self.run_button, self.stop_button, self.csv_button):
            flow.addWidget(w)
        top = FlowLayout()
        top.addWidget(self.folder_label, 1)
        top.addStretch(1)
        top.addWidget(controls)

        self.proxy = DatasetSortProxy(self)
        self.proxy.setSourceModel(self.ds.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # Tab leaves the table (on its 8 columns it only moved between cells: the details were out of reach), and
        # Enter or a double-click opens the case on the Photo tab as "Open in main view" does (not `activated`:
        # where a style activates on one click, a click to see a case's details would leave the tab)
        self.table.setTabKeyNavigation(False)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(self._open_row)
        self.table.verticalHeader().setDefaultSectionSize(22)
        # widths from the font and the texts each column can hold, set once a dataset opens (`fit_columns`): Qt's
        # ResizeToContents would measure 50 rows of every column through the model at each layout pass, 0.1-0.3 s of
        # the GUI thread at the tab's first show; a user can widen a column
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # the status column takes what is left, not its header's width (at 1280 px the table scrolled sideways)
        self.table.horizontalHeader().setSectionResizeMode(self.ds.model.columnCount() - 1,
                                                           QHeaderView.ResizeMode.Stretch)
        self.histogram = Histogram()
        self.confusion = ConfusionMatrix()
        self.filter_label = QLabel()
        self.filter_label.setStyleSheet("color: #a85a00;")
        self.filter_label.hide()
        table_box = QWidget()
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(2)
        tl.addWidget(self.filter_label)
        tl.addWidget(self.table, 1)
        self.charts = charts = ChartsSplitter()
        charts.addWidget(self.histogram)
        charts.addWidget(self.confusion)
        charts.setSizes([300, 320])

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(table_box)
        left.addWidget(charts)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)

        # details
        self.gt_seg = ImageCanvas("ground-truth parts", name="ground-truth part map")
        self.pred_seg = ImageCanvas("predicted parts", name="predicted part map")
        for c in (self.gt_seg, self.pred_seg):
            c.set_mode("overlay")
            c.set_opacity(0.75)
        self.meshes = MeshPair(host)
        self.detail_title = QLabel(DETAIL_HINT)
        self.detail_title.setWordWrap(True)
        self.iou_legend = PartLegend(columns=3)
        self.open_button = QPushButton("Open in main view")
        self.open_button.setEnabled(False)
        grid_top = QHBoxLayout()
        grid_top.addWidget(self._captioned("Ground truth", self.gt_seg))
        grid_top.addWidget(self._captioned("Prediction", self.pred_seg))
        detail = _Details()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(4, 0, 4, 0)
        head = QHBoxLayout()
        head.addWidget(self.detail_title, 1)
        head.addWidget(self.open_button)
        dl.addLayout(head)
        dl.addLayout(grid_top, 3)
        dl.addWidget(QLabel("<b>Per-part IoU</b>"))
        dl.addWidget(self.iou_legend)
        dl.addWidget(self.meshes, 4)

        # the details scroll, rather than squeeze, in a window too low for them: squeezed below their minimum height
        # the error scale was drawn over the meshes and the part legend's rows over each other
        self.detail_scroll = QScrollArea()
        self.detail_scroll.setWidget(detail)
        self.detail_scroll.setWidgetResizable(True)
        self.detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.detail_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detail_scroll.setMinimumWidth(detail.minimumSizeHint().width()
                                           + self.detail_scroll.verticalScrollBar().sizeHint().width())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.detail_scroll)
        # the table keeps the width its columns need (status included: at 1280 px a shared cut left it "d...");
        # a wider window widens the pictures
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([730, 550])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)

        self._resort = QTimer(self)
        self._resort.setSingleShot(True)
        self._resort.setInterval(RESORT_MS)
        self._resort.timeout.connect(self._after_scores)
        self.ds.detailsReady.connect(self._on_details)
        self.ds.detailsFailed.connect(self._on_details_failed)
        self.run_button.clicked.connect(lambda _=False: self.ds.run())
        self.stop_button.clicked.connect(lambda _=False: self.ds.stop(report=True))
        self.open_button.clicked.connect(self._open_in_main)
        self.metric_box.currentIndexChanged.connect(lambda _: self._metric_changed())
        self.histogram.rangeChosen.connect(self._filter_to)
        self.histogram.rangeCleared.connect(self._clear_filter)
        self.split.activated.connect(lambda _: self._reopen_split())
        self.ds.opened.connect(self._on_opened)
        self.ds.progress.connect(self._on_progress)
        self.ds.runningChanged.connect(self._on_running)
        self.ds.pausedChanged.connect(self._on_paused)
        self.ds.finished.connect(self._on_finished)
        self.ds.model.dataChanged.connect(self._on_data_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self._on_running(False)
        self.run_button.setEnabled(False)

    @staticmethod
    def _named(name: str, w: QWidget) -> QWidget:
        """A picker with its name before it, as one item of a flowing row (the two never part)."""
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(name))
        lay.addWidget(w)
        return box

    @staticmethod
    def _captioned(title: str, w: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addWidget(QLabel(title))
        lay.addWidget(w, 1)
        return box

    # ---------------------------------------------------------------- run state
    def _reopen_split(self) -> None:
        if self.ds.reader is not None and not self.ds.open(self.ds.reader.folder, split=self.split.currentText()):
            self.split.setCurrentIndex(max(0, self.split.findText(self.ds.reader.split)))  # the split still listed

    def _split_note(self) -> str:
        """ " (test split)" for a listed split of the open dataset, "" for all of its cases."""
        split = self.ds.reader.split if self.ds.reader is not None else ""
        return f" ({split} split)" if split and split != "all" else ""

    def fit_columns(self) -> None:
        """Each column (the stretched status aside) as wide as its header needs (title and sort arrow), or as the
        widest text it can hold: the case ids listed, numbers of four digits before the point."""
        header = self.table.horizontalHeader()
        cell = self.table.fontMetrics()
        ids = sorted((c.case_id for c in self.ds.model.cases()), key=len)[-20:]  # (the longest few are measured)
        for col, (name, _attr, fmt, _scale) in enumerate(COLUMNS[:-1]):
            texts = ids if col == 0 else ["found", "alone"] if name == "person" else [fmt.format(-8888.88)]
            widest = max((cell.horizontalAdvance(t) for t in texts), default=0) + 2 * CELL_PAD_PX
            header.resizeSection(col, max(widest, header.sectionSizeHint(col)))  # (the header's: the title alone)

    def _on_opened(self, folder: str, n: int) -> None:
        self.fit_columns()
        split = self.ds.reader.split if self.ds.reader is not None else ""
        i = self.split.findText(split)
        if i >= 0:
            self.split.setCurrentIndex(i)
        self.folder_label.setText(f"<b>{folder}</b> — {n} case{'s' if n != 1 else ''}" + self._split_note())
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.run_button.setEnabled(True)
        self.csv_button.setEnabled(bool(self.ds.model.results()))  # (another folder's table: nothing scored yet)
        self.current_row = None
        self.table.selectionModel().clear()  # (the same folder opened again keeps its rows: a click shows one again)
        self._clear_details()
        self._clear_filter()
        self.histogram.clear_choice()
        self.update_histogram()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_paused(self, paused: bool) -> None:
        """The run waits for the photo's interactive fit (app.worker.InFlight), as the folder list's "Run all" says:
        after the count, "12 / 40 · paused" (else the bar stops for no reason the user can see)."""
        self.progress.setFormat(f"%v / %m · {PAUSED}" if paused else "%v / %m")
        self.progress.setToolTip(PAUSED_TIP if paused else "")

    def _on_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and self.ds.reader is not None)
        self.stop_button.setEnabled(running)
        # another split re-opens the folder, which drops the scores of the run under way
        self.split.setEnabled(not running)
        self.split.setToolTip("stop the run to choose another split" if running else SPLIT_TIP)

    def _on_finished(self, summary: str) -> None:
        if self._resort.isActive():  # the last scores at once, then the final heading
            self._resort.stop()
            self._after_scores()
        self._show_summary(summary)
        self.update_histogram()
        self.csv_button.setEnabled(bool(self.ds.model.results()))

    def export_csv(self, path: str | Path) -> int:
        """Write the table as CSV to `path` in the controller's export thread, replacing a file there (the save dialog
        asked): the GUI never waits on the disk, and an interrupted write leaves the old file or none, never half.
        Returns the export's job id; the status bar says when it is written, the banner when it failed."""
        return self.controller.save_in_background(path, self.ds.model.csv_text().encode("utf-8"))

    def export_csv_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        where = self.ds.reader.folder if self.ds.reader is not None else Path.home()
        name, _ = QFileDialog.getSaveFileName(self, "Export the table as CSV", str(where / "dataset_results.csv"),
                                              "CSV (*.csv)")
        name = name.strip()
        if name:
            # a name typed without the suffix gets it (the filter alone does not add it on every platform); the
            # dialog asked about replacing the name typed, so a file of the suffixed name is asked about here
            if Path(name).suffix.lower() != ".csv":
                name += ".csv"
                if Path(name).exists() and not self._replace_ok(Path(name)):
                    return
            self.export_csv(name)

    def _replace_ok(self, path: Path) -> bool:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self, "Replace the file?", f"{path.name} already exists in {path.parent}. "
                                      "Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    def _on_data_changed(self, top_left, bottom_right, roles=()) -> None:
        if self.current_row is not None and top_left.row() <= self.current_row <= bottom_right.row():
            self.show_case(self.current_row)
        if not self._resort.isActive():  # the first new score within RESORT_MS starts the timer, the rest wait
            self._resort.start()
        if self.ds.running:  # the heading counts the scores as they come (a few ms)
            self._show_summary(self.ds.model.summary() + " (running)")

    def _after_scores(self) -> None:
        """New scores, at most every RESORT_MS and RESORT_SHARE of the time (each re-sort and redraw of the charts
        holds the GUI thread): the histogram and the sort the user chose (the proxy does not re-sort by itself: a
        row moving under the pointer on every edit would be worse). Sorted by case id (column 0, or no sort), the
        order cannot change and is left as it is."""
        t0 = time.perf_counter()
        self.update_histogram()
        if self.proxy.sortColumn() > 0:
            self.proxy.sort(self.proxy.sortColumn(), self.proxy.sortOrder())
        took_ms = (time.perf_counter() - t0) * 1000
        self._resort.setInterval(max(RESORT_MS, int(took_ms / RESORT_SHARE)))

    def _show_summary(self, summary: str) -> None:
        self.folder_label.setText(self.folder_label.text().split(" — ")[0] + " — " + summary + self._split_note())

    def update_histogram(self) -> None:
        name = self.metric_box.currentText()
        unit = name[name.find("(") + 1: name.find(")")] if "(" in name else ""
        self.histogram.set_values(self.ds.model.values(name), name.split(" (")[0], unit)
        self.confusion.set_counts(self.ds.model.confusion())
        if self.proxy.range is not None:  # new scores: the filtered rows again
            self.proxy.refilter()
            self._show_filter()
            self._drop_hidden_case()

    # ---------------------------------------------------------------- histogram filter
    def _metric_changed(self) -> None:
        self.histogram.clear_choice()
        self._clear_filter()
        self.update_histogram()

    def _filter_to(self, lo: float, hi: float, closed: bool) -> None:
        """Only the cases of one histogram bar in the table (its bin's range of the histogram's metric)."""
        self.proxy.set_range(self.metric_box.currentText(), lo, hi, closed)
        self._show_filter()
        self._drop_hidden_case()

    def _drop_hidden_case(self) -> None:
        """The case shown in the details is one of the table's rows or none: a filter that hides it clears the
        details (they went on showing a case the table no longer listed, as if it were in the chosen bar)."""
        if self.current_row is None:
            return
        if not self.proxy.mapFromSource(self.ds.model.index(self.current_row, 0)).isValid():
            self.current_row = None
            self.table.selectionModel().clear()
            self._clear_details()

    def _clear_filter(self) -> None:
        self.proxy.set_range(None)
        self.filter_label.hide()

    def _show_filter(self) -> None:
        metric, lo, hi, closed = self.proxy.range
        self.filter_label.setText(f"showing {self.proxy.rowCount()} of {len(self.ds.model.results())} scored cases: "
                                  f"{metric} in [{lo:.1f}, {hi:.1f}{']' if closed else ')'} — click the bar again "
                                  "(or Esc on the histogram) to show all")
        self.filter_label.show()

    # ---------------------------------------------------------------- details
    def _clear_details(self) -> None:
        """No case selected (another dataset or split opened): nothing of the case shown before stays."""
        self.detail_title.setText(DETAIL_HINT)
        for canvas in (self.gt_seg, self.pred_seg):
            canvas.set_base(None)
            canvas.set_overlay(None)
        self.iou_legend.set_values(None)
        self.open_button.setEnabled(False)
        self.meshes.set_placeholders(GT_MESH_HINT, PRED_MESH_HINT)
        self.meshes.set_meshes(None, None, None)

    def _on_current(self, current, _previous) -> None:
        if current.isValid():
            self.show_case(self.proxy.mapToSource(current).row())

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self._open_row(self.table.currentIndex())
            return True
        return super().eventFilter(obj, event)

    def _open_row(self, index) -> None:
        """A row's case in the main view (Enter, double-click)."""
        if index.isValid():
            row = self.proxy.mapToSource(index).row()
            if row != self.current_row:
                self.show_case(row)
            self._open_in_main()

    def select_row(self, source_row: int) -> None:
        idx = self.proxy.mapFromSource(self.ds.model.index(source_row, 0))
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def show_case(self, row: int) -> None:
        """Show one row's case: its files are read and its meshes made in the details thread
        (`DatasetSession.request_details`), shown when they arrive (`_on_details`)."""
        self.current_row = row
        self._details_body = self.controller.body_model()
        self.ds.request_details(row, self._details_body)

    def _on_details(self, row: int, details) -> None:
        if row != self.current_row:
            return
        try:
            self._show_case(details, self._details_body)
        except Exception as exc:  # noqa: BLE001 - a broken case must not take the panel down
            self._on_details_failed(row, str(exc))

    def _on_details_failed(self, row: int, message: str) -> None:
        if row == self.current_row:
            self.detail_title.setText(f"<b>{self.ds.model.case(row).case_id}</b> — "
                                      f"<span style='color:#b00'>cannot show this case: {message}</span>")

    def _show_case(self, d, body) -> None:
        res = d.result
        title = f"<b>{d.case.case_id}</b>"
        if res is not None and not res.error:
            net = f" (network {_number(res.network_pa_mpjpe, ' mm')})" if math.isfinite(res.network_pa_mpjpe) else ""
            title += " — " + " · ".join(f"{name} {_number(v, unit)}" for name, v, unit in (
                ("PA-MPJPE", res.pa_mpjpe, " mm" + net), ("MPJPE", res.mpjpe, " mm"), ("PVE", res.pve, " mm"),
                ("mIoU", res.miou * 100, "%"), ("left/right swaps", res.swaps * 100, "%")))
            title += " · " + ("nobody detected: the image read alone" if res.alone else "person detected") + (
                " · refined" if res.refined else "")
        if d.message:
            title += f" — <span style='color:#b00'>{d.message}</span>"
        self.detail_title.setText(title)
        for canvas, labels in ((self.gt_seg, d.gt_labels), (self.pred_seg, d.pred_labels)):
            canvas.set_base(d.image)
            canvas.set_overlay(None if labels is None else colorize_rgba(labels))
        self.iou_legend.set_values(None if res is None or res.error else res.part_iou[1:])
        self.open_button.setEnabled(d.image is not None)
        self.meshes.set_placeholders(
            "This case has no ground-truth body (no readable NNNNN_body.pkl)." if d.gt_mesh is None and res is not None
            else GT_MESH_HINT,
            "This case failed: no predicted body." if res is not None and res.error else PRED_MESH_HINT)
        if body is not None and (d.gt_mesh is not None or d.pred_mesh is not None):
            self.host.set_body(body.faces, body.weights)
        aligned = d.pred_mesh_aligned if d.pred_mesh_aligned is not None else d.pred_mesh
        network = d.network_mesh_aligned if d.network_mesh_aligned is not None else d.network_mesh
        self.meshes.set_meshes(d.gt_mesh, aligned if body is not None else None, d.vertex_error_mm,
                               network, d.network_vertex_error_mm,
                               res.one_fit if res is not None else "")

    def _open_in_main(self) -> None:
        """The case on the Photo tab predicted as the table scored it (`Controller.open_case`): the body, parts
        and exports there are the ones whose errors the table lists."""
        if self.current_row is not None:
            self.controller.open_case(self.ds.model.case(self.current_row).image_path)
            w = self.window()
            if hasattr(w, "show_image_tab"):
                w.show_image_tab()

