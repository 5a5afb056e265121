"""Keys a focused view keeps from the window's shortcuts."""
from __future__ import annotations

from PySide6.QtCore import QEvent


class OwnKeys:
    """Mixed into a QWidget (before it) that defines `_key_action(event)`: a key it has an action for (not None) is
    its own while it has the focus, even should a window shortcut use it. The ShortcutOverride accepted here makes Qt
    deliver the key as a key press instead of triggering the shortcut."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._key_action(event) is not None:
            event.accept()
            return True
        return super().event(event)
