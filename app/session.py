"""Session state of the main window: what is shown and edited. A QObject with signals; no widgets."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from .photo_mapping import parts_on_image

if TYPE_CHECKING:  # annotations only: importing it would load OpenCV
    from inference.fit_quality import FitQuality


class Fit(StrEnum):
    """A prediction's two fits: REFINED, its params (refined or not), and NETWORK, the fitting network's own
    (its network_params when refined). A str, so that the names Qt carries (the fit boxes' data, a signal's str)
    compare equal to them."""

    REFINED = "refined"
    NETWORK = "network"


@dataclass(frozen=True)
class FitQualities:
    """The quality of each of a prediction's two fits (None: not assessed, or no such fit)."""

    refined: FitQuality | None = None
    network: FitQuality | None = None

    def of(self, fit: Fit) -> FitQuality | None:
        """The quality of the fit `fit` (also given by its name; ValueError for a name that is no fit)."""
        return self.refined if Fit(fit) is Fit.REFINED else self.network


@dataclass(frozen=True)
class ShownImage:
    """The image being worked on: the full-size original, a display copy and its scale."""

    image: np.ndarray  # (H, W, 3) uint8 RGB original
    display: np.ndarray  # (h, w, 3) downscaled copy for the views
    scale: float  # display px per image px
    source: str  # file path or a description ("clipboard")
    # a dataset case opened from the Dataset tab: predicted as the table scored it (app.worker.AS_CASE)
    as_case: bool = False
    # the file's (size, mtime_ns) when it was read (app.opening.file_key; () for no file): what is kept of it when
    # another image is shown comes back only while the file is still this one
    stamp: tuple = ()

    @property
    def name(self) -> str:
        if self.source and ("/" in self.source or "\\" in self.source):
            return Path(self.source).name
        return self.source


class Session(QObject):
    """Current image, prediction, edited parameters and their mesh, undo history, busy state, and the
    people the detector found in the image with the one chosen for fitting.

    Signals (all emitted on the GUI thread):
      imageChanged(ShownImage | None)  predictionChanged(Prediction | None)
      paramsChanged(BodyParams | None) meshChanged(BodyMesh | None)
      busyChanged(bool)  undoChanged(bool available)  redoChanged(bool available)
      peopleChanged(tuple of inference.detect.Person, int chosen index)
      qualityChanged(inference.fit_quality.FitQuality | None)  the trust numbers of the prediction
      resultsChanged(dict person index -> app.results.KeptResult)  every person of the image fitted so far
      setAsideChanged(tuple of (x0, y0, x1, y1) image px)  the figures the shown image's search turned away as
        animals (Prediction.set_aside, or NoPersonFound.set_aside when it found nobody else); () for a new image
    """

    imageChanged = Signal(object)
    predictionChanged = Signal(object)
    paramsChanged = Signal(object)
    meshChanged = Signal(object)
    busyChanged = Signal(bool)
    undoChanged = Signal(bool)
    redoChanged = Signal(bool)
    peopleChanged = Signal(object, int)
    qualityChanged = Signal(object)
    resultsChanged = Signal(object)
    setAsideChanged = Signal(object)

    MAX_UNDO = 200

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.shown: ShownImage | None = None
        self.prediction = None
        self.params = None
        self.mesh = None
        self.busy = False
        # detected people of the shown image, the most complete and central first (inference.detect.blazepose.
        # rank_people); () before the first result
        self.people: tuple = ()
        self.person = 0  # index into people of the person fitted (or asked for)
        self.quality = None  # inference.fit_quality.FitQuality of the fit on screen (computed by the worker)
        self.fit_qualities = FitQualities()  # of the prediction's two fits (none without a prediction)
        self.results: dict = {}  # person index -> app.results.KeptResult: each fitted person of the shown image
        self.set_aside: tuple = ()  # boxes of the figures the shown image's search turned away as animals
        self.made_with = None  # the settings the prediction was made with (opaque here: the controller's ModelConfig)
        self._undo: list = []
        self._redo: list = []  # what undo took back, newest last; a new edit forgets it
        self._parts_display: np.ndarray | None = None

    # ---------------------------------------------------------------- setters
    def set_image(self, shown: ShownImage | None) -> None:
        self.set_set_aside(())  # (what was set aside belongs to the image left)
        self.shown = shown
        self.imageChanged.emit(shown)

    def set_set_aside(self, boxes) -> None:
        """The figures the shown image's search turned away as animals: boxes (x0, y0, x1, y1) in image px."""
        boxes = tuple(tuple(float(v) for v in b) for b in boxes)
        if boxes != self.set_aside:
            self.set_aside = boxes
            self.setAsideChanged.emit(boxes)

    def set_people(self, people, person: int) -> None:
        self.people = tuple(people)
        self.person = int(person)
        self.peopleChanged.emit(self.people, self.person)

    def set_result(self, person: int, kept) -> None:
        """Keep the result of one person of the shown image (a KeptResult; None forgets it)."""
        if kept is None:
            self.results.pop(int(person), None)
        else:
            self.results[int(person)] = kept
        self.resultsChanged.emit(dict(self.results))

    def clear_results(self) -> None:
        if self.results:
            self.results = {}
            self.resultsChanged.emit({})

    def set_prediction(self, prediction, quality=None, network_quality=None, parts_display=None,
                       made_with=None) -> None:
        """Show a prediction (None: none) with the quality of its fit (`quality`) and, when it was refined, of
        the network's own fit (`network_quality`); the fit shown first is the prediction's params.
        parts_display: its part labels on the display copy when already made (the worker makes them).
        made_with: the settings it was made with (kept with it: app.results.KeptResult.made_with)."""
        self.prediction = prediction
        self.made_with = made_with if prediction is not None else None
        self.quality = quality if prediction is not None else None
        self.fit_qualities = FitQualities() if prediction is None else FitQualities(quality, network_quality)
        fits = (prediction is not None and parts_display is not None and self.shown is not None
                and parts_display.shape == self.shown.display.shape[:2])
        self._parts_display = parts_display if fits else None
        self._undo.clear()
        self.undoChanged.emit(False)
        self._forget_redo()
        self.params = prediction.params if prediction is not None else None
        self.mesh = prediction.mesh if prediction is not None else None
        self.predictionChanged.emit(prediction)
        self.paramsChanged.emit(self.params)
        self.meshChanged.emit(self.mesh)
        self.qualityChanged.emit(self.quality)

    def set_quality(self, quality) -> None:
        """The trust numbers of what is shown (e.g. after switching between the refined and the network fit)."""
        self.quality = quality
        self.qualityChanged.emit(quality)

    def set_params(self, params, record_undo: bool) -> bool:
        """Show these parameters; record_undo: the ones shown become an undo step. True when that let the oldest
        step go (the history holds MAX_UNDO)."""
        dropped = False
        if record_undo and self.params is not None:
            self._undo.append(self.params)
            dropped = len(self._undo) > self.MAX_UNDO
            del self._undo[: -self.MAX_UNDO]
            self.undoChanged.emit(True)
        if record_undo:
            self._forget_redo()
        self.params = params
        self.paramsChanged.emit(params)
        return dropped

    def set_history(self, params, undo, redo) -> None:
        """Put back a whole editing history (a person shown again: app.results.restore_result): the parameters
        on screen, the undo steps (oldest first) and what redo brings back (newest last)."""
        self._undo = list(undo)[-self.MAX_UNDO:]
        self._redo = list(redo)
        self.params = params
        self.undoChanged.emit(bool(self._undo))
        self.redoChanged.emit(bool(self._redo))
        self.paramsChanged.emit(params)

    def undo_redo(self) -> tuple[tuple, tuple]:
        """(undo steps oldest first, redo steps newest last): the history a kept result takes with it."""
        return tuple(self._undo), tuple(self._redo)

    def set_mesh(self, mesh) -> None:
        self.mesh = mesh
        self.meshChanged.emit(mesh)

    def history(self):
        """The current parameters, then the undo steps newest first (what Ctrl+Z would bring back, in order)."""
        if self.params is not None:
            yield self.params
        yield from reversed(self._undo)

    def pop_undo(self):
        if not self._undo:
            return None
        p = self._undo.pop()
        self.undoChanged.emit(bool(self._undo))
        if self.params is not None:
            self._redo.append(self.params)
            self.redoChanged.emit(True)
        return p

    def pop_redo(self):
        """The parameters the last undo took back (None when there are none); the ones now shown become an
        undo step again."""
        if not self._redo:
            return None
        p = self._redo.pop()
        self.redoChanged.emit(bool(self._redo))
        if self.params is not None:
            self._undo.append(self.params)
            self.undoChanged.emit(True)
        return p

    def _forget_redo(self) -> None:
        if self._redo:
            self._redo.clear()
            self.redoChanged.emit(False)

    def set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busyChanged.emit(busy)

    # ---------------------------------------------------------------- derived
    def parts_on_display(self) -> np.ndarray | None:
        """Predicted part labels (h, w) uint8 on the display image (cached per prediction; made here only when
        the worker did not send them)."""
        if self.prediction is None or self.shown is None:
            return None
        if self._parts_display is None:
            h, w = self.shown.display.shape[:2]
            self._parts_display = parts_on_image(self.prediction.parts, self.prediction.crop, (h, w),
                                                 self.shown.scale, photo=self.shown.display)
        return self._parts_display
