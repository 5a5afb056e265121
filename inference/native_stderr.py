"""What C libraries print on file descriptor 2 (libjpeg's warnings, TFLite's log), caught around one call.

Python's sys.stderr is not where they write, so the descriptor itself is pointed at a temporary file for the
duration and the text read back; lines the caller does not want shown are dropped, the rest are written on.
Where no temporary folder can be written (a locked-down sandbox) the file is one in memory (Linux), and where
neither can be made the call runs uncaptured: losing the capture must not cost what is called (the person
detector is loaded in one). One capture at a time (a process-wide lock): the descriptor is shared by every thread.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from typing import BinaryIO

_LOCK = threading.Lock()


def _capture_file() -> BinaryIO | None:
    """An empty file to point fd 2 at: a temporary file, else one in memory (os.memfd_create, Linux); None when
    neither can be made."""
    try:
        return tempfile.TemporaryFile()
    except OSError:  # no usable temporary folder (FileNotFoundError), or none writable
        pass
    try:
        return os.fdopen(os.memfd_create("native_stderr"), "w+b")
    except (AttributeError, OSError):  # (not Linux)
        return None


@contextlib.contextmanager
def native_stderr(keep_out: tuple[str, ...] = ()):
    """Capture fd 2 in the block; yields a list that holds the captured text (one str) after it. Lines that
    contain any of `keep_out` are not passed on to the real stderr; every other line is. Where no file for the
    text can be made (`_capture_file`), fd 2 is left as it is and the text is '' (nothing is dropped)."""
    caught: list[str] = []
    with _LOCK:
        tmp = _capture_file()
        if tmp is None:
            try:
                yield caught
            finally:
                caught.append("")
            return
        with tmp:
            sys.stderr.flush()
            saved = os.dup(2)
            try:
                os.dup2(tmp.fileno(), 2)
                yield caught
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                text = tmp.read().decode("utf-8", "replace")
                caught.append(text)
                others = [line for line in text.splitlines(True) if not any(k in line for k in keep_out)]
                if others:
                    sys.stderr.write("".join(others))
                    sys.stderr.flush()
