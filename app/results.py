"""Never lose a result: the last complete result of the shown image, kept while a new one is computed.

A re-run (a setting changed, F5) leaves the current result on screen until the new one arrives
(Controller.rerun does not clear it). Fitting another of several people clears the views, so the
result is kept here first: a cancel (Esc) or a failure then puts it back, edits included.
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


def keep_result(session: Session) -> KeptResult | None:
    """The session's current complete result (None when there is none)."""
    if session.prediction is None or session.shown is None:
        return None
    q = session.fit_qualities
    return KeptResult(session.shown, session.prediction, q.get("refined"), tuple(session.people),
                      int(session.prediction.person), session.params, session.mesh, q.get("network"),
                      session.parts_on_display())


def restore_result(session: Session, kept: KeptResult | None) -> bool:
    """Show `kept` again if it belongs to the image still shown; True if it did."""
    if kept is None or session.shown is not kept.shown:
        return False
    session.set_people(kept.people, max(kept.person, 0))
    session.set_prediction(kept.prediction, kept.quality, kept.network_quality, kept.parts_display)
    if kept.params is not None and kept.params is not kept.prediction.params:
        session.set_params(kept.params, record_undo=True)  # the edits, one undo step back to the prediction
        session.set_mesh(kept.mesh)
    return True
