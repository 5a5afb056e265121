"""Capturing what C code writes on file descriptor 2: the text is returned, unwanted lines are dropped and the
rest passed on to the real stderr."""
from __future__ import annotations

import os

from inference.native_stderr import native_stderr


def test_fd2_is_captured_and_only_unwanted_lines_are_dropped(capfd):
    with native_stderr(keep_out=("XNNPACK",)) as caught:
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"a real problem\n")
    assert caught == ["INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\na real problem\n"]
    err = capfd.readouterr().err
    assert "a real problem" in err and "XNNPACK" not in err
    os.write(2, b"after\n")  # fd 2 is the real one again
    assert capfd.readouterr().err == "after\n"


def test_fd2_is_restored_when_the_block_raises(capfd):
    try:
        with native_stderr():
            os.write(2, b"before the error\n")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "before the error\nafter\n"
