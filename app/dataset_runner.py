"""Dataset inspection: run the model over a labelled folder (UP-3D layout) and score every case.

The panel is written against the small reader interface below (`DatasetReader`), so the
training code's reader can be plugged in; `UP3DFolder` implements it for the on-disk layout:
`NNNNN_image.png`, `NNNNN_body.pkl` (pose 72, betas 10, trans, f, rt, t in UP-3D's OpenCV
camera; read through inference.export.load_params into our OpenGL frame), `NNNNN_parts.png`
(NBF part colours) and split lists `test.txt` / `val.txt` / `train.txt`.

`DatasetSession` (GUI thread) lists the cases into a `DatasetTableModel` at once, then a
`DatasetWorker` in its own thread runs the Predictor case by case and sends a `CaseResult`
per case (metrics: MPJPE / PA-MPJPE / PVE in mm from training.metrics, per-part IoU against
the ground-truth parts). Stale runs are dropped by a generation counter, as for single images.
"""
from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from inference import image_io as imageio
from .derived import parts_on_image
from .settings import ModelConfig
from .worker import Generation, PredictorFactory, WorkerThread, default_predictor_factory, user_message

SPLITS = ("test", "val", "train")


# ----------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class DatasetCase:
    case_id: str
    image_path: Path
    body_path: Path | None = None
    parts_path: Path | None = None


@dataclass(frozen=True)
class GroundTruth:
    params: object | None = None  # BodyParams in the OpenGL camera frame
    parts: np.ndarray | None = None  # (H, W) uint8 labels 0..12 on the image


class DatasetReader(Protocol):
    """What the dataset panel needs from a labelled set."""

    folder: Path
    split: str

    def cases(self) -> list[DatasetCase]: ...

    def image(self, case: DatasetCase) -> np.ndarray: ...  # (H, W, 3) uint8 RGB

    def ground_truth(self, case: DatasetCase, body_model=None) -> GroundTruth: ...


def _case_id(entry: str) -> str:
    name = Path(entry.strip().replace("\\", "/")).name
    for suffix in ("_image.png", "_image.jpg", "_body.pkl", "_parts.png", ".png", ".jpg"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_dataset_folder(folder: str | Path) -> bool:
    """A folder in UP-3D layout: has NNNNN_image.* files and body pickles or part maps or split lists."""
    p = Path(folder)
    if not p.is_dir():
        return False
    has_images = any(p.glob("*_image.png")) or any(p.glob("*_image.jpg"))
    return has_images and (any(p.glob("*_body.pkl")) or any(p.glob("*_parts.png"))
                           or any((p / f"{s}.txt").is_file() for s in SPLITS))


class UP3DFolder:
    """Reader of a folder in UP-3D layout. split: "test" / "val" / "train" list, or "all"."""

    def __init__(self, folder: str | Path, split: str | None = None):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"dataset folder not found: {self.folder}")
        if split is None:
            split = next((s for s in SPLITS if (self.folder / f"{s}.txt").is_file()), "all")
        self.split = split
        self._cases: list[DatasetCase] | None = None

    def _image_for(self, cid: str) -> Path:
        for ext in (".png", ".jpg"):
            p = self.folder / f"{cid}_image{ext}"
            if p.exists():
                return p
        return self.folder / f"{cid}_image.png"

    def cases(self) -> list[DatasetCase]:
        if self._cases is None:
            if self.split != "all" and (self.folder / f"{self.split}.txt").is_file():
                lines = (self.folder / f"{self.split}.txt").read_text(errors="replace").splitlines()
                ids = [_case_id(x) for x in lines if x.strip() and not x.lstrip().startswith("#")]
            else:
                ids = sorted({_case_id(p.name) for p in self.folder.glob("*_image.*")})
            out = []
            for cid in dict.fromkeys(ids):  # keep order, drop duplicates
                body = self.folder / f"{cid}_body.pkl"
                parts = self.folder / f"{cid}_parts.png"
                out.append(DatasetCase(cid, self._image_for(cid), body if body.exists() else None,
                                       parts if parts.exists() else None))
            self._cases = out
        return self._cases

    def image(self, case: DatasetCase) -> np.ndarray:
        return imageio.load_image(case.image_path)

    def ground_truth(self, case: DatasetCase, body_model=None) -> GroundTruth:
        if case.body_path is not None:
            try:
                from training.datasets import read_case
            except ImportError:
                read_case = None
            if read_case is not None:  # the training code's reader: same conventions as training/evaluation
                c = read_case(self.folder, case.case_id, body_model)
                return GroundTruth(c.params, c.labels)
        params = parts = None
        if case.body_path is not None:
            from inference.export import load_params

            params = load_params(case.body_path, body_model)
        if case.parts_path is not None:
            parts = read_part_labels(case.parts_path)
        return GroundTruth(params, parts)


def read_part_labels(path: Path) -> np.ndarray:
    """A part-colour PNG (NBF colours) -> labels (H, W) uint8 (exact palette match, others 0)."""
    import cv2

    from inference.parts import decode_colors

    data = np.fromfile(path, np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise imageio.ImageLoadError(f"{path.name}: cannot read the part map")
    return decode_colors(np.ascontiguousarray(bgr[..., ::-1]))


def open_dataset(folder: str | Path, split: str | None = None) -> DatasetReader:
    return UP3DFolder(folder, split)


# ----------------------------------------------------------------------------- scoring
@dataclass
class CaseResult:
    """Scores of one case (millimetres; IoU in 0..1; NaN where there is no ground truth)."""

    row: int
    case: DatasetCase
    mpjpe: float = math.nan
    pa_mpjpe: float = math.nan
    pve: float = math.nan
    miou: float = math.nan
    part_iou: np.ndarray = field(default_factory=lambda: np.full(13, np.nan))
    seconds: float = 0.0
    error: str = ""
    params: object | None = None  # predicted BodyParams
    crop: object | None = None  # Crop of the prediction
    crop_labels: np.ndarray | None = None  # (S, S) predicted labels on the crop
    image_shape: tuple[int, int] | None = None

    @property
    def done(self) -> bool:
        return self.params is not None or bool(self.error)


def score_case(row: int, case: DatasetCase, prediction, gt: GroundTruth, body_model, seconds: float) -> CaseResult:
    """Metrics of one prediction against its ground truth."""
    from training.metrics import miou, mpjpe, pa_mpjpe, part_iou, pve

    res = CaseResult(row, case, seconds=seconds, params=prediction.params, crop=prediction.crop,
                     crop_labels=np.asarray(prediction.parts.labels, np.uint8),
                     image_shape=tuple(prediction.image.shape[:2]))
    if gt.params is not None and body_model is not None:
        g = body_model.mesh(gt.params)
        pm = prediction.mesh
        if g.vertices.shape == pm.vertices.shape:
            pj, gj = pm.joints[None], g.joints[None]
            res.mpjpe = float(mpjpe(pj, gj)[0]) * 1000.0
            res.pa_mpjpe = float(pa_mpjpe(pj, gj)[0]) * 1000.0
            res.pve = float(pve(pm.vertices[None], g.vertices[None], pj, gj)[0]) * 1000.0
    if gt.parts is not None:
        h, w = res.image_shape
        gl = gt.parts
        if gl.shape != (h, w):
            import cv2

            gl = cv2.resize(gl, (w, h), interpolation=cv2.INTER_NEAREST)
        pl = parts_on_image(res.crop_labels, prediction.crop, (h, w))
        res.part_iou = np.asarray(part_iou(pl, gl), np.float64)
        res.miou = float(miou(pl, gl))
    return res


class DatasetWorker(QObject):
    """Runs the Predictor over the cases of a reader (in its own thread)."""

    started = Signal(int, int)  # job, total
    progress = Signal(int, int, int)  # job, done, total
    caseDone = Signal(int, object)  # job, CaseResult
    finished = Signal(int)
    failed = Signal(int, str)

    def __init__(self, factory: PredictorFactory, config: ModelConfig, generation: Generation):
        super().__init__()
        self._factory, self._config, self._gen = factory, config, generation
        self._predictor = None

    @Slot(object)
    def configure(self, config: ModelConfig) -> None:
        if config != self._config:
            self._config, self._predictor = config, None

    @Slot(int, object, object)
    def run(self, job_id: int, reader, rows) -> None:
        if self._gen.is_stale(job_id):
            return
        cases = reader.cases()
        rows = list(range(len(cases))) if rows is None else list(rows)
        self.started.emit(job_id, len(rows))
        try:
            if self._predictor is None:
                self._predictor = self._factory(self._config)
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(job_id, user_message(exc))
            return
        pred = self._predictor
        body = getattr(pred, "body_model", None)
        cancel = lambda: self._gen.is_stale(job_id)  # noqa: E731
        for done, row in enumerate(rows):
            if cancel():
                return
            case = cases[row]
            t0 = time.perf_counter()
            try:
                image = reader.image(case)
                prediction = pred.predict(image, cancel=cancel)
                if cancel():
                    return
                gt = reader.ground_truth(case, body)
                result = score_case(row, case, prediction, gt, body, time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - one bad case does not stop the run
                if cancel():
                    return
                if type(exc).__name__ not in ("PredictionError", "ImageLoadError", "ParamsFileError"):
                    traceback.print_exc()
                result = CaseResult(row, case, seconds=time.perf_counter() - t0, error=user_message(exc))
            self.caseDone.emit(job_id, result)
            self.progress.emit(job_id, done + 1, len(rows))
        self.finished.emit(job_id)


# ----------------------------------------------------------------------------- GUI-thread session
class DatasetSession(QObject):
    """The dataset panel's state: reader, table model, and the background run."""

    opened = Signal(str, int)  # folder, number of cases
    progress = Signal(int, int)
    runningChanged = Signal(bool)
    finished = Signal(str)  # summary line
    error = Signal(str)

    _run = Signal(int, object, object)
    _configure = Signal(object)

    def __init__(self, factory: PredictorFactory | None, config: ModelConfig, parent: QObject | None = None):
        super().__init__(parent)
        from .dataset_model import DatasetTableModel

        self.reader: DatasetReader | None = None
        self.model = DatasetTableModel(self)
        self.generation = Generation()
        self.running = False
        self._job = 0
        self.worker = DatasetWorker(factory or default_predictor_factory, config, self.generation)
        self._thread = WorkerThread(self.worker, "nbf-dataset-worker")
        self._run.connect(self.worker.run)
        self._configure.connect(self.worker.configure)
        self.worker.caseDone.connect(self._on_case)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)

    def configure(self, config: ModelConfig) -> None:
        self._configure.emit(config)

    def shutdown(self) -> None:
        self.generation.next()
        if self._thread is not None:
            self._thread.stop(60000)
            self._thread = None

    def open(self, folder: str | Path, run: bool = True, reader: DatasetReader | None = None,
             split: str | None = None) -> int:
        """List a dataset's cases into the table (at once) and start scoring them. Returns the count.
        split: "test" / "val" / "train" / "all"; default the first list present (test first)."""
        try:
            reader = reader or open_dataset(folder, split)
            cases = reader.cases()
        except Exception as exc:  # noqa: BLE001
            self.error.emit(f"cannot open dataset {folder}: {user_message(exc)}")
            return 0
        if not cases:
            where = f"the {reader.split} split of {folder}" if getattr(reader, "split", "all") != "all" else str(folder)
            self.error.emit(f"no cases found in {where} (expected NNNNN_image.png files)")
            return 0
        self.stop()
        self.reader = reader
        self.model.set_cases(cases)
        self.opened.emit(str(reader.folder), len(cases))
        if run:
            self.run()
        return len(cases)

    def run(self) -> None:
        if self.reader is None:
            return
        self._job = self.generation.next()
        self.model.clear_results()
        self._set_running(True)
        self._run.emit(self._job, self.reader, None)

    def stop(self, report: bool = False) -> None:
        """Stop the run; the cases scored so far stay. report=True (the Stop button) also emits
        finished() with the summary of those cases."""
        if self.running:
            self.generation.next()
            self._set_running(False)
            if report:
                self.finished.emit(self.model.summary() + " (stopped)")

    def _set_running(self, on: bool) -> None:
        if on != self.running:
            self.running = on
            self.runningChanged.emit(on)

    @Slot(int, object)
    def _on_case(self, job: int, result: CaseResult) -> None:
        if job == self.generation.current:
            self.model.set_result(result)

    @Slot(int, int, int)
    def _on_progress(self, job: int, done: int, total: int) -> None:
        if job == self.generation.current:
            self.progress.emit(done, total)

    @Slot(int)
    def _on_finished(self, job: int) -> None:
        if job == self.generation.current:
            self._set_running(False)
            self.finished.emit(self.model.summary())

    @Slot(int, str)
    def _on_failed(self, job: int, message: str) -> None:
        if job == self.generation.current:
            self._set_running(False)
            self.error.emit(f"dataset run failed: {message}")

    # ------------------------------------------------------------------ details of one case
    def details(self, row: int, body_model=None) -> "CaseDetails":
        """Everything the detail view shows for one row (loaded on the GUI thread: a few ms)."""
        case = self.model.case(row)
        res = self.model.result(row)
        gt = GroundTruth()
        msg = ""
        try:
            gt = self.reader.ground_truth(case, body_model)
        except Exception as exc:  # noqa: BLE001
            msg = f"ground truth: {user_message(exc)}"
        image = None
        try:
            image = self.reader.image(case)
        except Exception as exc:  # noqa: BLE001
            msg = f"image: {user_message(exc)}"
        pred_labels = None
        if res is not None and res.crop_labels is not None and image is not None:
            pred_labels = parts_on_image(res.crop_labels, res.crop, image.shape[:2])
        gt_mesh = pred_mesh = None
        if body_model is not None:
            if gt.params is not None:
                gt_mesh = body_model.mesh(gt.params)
            if res is not None and res.params is not None:
                pred_mesh = body_model.mesh(res.params)
        return CaseDetails(case, res, image, gt.parts, pred_labels, gt_mesh, pred_mesh,
                           msg or (res.error if res is not None else ""))


@dataclass
class CaseDetails:
    case: DatasetCase
    result: CaseResult | None
    image: np.ndarray | None
    gt_labels: np.ndarray | None
    pred_labels: np.ndarray | None
    gt_mesh: object | None
    pred_mesh: object | None
    message: str = ""
