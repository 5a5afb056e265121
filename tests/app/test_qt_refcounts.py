"""PySide6 6.12.0 on Python 3.11 lost one reference to None per void Qt call, and a long session
aborted ('none_dealloc'); requirements.txt pins 6.11.3. This guards the pin."""
import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_references(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    for _ in range(200):  # warm up caches
        label.setText("x")
    before = sys.getrefcount(None)
    for i in range(5000):
        label.setText(str(i % 7))
    assert sys.getrefcount(None) - before > -500
