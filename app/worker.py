"""Background model worker: a QObject moved to a QThread that owns one Predictor.

Requests (job id, image, source, person index) arrive by queued signal; results go back by signal
(queued into the GUI thread): started(job_id), progress(job_id, done, total), assessed(job_id,
FitQuality), for a refined prediction assessedNetwork(job_id, FitQuality of the network's own fit), and
displayParts(job_id, the part labels on the display copy) just before finished(job_id, Prediction)
(inference.fit_quality and photo_mapping.parts_for_display, computed here so the GUI thread never does),
failed(job_id, message, no person found) (after setAside(job_id, boxes) when the search set figures aside as
animals: inference.errors.NoPersonFound.set_aside), and warning(message) once per Predictor built
for each of its load-time warnings (e.g. no person detector installed). Every request carries a job id from a
`Generation` counter; the worker skips requests that are already stale and its cancel callback
tells a running Predictor to stop as soon as a newer request exists. The receiver drops results
of stale ids. `InFlight` tells the background runs (app/batch_run.py's batch, app/dataset_runner.py's run) that a
request is waiting on its answer, so they give way to it (`PredictorWorker.predict_giving_way`); each session keeps
its run's state on the GUI thread in a `BackgroundRun`.

The app's workers have this one shape (a QObject on a `WorkerThread`: the model, the batch runs, thumbnails, exports,
parameter files), but for three single calls that have nothing to queue, supersede mid-way or cancel: a body model's
load, a large image's decode (`app/body_loading.py`, `app/opening.py`) and the person detector's build after the
first paint (`cli/cmd_gui.py`). Those run on a plain `threading.Thread`, one per call, and that second shape is
deliberate: a load or a decode cannot be stopped part-way (a phone's HEIC photo takes a second or so, a body model
file as long), so on a `WorkerThread` the newer request (another image opened, another body model file chosen) would
wait in its queue behind the very call it supersedes, where a thread of its own starts it at once. The load and the
decode answer by a `Relay`'s signal (`app/relay.py`) with a token that the GUI thread compares with its latest, the
rule a `Generation` keeps here (the decode's token is the `Generation` of the opens), so a superseded answer is
dropped when it arrives; the detector's build answers nothing (a Predictor that needs it waits on
shared_detector's lock).
"""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, SignalInstance, Slot

from inference.errors import USER_ERRORS, Cancelled, NoPersonFound, print_traceback
from inference.types import BodyPredictor

from .failures import PendingFailure
from .gc_pauses import give_back, settle
from .settings import ModelConfig

if TYPE_CHECKING:
    from inference.render.renderer import MeshRenderer

PredictorFactory = Callable[[ModelConfig], BodyPredictor]
T = TypeVar("T")


class Generation:
    """A thread-safe job-id counter; `current` is the newest id handed out."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value = 0

    def next(self) -> int:
        with self._lock:
            self._value += 1
            return self._value

    @property
    def current(self) -> int:
        return self._value

    def is_stale(self, job_id: int) -> bool:
        return job_id != self._value


class InFlight:
    """Whether an interactive prediction (the controller's model worker) is running, for the background runs that
    give way to it: on 2 cores a "Run all" beside it made a click's fit several times slower, and the person
    looking at one image should not wait on the batch.

    The controller marks each request as it sends it (`sent`) and as its answer or failure arrives (`answered`).
    A request its Generation made stale (superseded, Esc, the image left, shutdown) counts as answered without
    being told: every path that drops a job frees the gate, and none has to remember to. Thread-safe like
    Generation: the GUI thread writes, worker threads read and wait (`wait_free`; never the GUI thread)."""

    POLL_S = 0.1  # how often a waiting run looks again: nothing wakes it when a Generation moves on

    def __init__(self, generation: Generation):
        self._gen = generation
        self._cond = threading.Condition()
        self._job = 0  # the request last sent (0: none, or its answer arrived)

    def sent(self, job_id: int) -> None:
        with self._cond:
            self._job = job_id

    def answered(self, job_id: int) -> None:
        """The answer (a result or a failure) of `job_id` arrived; an older job's answer changes nothing."""
        with self._cond:
            if self._job == job_id:
                self._job = 0
                self._cond.notify_all()

    @property
    def busy(self) -> bool:
        job = self._job
        return job != 0 and not self._gen.is_stale(job)

    def wait_free(self, stop: Callable[[], bool]) -> None:
        """Block the calling worker thread while a request is in flight, until it is answered or stale or `stop()`
        says the waiting run is over (cancelled, shut down). Woken at once by `answered`, else within POLL_S: a
        stale job or a cancelled run tells nobody."""
        with self._cond:
            while self.busy and not stop():
                self._cond.wait(self.POLL_S)


# where each body model the worker threads loaded came from: BodyModel -> (setting's path, the file's (size,
# mtime_ns) or None); weak, so that none outlives the Predictors holding it
_SOURCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# thread ident -> the body model of the Predictor that thread is replacing (`_replacing`). By thread ident, not
# threading.local: a QThread's Python state does not outlive the slot call
_REPLACED: dict[int, object] = {}
_LOCK = threading.Lock()


@contextmanager
def _replacing(body):
    """Within the block, this thread's `_body_model` may give `body`, the body model of the Predictor being
    replaced (None: a first Predictor); outside it every Predictor gets its own."""
    me = threading.get_ident()
    with _LOCK:
        _REPLACED[me] = body
    try:
        yield
    finally:
        with _LOCK:
            _REPLACED.pop(me, None)


def _body_model(path: str):
    """The BodyModel of setting `path` ("" the embedded one) for this thread's Predictor: while it replaces
    another (`_replacing`), that one's, when it came from the same file and the file did not change or is gone
    since (a change of device or refinement alone fits on with the model the user chose, instead of failing every
    photo); else loaded now."""
    from inference.body_model import BodyModel

    try:
        st = Path(path).stat() if path else None
        stamp = (st.st_size, st.st_mtime_ns) if st is not None else None
    except OSError:
        stamp = None
    with _LOCK:
        old = _REPLACED.get(threading.get_ident())
        source = _SOURCES.get(old) if old is not None else None
    if source is not None and source[0] == path and (stamp is None or source[1] == stamp):
        return old
    body = BodyModel(path or None)
    with _LOCK:
        _SOURCES[body] = (path, stamp)
    return body


def default_predictor_factory(cfg: ModelConfig):
    """Build the real two-stage Predictor (imports torch and the networks: worker thread only)."""
    try:
        from inference.pipeline import Predictor
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("inference.pipeline"):
            raise RuntimeError("the model is not available in this build (inference/pipeline.py is missing)") from None
        raise
    return Predictor(body_model=_body_model(cfg.body_model_path), device=cfg.device, refine=cfg.refine)


def user_message(exc: BaseException) -> str:
    """A one-line message for the user; the class name only where the message alone would be cryptic."""
    name = type(exc).__name__
    text = str(exc).strip() or name
    # an OSError with an errno reads "[Errno 2] No such file or directory: 'x'" as str(): the file and why, in
    # words, for every kind of it (FileNotFoundError is one of USER_ERRORS too, for its messages made without one)
    if isinstance(exc, OSError) and exc.errno is not None:
        from inference.file_writes import describe_os_error

        return describe_os_error(exc)
    # (an OSError without one was made with a message for the user: atomic_write's missing folder)
    if isinstance(exc, (*USER_ERRORS, OSError)) or type(exc) is RuntimeError:
        return text
    return f"{name}: {text}"


class GiveWay:
    """A background run's cancel callback for one try at an image or case: True when the job is stale, or once an
    interactive request is in flight (`InFlight`), and from then on for this try (latched). The refinement ends its
    steps at the first True and the Predictor asks again only after it: a request answered in between would let a
    fit cut short through as finished. (Waiting inside the callback instead is not safe: the person search asks it
    while holding the lock of the detector that every Predictor of the process shares,
    inference.detect.shared_detector, which the interactive fit needs too.)"""

    def __init__(self, stale: Callable[[], bool], in_flight: InFlight | None):
        self._stale = stale
        self._in_flight = in_flight
        self.gave_way = False

    def __call__(self) -> bool:
        if not self.gave_way and self._in_flight is not None and self._in_flight.busy:
            self.gave_way = True
        return self.gave_way or self._stale()


class PredictorWorker(QObject):
    """The shape of every worker that runs the model (interactive, dataset, folder batch): a QObject moved to
    its own thread that owns one Predictor, built lazily on the first job from the factory and the current
    ModelConfig and built again after `configure` changes it; jobs carry ids from a Generation. A background
    run (dataset, folder batch) gets the interactive requests' `in_flight` and gives way to them: it waits between
    items (`_pause`, said by its `paused(job, on)` signal) and fits an item stopped by a `GiveWay` again from its
    start (`predict_giving_way`)."""

    def __init__(self, factory: PredictorFactory, config: ModelConfig, generation: Generation,
                 in_flight: InFlight | None = None):
        super().__init__()
        self._factory = factory
        self._config = config
        self._gen = generation
        self._in_flight = in_flight
        self._predictor = None
        self._old = None  # the Predictor of the settings before, until the new one is built

    def _pause(self, job_id: int) -> None:
        """Wait (this worker's thread) while an interactive request is in flight, until it is answered or `job_id`
        is stale, said by the subclass's `paused(job, on)` signal as the wait starts and ends."""
        if self._in_flight is None or not self._in_flight.busy:
            return
        self.paused.emit(job_id, True)
        self._in_flight.wait_free(lambda: self._gen.is_stale(job_id))
        self.paused.emit(job_id, False)

    def predict_giving_way(self, job_id: int, attempt: Callable[[GiveWay], T]) -> tuple[T | None, float]:
        """`attempt(cancel)` (one try at an item of job `job_id`, `cancel` its Predictor's cancel callback), stopped at
        its checkpoints by an interactive request (`GiveWay`) and tried again from the start once that is answered
        (`_pause`) -> (what it returned, None when the job went stale; the seconds the tries given up and the waits
        took, which are not the item's time). Any other exception of the attempt is the caller's."""
        lost = 0.0
        while True:
            t0 = time.perf_counter()
            try_once = GiveWay(lambda: self._gen.is_stale(job_id), self._in_flight)
            try:
                return attempt(try_once), lost
            except Cancelled:
                if self._gen.is_stale(job_id) or not try_once.gave_way:
                    return None, lost
            self._pause(job_id)
            lost += time.perf_counter() - t0

    # Runs in the worker thread (queued).
    @Slot(object)
    def configure(self, config: ModelConfig) -> None:
        if config != self._config:
            self._config = config
            # (the old one is dropped once the new one is built: its body model may serve the new one)
            self._old, self._predictor = self._predictor or self._old, None

    def predictor(self):
        """The Predictor of the current settings (built here, in the worker thread, when first needed)."""
        if self._predictor is None:
            try:
                with _replacing(getattr(self._old, "body_model", None)):
                    self._predictor = self._factory(self._config)
            finally:
                replaced, self._old = self._old is not None, None
            if replaced:
                give_back()
            settle()  # the networks, the detector and the libraries they imported: out of the collector's walks
            self._built(self._predictor)
        return self._predictor

    def release(self) -> None:
        """Drop this worker's Predictor (networks, detector, body model: 250-330 MB) once its run is over: the
        background workers (Run all, the Dataset tab) held a second and a third copy beside the interactive one for
        the rest of the session (sweep115). Their next run builds one again (a few seconds)."""
        if self._predictor is not None or self._old is not None:
            self._predictor = self._old = None
            give_back()

    def _built(self, predictor) -> None:
        """Called once per Predictor built (e.g. to report its load-time warnings)."""


def mesh_renderer(body) -> tuple[MeshRenderer | None, str]:
    """(a MeshRenderer of the body model's topology, ''), or (None, why not) where no offscreen OpenGL works, for a
    background run's pictures (the folder's mesh overlay, a real UP-3D case's part labels): every other output needs
    none. Close it in the thread that made it (a GL context is one thread's)."""
    from inference.render.context import offscreen_problem
    from inference.render.renderer import MeshRenderer

    problem = offscreen_problem()
    return (None, problem) if problem else (MeshRenderer(body.faces, body.weights), "")


class BackgroundRun:
    """The GUI thread's state of a session's background run (the folder's Run all, the Dataset tab's run): the
    `generation` its jobs come from, whether one is `running` and whether it is `paused` (waiting for an interactive
    prediction, as its worker's paused(job, on) says), each said on the owner's signals as it changes, and the last
    run's failure (`PendingFailure` on the owner's error / errorResolved), which the next run that finishes answers.

    A job's answers about work under way (an item started, progress, a pause) count while it is `current`; those
    about work done (an item's result, the run's end or failure) count for the last job started (`accept`), after a
    `stop` too until `forget`: the folder's images written before a Cancel are written."""

    def __init__(self, running_changed: SignalInstance, paused_changed: SignalInstance, error: SignalInstance,
                 error_resolved: SignalInstance, on_paused: Callable[[bool], None] | None = None):
        """on_paused: called with the new state before paused_changed says it (the folder's rows say it first)."""
        self.generation = Generation()
        self.job = 0  # the last job started (0: none, or forgotten)
        self.running = False
        self.paused = False
        self.failure = PendingFailure(error, error_resolved)
        self._running_changed, self._paused_changed, self._on_paused = running_changed, paused_changed, on_paused

    def start(self) -> int:
        """A new job, which supersedes the one running (its worker stops at its next check)."""
        self.job = self.generation.next()
        self._set_paused(False)  # (a job this one supersedes may have been waiting: its answers are dropped)
        self._set_running(True)
        return self.job

    def stop(self) -> bool:
        """Make the running job stale (its worker stops at its next check); False when none was running."""
        if not self.running:
            return False
        self.generation.next()
        self._set_running(False)
        return True

    def forget(self) -> None:
        """None of the answers of the jobs started so far counts any more (`accept`)."""
        self.job = 0

    def shutdown(self) -> None:
        """Every job stale and none of their answers counted (the session's threads are stopping)."""
        self.forget()
        self.generation.next()

    def current(self, job: int) -> bool:
        return job == self.generation.current

    def accept(self, job: int) -> bool:
        return job != 0 and job == self.job

    def paused_by(self, job: int, on: bool) -> None:
        """The worker's paused(job, on): said while the job is current and running."""
        if self.current(job) and self.running:
            self._set_paused(on)

    def finished(self, job: int) -> bool:
        """The job's end (after a stop too); True when it counts: no longer running, the last failure answered."""
        if not self.accept(job):
            return False
        self._set_running(False)
        self.failure.resolve()
        return True

    def failed(self, job: int, message: str) -> None:
        """The job could not run (the model does not load): said on the owner's error until a run finishes."""
        if self.accept(job):
            self._set_running(False)
            self.failure.fail(message)

    def _set_running(self, on: bool) -> None:
        if on != self.running:
            self.running = on
            self._running_changed.emit(on)
        if not on:  # a stopped run is not paused (its job's own "paused off" is stale, and dropped)
            self._set_paused(False)

    def _set_paused(self, on: bool) -> None:
        if on != self.paused:
            self.paused = on
            if self._on_paused is not None:
                self._on_paused(on)
            self._paused_changed.emit(on)


# The person code of a dataset case (UP-3D layout, already one person's crop): the whole image is the network's
# crop, read with the first person the search finds, exactly as `main.py evaluate` and the Dataset tab score it;
# a detector crop of the same image would give another answer than the one the table shows
AS_CASE = -2


@dataclass(frozen=True)
class UserBox:
    """A region of the photo the user drew around a person the search missed (image px, x0 < x1, y0 < y1): the
    worker fits the person the landmark model finds there (`Predictor.predict_box`)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


class ModelWorker(PredictorWorker):
    """Owns the Predictor of the interactive predictions; lives in its own thread."""

    started = Signal(int)
    progress = Signal(int, int, int)
    finished = Signal(int, object)
    assessed = Signal(int, object)
    assessedNetwork = Signal(int, object)
    displayParts = Signal(int, object)  # job, the part labels (h, w) on the display copy (parts_for_display)
    failed = Signal(int, str, bool)  # job, message, no person found (inference.errors.NoPersonFound)
    setAside = Signal(int, object)  # job, NoPersonFound.set_aside: boxes (x0, y0, x1, y1) in image px, before failed
    warning = Signal(str)

    def _built(self, predictor) -> None:
        for text in predictor.warnings:
            self.warning.emit(str(text))

    @Slot(int, object, str, object)
    def predict(self, job_id: int, image, source: str, person: int | UserBox = 0) -> None:
        """Predict on `image`; `person` is the index of the detected person to fit (the most complete and
        central first: inference.detect.merging.rank_people), -1 the whole image without a search, AS_CASE
        a dataset case as the Dataset tab scores it (`Predictor.predict_case`), or a UserBox: the person the
        user boxed (`Predictor.predict_box`)."""
        if self._gen.is_stale(job_id):
            return
        self.started.emit(job_id)
        cancel = lambda: self._gen.is_stale(job_id)  # noqa: E731
        self.progress.emit(job_id, 0, 1)
        try:
            if isinstance(person, UserBox):
                result = self.predictor().predict_box(image, person.box, cancel)
            elif person == AS_CASE:
                result = self.predictor().predict_case(image, cancel)
            else:
                result = self.predictor().predict(image, cancel=cancel, person=int(person))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the GUI as a message
            if not self._gen.is_stale(job_id):
                if not _expected(exc):
                    print_traceback()
                if isinstance(exc, NoPersonFound) and exc.set_aside:
                    self.setAside.emit(job_id, exc.set_aside)
                self.failed.emit(job_id, user_message(exc), isinstance(exc, NoPersonFound))
            return
        if self._gen.is_stale(job_id):
            return
        if source and not result.source:
            from dataclasses import replace

            result = replace(result, source=source)
        quality = assess_quietly(result)
        parts = parts_quietly(result)
        network = None
        if result.network_params is not None and result.network_mesh is not None:
            network = assess_quietly(result, result.network_params, result.network_mesh)
        if self._gen.is_stale(job_id):
            return
        self.progress.emit(job_id, 1, 1)
        self.assessed.emit(job_id, quality)
        if parts is not None:
            self.displayParts.emit(job_id, parts)
        if network is not None:
            self.assessedNetwork.emit(job_id, network)
        self.finished.emit(job_id, result)


def parts_quietly(prediction):
    """photo_mapping.parts_for_display, or None when it fails (the session then maps the labels itself)."""
    try:
        from .photo_mapping import parts_for_display

        return parts_for_display(prediction)
    except Exception:  # noqa: BLE001 - a display nicety must never cost the result
        print_traceback()
        return None


def assess_quietly(prediction, params=None, mesh=None):
    """inference.fit_quality.assess (of the prediction, or of other params and their mesh in its camera), or
    None when the prediction lacks what it needs (a stand-in model)."""
    try:
        from inference.fit_quality import assess

        return assess(prediction, params, mesh)
    except Exception:  # noqa: BLE001 - the numbers are an extra: never lose the result over them
        print_traceback()
        return None


def _expected(exc: BaseException) -> bool:
    """User-facing failures (bad input, no person, bad model file, a superseded job) are not bugs: no
    traceback. A plain RuntimeError is a set-up message (`default_predictor_factory`)."""
    return isinstance(exc, (*USER_ERRORS, Cancelled)) or type(exc) is RuntimeError


class WorkerThread:
    """A QThread running one worker QObject; `stop()` quits and joins it."""

    def __init__(self, worker: QObject, name: str):
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = worker
        worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self, timeout_ms: int = 30000) -> bool:
        self.thread.quit()
        ok = self.thread.wait(timeout_ms)
        return bool(ok)


class ExportWorker(QObject):
    """Writes export files for the GUI in its own thread, so the GUI thread never waits on the disk.

    A request carries a writer prepared on the GUI thread: a function of `overwrite` -> the Path written,
    over values taken when the user asked (frozen results, the edited parameters and mesh), so later edits
    do not change what is written. Answers: done(job, path); exists(job, path) when the file is there and
    overwrite was False (nothing written: ask the user, then send again with overwrite); failed(job, path,
    message). Requests run in order; none supersedes another (two exports both happen)."""

    done = Signal(int, str)
    exists = Signal(int, str)
    failed = Signal(int, str, str)

    @Slot(int, object, str, bool)
    def write(self, job_id: int, writer, path: str, overwrite: bool) -> None:
        try:
            out = writer(overwrite)
        except FileExistsError:
            self.exists.emit(job_id, path)
            return
        except Exception as exc:  # noqa: BLE001 - a failed export is a message, never a crash
            if not isinstance(exc, (OSError, *USER_ERRORS)):
                print_traceback()
            self.failed.emit(job_id, path, user_message(exc))
            return
        self.done.emit(job_id, str(out))

    @Slot()
    def finish(self) -> None:
        """End this thread's loop once the writes asked before have run (queued after them: the window closing
        writes every export the user asked for, instead of dropping those still waiting)."""
        QThread.currentThread().quit()
