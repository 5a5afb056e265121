"""The main window's controller: opens images, runs the model in the background, applies edits.

Data flow for one image: open_* -> load (inference.image_io) -> a new job id from the generation
counter -> ModelWorker.predict in its thread -> finished(job_id, Prediction) -> ids other
than the newest are dropped -> Session.set_prediction (and set_people: the detected people)
-> views repaint. Choosing another of several people (select_person) is a new job on the same
image with predict(image, person=k); it supersedes the running one like a new image does.
A slider edit -> set_params (Session.params at once, undo merged per gesture) -> a THROTTLE_MS (16 ms)
single-shot timer coalesces re-posing -> BodyModel.mesh on the GUI thread (a few ms) ->
Session.set_mesh -> views repaint.

A parameter file (.npz / .json / _body.pkl) opens as a result instead: open_params -> a job id of the opening
counter (shared with large images decoded in the background: the newest open wins, Esc drops it) -> the params
thread reads, finds the photo, poses the body (app/params_open.py) -> read(job id, OpenedParams) -> shown as a
Prediction with an empty part map (Prediction.params_file), edited and exported like a fitted one.

The GUI thread's own BodyModel (re-posing, exports, the betas' tooltips) loads in a background thread, at
start-up and when the settings switch to another file (0.3-2 s; longer for a real SMPL .pkl on a busy CPU):
the loader thread -> Relay.bodyLoaded (queued to the GUI thread) -> the current model, or the switch's whole
setting at once -> bodyModelChanged. Until then the app goes on with the model it has.

Controller is one QObject made of parts in their own modules (mixins: plain classes whose methods run on the
controller, with its signals and state): app/opening.py (images, folders, parameter files), app/body_loading.py
(the GUI-thread body model and the settings), app/people_fits.py (the shown photo's people: choosing one, "fit
everyone", re-runs), app/editing.py (edits, re-posing, undo) and app/exports.py. This module keeps what ties
them together: the state, the threads and every connection (made in __init__, on the GUI thread) with every slot
those connect (PySide6 runs a mixin's method as a slot unreliably: see "slots of other objects' signals"), the jobs
sent to the model worker and their results, Esc, and the images left behind.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from inference import image_io as imageio
from inference.paths import RESOURCES

from .batch_run import FitOnHand
from .body_loading import BodyLoadingMixin, BodySwitch
from .editing import THROTTLE_MS, EditingMixin
from .exports import ExportsMixin
from .failures import PendingFailure
from .folder import FolderSession
from .opening import OpeningMixin, file_key
from .params_open import OpenedParams, ParamsReader
from .people_fits import PeopleFitsMixin, edited_people, people_text
from .relay import RELAYS, Relay
from .results import keep_result, restore_result
from .session import Fit, Session, ShownImage
from .settings import AppSettings, ModelConfig, cuda_available
from .worker import (
    AS_CASE,
    ExportWorker,
    Generation,
    InFlight,
    ModelWorker,
    PredictorFactory,
    UserBox,
    WorkerThread,
    default_predictor_factory,
)

SAMPLES_DIR = RESOURCES / "samples"
# the images left behind whose results (edits included) come back when they are opened again unchanged
REMEMBERED_IMAGES = 8
REMEMBERED_BYTES = 600_000_000


@dataclass(frozen=True)
class _Remembered:
    """An image left for another one: its people's results (app.results.KeptResult by person), the person on
    screen, and what must not have changed for them to stand: the file (size, mtime) and the settings."""

    shown: ShownImage
    results: dict
    person: int
    stamp: tuple[int, int]
    config: object
    # the body on screen when it is no detected person's (KeptResult): a fit of the whole image (Shift+F5), or a
    # parameter file's body (`opened`, the file it came from; the entry is then the file's, not the photo's)
    whole: object = None
    opened: object = None

    def nbytes(self) -> int:
        """The arrays held: the image, its display copy and each prediction's arrays (its part probabilities,
        crop, mesh; one level into the dataclasses it holds), each counted once."""
        arrays: dict[int, int] = {}

        def add(value, depth: int = 0) -> None:
            if isinstance(value, np.ndarray):
                arrays[id(value)] = value.nbytes
            elif depth >= 4:
                return
            elif isinstance(value, (tuple, list)):  # the people (each with a photo-size mask)
                for v in value:
                    add(v, depth + 1)
            elif hasattr(value, "__dataclass_fields__"):
                for f in value.__dataclass_fields__:
                    add(getattr(value, f, None), depth + 1)

        add(self.shown)
        for r in (*self.results.values(), self.whole):
            add(r)
        return sum(arrays.values())

    def edited(self) -> str:
        """Whose edits it holds, in words ('' for none): 'person 1 and person 3', 'the body of NAME.npz'."""
        if self.whole is None or not edited_people({0: self.whole}):  # (the one test of an edited kept result)
            return edited_people(self.results)
        body = f"the body of {self.opened.name}" if self.opened is not None else "the body fitted to the whole image"
        return " and ".join(x for x in (edited_people(self.results), body) if x)


def _set_aside_boxes(prediction) -> tuple:
    """The boxes (x0, y0, x1, y1) image px of the figures a prediction's search set aside as animals."""
    return tuple(tuple(float(v) for v in a.box[:4]) for a in prediction.set_aside)


def format_timings(t) -> str:
    """'detect 60 ms · crop 4 ms · segment 120 ms · fit 35 ms · body 3 ms · total 0.22 s' from a Timings
    (detect and refine only when they ran)."""
    parts = []
    for name in ("detect", "crop", "segment", "fit", "body", "refine"):
        v = float(getattr(t, name, 0.0) or 0.0)
        if v > 0 or name not in ("detect", "refine"):
            parts.append(f"{name} {v * 1000:.0f} ms")
    total = float(getattr(t, "total", 0.0) or 0.0)
    parts.append(f"total {total:.2f} s")
    return " · ".join(parts)


def sample_images(folder: Path = SAMPLES_DIR) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and imageio.is_image_path(p))


class Controller(OpeningMixin, BodyLoadingMixin, PeopleFitsMixin, EditingMixin, ExportsMixin, QObject):
    """Owns the session, the model worker thread and the GUI-thread body model. Its methods are spread over the
    mixins named in the module's docstring; the state they share is set up here, in __init__.

    defer_body_load: the start-up's body model load waits for start_body_load() (the app's window calls it once it
    has painted); else (tests, scripts) it starts here."""

    status = Signal(str)  # transient status-bar text
    decodingChanged = Signal(bool)  # a large image is being decoded in the background (Esc drops it)
    fitJumped = Signal()  # the body jumped to parameters standing elsewhere (undo, reset, fit switch): re-aim 3D
    error = Signal(str)  # a problem to show (status bar + non-modal banner)
    errorResolved = Signal(str)  # a failed prediction's message (sent as `error`) that a later result answers
    warning = Signal(str)  # a lasting limitation of the model set-up (e.g. no person detector)
    timings = Signal(str)
    progress = Signal(int, int)  # done, total of the current job
    recentFilesChanged = Signal(list)
    bodyModelChanged = Signal(object)  # the GUI-thread BodyModel
    bodyModelFailed = Signal(str)  # a body model file did not load (the message; also sent as `error`)
    configChanged = Signal(object)  # the ModelConfig in use changed (a body-model switch applies when loaded)
    imageListChanged = Signal(int, int)  # index, count
    datasetRequested = Signal(str)  # a dropped/opened folder in UP-3D layout
    exported = Signal(int, str)  # export job, the path written (export_in_background)
    exportExists = Signal(int, str)  # export job, a path that exists: nothing written (see overwrite_export)
    exportFailed = Signal(int, str, str)  # export job, path, message

    _request = Signal(int, object, str, object)  # job id, image, source, person index or a UserBox
    _configure = Signal(object)
    _read_params = Signal(int, str, object)  # job id, path, the GUI-thread body model
    _export = Signal(int, object, str, bool)  # job, writer, path, overwrite
    _export_finish = Signal()  # the export thread ends after the exports asked before it (shutdown)

    def __init__(self, settings: AppSettings, predictor_factory: PredictorFactory | None = None,
                 config: ModelConfig | None = None, parent: QObject | None = None, *, defer_body_load: bool = False):
        super().__init__(parent)
        self.settings = settings
        self.config = config if config is not None else settings.model_config()
        if self.config.device == "cuda" and not cuda_available():
            # (a setting saved on another machine, or a GPU driver gone: every photo would fail, with no word of
            # the settings)
            self.config = replace(self.config, device="auto")
            QTimer.singleShot(0, lambda: self.warning.emit(
                "the GPU (CUDA) is chosen in the settings, but torch sees no CUDA device here: this session runs "
                "on the CPU (File > Settings chooses)"))
        where = settings.unwritable()
        if where:  # (each change would be lost without a word: recent files, the layout, the settings' choices)
            QTimer.singleShot(0, lambda: self.warning.emit(
                f"the settings cannot be saved ({where} is not writable): recent files, the window's layout and "
                "the choices in File > Settings last only until the app closes"))
        # the settings this session began with that are not the saved ones (a command line's --device or
        # --body-model, a fallback above), by field name: saved as they were while the user leaves them
        # (`_apply_config`)
        saved = settings.model_config()
        self._overrides = {f.name: getattr(self.config, f.name) for f in fields(saved)
                           if getattr(self.config, f.name) != getattr(saved, f.name)}
        self.factory = predictor_factory or default_predictor_factory
        self.session = Session(self)
        self.generation = Generation()
        self._body = None
        self._pending = None
        self._merge_key = None
        self._merge_time = 0.0
        self.image_list: list[Path] = []
        self.image_index = -1
        self._quality = (0, None)  # (job id, FitQuality) from the worker, paired with its result
        self._network_quality = (0, None)  # (job id, FitQuality of the network's own fit) when refined
        self._display_parts = (0, None)  # (job id, its part labels on the display copy) from the worker
        self._kept = None  # the last complete result while another person is being fitted (see keep_result)
        # (results, people, person) that a re-run or a whole-image fit set aside: put back when it is cancelled
        # or fails, dropped when its result arrives
        self._replaced: tuple | None = None
        self._failure = PendingFailure(self.error, self.errorResolved)  # a failed prediction, until a result
        # a body model file that did not load, until one loads or the settings dialog that showed it closes
        self._body_failure = PendingFailure(self.error, self.errorResolved)
        self._whole_image_job = 0  # the job of a whole-image fit (`fit_whole_image`), while it is the newest
        self._box_job = 0  # the job of a person the user boxed (`fit_box`), while it is the newest
        self._everyone: list[int] = []  # fit everyone: the people still to fit, in order
        self._everyone_job = 0  # the job id of the person being fitted for "fit everyone" (0: none)
        self._everyone_person = -1
        self._everyone_failed: dict[int, str] = {}  # person -> why "fit everyone" could not fit them
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._repose)
        self.worker = ModelWorker(self.factory, self.config, self.generation)
        self._thread = WorkerThread(self.worker, "nbf-model-worker")
        self._request.connect(self.worker.predict)
        self._configure.connect(self.worker.configure)
        # the request in flight, which "Run all" gives way to (set by _send, cleared by its answer or staleness)
        self.in_flight = InFlight(self.generation)
        # the opened folder's list and "Run all"
        self.folder = FolderSession(self.factory, self.config, self, in_flight=self.in_flight)
        self.exporter = ExportWorker()  # exports write in their own thread: the GUI never waits on the disk
        self._export_thread = WorkerThread(self.exporter, "nbf-export")
        self._export.connect(self.exporter.write)
        self._export_finish.connect(self.exporter.finish)
        self.exporter.done.connect(self._on_exported)
        # the bodies written by an export (mesh, parameters, rig, scene), by id: an edit exported is not lost when
        # the window closes (unexported_edits); params -> the BodyParams (kept alive, so that no id is reused)
        self._exported: dict[int, object] = {}
        self._export_bodies: dict[int, tuple] = {}  # export job -> the bodies it writes
        self.exporter.done.connect(self.exported)
        self.exporter.exists.connect(self.exportExists)
        # (before exportFailed, as _on_exported before exported: a listener of the signal finds the job settled)
        self.exporter.failed.connect(lambda job, *_: self._export_bodies.pop(job, None))  # (wrote nothing)
        self.exporter.failed.connect(self.exportFailed)
        self._export_jobs: dict[int, tuple] = {}  # job -> (writer, path) of exports that may be sent again
        self._export_notes: dict[int, str] = {}  # job -> what the user should know of it (export_note)
        self._export_serial = 0
        self.worker.started.connect(self._on_started)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.assessed.connect(self._on_assessed)
        self.worker.assessedNetwork.connect(self._on_assessed_network)
        self.worker.displayParts.connect(self._on_display_parts)
        self.worker.failed.connect(self._on_failed)
        self.worker.setAside.connect(self._on_set_aside)
        self.worker.warning.connect(self.warning)
        self._relay = Relay()  # background threads report through it (never deleted: see RELAYS)
        RELAYS.append(self._relay)
        # queued even if a loader were to answer at once: the GUI thread never sees a body model arrive while
        # it is inside apply_model_config or any other call
        self._relay.bodyLoaded.connect(self._on_body_loaded, Qt.ConnectionType.QueuedConnection)
        self._relay.decoded.connect(self._on_decoded)
        self._decoding: str | None = None  # the name of the large image being decoded, if any
        self._decode_then: tuple = (0, (), ())  # (its open's id, the images of its drop after it, the list)
        self._remembered: dict[str, _Remembered] = {}  # resolved path -> an image left behind, oldest first
        # the newest file opened: a large image decoded or a parameter file read in the background shows only if
        # it is (every open takes a new id; Esc takes one too)
        self._opening = Generation()
        self.params_reader = ParamsReader(self._opening)  # parameter files are read in their own thread
        self._params_thread = WorkerThread(self.params_reader, "nbf-params")
        self._read_params.connect(self.params_reader.open)
        self.params_reader.read.connect(self._on_params_read)
        self.params_reader.failed.connect(self._on_params_failed)
        self._params_waiting: tuple[int, str] | None = None  # (job, path) of a file waiting for the body model
        self._opened: OpenedParams | None = None  # the parameter file on screen (see opened_params)
        # the GUI-thread body model loads in the background (seconds on a busy CPU), normally ready long before the
        # first result; until it is, body_model() is None and bodyModelChanged announces it
        self._effects: tuple = ()  # beta_effects of self._body, measured by its loader thread
        self._load_token = 0
        self._loaders: list[threading.Thread] = []  # joined at shutdown
        self._held_load: threading.Thread | None = None  # the start-up's loader, not started yet (defer_body_load)
        self._switch: BodySwitch | None = None  # the newest body-model switch still loading (older ones are dropped)
        # token of the load of the current setting's body model (0: none running)
        self._current_load = self._start_body_load(self.config.body_model_path, held=defer_body_load)

    # ------------------------------------------------------------------ lifecycle
    def shutdown(self) -> None:
        """Cancel running work and join the worker thread (call before the window goes away)."""
        self._throttle.stop()
        self.generation.next()  # makes the running job stale: its cancel callback returns True
        self.folder.shutdown()
        if self._export_thread is not None:  # every export asked for is written first
            self._export_finish.emit()
            self._export_thread.thread.wait(120000)
            self._export_thread = None
        self._opening.next()  # a parameter file being read answers nothing
        if self._params_thread is not None:
            self._params_thread.stop(60000)
            self._params_thread = None
        if self._thread is not None:
            if not self._thread.stop(60000):
                self.status.emit("the model worker did not stop in time")
            self._thread = None
        switch, self._switch = self._switch, None
        if switch is not None and switch.persist:  # confirmed in the settings, still loading: the next start loads it
            self.settings.set_model_config(self._to_save(switch.config))
        self._current_load = 0  # a body model still loading is dropped when it arrives
        self._held_load = None  # (a window closed before it painted: its body model is not loaded any more)
        loaders, self._loaders = self._loaders, []
        for t in loaders:  # a load cannot be interrupted; it is a second or two at most
            t.join(60)

    # ------------------------------------------------------------------ slots of other objects' signals
    # Every method that __init__ connects to a signal is defined on Controller itself, never in a mixin: PySide6
    # (6.11) does not always connect a method that a plain mixin class defines as this QObject's slot, and then
    # calls it in the sender's thread (the params reader's answers ran in the params thread, a test run in two).
    # The model worker's answers are below, under "worker results".
    @Slot(int, object, object, object)
    def _on_body_loaded(self, token: int, body, effects, message) -> None:
        if token == self._current_load:  # the current setting's model (at start-up, or again after it failed)
            self._current_load = 0
            if body is None and self.config.body_model_path:
                self._fall_back_to_embedded(message)
            elif body is None:
                self._report_body_error(message)  # body_model() stays None; applying the setting again retries
            else:
                self._set_body(body, effects)
            return
        switch = self._switch
        if switch is None or token != switch.token:
            return  # superseded by a newer setting: this model is dropped
        self._switch = None
        if body is None:
            self._report_body_error(message)  # nothing changes
            return
        self.status.emit(f"body model: {body.name}")
        self._body_failure.resolve()
        self._apply_config(switch.config, switch.persist, body, effects)

    @Slot(int, object)
    def _on_params_read(self, job: int, opened: OpenedParams) -> None:
        if self._opening.is_stale(job):
            return  # another file was opened meanwhile, or Esc dropped it
        self._set_decoding(None)
        self._remember_shown()
        self.generation.next()  # a prediction still running for the image left is not shown over this file
        self.session.set_busy(False)
        self._throttle.stop()
        self._pending, self._merge_key = None, None
        self._opened = opened
        self._replace_shown(opened.shown)
        self.session.set_prediction(opened.prediction, made_with=self.config)
        self._failure.resolve()
        p = Path(opened.path)
        self._leave_list_for(p)
        self.recentFilesChanged.emit(self.settings.add_recent_file(p))
        self.timings.emit(f"read in {opened.seconds * 1000:.0f} ms")
        photo = f" on its photo {Path(opened.photo).name}" if opened.photo else f"; {opened.photo_note}"
        self.status.emit(f"opened {opened.name}{photo}")
        if opened.model_note:
            self.warning.emit(opened.model_note)

    @Slot(int, str)
    def _on_params_failed(self, job: int, message: str) -> None:
        if self._opening.is_stale(job):
            return
        self._set_decoding(None)
        self.error.emit(message)  # what was on screen stays

    @Slot(int, object, object, object)
    def _on_decoded(self, token: int, p: Path, result, messages) -> None:
        if self._opening.is_stale(token):
            return  # another image was opened meanwhile, or Esc dropped it
        self._set_decoding(None)
        if result is None:
            self.error.emit(messages[0])
            then, rest, listed = self._decode_then
            if then == token and rest:  # the next image of the same drop opens, as after a small bad file
                self._open_first(list(rest), list(listed))
            return
        for text in messages:
            self.warning.emit(text)
        img, display, scale, stamp = result
        files = self.settings.add_recent_file(p)
        self.recentFilesChanged.emit(files)
        self.open_array(img, str(p), already_checked=True, display=(display, scale), stamp=stamp)

    @Slot()
    def _repose(self) -> None:
        params, self._pending = self._pending, None
        # (an edit still pending when another person or image came on screen is not theirs: `_keep_current` and
        # `_remember_shown` re-pose it first, for the body it was made on)
        if params is None or self.session.prediction is None or params is not self.session.params:
            return
        body = self.body_model()
        if body is None:
            if self._current_load:
                self._pending = params  # re-posed when the body model arrives (_set_body)
            return
        try:
            mesh = body.mesh(params)
        except Exception as exc:  # noqa: BLE001 - a wrong model file for these params
            self.error.emit(f"re-posing failed: {exc}")
            return
        self.session.set_mesh(mesh)

    # ------------------------------------------------------------------ images left behind
    def _remember_shown(self) -> None:
        """Keep the shown file's people's results (edits included) as it is left for another image: opened again
        unchanged, with the same settings, it comes back as it was instead of being fitted anew."""
        shown = self.session.shown
        if shown is None:
            return
        self.flush()  # (an edit still pending is the body on screen's)
        opened, pred = self.opened_params(), self.session.prediction
        # a parameter file's body is kept as the file's (opened again, it comes back as left); the photo under it is
        # fitted anew when opened itself
        key, stamp = file_key(opened.path if opened is not None else shown.source)
        if key is None:
            return
        if opened is None and shown.stamp:  # (the photo as it was read: one changed since is not the one shown)
            stamp = shown.stamp
        self._keep_current()
        results = dict(self.session.results) if opened is None else {}
        whole = keep_result(self.session) if pred is not None and pred.person < 0 else None
        if not results and whole is None:
            return
        self._remembered.pop(key, None)
        entry = _Remembered(shown, results, self.session.person, stamp, self.config, whole, opened)
        self._remembered[key] = entry
        kept = set(self._kept_within_limits())
        lost = [self._remembered.pop(k) for k in list(self._remembered) if k not in kept]
        for e in (e for e in lost if e.edited()):  # said, since edits are let go (the image shown's can be exported)
            what = (f"{shown.name} is too large to keep its fits while another image is shown" if e is entry else
                    f"{e.shown.name}'s fits could not be kept beside those of the images opened since")
            self.error.emit(f"{what}: coming back to it fits it again, without your edits of {e.edited()}"
                            + (" (export them first)" if e is entry else ""))

    def _kept_within_limits(self) -> list:
        """The keys of `_remembered` that stay: newest first, up to REMEMBERED_IMAGES images and REMEMBERED_BYTES;
        an image with edits is kept before any without (only its arrays count against the bytes, the count never
        drops it), so edits are let go only when the edited images alone fill the bytes."""
        keys = list(reversed(list(self._remembered)))  # newest first
        edited = {k for k in keys if self._remembered[k].edited()}
        kept, total, unedited = [], 0, 0
        for k in sorted(keys, key=lambda k: k not in edited):  # (stable: newest first within each group)
            size = self._remembered[k].nbytes()
            if k not in edited and unedited >= REMEMBERED_IMAGES - len(edited):
                continue
            if total + size > REMEMBERED_BYTES:
                continue
            total += size
            unedited += k not in edited
            kept.append(k)
        return kept

    def fits_on_hand(self) -> tuple[FitOnHand, ...]:
        """The fits made on screen with the settings in use, which Run all writes instead of fitting again
        (app.batch_run.FitsOnHandFirst checks the file still holds their pixels): of the image shown and of the images
        left behind (`_remembered`), every person fitted; not a dataset case's, a parameter file's body, or a
        person boxed by hand (Run all's search does not know them). The fits as made, without the edits."""
        shown = dict(self.session.results)
        current = keep_result(self.session)
        if current is not None:
            shown[max(int(current.prediction.person), 0)] = current  # (-1: the whole image, asked as person 0)
        images = [(self.session.shown, shown), *((e.shown, {0: e.whole, **e.results} if e.whole else e.results)
                                                 for e in self._remembered.values() if e.opened is None)]
        fits = []
        for image, results in images:
            key = file_key(image.source)[0] if image is not None and not image.as_case else None
            for k, kept in results.items() if key is not None else ():
                p = kept.prediction
                if (kept.made_with == self.config and not p.params_file and max(int(p.person), 0) == k
                        and not any(q.boxed for q in p.people)):
                    fits.append(FitOnHand(key, k, p))
        return tuple(fits)

    def _can_recall(self, path) -> bool:
        key, stamp = file_key(path)
        entry = self._remembered.get(key) if key is not None else None
        if entry is None:
            return False
        if entry.shown.as_case:  # a dataset case's fit (`open_case`): a photo opened is fitted as a photo
            del self._remembered[key]
            return False
        # the file or the settings changed since (a parameter file's body depends only on the body model)
        other = (entry.config.body_model_path != self.config.body_model_path if entry.opened is not None
                 else entry.config != self.config)
        if entry.stamp != stamp or other:
            del self._remembered[key]
            edited = entry.edited()
            if edited:  # fitted anew: the edits are gone, and the user is told why (a banner, until dismissed)
                why = ("changed on disk since it was read" if entry.stamp != stamp
                       else "was fitted with other settings")
                self.error.emit(f"{Path(path).name} {why}: fitted again, your edits of {edited} are not on the new "
                                "fit")
            return False
        return True

    def _recall(self, path) -> bool:
        """Show an image left behind as it was left (its people's results, the person on screen, edits)."""
        key, _ = file_key(path)
        entry = self._remembered.pop(key)
        self._remember_shown()
        self._opening.next()  # a large image still decoding (a parameter file being read) is not shown over this one
        self._set_decoding(None)
        self.generation.next()  # the job of the image being left is not shown over this one
        self.session.set_busy(False)
        self._replace_shown(entry.shown)
        for k, kept in entry.results.items():
            self.session.set_result(k, kept)
        shown = entry.whole or entry.results.get(entry.person) or next(iter(entry.results.values()))
        self._restore(shown)
        if entry.opened is not None:
            self._opened = entry.opened  # (F5, exports and the title know the file again)
        searched = next((k.prediction for k in entry.results.values() if k.prediction.searched), None)
        if searched is not None:  # the figures its search set aside, drawn again
            self.session.set_set_aside(_set_aside_boxes(searched))
        files = self.settings.add_recent_file(Path(path))
        self.recentFilesChanged.emit(files)
        self.status.emit(self._shown_status("as you left it; F5 fits it again"))
        return True

    # ------------------------------------------------------------------ jobs
    def _restore(self, kept) -> bool:
        """Show a kept result again (restore_result), with its own timings in the status bar."""
        if not restore_result(self.session, kept):
            return False
        self._merge_key = None  # the next slider edit is an undo step of this person's, not merged into another's
        self._sync_fit_quality()  # the network's fit was on screen: its numbers
        self.timings.emit(format_timings(kept.prediction.timings))
        self._failure.resolve()
        return True

    def cancel(self) -> None:
        """Stop the running prediction (its result, if any, is dropped). With nothing on screen (another person
        was being fitted) a complete result comes back: the chosen person's when fitted before, else the last
        one shown. With "fit everyone" running, the people not fitted yet stay unfitted (fit_everyone fits
        them later)."""
        if self._decoding is not None:  # Esc while a large image opens: it is not shown (what was on screen stays)
            name = self._decoding
            self._opening.next()
            self._params_waiting = None
            self._set_decoding(None)
            self.status.emit(f"stopped opening {name}")
            return
        everyone = bool(self._everyone_job)
        self._everyone, self._everyone_job = [], 0
        if self.session.busy:
            self.generation.next()
            self.session.set_busy(False)
            kept, self._kept = self._kept, None
            self._put_results_back()
            text = "cancelled"
            if self.session.prediction is None and (self._restore(self.session.results.get(self.session.person))
                                                    or self._restore(kept)):
                text = "cancelled: the last result is kept"
            if everyone:
                n = len(self.session.people)
                text += f" ({len(self.session.results)} of {n} people fitted)"
            self.status.emit(text)

    def _shown_status(self, note: str = "") -> str:
        """'photo.jpg: person 2 of 3 (note, refined)': the result on screen, for the status bar."""
        pred, shown = self.session.prediction, self.session.shown
        if pred is None or shown is None:
            return ""
        which = self.shown_fit()
        if which is Fit.NETWORK:
            fit = "the network's fit"
        elif which is None and self.session.params is not pred.params:
            fit = "edited"
        else:
            fit = "refined" if pred.refined else ""
        n = len(self.session.people)
        who = f" person {pred.person + 1} of {n}" if n > 1 and pred.person >= 0 else ""
        notes = ", ".join(x for x in (note, fit) if x)
        return f"{shown.name}:{who or ' result'}" + (f" ({notes})" if notes else "")

    def _submit(self, person: int | UserBox | None = None) -> None:
        """Ask the worker for the shown image's `person` (default the session's; -1 the whole image; a UserBox: the
        person in the user's box)."""
        shown = self.session.shown
        job = self.generation.next()
        self.session.set_busy(True)
        person = self.session.person if person is None else person
        boxed = isinstance(person, UserBox)
        self._box_job = job if boxed else 0
        self._whole_image_job = job if not boxed and person < 0 else 0
        if shown.as_case and person == 0:  # the default person of a dataset case: as the Dataset tab scored it
            person = AS_CASE
        n = len(self.session.people)
        who = (", the person in the box" if boxed else ", the whole image" if person < 0 else
               f", person {person + 1} of {n}" if n > 1 else "")
        self.status.emit(f"predicting {shown.name}{who}…")
        self._send(job, shown.image, shown.source, person)

    def _send(self, job: int, image, source: str, person: int | UserBox) -> None:
        """Send a request to the model worker; "Run all" pauses until its answer (or its staleness) frees it."""
        self.in_flight.sent(job)
        self._request.emit(job, image, source, person)

    # ------------------------------------------------------------------ worker results
    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        if job_id == self.generation.current:
            self.progress.emit(0, 0)

    @Slot(int, int, int)
    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        if job_id == self.generation.current:
            self.progress.emit(done, total)

    @Slot(int, object)
    def _on_finished(self, job_id: int, prediction) -> None:
        # "Run all" goes on once the answer is handled, whatever becomes of it; after the handling, so that a next
        # request it sends (the next person of "Fit everyone") holds the gate without a moment free between them
        try:
            self._finished(job_id, prediction)
        finally:
            self.in_flight.answered(job_id)

    def _finished(self, job_id: int, prediction) -> None:
        if job_id != self.generation.current or self.session.shown is None:
            return  # superseded
        if job_id == self._everyone_job:
            self._on_everyone_result(job_id, prediction)
            return
        self.session.set_busy(False)
        people = tuple(prediction.people)
        person = prediction.person
        # the body on screen, edited while the job ran perhaps: another person's is kept as theirs (a box fit
        # ran meanwhile; not for a whole-image fit, which forgets the people found); the one the new result
        # replaces (a re-run, a parameter file's body) leaves its edits one Ctrl+Z away on the new result
        self.flush()
        on_screen, carried, undo_gone = self.session.prediction, None, ""
        undo, redo = self.session.undo_redo()
        if on_screen is not None and on_screen.person != person and person >= 0 and not on_screen.params_file:
            self._keep_current()
        elif on_screen is not None and (self.edited() or redo):
            made_with = self.session.made_with
            if made_with is not None and made_with.body_model_path != self.config.body_model_path:
                # the same parameters on another body model are another body, which the user never had
                undo_gone = "; the edits, made on the body model before, are not kept"
            else:  # (the fit replaced is a step too, so that the redo steps lead on from it as before)
                carried = ((*undo, self.session.params), redo)
        self._merge_key = None
        self._kept = None
        if job_id == self._box_job and person in self.session.results:
            # a box around someone fitted before: their fit (edits and all) is shown, never replaced by a fresh one
            self._restore(self.session.results[person])
            self.status.emit(self._shown_status("in the box, fitted before"))
            return
        dropped = self._drop_stale(person)
        self._share_people(people)
        self.session.set_people(people, max(person, 0))
        if prediction.searched:  # (a box or the whole image asked for says nothing of the search's figures)
            self.session.set_set_aside(_set_aside_boxes(prediction))
        quality, network, parts = self._job_extras(job_id)
        self.session.set_prediction(prediction, quality, network, parts, made_with=self.config)
        if carried:
            self.session.set_history(prediction.params, *carried)
        # a result is on screen: the last failed prediction is no longer news (errors about files that could
        # not be opened are not resolved by it: they stay until dismissed)
        self._failure.resolve()
        self._keep_current()
        self.folder.record(self.session.shown.source, prediction, quality)
        self.timings.emit(format_timings(prediction.timings))
        who = (f" (person {person + 1} of {len(people)})" if len(people) > 1 and person >= 0 else
               " (the whole image as one person)" if person < 0 else "")
        self.status.emit(f"{self.session.shown.name}: done{who}"
                         + (" (refined)" if prediction.refined else "")
                         + (f"; the fits of {people_text(dropped)}, made with other settings, are dropped (Fit "
                            f"everyone fits them again)" if dropped else "")
                         + (("; Ctrl+Z brings back the edited body it replaced" if carried[0][-1] is not
                             on_screen.params else "; Ctrl+Y brings back the edits undone") if carried else "")
                         + undo_gone)
        if self._everyone:  # "fit everyone" asked for during the re-run
            self.session.set_busy(True)
            self._next_everyone()

    def _job_extras(self, job_id: int) -> tuple:
        """(quality, the network fit's quality, the display's part labels) the worker sent for this job (None
        for each it did not)."""
        return tuple(v if j == job_id else None for j, v in (self._quality, self._network_quality,
                                                                 self._display_parts))

    @Slot(int, object)
    def _on_display_parts(self, job_id: int, labels) -> None:
        self._display_parts = (job_id, labels)

    @Slot(int, object)
    def _on_assessed(self, job_id: int, quality) -> None:
        self._quality = (job_id, quality)

    @Slot(int, object)
    def _on_assessed_network(self, job_id: int, quality) -> None:
        self._network_quality = (job_id, quality)

    @Slot(int, object)
    def _on_set_aside(self, job_id: int, boxes) -> None:
        """A prediction that found no person to fit came with the figures its search set aside as animals (boxes in
        image px): shown on the photo, as a result's are (`_on_finished`). Not for a user's box, which says nothing
        about the photo's other figures."""
        if job_id == self.generation.current and job_id != self._box_job and self.session.shown is not None:
            self.session.set_set_aside(boxes)

    @Slot(int, str, bool)
    def _on_failed(self, job_id: int, message: str, no_person: bool = False) -> None:
        try:  # (the gate freed after the handling, as in _on_finished)
            self._failed(job_id, message, no_person)
        finally:
            self.in_flight.answered(job_id)

    def _failed(self, job_id: int, message: str, no_person: bool = False) -> None:
        if job_id != self.generation.current:
            return
        if job_id == self._everyone_job:  # one person failed: say so (now and in the last status) and go on
            self._everyone_failed[self._everyone_person] = message
            self.status.emit(f"person {self._everyone_person + 1}: {message}")
            self._next_everyone()
            return
        self.session.set_busy(False)
        kept, self._kept = self._kept, None
        self._put_results_back()
        if self.session.prediction is None:
            self._restore(kept)
        if self._everyone and self.session.shown is not None:  # "fit everyone" asked for during the re-run
            self.session.set_busy(True)
            self._next_everyone()
        name = self.session.shown.name if self.session.shown else "image"
        boxed = job_id == self._box_job  # (nobody in the user's box says nothing about the photo's people)
        if self.session.shown is not None and not boxed:
            self.folder.record(self.session.shown.source, error=message, no_person=no_person)
        hint = (" Edit > Fit the whole image (Shift+F5) fits it as one person's crop anyway; or Shift+drag a box "
                "around the person on the photo."
                if no_person and job_id not in (self._whole_image_job, self._box_job) else "")
        self._failure.fail(f"{name}: {message}.{hint}" if hint else f"{name}: {message}")
