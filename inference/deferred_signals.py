"""Hold Ctrl+C and SIGTERM over steps that must not be cut in half.

`main.py predict` turns SIGTERM into an exception (`cli.main.Terminated`) so that the same clean-up as for
Ctrl+C runs. An exception can arrive between any two Python statements, and some pairs must not be split:
a temporary file created and its name remembered for clean-up, a finished file moved into place and
recorded as written, one image's set of outputs. Inside `deferred_signals()` the signals are recorded
instead of handled; on leaving, the previous handlers are restored and called once for each signal that
came, so the interruption takes effect right after the step, never inside it.

Only the main thread receives Python signal handlers, so elsewhere (the app's worker threads) this is a
no-op. Hold only short steps: a second Ctrl+C inside the block is not handled either. If the block raises
while a signal is pending, the signal's exception (KeyboardInterrupt, `Terminated`) replaces the error.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Defer SIGINT and SIGTERM until the block ends (see the module docstring). Nests."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum, frame):
        pending.append(signum)

    previous = {}
    try:
        for s in HELD:
            handler = signal.getsignal(s)
            # None: a handler set outside Python, which could not be put back; SIG_IGN: nothing to defer
            if handler is None or handler == signal.SIG_IGN:
                continue
            previous[s] = handler  # recorded before `hold` goes in, so it is always put back
            signal.signal(s, hold)
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(pending):
            handler = previous.get(s)
            if callable(handler):
                handler(s, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(s)
