"""The project's one reader of numpy's own files, `.npz` archives and `.npy` arrays: arrays only, never
pickled objects (numpy's allow_pickle=False), read whole, and never more than `MAX_READ_BYTES`.

A file's own header says how much memory reading it takes: an .npy header of a few bytes can declare any shape,
and a zip member of a few megabytes can inflate to gigabytes. So each array's size is checked before it is read,
from the zip directory and from the shape and dtype in its .npy header, and an .npz read is refused (ValueError
saying so) when the arrays asked for would pass the limit.

Every read holds one process-wide lock. numpy parses each array's header with `ast.literal_eval`, and CPython
3.11 keeps the AST constructor's recursion counter per interpreter, not per thread (python/cpython gh-106905):
two threads parsing at once can fail with "SystemError: AST constructor recursion depth mismatch" when a
garbage collection inside one lets the other run. The app reads in several threads at once (at start-up its
body-model loader and its model worker both read .npz files), so the reads take turns here.
"""
from __future__ import annotations

import math
import threading
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first entry, or an empty archive
# The most one read may hold, all its arrays together: 1 GiB, 2**27 float64 values. The body models and parameter
# files read this way hold a few tens of MB at most (SMPL's posedirs: 34 MB); a training cache's shard of 500
# samples at 256 px, about 130 MB.
MAX_READ_BYTES = 1 << 30
OWN_FILES = None  # `max_bytes` of the training caches' readers: files the project wrote, as large as the user asked
_HEADER_ROOM = 1 << 16  # an .npy header's bytes beside its data (numpy writes under 10,000)
_HEADERS = threading.Lock()


class TooLarge(ValueError):
    """An array file's arrays would take more memory than the limit of one read; the message says how much."""


def _gib(n: int) -> str:
    return f"{n / (1 << 30):,.1f} GiB" if n >= 1 << 27 else f"{n / (1 << 20):,.1f} MiB"


def _declared_bytes(fh: BinaryIO, what: str, max_bytes: int) -> int | None:
    """The bytes the .npy array starting at `fh` declares (shape x item size, read from its header alone), or
    None when `fh` is not an .npy array; ValueError when they pass `max_bytes`."""
    if fh.read(6) != npy_format.MAGIC_PREFIX:
        return None
    version = tuple(fh.read(2))
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"{what}: an .npy header of version {version}, which numpy does not write")
    read = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
    shape, _, dtype = read(fh)  # (3.0 differs from 2.0 only in the text encoding of field names)
    size = math.prod(shape) * dtype.itemsize
    if size > max_bytes:
        raise TooLarge(f"{what}: an array of shape {shape} and type {dtype}, {_gib(size)}: over the limit of "
                         f"{_gib(max_bytes)} for one read (a damaged file, or not one of the kind expected)")
    return size


def is_npz(path: str | Path) -> bool:
    """True when the file starts as a zip archive does (an .npz is one, whatever its suffix says)."""
    with open(path, "rb") as fh:
        return fh.read(4) in ZIP_STARTS


def read_npz(path: str | Path, keys: Iterable[str] | None = None,
             max_bytes: int | None = MAX_READ_BYTES) -> dict[str, np.ndarray]:
    """The arrays of an .npz file by name (only `keys` when given, and only those are looked at; those the file
    lacks are left out). ValueError saying what is wrong when the file is not a zip archive (numpy's own message
    would suggest allow_pickle), holds pickled objects, or when the arrays to read would take more than
    `max_bytes` (TooLarge; each checked by the zip directory and its .npy header before any is read).
    `max_bytes=None`: no limit, for the files the project's own training commands wrote (`OWN_FILES`: a cache
    shard's size is the user's --shard and --res, and may pass the limit of a file a user opens)."""
    if not is_npz(path):
        raise ValueError("not an .npz file (an .npz is a zip archive of arrays; this file does not start as one)")
    wanted = None if keys is None else set(keys)
    with _HEADERS, np.load(path, allow_pickle=False) as z:
        names = [k for k in z.files if wanted is None or k in wanted]
        if max_bytes is None:
            return {k: z[k] for k in names}
        members = {(i.filename[:-4] if i.filename.endswith(".npy") else i.filename): i for i in z.zip.infolist()}
        total = 0
        for k in names:
            info: zipfile.ZipInfo = members[k]
            # numpy reads a member that is not an .npy array whole, as bytes: the directory's size is what it takes
            if info.file_size > max_bytes + _HEADER_ROOM:
                raise TooLarge(f"{k} inflates to {_gib(info.file_size)}: over the limit of {_gib(max_bytes)} "
                                 f"for one read (a damaged file, or not one of the kind expected)")
            with z.zip.open(info) as fh:
                declared = _declared_bytes(fh, k, max_bytes)
            total += info.file_size if declared is None else declared
            if total > max_bytes:
                raise TooLarge(f"its arrays {', '.join(names)} hold {_gib(total)} or more: over the limit of "
                                 f"{_gib(max_bytes)} for one read (a damaged file, or not one of the kind expected)")
        return {k: z[k] for k in names}


def read_npy(path: str | Path) -> np.ndarray:
    """The array of an .npy file; ValueError when it is not one, holds pickled objects or declares more than
    MAX_READ_BYTES (TooLarge), OSError when it cannot be read."""
    if is_npz(path):  # np.load would hand back a lazy archive, its headers parsed later, outside the lock
        raise ValueError("an .npz archive, not an .npy array")
    with _HEADERS:
        with open(path, "rb") as fh:
            _declared_bytes(fh, Path(path).name, MAX_READ_BYTES)
        return np.load(path, allow_pickle=False)
