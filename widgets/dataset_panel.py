"""Dataset inspection: sortable table of per-case errors, histogram, and the details of one case
(ground-truth vs predicted segmentation with per-part IoU, ground-truth vs predicted mesh)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.dataset_model import METRICS, DatasetSortProxy
from inference.parts import PALETTE
from inference.render.cameras import orbit_pose
from inference.render.overlay import blend_rgba

from .histogram import Histogram
from .image_canvas import ImageCanvas, colorize_rgba
from .legend import PartLegend
from .mesh_view import YFOV
from .render_host import RenderHost


class DatasetPanel(QWidget):
    def __init__(self, dataset_session, controller, host: RenderHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.ds = dataset_session
        self.controller = controller
        self.host = host
        self.current_row: int | None = None

        self.folder_label = QLabel("No dataset open. File › Open dataset… or drop a folder in UP-3D layout "
                                   "(NNNNN_image.png, NNNNN_body.pkl, NNNNN_parts.png, test.txt).")
        self.folder_label.setWordWrap(True)
        self.run_button = QPushButton("Run")
        self.stop_button = QPushButton("Stop")
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setToolTip("write the table (every case, every metric, per-part IoU) as a CSV file")
        self.csv_button.setEnabled(False)
        self.csv_button.clicked.connect(self.export_csv_dialog)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        self.split = QComboBox()
        for name in ("test", "val", "train", "all"):
            self.split.addItem(name)
        self.split.setToolTip("which split list to run (all = every NNNNN_image.png)")
        self.metric = QComboBox()
        for name in METRICS:
            self.metric.addItem(name)
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        top.addWidget(QLabel("split"))
        top.addWidget(self.split)
        top.addWidget(QLabel("histogram of"))
        top.addWidget(self.metric)
        top.addWidget(self.progress)
        top.addWidget(self.run_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.csv_button)

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
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.histogram = Histogram()

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.table)
        left.addWidget(self.histogram)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)

        # details
        self.gt_seg = ImageCanvas("ground-truth parts")
        self.pred_seg = ImageCanvas("predicted parts")
        for c in (self.gt_seg, self.pred_seg):
            c.set_mode("overlay")
            c.set_opacity(0.75)
        self.gt_mesh = ImageCanvas("ground-truth mesh")
        self.pred_mesh = ImageCanvas("predicted mesh")
        self.detail_title = QLabel("Click a row to compare ground truth and prediction.")
        self.detail_title.setWordWrap(True)
        self.iou_legend = PartLegend(columns=3)
        self.open_button = QPushButton("Open in main view")
        self.open_button.setEnabled(False)
        grid_top = QHBoxLayout()
        grid_top.addWidget(self._captioned("Ground truth", self.gt_seg))
        grid_top.addWidget(self._captioned("Prediction", self.pred_seg))
        grid_bottom = QHBoxLayout()
        grid_bottom.addWidget(self._captioned("GT mesh", self.gt_mesh))
        grid_bottom.addWidget(self._captioned("Predicted mesh", self.pred_mesh))
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(4, 0, 4, 0)
        head = QHBoxLayout()
        head.addWidget(self.detail_title, 1)
        head.addWidget(self.open_button)
        dl.addLayout(head)
        dl.addLayout(grid_top, 3)
        dl.addWidget(QLabel("<b>Per-part IoU</b>"))
        dl.addWidget(self.iou_legend)
        dl.addLayout(grid_bottom, 3)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([620, 760])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)

        self.run_button.clicked.connect(lambda _=False: self.ds.run())
        self.stop_button.clicked.connect(lambda _=False: self.ds.stop(report=True))
        self.open_button.clicked.connect(self._open_in_main)
        self.metric.currentIndexChanged.connect(lambda _: self.update_histogram())
        self.split.activated.connect(lambda _: self._reopen_split())
        self.ds.opened.connect(self._on_opened)
        self.ds.progress.connect(self._on_progress)
        self.ds.runningChanged.connect(self._on_running)
        self.ds.finished.connect(self._on_finished)
        self.ds.model.dataChanged.connect(self._on_data_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self._on_running(False)
        self.run_button.setEnabled(False)

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
        if self.ds.reader is not None:
            self.ds.open(self.ds.reader.folder, split=self.split.currentText())

    def _on_opened(self, folder: str, n: int) -> None:
        split = getattr(self.ds.reader, "split", "")
        i = self.split.findText(split)
        if i >= 0:
            self.split.setCurrentIndex(i)
        self.folder_label.setText(f"<b>{folder}</b> — {n} case{'s' if n != 1 else ''}"
                                  + (f" ({split} split)" if split and split != "all" else ""))
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.run_button.setEnabled(True)
        self.current_row = None
        self.update_histogram()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and self.ds.reader is not None)
        self.stop_button.setEnabled(running)

    def _on_finished(self, summary: str) -> None:
        self.folder_label.setText(self.folder_label.text().split(" — ")[0] + " — " + summary)
        self.update_histogram()
        self.csv_button.setEnabled(bool(self.ds.model.results()))

    def export_csv(self, path: str | Path) -> Path:
        """Write the table as CSV to path (a few kB: written here, no worker needed)."""
        path = Path(path)
        path.write_text(self.ds.model.csv_text(), encoding="utf-8")
        return path

    def export_csv_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        name, _ = QFileDialog.getSaveFileName(self, "Export the table as CSV", "dataset_results.csv", "CSV (*.csv)")
        if not name:
            return
        try:
            self.export_csv(name)
        except OSError as exc:
            QMessageBox.warning(self, "Export CSV", f"cannot write {name}: {exc.strerror or exc}")

    def _on_data_changed(self, top_left, bottom_right, roles=()) -> None:
        if self.current_row is not None and top_left.row() <= self.current_row <= bottom_right.row():
            self.show_case(self.current_row)
        self.update_histogram()

    def update_histogram(self) -> None:
        name = self.metric.currentText()
        unit = name[name.find("(") + 1: name.find(")")] if "(" in name else ""
        self.histogram.set_values(self.ds.model.values(name), name.split(" (")[0], unit)

    # ---------------------------------------------------------------- details
    def _on_current(self, current, _previous) -> None:
        if current.isValid():
            self.show_case(self.proxy.mapToSource(current).row())

    def select_row(self, source_row: int) -> None:
        idx = self.proxy.mapFromSource(self.ds.model.index(source_row, 0))
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def show_case(self, row: int) -> None:
        self.current_row = row
        try:
            self._show_case(row)
        except Exception as exc:  # noqa: BLE001 - a broken case must not take the panel down
            self.detail_title.setText(f"<b>{self.ds.model.case(row).case_id}</b> — "
                                      f"<span style='color:#b00'>cannot show this case: {exc}</span>")

    def _show_case(self, row: int) -> None:
        body = self.controller.body_model()
        d = self.ds.details(row, body)
        res = d.result
        title = f"<b>{d.case.case_id}</b>"
        if res is not None and not res.error:
            title += (f" — PA-MPJPE {res.pa_mpjpe:.1f} mm · MPJPE {res.mpjpe:.1f} mm · PVE {res.pve:.1f} mm · "
                      f"mIoU {res.miou * 100:.1f}%")
        if d.message:
            title += f" — <span style='color:#b00'>{d.message}</span>"
        self.detail_title.setText(title)
        for canvas, labels in ((self.gt_seg, d.gt_labels), (self.pred_seg, d.pred_labels)):
            canvas.set_base(d.image)
            canvas.set_overlay(None if labels is None else colorize_rgba(labels, PALETTE))
        self.iou_legend.set_values(None if res is None or res.error else res.part_iou[1:])
        self.open_button.setEnabled(d.image is not None)
        meshes = [m for m in (d.gt_mesh, d.pred_mesh) if m is not None]
        if meshes and body is not None:
            self.host.set_body(body.faces, body.weights)
            # one camera for both, aimed at each body's centre so they can be compared side by side
            ext = max(float(np.linalg.norm(m.vertices.max(0) - m.vertices.min(0))) for m in meshes)
            dist = ext / 2 / np.sin(YFOV / 2) * 1.05
            for canvas, mesh in ((self.gt_mesh, d.gt_mesh), (self.pred_mesh, d.pred_mesh)):
                if mesh is None:
                    canvas.set_base(None)
                    continue
                centre = (mesh.vertices.max(0) + mesh.vertices.min(0)) / 2
                try:
                    rgba = self.host.render_orbit(mesh.vertices, orbit_pose(0.0, 0.0, dist, centre), 320, 400, YFOV,
                                                  self.host.part_colors())
                except Exception as exc:  # noqa: BLE001
                    canvas.set_base(None)
                    canvas.set_hint(str(exc))
                    continue
                canvas.set_base(_on_background(rgba))
        else:
            self.gt_mesh.set_base(None)
            self.pred_mesh.set_base(None)

    def _open_in_main(self) -> None:
        if self.current_row is not None:
            self.controller.open_file(self.ds.model.case(self.current_row).image_path)
            w = self.window()
            if hasattr(w, "show_image_tab"):
                w.show_image_tab()


def _on_background(rgba: np.ndarray, bg=(38, 40, 44)) -> np.ndarray:
    return blend_rgba(np.array(bg, np.float32), rgba)
