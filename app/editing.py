"""Edits of the body on screen in the controller (EditingMixin, a part of app.controller.Controller): slider edits
merged into one undo step per gesture, the throttled re-posing on the GUI thread, undo / redo, reset, and the
switch between the refined fit and the network's own.

A slider edit -> set_params (Session.params at once) -> a single-shot timer of THROTTLE_MS coalesces re-posing ->
BodyModel.mesh on the GUI thread (a few ms) -> Session.set_mesh -> views repaint.
"""
from __future__ import annotations

import time

import numpy as np

from .session import Fit

THROTTLE_MS = 16  # re-pose at most every 16 ms (60 a second); the render thread drops frames it cannot keep up with
MERGE_WINDOW_S = 1.5


class EditingMixin:
    """Editing the body on screen for Controller (app/controller.py). Its state is set up by Controller.__init__:
    _pending, _merge_key, _merge_time, _throttle (the re-posing timer, connected to Controller._repose); it
    uses the controller's signals, session and _repose."""

    __slots__ = ()  # no state of its own: the controller's, set up in its __init__

    def set_params(self, params, merge_key=None) -> None:
        """Apply edited parameters. Consecutive edits with the same merge_key (one slider drag)
        make one undo step. The mesh is re-posed at most every THROTTLE_MS."""
        if self.session.params is None:
            return
        now = time.monotonic()
        merge = merge_key is not None and merge_key == self._merge_key and now - self._merge_time < MERGE_WINDOW_S
        self._merge_key, self._merge_time = merge_key, now
        if self.session.set_params(params, record_undo=not merge):
            self.status.emit(f"Undo keeps the last {self.session.MAX_UNDO} edits: the oldest is let go (Reset body "
                             "brings back the fit)")
        self._pending = params
        if not self._throttle.isActive():
            self._throttle.start()

    def end_edit(self) -> None:
        """A slider was released: the next edit starts a new undo step."""
        self._merge_key = None

    def flush(self) -> None:
        """Re-pose now if an edit is pending (before export, in tests)."""
        if self._pending is not None:
            self._throttle.stop()
            self._repose()

    def _show_params(self, params, record_undo: bool) -> None:
        """Jump to other parameters as a whole (undo, a fit switch): a new undo step of its own, re-posed now,
        with the quality numbers of the fit they are."""
        before = self.session.params
        self._merge_key = None
        self.session.set_params(params, record_undo=record_undo)
        self._pending = params
        self.flush()
        self._sync_fit_quality()
        self._jumped(before, params)

    def _jumped(self, before, after) -> None:
        """fitJumped when the body now stands elsewhere in the camera frame (the refined and the network fit
        place it differently; slider edits never move it, so undoing one keeps the user's view)."""
        if before is not None and after is not None and not np.allclose(before.transl, after.transl):
            self.fitJumped.emit()

    def undo(self) -> bool:
        return self._show_step(self.session.pop_undo(), "undo")

    def redo(self) -> bool:
        return self._show_step(self.session.pop_redo(), "redo")

    def _show_step(self, params, what: str) -> bool:
        """Show the parameters an undo or redo step took from the history (None: there was none)."""
        if params is None:
            return False
        self._show_params(params, record_undo=False)
        self.status.emit(what)
        return True

    def reset_to_prediction(self) -> None:
        pred = self.session.prediction
        if pred is None or self.session.params is pred.params:
            return
        before = self.session.params
        self._merge_key = None
        self.session.set_params(pred.params, record_undo=True)
        self._pending = None
        self._throttle.stop()
        self.session.set_mesh(pred.mesh)
        self._sync_fit_quality()
        self._jumped(before, pred.params)
        self.status.emit("reset to the prediction")

    def shown_fit(self) -> Fit | None:
        """Which of the prediction's two fits the current parameters are (None when the prediction was not refined
        or the body has been edited since)."""
        pred = self.session.prediction
        if pred is None or pred.network_params is None:
            return None
        if self.session.params is pred.params:
            return Fit.REFINED
        return Fit.NETWORK if self.session.params is pred.network_params else None

    def fit_origin(self) -> Fit | None:
        """The fit the body on screen is, or was edited from (the newest of the two in the undo history); None
        without a refined prediction."""
        pred = self.session.prediction
        if pred is None or pred.network_params is None:
            return None
        for params in self.session.history():
            if params is pred.params:
                return Fit.REFINED
            if params is pred.network_params:
                return Fit.NETWORK
        return None

    def edited(self) -> bool:
        """The body on screen has been edited (it is neither of the prediction's fits)."""
        pred = self.session.prediction
        params = self.session.params
        return pred is not None and params is not None and params is not pred.params \
            and params is not pred.network_params

    def _sync_fit_quality(self) -> None:
        """The quality badge follows the fit on screen (refined or the network's own; an edited body keeps
        the numbers of the fit it came from)."""
        which = self.shown_fit() or self.fit_origin()  # (an edited body: the fit it was edited from)
        quality = None if which is None else self.session.fit_qualities.of(which)
        if quality is not None and self.session.quality is not quality:
            self.session.set_quality(quality)

    def show_fit(self, which: Fit) -> bool:
        """Show the refined fit or the network's own (a Fit, or its name as the fit box's data and the view bar's
        signal carry it): the prediction keeps both, so this is an instant, undoable switch. False when the
        prediction has only one (the status bar says why), or for a name that is no fit."""
        pred = self.session.prediction
        network = None if pred is None else pred.network_params
        known = which in tuple(Fit)
        if network is None or not known:
            if pred is not None and known:
                self.status.emit("a parameter file holds one body: no other fit to show" if self.opened_params()
                                 else "only the network's fit: refinement is off (Settings)" if not self.config.refine
                                 else "only the network's fit: the refinement kept it (no detected person to refine "
                                      "towards, or the refined pose was one people do not take)")
            return False
        params = pred.params if which == Fit.REFINED else network
        if self.session.params is params:
            self._sync_fit_quality()
            return True
        edited = self.edited()
        self._show_params(params, record_undo=True)
        text = "showing the refined fit" if which == Fit.REFINED else "showing the network's fit"
        self.status.emit(f"{text}; your edits are not on it (Ctrl+Z brings them back)" if edited else text)
        return True
