"""Folders as a workflow: the images of an opened folder with thumbnails and per-image status, and
"Run all", which writes every result of every image to a chosen folder.

Three threads: the GUI thread holds the `FolderSession` (a list model of the images, their statuses and
thumbnails); a `ThumbnailWorker` (app/thumbnails.py) decodes small copies of the images; a `BatchWorker`
(app/batch_run.py: what it writes and logs, and how it gives way to the interactive predictions) runs Run all.

The statuses (app/image_status.py) also follow the interactive predictions: the controller records each result
of an image of the list (`record`), so clicking through a folder fills in the list as "Run all" does.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage

from inference.paths import resolved
from inference.predict_outputs import DEFAULT_MESH_FORMATS, MESH_FORMATS

from .batch_run import BatchRequest, BatchSummary, BatchWorker, FitOnHand
from .image_status import NOT_RUN, PAUSED, RUNNING, ImageStatus, status_of
from .settings import ModelConfig
from .thumbnails import ThumbnailWorker
from .worker import BackgroundRun, Generation, InFlight, PredictorFactory, WorkerThread, default_predictor_factory

if TYPE_CHECKING:
    from inference.fit_quality import FitQuality
    from inference.types import Prediction

STATUS_ROLE = Qt.ItemDataRole.UserRole + 1  # ImageStatus of a row
PATH_ROLE = Qt.ItemDataRole.UserRole + 2  # Path of a row


class FolderModel(QAbstractListModel):
    """One row per image: DisplayRole the file name, DecorationRole its thumbnail (QImage), STATUS_ROLE its
    ImageStatus, PATH_ROLE its Path, ToolTipRole the path and status message."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.paths: list[Path] = []
        self.statuses: list[ImageStatus] = []
        self.thumbs: list[QImage | None] = []

    def set_paths(self, paths) -> None:
        self.beginResetModel()
        self.paths = [Path(p) for p in paths]
        self.statuses = [ImageStatus() for _ in self.paths]
        self.thumbs = [None] * len(self.paths)
        self.endResetModel()

    def set_status(self, row: int, status: ImageStatus) -> None:
        if 0 <= row < len(self.statuses):
            self.statuses[row] = status
            self.dataChanged.emit(self.index(row), self.index(row))

    def set_thumbnail(self, row: int, image: QImage | None) -> None:
        if 0 <= row < len(self.thumbs):
            self.thumbs[row] = image
            self.dataChanged.emit(self.index(row), self.index(row), [Qt.ItemDataRole.DecorationRole])

    def row_of(self, path) -> int:
        key = _key(path)
        return next((i for i, p in enumerate(self.paths) if _key(p) == key), -1)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.paths)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.paths):
            return None
        r = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.paths[r].name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbs[r]
        if role == STATUS_ROLE:
            return self.statuses[r]
        if role == PATH_ROLE:
            return self.paths[r]
        if role == Qt.ItemDataRole.ToolTipRole:
            s = self.statuses[r]
            return f"{self.paths[r]}\n{s.label}" + (f": {s.message}" if s.message else "")
        return None


def _key(path) -> str:
    return resolved(path)


class FolderSession(QObject):
    """The folder list's state (GUI thread): the model, the thumbnail and batch workers, the running batch.
    `in_flight`: the controller's interactive requests (app.worker.InFlight), which the batch gives way to.

    Signals: runningChanged(bool); progress(done, total) of the batch; pausedChanged(bool) as the running batch
    starts and stops waiting for an interactive prediction; finished(summary text) after a batch ends or is
    cancelled; error(message) when a batch cannot start."""

    runningChanged = Signal(bool)
    progress = Signal(int, int)
    pausedChanged = Signal(bool)
    finished = Signal(str)
    error = Signal(str)
    errorResolved = Signal(str)  # a Run all error answered by a Run all that finished (the banner takes it down)

    _thumbs = Signal(int, object, float)
    _run = Signal(int, object)
    _configure = Signal(object)

    def __init__(self, factory: PredictorFactory | None, config: ModelConfig, parent: QObject | None = None,
                 in_flight: InFlight | None = None):
        super().__init__(parent)
        self.model = FolderModel(self)
        # Run all's state; its error is a failed Run all, which the next Run all that finishes takes down
        self._runs = BackgroundRun(self.runningChanged, self.pausedChanged, self.error, self.errorResolved,
                                   self._show_paused)
        self.out: Path | None = None
        self.summary: BatchSummary | None = None
        self._thumb_gen = Generation()
        self._thumb_job = 0
        self._replaced_job = 0  # a batch stopped because other images were opened: its summary still said
        self._replaced_out: Path | None = None  # ... naming that batch's folder
        self.thumbs = ThumbnailWorker(self._thumb_gen)
        self.batch = BatchWorker(factory or default_predictor_factory, config, self._runs.generation, in_flight)
        self._threads = [WorkerThread(self.thumbs, "nbf-thumbnails"), WorkerThread(self.batch, "nbf-batch")]
        self._thumbs.connect(self.thumbs.make)
        self._run.connect(self.batch.run)
        self._configure.connect(self.batch.configure)
        self.thumbs.thumbnail.connect(self._on_thumbnail)
        self.thumbs.unreadable.connect(self._on_unreadable)
        self.batch.itemStarted.connect(self._on_item_started)
        self.batch.itemDone.connect(self._on_item_done)
        self.batch.progress.connect(self._on_progress)
        self.batch.paused.connect(self._on_paused)
        self.batch.finished.connect(self._on_finished)
        self.batch.failed.connect(self._on_failed)

    @property
    def running(self) -> bool:
        return self._runs.running

    @property
    def paused(self) -> bool:
        return self._runs.paused

    @property
    def paths(self) -> list[Path]:
        return self.model.paths

    def configure(self, config: ModelConfig) -> None:
        self._configure.emit(config)

    def set_images(self, paths) -> None:
        """Show these images (statuses 'not run'); their thumbnails come from the thumbnail thread. A running
        batch over the old list is cancelled (what it wrote stays)."""
        paths = [Path(p) for p in paths]
        if [_key(p) for p in paths] == [_key(p) for p in self.model.paths]:
            return
        self._replaced_job = self._runs.job if self.running else 0
        self._replaced_out = self.out  # (a Run all started before its summary arrives sets self.out anew)
        self.cancel()
        self._runs.forget()  # the old batch's last answers are not rows of the new list
        self.model.set_paths(paths)
        self._thumb_job = self._thumb_gen.next()
        app = QGuiApplication.instance()  # the highest ratio of the screens: sharp on any of them
        dpr = float(app.devicePixelRatio()) if isinstance(app, QGuiApplication) else 1.0
        self._thumbs.emit(self._thumb_job, tuple(paths), dpr)

    def record(self, source: str, prediction: Prediction | None = None, quality: FitQuality | None = None,
               error: str = "", no_person: bool = False) -> None:
        """An interactive result (or failure) of the image `source`, when it is in the list; no_person: the
        failure was inference.errors.NoPersonFound (the list shows it apart from errors)."""
        row = self.model.row_of(source) if source else -1
        if row >= 0:
            self.model.set_status(row, status_of(prediction, quality, error, no_person))

    def run_all(self, out: str | Path, overwrite: bool = False, all_people: bool = False,
                on_hand: tuple[FitOnHand, ...] = (), mesh_formats: tuple[str, ...] = DEFAULT_MESH_FORMATS) -> int:
        """Start the batch over every image of the list, writing to `out` the meshes `mesh_formats` (of
        inference.predict_outputs.MESH_FORMATS) beside the part maps and parameters (with `all_people`, every person
        of each image; the fits made on screen `on_hand` as they are: `Controller.fits_on_hand`); returns its job id
        (0: no images, or no known mesh format). A newer run supersedes one still running."""
        if not self.model.paths:
            self.error.emit("no folder of images open")
            return 0
        unknown = [f for f in mesh_formats if f not in MESH_FORMATS]
        if unknown or not mesh_formats:
            self.error.emit(f"Run all: mesh formats {', '.join(unknown) or '(none)'}: choose from "
                            f"{', '.join(MESH_FORMATS)}")
            return 0
        self.out = Path(out)
        job = self._runs.start()
        self.summary = None
        self.progress.emit(0, len(self.model.paths))
        self._run.emit(job, BatchRequest(tuple(self.model.paths), self.out, tuple(mesh_formats),
                                                     overwrite=overwrite, all_people=all_people,
                                                     on_hand=tuple(on_hand)))
        return job

    def cancel(self) -> None:
        """Stop the batch after the image being written (what is written stays)."""
        if self._runs.stop():
            for row, s in enumerate(self.model.statuses):
                if s.state == RUNNING:
                    self.model.set_status(row, ImageStatus())

    def shutdown(self) -> None:
        self._thumb_gen.next()
        self._runs.shutdown()
        for t in self._threads:
            t.stop(60000)
        self._threads = []

    def _show_paused(self, on: bool) -> None:
        """The image the batch gave way in says so (it is fitted again from its start once the wait is over)."""
        for row, st in enumerate(self.model.statuses):
            if st.state == RUNNING:
                self.model.set_status(row, ImageStatus(RUNNING, PAUSED if on else ""))

    @Slot(int, int, object)
    def _on_thumbnail(self, job: int, row: int, image) -> None:
        if job == self._thumb_job:
            self.model.set_thumbnail(row, image)

    @Slot(int, int, str)
    def _on_unreadable(self, job: int, row: int, message: str) -> None:
        if job == self._thumb_job and 0 <= row < len(self.model.statuses) and self.model.statuses[row].state == NOT_RUN:
            self.model.set_status(row, status_of(error=message))

    @Slot(int, int)
    def _on_item_started(self, job: int, row: int) -> None:
        if self._runs.current(job):
            self.model.set_status(row, ImageStatus(RUNNING))

    @Slot(int, int, object)
    def _on_item_done(self, job: int, row: int, status: ImageStatus) -> None:
        if self._runs.accept(job):  # also after a cancel: the image was written
            self.model.set_status(row, status)

    @Slot(int, int, int)
    def _on_progress(self, job: int, done: int, total: int) -> None:
        if self._runs.current(job):
            self.progress.emit(done, total)

    @Slot(int, bool)
    def _on_paused(self, job: int, on: bool) -> None:
        self._runs.paused_by(job, on)

    @Slot(int, object)
    def _on_finished(self, job: int, summary: BatchSummary) -> None:
        if self._runs.finished(job):
            self.summary = summary
            self.finished.emit(summary.text(self.out))
        elif job and job == self._replaced_job:  # (not a row of the list shown now: only its summary)
            self._replaced_job = 0
            self.finished.emit(f"{summary.text(self._replaced_out)} (stopped: other images were opened)")

    @Slot(int, str)
    def _on_failed(self, job: int, message: str) -> None:
        self._runs.failed(job, f"Run all: {message}")
