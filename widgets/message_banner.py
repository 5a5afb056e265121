"""The banner above the photo that says what went wrong (or what to do next) without a modal dialog."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class MessageBanner(QFrame):
    """A non-modal message strip above the views (errors stay until dismissed)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close this message")
        close.setAccessibleName("Close message")  # (its text "✕" was all a screen reader said)
        close.clicked.connect(self.hide)
        self.kind = "error"
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 4, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.kind = kind
        colors = {"error": ("#fdecea", "#8a1c13", "#f5c2bd"), "info": ("#e8f1fd", "#123e7a", "#bcd3f5")}
        bg, fg, border = colors.get(kind, colors["error"])
        self.setStyleSheet(f"QFrame#banner {{ background: {bg}; border: 1px solid {border}; border-radius: 4px; }}"
                           f"QFrame#banner QLabel {{ color: {fg}; }}")
        self.label.setText(text)
        self.show()

    def resolve(self, text: str) -> None:
        """Hide the banner if it still shows the error `text` (a later result answered it)."""
        if self.kind == "error" and self.label.text() == text:
            self.hide()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
