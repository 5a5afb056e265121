"""Keeps the interpreter's cyclic garbage collector from freezing the window.

A full collection walks every object the collector tracks, holding the GIL: with torch, scipy, pyrender and
the networks loaded that is about 290 000 objects and 90-150 ms on this CPU, and it runs whichever thread
happens to allocate (in practice the render and model threads importing their libraries during the first
image), so the GUI thread stalls that long (scripts/bench_app.py's max_block_ms, found with a perf profile of
the stalls). The app process moves the objects it keeps for its lifetime (modules, classes, functions, the
body model, the networks, the renderer) out of the collector's reach with gc.freeze() once they are loaded;
full collections then walk only what was made since. Frozen objects are still freed by reference counting;
only reference cycles among them would stay, and the long-lived objects form none that matter (a dropped
Predictor is freed: tests/app/test_gc_pauses.py).

Freezing is the application's choice: `enable()` (cli/cmd_gui.py, scripts/bench_app.py) turns `settle()` on;
elsewhere (tests, library use) settle() does nothing, so garbage alive at the moment is never pinned."""
from __future__ import annotations

import ctypes
import gc

_enabled = False


def enable() -> None:
    """Let settle() freeze (the application process), and freeze what start-up imported."""
    global _enabled
    _enabled = True
    settle()


def settle() -> None:
    """Move every object alive now into the collector's permanent generation (after loading long-lived code
    or models; any thread); nothing unless enable() was called."""
    if _enabled:
        gc.freeze()


def enabled() -> bool:
    return _enabled


def give_back() -> None:
    """Hand the heap that freed objects left behind back to the system (glibc's malloc_trim; nothing where there
    is none). glibc keeps freed memory for the process: every Predictor a settings change replaced left about 10 MB
    resident, 350 MB after 40 changes, all of it returned by one trim."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
