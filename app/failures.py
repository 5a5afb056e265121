"""The message of the last failure an object reported, held until a later success answers it.

The controller (a failed prediction, answered by a result on screen), the Dataset tab (a dataset that could not
be opened, answered by one that opens) and both batch runs, the folder's Run all and the Dataset tab's run
(`app/worker.py BackgroundRun`: a failed run, answered by the next run that finishes), report failures on their
`error` signal and, once answered, the same text on `errorResolved`, which the window's message banner uses to
take that message down (`MessageBanner.resolve`).
"""
from __future__ import annotations

from PySide6.QtCore import SignalInstance


class PendingFailure:
    """`fail(message)` emits `error`; `resolve()` emits the held message on `resolved` once (nothing held:
    nothing sent). Both signals are the owner's bound signals, so only Qt signals leave the owner."""

    def __init__(self, error: SignalInstance, resolved: SignalInstance):
        self._error, self._resolved = error, resolved
        self.message: str | None = None

    def fail(self, message: str) -> None:
        self.message = message
        self._error.emit(message)

    def resolve(self) -> None:
        if self.message is not None:
            message, self.message = self.message, None
            self._resolved.emit(message)
