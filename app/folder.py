"""Folders as a workflow: the images of an opened folder with thumbnails and per-image status, and
"Run all", which writes every result of every image to a chosen folder.

Three threads: the GUI thread holds the `FolderSession` (a list model of the images, their statuses and
thumbnails); a `ThumbnailWorker` decodes small copies of the images; a `BatchWorker` runs its own
Predictor over the images and writes each result with `inference.predict_outputs.write_outputs`, the
exporter of `main.py predict` (parts PNG in the photo's frame, overlays, mesh, params). Both workers follow
the model worker's shape (app/worker.py): a QObject in a `WorkerThread`, requests by queued signal with a
job id from a `Generation`, answers by signal; a newer request makes the older one stale, so it stops at
the next image (its cancel callback also stops the Predictor mid-image). Files written before a cancel
stay: each image's outputs are written all or nothing.

The batch logs each image's row (status, people, fit-quality numbers, seconds) as soon as its outputs are
written, to a log of its own beside the `main.py predict` ranks' logs, OUT/summary_ranks/app.csv (app-2.csv ...
while another app batch holds it), and at the end (a cancel, or a crash, too) merges every log there into
OUT/summary.csv with the CLI's `inference.batch_log.merge_summary`: this batch's images in list order
("pending" for those a cancel left out), then what earlier runs of either tool wrote there for other images.
The logs are also how each tool knows what the other wrote: an image is skipped when its outputs are all there
and the logs do not say they hold another image's fit, and the CLI's --overwrite and --all-people rules count
the app's rows as its own.

The statuses also follow the interactive predictions: the controller records each result of an image of
the list (`record`), so clicking through a folder fills in the list as "Run all" does.

The batch gives way to them: while the controller's request is in flight (app.worker.InFlight), it starts no
image, and one it is fitting stops at the Predictor's next cancel checkpoint and is fitted again from the start
once the answer is there (nothing of it was written; the list order and every row stay as they were).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage

from inference import batch_log
from inference.errors import USER_ERRORS, Cancelled, NoPersonFound, print_traceback
from inference.file_writes import write_error_reason
from inference.predict_outputs import SUMMARY

from .settings import ModelConfig
from .worker import (
    Generation,
    InFlight,
    PredictorFactory,
    PredictorWorker,
    WorkerThread,
    assess_quietly,
    default_predictor_factory,
    user_message,
)

if TYPE_CHECKING:
    from inference.fit_quality import FitQuality
    from inference.types import Prediction

NOT_RUN, RUNNING, DONE, NO_PERSON, ERROR = "not run", "running", "done", "no person", "error"
PAUSED = "paused"  # a running image's message (and label) while the batch waits for the image on screen
THUMB_SIDE = 72  # longest side of a thumbnail (px)
BATCH_MESH_FORMATS = ("obj",)
TABLE_STATUS = {DONE: "done", NO_PERSON: "no person", ERROR: "error"}  # an image's state -> its summary.csv status
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1  # ImageStatus of a row
PATH_ROLE = Qt.ItemDataRole.UserRole + 2  # Path of a row


@dataclass(frozen=True)
class ImageStatus:
    """What is known of one image of the list. verdict: the fit-quality verdict of a done image
    ('good' / 'doubtful' / 'bad' / 'unknown'; inference.fit_quality), '' before; outputs: the files the
    batch wrote for it."""

    state: str = NOT_RUN
    message: str = ""
    verdict: str = ""
    outputs: tuple[Path, ...] = ()

    @property
    def label(self) -> str:
        if self.state == DONE and self.verdict and self.verdict != "unknown":
            return f"done · {self.verdict} fit"
        if self.state == RUNNING and self.message == PAUSED:
            return PAUSED
        return self.state


@dataclass(frozen=True)
class BatchRequest:
    """Run the model on `images` and write every result under `out` (names from output_stems over the
    whole list). Images whose outputs are all there already are skipped unless `overwrite`."""

    images: tuple[Path, ...]
    out: Path
    mesh_formats: tuple[str, ...] = BATCH_MESH_FORMATS
    overwrite: bool = False


@dataclass(frozen=True)
class BatchSummary:
    """Counts of a finished (or cancelled) batch."""

    done: int = 0
    skipped: int = 0
    no_person: int = 0
    failed: int = 0
    cancelled: bool = False
    table_error: str = ""  # why summary.csv could not be written ("" when it was)
    log_error: str = ""  # why a row could not be logged (summary.csv then lacks it); "" when all were

    def text(self, out: Path) -> str:
        parts = [f"{self.done} written"]
        if self.skipped:
            parts.append(f"{self.skipped} already there")
        if self.no_person:
            parts.append(f"{self.no_person} without a person")
        if self.failed:
            parts.append(f"{self.failed} failed")
        text = ("cancelled: " if self.cancelled else "") + ", ".join(parts) + f" in {out}"
        if self.table_error:
            return text + f" ({SUMMARY} not written: {self.table_error})"
        return text + (f" ({SUMMARY} incomplete: {self.log_error})" if self.log_error else "")


def status_of(prediction: Prediction | None = None, quality: FitQuality | None = None, error: str = "",
              no_person: bool = False) -> ImageStatus:
    """The status of an image from its result (a Prediction and its FitQuality) or its failure: the message,
    and no_person when the failure was inference.errors.NoPersonFound (decided where the exception is)."""
    if error:
        return ImageStatus(NO_PERSON if no_person else ERROR, error)
    return ImageStatus(DONE, "", quality.verdict if quality is not None else "unknown")


# ----------------------------------------------------------------------------- workers
def thumbnail(path: Path, side: int = THUMB_SIDE) -> QImage | None:
    """A small RGB copy of an image file (longest side `side`), or None when it cannot be read. JPEGs
    decode at a reduced scale (PIL's draft mode), so even a large photo takes a few ms; a HEIC photo, which Pillow
    does not read, is decoded whole by the app's reader (libheif's tools, inference/heif.py: about a second for a
    phone's photo) and shrunk."""
    try:
        if not path.is_file():  # a FIFO or a device would block the thread on open()
            return None
        from PIL import Image, ImageOps

        from inference.image_io import is_heif, load_image, quiet_pillow

        with open(path, "rb") as f:
            if is_heif(f.read(64)):
                import cv2
                import numpy as np

                from .qt_images import to_qimage

                img = load_image(path)
                k = side / max(img.shape[:2])
                return to_qimage(np.ascontiguousarray(cv2.resize(
                    img, (max(1, round(img.shape[1] * k)), max(1, round(img.shape[0] * k))),
                    interpolation=cv2.INTER_AREA)) if k < 1 else img)

        quiet_pillow()
        with Image.open(path) as im:
            im.draft("RGB", (side * 2, side * 2))
            im = ImageOps.exif_transpose(im).convert("RGB")
            im.thumbnail((side, side))
            import numpy as np

            from .qt_images import to_qimage

            return to_qimage(np.asarray(im))
    except Exception:  # noqa: BLE001 - an unreadable file shows without a thumbnail (its status says why)
        return None


def unreadable_reason(path: Path) -> str:
    """The app's image reader's message for a file it cannot open, '' when it opens it (asked only of files whose
    thumbnail failed: a few, so their full decoding here costs little)."""
    from inference.image_io import ImageError, load_image

    try:
        load_image(path)
    except ImageError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - any other failure of the reader is as unreadable
        return f"{path.name} cannot be read ({type(exc).__name__}: {exc})"
    return ""


class ThumbnailWorker(QObject):
    """Makes the thumbnails of a list of images (in its own thread), one signal per image; an image the app's
    reader refuses too is reported at once (`unreadable`), so the list marks it before a run reaches it."""

    thumbnail = Signal(int, int, object)  # job, row, QImage (None: unreadable)
    unreadable = Signal(int, int, str)  # job, row, the reader's message

    def __init__(self, generation: Generation):
        super().__init__()
        self._gen = generation

    @Slot(int, object)
    def make(self, job_id: int, paths) -> None:
        for row, path in enumerate(paths):
            if self._gen.is_stale(job_id):
                return
            image = thumbnail(Path(path))
            self.thumbnail.emit(job_id, row, image)
            if image is None and (message := unreadable_reason(Path(path))):
                self.unreadable.emit(job_id, row, message)


class BatchWorker(PredictorWorker):
    """Runs its own Predictor over a BatchRequest's images and writes each result (in its own thread), giving way
    to the interactive predictions (`in_flight`, app.worker.InFlight; None: never).

    Signals: started(job, total); itemStarted(job, row); itemDone(job, row, ImageStatus) for every image
    (a failure is a status, the batch goes on); progress(job, done, total); paused(job, on) as it starts and
    stops waiting for an interactive prediction; finished(job, BatchSummary), also after a cancel; failed(job,
    message) when nothing can run (the model does not load)."""

    started = Signal(int, int)
    itemStarted = Signal(int, int)
    itemDone = Signal(int, int, object)
    progress = Signal(int, int, int)
    paused = Signal(int, bool)
    finished = Signal(int, object)
    failed = Signal(int, str)

    @Slot(int, object)
    def run(self, job_id: int, request: BatchRequest) -> None:
        from inference.predict_outputs import output_stems

        if self._gen.is_stale(job_id):
            return
        images = list(request.images)
        self.started.emit(job_id, len(images))
        try:
            pred = self.predictor()
            body = pred.body_model
            request.out.mkdir(parents=True, exist_ok=True)
        except Exception as exc:  # noqa: BLE001 - the model or the folder: nothing can run
            self.failed.emit(job_id, user_message(exc))
            return
        try:
            # this batch's own log (exclusive: another window's batch into the same folder takes app-2.csv)
            log = batch_log.BatchLog(request.out, batch_log.APP_LOG, rank="app", exclusive=True)
        except OSError as exc:  # without it the CLI would not know what this batch wrote: nothing runs
            self.failed.emit(job_id, f"cannot write the batch log in {request.out / batch_log.RANK_LOGS}: "
                                     f"{write_error_reason(exc)}")
            return
        stems = output_stems(images)  # over the whole list: two photo.jpg in different folders get two names
        counts = {DONE: 0, "skipped": 0, NO_PERSON: 0, ERROR: 0}
        try:
            self._run_images(job_id, request, images, stems, pred, body, log, counts)
        finally:
            # also after a cancel or a crash: the log holds every result so far (a row is logged when its
            # outputs are written), and the images not run are "pending" in the table
            log.close()
            table_error = self._merge(request.out, images, stems)
        self.finished.emit(job_id, BatchSummary(counts[DONE], counts["skipped"], counts[NO_PERSON], counts[ERROR],
                                                self._gen.is_stale(job_id), table_error, log.error))

    def _run_images(self, job_id: int, request: BatchRequest, images: list[Path], stems: list[str], pred, body,
                    log, counts: dict[str, int]) -> None:
        """Predict and write every image not finished before, in list order, logging one row per image to `log`
        (an inference.batch_log.BatchLog) and counting it in `counts`; stops when the job is stale."""
        from inference.predict_outputs import is_complete

        cancel = lambda: self._gen.is_stale(job_id)  # noqa: E731
        # a table an earlier release wrote without a log: its rows go into this log, so the merge keeps them
        batch_log.adopt_table(request.out, log)
        # what the logs of every tool (the CLI's ranks, other app batches) know of the folder's outputs: the
        # people of an image, whose fit an output name's files hold
        people = batch_log.people_logged(request.out, boxed_too=False)  # (a skipped row's count: the search's)
        holders = batch_log.written_logged(request.out)
        renderer = None
        try:
            for row, path in enumerate(images):
                self._pause(job_id)
                if cancel():
                    break
                stem, name = request.out / stems[row], stems[row]
                entry = {"index": row, "image": str(path), "output": name}
                if not request.overwrite and is_complete(stem, list(request.mesh_formats)):
                    status = self._kept(log, entry, path, holders.get(name), people.get(name), request.out)
                    counts["skipped" if status.state == DONE else ERROR] += 1
                else:
                    self.itemStarted.emit(job_id, row)
                    if renderer is None:  # the mesh overlay's renderer, made in this thread (its GL context)
                        renderer = self._renderer(body)
                    done = self._fit_giving_way(job_id, pred, body, renderer, path, stem, request)
                    if done is None:  # cancelled mid-image: nothing of it was written
                        break
                    status, fields = done
                    counts[status.state] += 1
                    log.write(**entry, **fields)
                self.itemDone.emit(job_id, row, status)
                self.progress.emit(job_id, row + 1, len(images))
        finally:
            if renderer is not None:
                renderer.close()

    def _pause(self, job_id: int) -> None:
        """Wait, said as paused, while an interactive prediction is in flight (`_wait_for_answer`)."""
        if self._in_flight is None or not self._in_flight.busy:
            return
        self.paused.emit(job_id, True)
        self._wait_for_answer(job_id)
        self.paused.emit(job_id, False)

    def _fit_giving_way(self, job_id: int, pred, body, renderer, path: Path, stem: Path,
                        request: BatchRequest) -> tuple[ImageStatus, dict] | None:
        """`_one`, stopped at the Predictor's checkpoints by an interactive request and tried again once it is
        answered (the same image: the list order stays); None when the job is cancelled."""
        while True:
            try_once = self._give_way(job_id)
            done = self._one(pred, body, renderer, path, stem, request, try_once)
            if done is not None or self._gen.is_stale(job_id) or not try_once.gave_way:
                return done
            self._pause(job_id)  # nothing of the image was written: fitted again from the start

    @staticmethod
    def _kept(log, entry: dict, path: Path, held: tuple[str, str] | None, people: int | None,
              out: Path) -> ImageStatus:
        """An image whose outputs are all there, logged: kept (skipped) when they hold its fit (`held`: whose fit
        the logs say they hold, inference.batch_log.written_logged; None, not on record: files from before the
        logs count as its own), else an error: another image's or person's fit is never replaced unasked."""
        if held is None or batch_log.holds(held, path, 1):
            # the merge keeps the row of the run that wrote the files, with its numbers
            log.write(**entry, status="skipped", message="outputs exist", people=people)
            return ImageStatus(DONE, f"outputs already in {out} (kept)")
        message = f"outputs exist under {entry['output']}, holding {batch_log.holder_text(held)}; choose another folder"
        log.write(**entry, status="error", message=message)
        return ImageStatus(ERROR, message)

    @staticmethod
    def _merge(out: Path, images: list[Path], stems: list[str]) -> str:
        """Rewrite OUT/summary.csv from every log there (inference.batch_log.merge_summary); '' when written, else
        why not (the table is a record: the outputs are written)."""
        try:
            batch_log.merge_summary(out, images, stems)
        except OSError as exc:
            return write_error_reason(exc)
        return ""

    @staticmethod
    def _renderer(body):
        from inference.render.renderer import MeshRenderer

        return MeshRenderer(body.faces, body.weights)

    @staticmethod
    def _one(pred, body, renderer, path: Path, stem: Path, request: BatchRequest,
             cancel) -> tuple[ImageStatus, dict] | None:
        """Predict and write one image: its status and its summary-table fields (status, message, person,
        people, seconds, fit quality); None when cancelled before anything was written."""
        from inference.image_io import damage_notes
        from inference.predict_outputs import quality_fields, write_outputs

        t0 = time.perf_counter()

        def failed(status: ImageStatus, people=None) -> tuple[ImageStatus, dict]:
            return status, {"status": TABLE_STATUS[status.state], "message": status.message, "people": people,
                            "seconds": time.perf_counter() - t0}

        try:
            with damage_notes() as damage:
                prediction = pred.predict(path, cancel=cancel)
        except Cancelled:
            return None
        except Exception as exc:  # noqa: BLE001 - one image's failure is its status; the batch goes on
            if cancel():
                return None
            if not isinstance(exc, USER_ERRORS):  # a bug: its traceback, beside the image's message
                print_traceback()
            return failed(status_of(error=user_message(exc), no_person=isinstance(exc, NoPersonFound)))
        quality = assess_quietly(prediction)
        people = len(prediction.people)
        try:
            written = write_outputs(prediction, stem, list(request.mesh_formats), renderer, body.name,
                                    request.overwrite, body)
        except FileExistsError as exc:
            return failed(ImageStatus(ERROR, f"{Path(exc.filename or stem).name} exists (not replaced)"), people)
        except Exception as exc:  # noqa: BLE001 - a disk error is this image's status
            if not isinstance(exc, OSError):
                print_traceback()
            return failed(ImageStatus(ERROR, f"cannot write the outputs: {user_message(exc)}"), people)
        status = status_of(prediction, quality)
        seconds = time.perf_counter() - t0
        note = "; ".join([*damage, f"{len(written)} files, {seconds:.1f} s"])
        # people counted from 1, as `predict` writes them; no number for a whole image fitted without a person
        fields = {"status": "done", "message": "; ".join(damage), "person": 1 if people else None, "people": people,
                  "seconds": seconds,
                  **quality_fields(prediction, quality)}
        return ImageStatus(status.state, note, status.verdict, tuple(written)), fields


# ----------------------------------------------------------------------------- GUI-thread state
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
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(path)


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

    _thumbs = Signal(int, object)
    _run = Signal(int, object)
    _configure = Signal(object)

    def __init__(self, factory: PredictorFactory | None, config: ModelConfig, parent: QObject | None = None,
                 in_flight: InFlight | None = None):
        super().__init__(parent)
        self.model = FolderModel(self)
        self.running = False
        self.paused = False
        self.out: Path | None = None
        self.summary: BatchSummary | None = None
        self._thumb_gen, self._batch_gen = Generation(), Generation()
        self._thumb_job = self._batch_job = 0
        self._replaced_job = 0  # a batch stopped because other images were opened: its summary still said
        self.thumbs = ThumbnailWorker(self._thumb_gen)
        self.batch = BatchWorker(factory or default_predictor_factory, config, self._batch_gen, in_flight)
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
        self._replaced_job = self._batch_job if self.running else 0
        self.cancel()
        self._batch_job = 0  # the old batch's last answers are not rows of the new list
        self.model.set_paths(paths)
        self._thumb_job = self._thumb_gen.next()
        self._thumbs.emit(self._thumb_job, tuple(paths))

    def record(self, source: str, prediction: Prediction | None = None, quality: FitQuality | None = None,
               error: str = "", no_person: bool = False) -> None:
        """An interactive result (or failure) of the image `source`, when it is in the list; no_person: the
        failure was inference.errors.NoPersonFound (the list shows it apart from errors)."""
        row = self.model.row_of(source) if source else -1
        if row >= 0:
            self.model.set_status(row, status_of(prediction, quality, error, no_person))

    def run_all(self, out: str | Path, overwrite: bool = False) -> int:
        """Start the batch over every image of the list, writing to `out`; returns its job id (0: no images).
        A newer run supersedes one still running."""
        if not self.model.paths:
            self.error.emit("no folder of images open")
            return 0
        self.out = Path(out)
        self._batch_job = self._batch_gen.next()
        self.summary = None
        self._set_paused(False)  # (a batch this one supersedes may have been waiting: its answers are dropped)
        self._set_running(True)
        self.progress.emit(0, len(self.model.paths))
        self._run.emit(self._batch_job, BatchRequest(tuple(self.model.paths), self.out, overwrite=overwrite))
        return self._batch_job

    def cancel(self) -> None:
        """Stop the batch after the image being written (what is written stays)."""
        if self.running:
            self._batch_gen.next()
            self._set_running(False)
            for row, s in enumerate(self.model.statuses):
                if s.state == RUNNING:
                    self.model.set_status(row, ImageStatus())

    def shutdown(self) -> None:
        self._thumb_gen.next()
        self._batch_gen.next()
        for t in self._threads:
            t.stop(60000)
        self._threads = []

    def _set_running(self, on: bool) -> None:
        if on != self.running:
            self.running = on
            self.runningChanged.emit(on)
        if not on:  # (after: a list told "not paused" while still running said "running…" after a Cancel)
            self._set_paused(False)

    def _set_paused(self, on: bool) -> None:
        if on != self.paused:
            self.paused = on
            # the image the batch gave way in says so (it is fitted again from its start once the wait is over)
            for row, st in enumerate(self.model.statuses):
                if st.state == RUNNING:
                    self.model.set_status(row, ImageStatus(RUNNING, PAUSED if on else ""))
            self.pausedChanged.emit(on)

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
        if job == self._batch_gen.current:
            self.model.set_status(row, ImageStatus(RUNNING))

    @Slot(int, int, object)
    def _on_item_done(self, job: int, row: int, status: ImageStatus) -> None:
        if job == self._batch_job:  # also after a cancel: the image was written
            self.model.set_status(row, status)

    @Slot(int, int, int)
    def _on_progress(self, job: int, done: int, total: int) -> None:
        if job == self._batch_gen.current:
            self.progress.emit(done, total)

    @Slot(int, bool)
    def _on_paused(self, job: int, on: bool) -> None:
        if job == self._batch_gen.current and self.running:
            self._set_paused(on)

    @Slot(int, object)
    def _on_finished(self, job: int, summary: BatchSummary) -> None:
        if job == self._batch_job:
            self.summary = summary
            self._set_running(False)
            self.finished.emit(summary.text(self.out))
        elif job and job == self._replaced_job:  # (not a row of the list shown now: only its summary)
            self._replaced_job = 0
            self.finished.emit(f"{summary.text(self.out)} (stopped: other images were opened)")

    @Slot(int, str)
    def _on_failed(self, job: int, message: str) -> None:
        if job == self._batch_job:
            self._set_running(False)
            self.error.emit(f"Run all: {message}")
