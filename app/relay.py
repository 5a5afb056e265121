"""The signals by which the controller's plain background threads (the body-model loader, the large-image
decoder) answer on the GUI thread.

A thread started with `threading.Thread` has no QObject of its own to emit from: it emits a Relay's signal, and the
Relay, made on the GUI thread, delivers it there (a queued connection).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Relay(QObject):
    """Signals for the controller's background threads. Relays are never deleted (RELAYS), so a thread that
    finishes after its controller is gone still emits safely: Qt disconnected the dead receiver."""

    bodyLoaded = Signal(int, object, object, object)  # load token, BodyModel | None, beta effects, error | None
    decoded = Signal(int, object, object, object)  # token, path, (image, display, scale, file stamp) | None, messages


RELAYS: list[Relay] = []
