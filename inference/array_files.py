"""The project's one reader of numpy's own files, `.npz` archives and `.npy` arrays: arrays only, never
pickled objects (numpy's allow_pickle=False), read whole.

Every read holds one process-wide lock. numpy parses each array's header with `ast.literal_eval`, and CPython
3.11 keeps the AST constructor's recursion counter per interpreter, not per thread (python/cpython gh-106905):
two threads parsing at once can fail with "SystemError: AST constructor recursion depth mismatch" when a
garbage collection inside one lets the other run. The app reads in several threads at once (at start-up its
body-model loader and its model worker both read .npz files), so the reads take turns here.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first entry, or an empty archive
_HEADERS = threading.Lock()


def is_npz(path: str | Path) -> bool:
    """True when the file starts as a zip archive does (an .npz is one, whatever its suffix says)."""
    with open(path, "rb") as fh:
        return fh.read(4) in ZIP_STARTS


def read_npz(path: str | Path, keys: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays of an .npz file by name (only `keys` when given; those the file lacks are left out).
    ValueError saying what is wrong when the file is not a zip archive (numpy's own message would suggest
    allow_pickle) or holds pickled objects."""
    if not is_npz(path):
        raise ValueError("not an .npz file (an .npz is a zip archive of arrays; this file does not start as one)")
    wanted = None if keys is None else set(keys)
    with _HEADERS, np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files if wanted is None or k in wanted}


def read_npy(path: str | Path) -> np.ndarray:
    """The array of an .npy file; ValueError when it is not one or holds pickled objects, OSError when it
    cannot be read."""
    if is_npz(path):  # np.load would hand back a lazy archive, its headers parsed later, outside the lock
        raise ValueError("an .npz archive, not an .npy array")
    with _HEADERS:
        return np.load(path, allow_pickle=False)
