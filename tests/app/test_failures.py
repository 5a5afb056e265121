"""PendingFailure: a failure is sent once as an error and, answered by a success, once as resolved."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.failures import PendingFailure


class Owner(QObject):
    error = Signal(str)
    errorResolved = Signal(str)


def test_a_failure_is_resolved_once_and_only_the_last_one(qapp):
    owner = Owner()
    sent, resolved = [], []
    owner.error.connect(sent.append)
    owner.errorResolved.connect(resolved.append)
    pending = PendingFailure(owner.error, owner.errorResolved)
    pending.resolve()  # nothing failed yet: nothing to answer
    pending.fail("a.jpg: no person found")
    pending.fail("b.jpg: cannot read the file")
    pending.resolve()
    pending.resolve()
    assert sent == ["a.jpg: no person found", "b.jpg: cannot read the file"]
    assert resolved == ["b.jpg: cannot read the file"] and pending.message is None
