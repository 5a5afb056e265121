"""The status of one image of the folder list: what the list shows of it (not run, running, done with its fit's
verdict, no person, error) and why. Set by "Run all" (app/batch_run.py), by the interactive results of the image
(app/folder.py, `FolderSession.record`) and by the thumbnail thread when the reader refuses the file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inference.fit_quality import FitQuality
    from inference.types import Prediction

NOT_RUN, RUNNING, DONE, NO_PERSON, ERROR = "not run", "running", "done", "no person", "error"
PAUSED = "paused"  # a running image's message (and label) while the batch waits for the image on screen


@dataclass(frozen=True)
class ImageStatus:
    """What is known of one image of the list. verdict: the fit-quality verdict of a done image
    ('good' / 'doubtful' / 'bad' / 'unknown'; inference.fit_quality), '' before; outputs: the files the
    batch wrote for it; people: how many people of it the batch wrote (with "every person"), 0 when not counted."""

    state: str = NOT_RUN
    message: str = ""
    verdict: str = ""
    outputs: tuple[Path, ...] = ()
    people: int = 0

    @property
    def label(self) -> str:
        if self.state == DONE and self.verdict and self.verdict != "unknown":  # (the verdict of person 1's fit)
            # ("2 people · doubtful fit" is cut in the list's width at 1600 px: the count says it is done)
            return f"{self.people} people · {self.verdict}" if self.people > 1 else f"done · {self.verdict} fit"
        if self.state == RUNNING and self.message == PAUSED:
            return PAUSED
        return self.state


def status_of(prediction: Prediction | None = None, quality: FitQuality | None = None, error: str = "",
              no_person: bool = False) -> ImageStatus:
    """The status of an image from its result (a Prediction and its FitQuality) or its failure: the message,
    and no_person when the failure was inference.errors.NoPersonFound (decided where the exception is)."""
    if error:
        return ImageStatus(NO_PERSON if no_person else ERROR, error)
    return ImageStatus(DONE, "", quality.verdict if quality is not None else "unknown")
