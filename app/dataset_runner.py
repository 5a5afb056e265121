"""Dataset inspection: run the model over a labelled folder (UP-3D layout) and score every case.

The folder is read by `inference.datasets` (the reader training and `main.py evaluate` use) and every
case is scored by `inference.dataset_scoring`, the scoring `main.py evaluate` uses: MPJPE / PA-MPJPE / PVE in mm,
per-part IoU of the predicted parts on the image against the ground-truth parts, and the part confusion
counts (13 x 13, rows ground truth, columns prediction) that the table sums over the run.

`DatasetSession` (GUI thread) lists the cases into a `DatasetTableModel` at once, then a
`DatasetWorker` in its own thread runs the Predictor case by case and sends a `CaseResult`
per case. Stale runs are dropped by a generation counter, as for single images. The run gives way to the
interactive prediction of the image on screen (app.worker.InFlight) as the folder's "Run all" does, and says so
as the batch does (`paused`, then `DatasetSession.pausedChanged`): the panel's progress reads "N / M · paused".
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from inference import datasets
from inference.datasets import Case
from inference.errors import USER_ERRORS, print_traceback
from inference.paths import resolved
from inference.types import BodyMesh, BodyParams, Crop, Prediction

from .failures import PendingFailure
from .settings import ModelConfig
from .worker import (
    BackgroundRun,
    Generation,
    InFlight,
    PredictorFactory,
    PredictorWorker,
    WorkerThread,
    default_predictor_factory,
    mesh_renderer,
    user_message,
)

if TYPE_CHECKING:
    from inference.body_model import BodyModel


# ----------------------------------------------------------------------------- listing
@dataclass(frozen=True)
class DatasetCase:
    """One row of the table: a case id and its image file (nothing read yet)."""

    case_id: str
    image_path: Path


class DatasetFolder:
    """The cases of one split of a labelled folder. split: "test" / "val" / "train" list, or "all";
    default the first list present (test first), else all."""

    def __init__(self, folder: str | Path, split: str | None = None):
        self.folder = Path(folder)
        self.left_out: list[tuple[str, str]] = []  # (entry, why) of the split list's entries that name no case
        if not self.folder.is_dir():
            raise FileNotFoundError(f"dataset folder not found: {self.folder}")
        self.split = split or datasets.default_split(self.folder) or "all"
        self._cases: list[DatasetCase] | None = None

    def cases(self) -> list[DatasetCase]:
        """The split's cases, less the list's entries that cannot name a case's files (`left_out`)."""
        if self._cases is None:
            ids = datasets.list_cases(self.folder, None if self.split == "all" else self.split)
            self.left_out = [(cid, why) for cid in ids if (why := datasets.case_id_problem(self.folder, cid))]
            bad = {cid for cid, _ in self.left_out}
            self._cases = [DatasetCase(cid, datasets.image_path(self.folder, cid)) for cid in ids if cid not in bad]
        return self._cases

    def left_out_note(self) -> str:
        """What `cases` left out of the split list, in words ('' when nothing): a damaged or binary list."""
        if not self.left_out:
            return ""
        cid, why = self.left_out[0]
        shown = repr(cid if len(cid) <= 30 else cid[:20] + "...")
        n = len(self.left_out)
        return (f"{self.split}.txt: {n} line{'s' if n > 1 else ''} left out that cannot name a case (the first, "
                f"{shown}, {why})")

    def read(self, case: DatasetCase, body_model: BodyModel | None = None, renderer=None) -> Case:
        """Image and ground truth of a case (inference.datasets.read_case), leniently: a label file that cannot
        be read counts as missing (`Case.problems` says which), so the case is still predicted and shown and
        scored on what is left, as a case without that file is. A real UP-3D case (a body pickle, no part map
        of ours, `needs_renderer`) has its part labels rendered from the body with `body_model` and `renderer`
        (a MeshRenderer of its topology, made and closed by the reading thread: a GL context is one thread's)."""
        return datasets.read_case(self.folder, case.case_id, body_model, renderer, lenient=True)

    def needs_renderer(self, case: DatasetCase) -> bool:
        return datasets.parts_to_render(self.folder, case.case_id)

    def stamp(self, case: DatasetCase) -> tuple:
        """The case's files as they are now (inference.datasets.case_stamp): a scored case whose files changed
        since is scored again when the folder is opened again."""
        return datasets.case_stamp(self.folder, case.case_id)


# ----------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class CaseResult:
    """Scores of one case (millimetres; IoU in 0..1; NaN where there is no ground truth). confusion: (13, 13)
    int64 pixel counts of the predicted parts on the image against the ground truth (rows ground truth,
    columns prediction; label 0 background), None without ground-truth parts."""

    row: int
    case: DatasetCase
    mpjpe: float = math.nan
    pa_mpjpe: float = math.nan
    pve: float = math.nan
    network_pa_mpjpe: float = math.nan  # the fitting network's own body's, when the one scored is refined
    miou: float = math.nan
    swaps: float = math.nan  # left/right swaps of the case's part map (inference.metrics.left_right_swaps)
    part_iou: np.ndarray = field(default_factory=lambda: np.full(13, np.nan))
    seconds: float = 0.0
    error: str = ""
    note: str = ""  # ground truth that could not be read (scored without it: `DatasetFolder.read`)
    stamp: tuple = ()  # the case's files when it was read (`DatasetFolder.stamp`)
    params: BodyParams | None = None  # predicted
    crop: Crop | None = None  # of the prediction
    # the predicted part labels on the image (H, W), the map the scores are of (`uncrop_parts` along the photo's
    # edges), kept as a lossless PNG: a few KB a case where the array would hold the image's size
    labels_png: bytes | None = None
    confusion: np.ndarray | None = None
    refined: bool = False  # the body scored is the refined one (refinement on in Settings, a person detected)
    network_params: BodyParams | None = None  # the fitting network's own body when `params` is refined (differs)
    refine_on: bool = False  # refinement was on in Settings when the case was scored
    alone: bool = False  # nobody detected (or nothing of the parts inside their silhouette): the image alone
    # (the prediction's person is -1)

    @property
    def done(self) -> bool:
        return self.params is not None or bool(self.error)

    @property
    def one_fit(self) -> str:
        """Why the case has only one body to show ("" when it has both, the refined and the network's own)."""
        if self.network_params is not None:
            return ""
        if self.params is None:
            return "no predicted body"
        if not self.refine_on:
            return "only the network's fit: refinement was off (Settings) when the case was scored"
        if self.alone:
            return "only the network's fit: nobody detected, so nothing to refine towards"
        return ("only the network's fit: the refinement kept it (too little detector evidence, or the refined pose "
                "was one people do not take)")


def case_result(row: int, case: DatasetCase, prediction: Prediction, truth: Case, body_model: BodyModel | None,
                seconds: float) -> CaseResult:
    """The table's row of one prediction (`Predictor.predict_case`) against its ground truth, scored as `main.py
    evaluate` scores it (`inference.dataset_scoring.score_case`)."""
    from inference.dataset_scoring import score_case
    from inference.export import png_bytes

    score = score_case(prediction, truth, body_model)
    result = CaseResult(row, case, seconds=seconds, note="; ".join(truth.problems), params=prediction.params,
                        crop=prediction.crop, labels_png=png_bytes(score.labels), refined=bool(prediction.refined),
                        network_params=prediction.network_params if prediction.refined else None,
                        alone=prediction.person < 0)
    if score.body is not None:
        result = replace(result, mpjpe=score.body.mpjpe, pa_mpjpe=score.body.pa_mpjpe, pve=score.body.pve)
    if score.network_body is not None:
        result = replace(result, network_pa_mpjpe=score.network_body.pa_mpjpe)
    if score.confusion is not None:
        result = replace(result, part_iou=score.part_iou, miou=score.miou, confusion=score.confusion,
                         swaps=score.swaps)
    return result


def _unpng(data: bytes, shape: tuple[int, int]) -> np.ndarray | None:
    """Labels (h, w) uint8 from `png_bytes` (inference.export), or None when they are not of `shape` (h, w) (the
    image changed since) or unreadable."""
    import cv2

    labels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    return labels if labels is not None and labels.shape == tuple(shape) else None


class DatasetWorker(PredictorWorker):
    """Runs the Predictor over the cases of a reader (in its own thread), giving way to the interactive
    predictions (`in_flight`, app.worker.InFlight; None: never) as the folder's BatchWorker does: paused(job, on)
    as it starts and stops waiting for one."""

    started = Signal(int, int)  # job, total
    progress = Signal(int, int, int)  # job, done, total
    caseDone = Signal(int, object)  # job, CaseResult
    paused = Signal(int, bool)  # job, waiting for an interactive prediction (app.batch_run.BatchWorker.paused)
    finished = Signal(int)
    failed = Signal(int, str)
    # a run's (MeshRenderer or None, why not) for real UP-3D cases' labels (app.worker.mesh_renderer), made on its
    # first such case, in this thread, and closed here (`run`)
    _renderer: tuple | None = None

    @Slot(int, object, object)
    def run(self, job_id: int, reader: DatasetFolder, rows: Sequence[int] | None) -> None:
        try:
            self._run(job_id, reader, rows)
        finally:
            self.release()  # (after _run's frame has let go of the Predictor)

    def _run(self, job_id: int, reader: DatasetFolder, rows: Sequence[int] | None) -> None:
        if self._gen.is_stale(job_id):
            return
        cases = reader.cases()
        rows = list(range(len(cases))) if rows is None else list(rows)
        self.started.emit(job_id, len(rows))
        try:
            pred = self.predictor()
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(job_id, user_message(exc))
            return
        body = pred.body_model
        self._renderer = None
        try:
            if not self._score(job_id, reader, cases, rows, pred, body):
                return
        finally:
            if self._renderer is not None and self._renderer[0] is not None:
                self._renderer[0].close()
            self._renderer = None
        self.finished.emit(job_id)

    def _score(self, job_id: int, reader: DatasetFolder, cases: list[DatasetCase], rows: list[int], pred,
               body) -> bool:
        """Score the rows in order (one CaseResult signal each); False when the job went stale."""
        cancel = lambda: self._gen.is_stale(job_id)  # noqa: E731
        for done, row in enumerate(rows):
            self._pause(job_id)  # the photo on screen first (app.worker.InFlight)
            if cancel():
                return False
            case = cases[row]
            t0 = time.perf_counter()
            stamp = reader.stamp(case)
            try:
                unrendered = ""  # why a real UP-3D case's labels could not be drawn from its body
                if reader.needs_renderer(case):
                    if self._renderer is None:
                        self._renderer = mesh_renderer(body)
                    unrendered = self._renderer[1]
                truth = reader.read(case, body, self._renderer[0] if self._renderer is not None else None)
                prediction, lost = self.predict_giving_way(job_id, partial(pred.predict_case, truth.image))
                if prediction is None or cancel():
                    return False
                result = replace(case_result(row, case, prediction, truth, body, time.perf_counter() - t0 - lost),
                                 stamp=stamp, refine_on=bool(self._config.refine))
                if unrendered:
                    result = replace(result, note=_joined(result.note, _unrendered(unrendered)))
            except Exception as exc:  # noqa: BLE001 - one bad case does not stop the run
                if cancel():
                    return False
                if not isinstance(exc, USER_ERRORS):  # a bug: its traceback, beside the case's message
                    print_traceback()
                result = CaseResult(row, case, seconds=time.perf_counter() - t0, error=user_message(exc), stamp=stamp)
            self.caseDone.emit(job_id, result)
            self.progress.emit(job_id, done + 1, len(rows))
        return True


def _unrendered(why: str) -> str:
    """The note of a real UP-3D case whose part labels could not be drawn from its body (no offscreen OpenGL)."""
    return f"{why}; the part labels are not drawn from the body (no IoU)"


def _joined(*notes: str) -> str:
    return "; ".join(dict.fromkeys(n for n in notes if n))


# ----------------------------------------------------------------------------- GUI-thread session
class DatasetSession(QObject):
    """The dataset panel's state: reader, table model, and the background run, which gives way to the photo's
    interactive predictions (`in_flight`, the controller's app.worker.InFlight; None: never)."""

    opened = Signal(str, int)  # folder, number of cases
    progress = Signal(int, int)
    runningChanged = Signal(bool)
    pausedChanged = Signal(bool)  # the running job starts / stops waiting for the photo's interactive prediction
    finished = Signal(str)  # summary line
    error = Signal(str)
    warning = Signal(str)  # a note on an open that went on another way (a default split list that lists nothing)
    errorResolved = Signal(str)  # an earlier `error` about opening that a later successful open answers
    detailsReady = Signal(int, object)  # row, CaseDetails (request_details)
    detailsFailed = Signal(int, str)  # row, message

    _run = Signal(int, object, object)
    _load_details = Signal(int, object, int, object, object, object)
    _configure = Signal(object)

    def __init__(self, factory: PredictorFactory | None, config: ModelConfig, parent: QObject | None = None,
                 in_flight: InFlight | None = None):
        super().__init__(parent)
        from .dataset_model import DatasetTableModel

        self.reader: DatasetFolder | None = None
        self.model = DatasetTableModel(self)
        # the scoring run's state; its error is a run that failed, which the next run that finishes answers
        self._runs = BackgroundRun(self.runningChanged, self.pausedChanged, self.error, self.errorResolved)
        # the table's results were scored with the settings of this configure() call (a Run after a Stop goes on
        # with the cases not scored yet; after new settings it scores them all again)
        self._settings, self._scored_with = 0, -1
        self._config = config  # the settings of the last configure(): the same again changes nothing
        self._offset = 0  # cases scored before the running job (its progress counts on from them)
        self._open_error = PendingFailure(self.error, self.errorResolved)  # a failed open, until one succeeds
        self.worker = DatasetWorker(factory or default_predictor_factory, config, self._runs.generation, in_flight)
        self._thread = WorkerThread(self.worker, "nbf-dataset-worker")
        self._run.connect(self.worker.run)
        self._configure.connect(self.worker.configure)
        self.worker.caseDone.connect(self._on_case)
        self.worker.progress.connect(self._on_progress)
        self.worker.paused.connect(self._on_paused)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._details_gen = Generation()
        self.details_worker = DetailsWorker(self._details_gen)
        self._details_thread = WorkerThread(self.details_worker, "nbf-dataset-details")
        self._load_details.connect(self.details_worker.load)
        self.details_worker.loaded.connect(self._on_details)
        self.details_worker.failed.connect(self._on_details_failed)

    @property
    def running(self) -> bool:
        return self._runs.running

    @property
    def paused(self) -> bool:
        """The running job waits for the photo's interactive prediction (`pausedChanged`)."""
        return self._runs.paused

    def configure(self, config: ModelConfig) -> None:
        """Score with `config` from now on; the table's scores count as made with other settings unless it is the
        configuration in use (the window hands it over at every open: the same folder opened again keeps them)."""
        if config == self._config:
            return
        self._config = config
        self._settings += 1
        self._configure.emit(config)

    def shutdown(self) -> None:
        self._runs.shutdown()
        self._details_gen.next()
        if self._thread is not None:
            self._thread.stop(60000)
            self._thread = None
        if self._details_thread is not None:
            self._details_thread.stop(10000)
            self._details_thread = None

    def open(self, folder: str | Path, run: bool = True, reader: DatasetFolder | None = None,
             split: str | None = None) -> int:
        """List a dataset's cases into the table (at once) and start scoring them. Returns the count.
        split: "test" / "val" / "train" / "all"; default the first list present (test first)."""
        try:
            reader = reader or DatasetFolder(folder, split)
            cases = reader.cases()
            why = "" if cases else reader.left_out_note()
        except Exception as exc:  # noqa: BLE001
            if reader is None:
                return self._open_failed(f"cannot open dataset {folder}: {user_message(exc)}")
            cases, why = [], user_message(exc)
        if cases and reader.left_out:
            self.warning.emit(reader.left_out_note())
        if not cases and split is None and reader.split != "all":
            # the split chosen by default lists no case (or its list does not read): all the folder's cases rather
            # than nothing, said as a note (the split box needs an open folder to choose another)
            every = DatasetFolder(folder, "all")
            try:
                found = every.cases()
            except Exception:  # noqa: BLE001 - the default split's answer stands
                found = []
            if found:
                self.warning.emit(f"{why or f'the {reader.split} split lists no cases'}: showing all {len(found)} "
                                  f"cases of {folder} instead")
                reader, cases, why = every, found, ""
        if why:
            return self._open_failed(f"cannot open dataset {folder}: {why}")
        if not cases:
            if reader.split != "all":  # the split's list names no case (e.g. `synth --split test` lists none for train)
                return self._open_failed(f"the {reader.split} split of {folder} lists no cases")
            return self._open_failed(f"no cases found in {folder} (expected NNNNN_image.png files)")
        self._open_error.resolve()
        same = (self.reader is not None and resolved(self.reader.folder) == resolved(reader.folder)
                and self.reader.split == reader.split and self.model.cases() == cases)
        if same and self.running and run:
            return len(cases)  # the same cases already being scored: nothing to start again
        self.stop()
        self._details_gen.next()  # details on their way belong to the dataset shown before
        self.reader = reader
        if not same:
            self.model.set_cases(cases)
            self._scored_with = -1
        else:  # the same folder and split opened again keeps the scores of the cases whose files are as they were
            # (Run goes on with the others, or scores them all again after a settings change, as after a Stop);
            # failed cases and cases with an unreadable file are tried again
            self.model.forget([r for r in range(len(cases)) if (res := self.model.result(r)) is not None
                               and (res.error or res.note or res.stamp != reader.stamp(cases[r]))])
        self.opened.emit(str(reader.folder), len(cases))
        scored = len(self.model.results())
        if run and same and scored == len(cases) and self._scored_with == self._settings:
            self.progress.emit(scored, scored)  # every case kept: nothing to run (Run scores them all again)
            self.finished.emit(self.model.summary())
        elif run:
            self.run()
        return len(cases)

    def _open_failed(self, message: str) -> int:
        self._open_error.fail(message)
        return 0

    def run(self) -> None:
        """Score the cases: after a Stop (or the same folder opened again) with the same settings, those not scored
        yet (the others keep their results); otherwise, a table scored in full included, all of them again."""
        if self.reader is None:
            return
        if not self.reader.folder.is_dir():  # (every case would fail, and the scores made before would be lost)
            self._runs.failure.fail(f"the dataset folder {self.reader.folder} is not there any more (moved or "
                                    f"deleted): the table keeps its scores; open the folder where it is now to score "
                                    f"it again")
            return
        n = self.model.rowCount()
        left = [r for r in range(n) if self.model.result(r) is None]
        if self._scored_with == self._settings and 0 < len(left) < n:
            rows, self._offset = left, n - len(left)
        else:
            self.model.clear_results()
            rows, self._offset = None, 0
        self._scored_with = self._settings
        self._run.emit(self._runs.start(), self.reader, rows)

    def stop(self, report: bool = False) -> None:
        """Stop the run; the cases scored so far stay (a case the run finishes after it is not shown: the table
        is as Stop left it). report=True (the Stop button) also emits finished() with the summary of those cases."""
        self._runs.forget()
        if self._runs.stop() and report:
            self.finished.emit(self.model.summary() + " (stopped)")

    @Slot(int, bool)
    def _on_paused(self, job: int, on: bool) -> None:
        self._runs.paused_by(job, on)

    @Slot(int, object)
    def _on_case(self, job: int, result: CaseResult) -> None:
        if self._runs.accept(job):
            self.model.set_result(result)

    @Slot(int, int, int)
    def _on_progress(self, job: int, done: int, total: int) -> None:
        if self._runs.current(job):
            self.progress.emit(self._offset + done, self._offset + total)

    @Slot(int)
    def _on_finished(self, job: int) -> None:
        if self._runs.finished(job):
            self.finished.emit(self.model.summary())

    @Slot(int, str)
    def _on_failed(self, job: int, message: str) -> None:
        self._runs.failed(job, f"dataset run failed: {message}")

    # ------------------------------------------------------------------ details of one case
    def details(self, row: int, body_model: BodyModel | None = None) -> CaseDetails:
        """Everything the detail view shows for one row, read here and now (`case_details`); the panel asks
        `request_details` instead, which reads in the background."""
        return case_details(self.reader, self.model.case(row), self.model.result(row), body_model)

    def request_details(self, row: int, body_model: BodyModel | None = None) -> None:
        """Read one row's details in the details thread (the case's files, both meshes, the per-vertex error):
        `detailsReady(row, CaseDetails)` follows, unless a newer request or another dataset came first."""
        self._load_details.emit(self._details_gen.next(), self.reader, row, self.model.case(row),
                                self.model.result(row), body_model)

    @Slot(int, int, object)
    def _on_details(self, job: int, row: int, details: CaseDetails) -> None:
        if job == self._details_gen.current:  # (another dataset opened since makes it stale: `open`)
            self.detailsReady.emit(row, details)

    @Slot(int, int, str)
    def _on_details_failed(self, job: int, row: int, message: str) -> None:
        if job == self._details_gen.current:
            self.detailsFailed.emit(row, message)


def case_details(reader: DatasetFolder, case: DatasetCase, res: CaseResult | None,
                 body_model: BodyModel | None) -> CaseDetails:
    """One case as the detail view shows it: its image and ground truth read again (leniently: what cannot be
    read is said in the message), the predicted labels on the image, both meshes and the per-vertex error; for a
    refined case, the network's own body and its per-vertex error too."""
    from inference.metrics import vertex_errors_mm

    truth, image, msg = None, None, ""
    renderer, unrendered = None, ""
    if body_model is not None and reader.needs_renderer(case):
        renderer, unrendered = mesh_renderer(body_model)
    try:
        truth = reader.read(case, body_model, renderer)
        image = truth.image
        msg = "; ".join(truth.problems)
    except Exception as exc:  # noqa: BLE001
        msg = user_message(exc)
    finally:
        if renderer is not None:  # (a real UP-3D case: a few tens of ms for its GL context, per click)
            renderer.close()
    pred_labels = None
    if res is not None and res.labels_png is not None and image is not None:
        pred_labels = _unpng(res.labels_png, image.shape[:2])
    gt_mesh = pred_mesh = net_mesh = None
    if body_model is not None:
        if truth is not None and truth.params is not None:
            gt_mesh = body_model.mesh(truth.params)
        if res is not None and res.params is not None:
            pred_mesh = body_model.mesh(res.params)
        if res is not None and res.network_params is not None:
            net_mesh = body_model.mesh(res.network_params)
    gt_labels = truth.labels if truth is not None else None
    errors = vertex_errors_mm(pred_mesh, gt_mesh) if gt_mesh is not None and pred_mesh is not None else None
    net_errors = vertex_errors_mm(net_mesh, gt_mesh) if gt_mesh is not None and net_mesh is not None else None
    failure = res.error if res is not None else ""
    return CaseDetails(case, res, image, gt_labels, pred_labels, gt_mesh, pred_mesh,
                       _joined(msg, unrendered and _unrendered(unrendered), failure),  # (the same unreadable file once)
                       errors.aligned if errors else None, errors.mm if errors else None, net_mesh,
                       net_errors.aligned if net_errors else None, net_errors.mm if net_errors else None)


class DetailsWorker(QObject):
    """Reads the details of the case the user clicked (its own thread: the GUI never waits on the disk);
    a request superseded before it starts is skipped."""

    loaded = Signal(int, int, object)  # job, row, CaseDetails
    failed = Signal(int, int, str)  # job, row, message

    def __init__(self, generation: Generation):
        super().__init__()
        self._gen = generation

    @Slot(int, object, int, object, object, object)
    def load(self, job: int, reader: DatasetFolder, row: int, case: DatasetCase, res, body_model) -> None:
        if self._gen.is_stale(job):
            return
        try:
            details = case_details(reader, case, res, body_model)
        except Exception as exc:  # noqa: BLE001 - a broken case must not take the thread down
            print_traceback()
            self.failed.emit(job, row, user_message(exc))
            return
        self.loaded.emit(job, row, details)


@dataclass(frozen=True)
class CaseDetails:
    """One case as the detail view shows it: image (H, W, 3) uint8, ground-truth and predicted part labels
    (H, W) on the image, both meshes (inference BodyMesh), the predicted mesh aligned onto the ground truth
    (similarity Procrustes over all vertices) and vertex_error_mm (V,) float32: each aligned vertex's distance to
    its ground truth (None without both meshes). A refined case also has the network's own body (`network_mesh`,
    from `CaseResult.network_params`), aligned and measured the same way; None for a case with one fit."""

    case: DatasetCase
    result: CaseResult | None
    image: np.ndarray | None
    gt_labels: np.ndarray | None
    pred_labels: np.ndarray | None
    gt_mesh: BodyMesh | None
    pred_mesh: BodyMesh | None
    message: str = ""
    pred_mesh_aligned: BodyMesh | None = None
    vertex_error_mm: np.ndarray | None = None
    network_mesh: BodyMesh | None = None
    network_mesh_aligned: BodyMesh | None = None
    network_vertex_error_mm: np.ndarray | None = None  # (V,) float32 mm
