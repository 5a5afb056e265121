"""Never lose a result: the last complete result of the shown image, kept while a new one is computed.

A re-run (a setting changed, F5) leaves the current result on screen until the new one arrives
(Controller.rerun does not clear it). Fitting another of several people clears the views, so the
result is kept here first: a cancel (Esc) or a failure then puts it back, edits included.

A kept result holds the person's whole undo and redo history, not only the edited body: each person of a
photo is edited on their own, and switching to another person and back (or leaving the image and coming
back to it) must not fold several edits into one undo step nor forget what redo would bring back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing these would load Qt (app.session) and OpenCV (fit_quality)
    import numpy as np

    from inference.detect import Person
    from inference.fit_quality import FitQuality
    from inference.types import BodyMesh, BodyParams, Prediction

    from .session import Session, ShownImage


@dataclass(frozen=True)
class KeptResult:
    """One complete result of an image: the prediction, the quality of its fit and, when refined, of the
    network's own fit (None when not assessed), the people detected, the index of the one fitted (-1: whole
    image), and the (edited) body on screen."""

    shown: ShownImage  # the image it belongs to
    prediction: Prediction
    quality: FitQuality | None
    people: tuple[Person, ...]
    person: int
    params: BodyParams | None
    mesh: BodyMesh | None
    network_quality: FitQuality | None = None
    parts_display: np.ndarray | None = None  # (h, w) part labels on the display copy (Session.parts_on_display)
    undo: tuple[BodyParams, ...] = ()  # the undo steps, oldest first (Session.history)
    redo: tuple[BodyParams, ...] = ()  # what redo brings back, newest last
    # the settings the prediction was made with (the controller's ModelConfig; opaque here): a result made with
    # other settings than the ones in use is stale (Controller.rerun re-fits it)
    made_with: object = None


def keep_result(session: Session) -> KeptResult | None:
    """The session's current complete result (None when there is none)."""
    if session.prediction is None or session.shown is None:
        return None
    q = session.fit_qualities
    undo, redo = session.undo_redo()
    return KeptResult(session.shown, session.prediction, q.refined, tuple(session.people),
                      int(session.prediction.person), session.params, session.mesh, q.network,
                      session.parts_on_display(), undo, redo, session.made_with)


def restore_result(session: Session, kept: KeptResult | None) -> bool:
    """Show `kept` again if it belongs to the image still shown; True if it did."""
    if kept is None or session.shown is not kept.shown:
        return False
    session.set_people(kept.people, max(kept.person, 0))
    session.set_prediction(kept.prediction, kept.quality, kept.network_quality, kept.parts_display,
                           made_with=kept.made_with)
    if kept.params is not None and kept.params is not kept.prediction.params:
        # an edited body without a history of its own (made by hand): one undo step back to the prediction
        undo = kept.undo or (kept.prediction.params,)
        session.set_history(kept.params, undo, kept.redo)
        session.set_mesh(kept.mesh)
    elif kept.undo or kept.redo:  # the prediction on screen, with edits undone (redo) or made before a reset
        session.set_history(kept.prediction.params, kept.undo, kept.redo)
    return True
