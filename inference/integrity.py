"""Shipped model files checked against the sizes and SHA-256 digests recorded beside them.

A folder of model files may hold a manifest, `models.json`:

    {"pose_detection.tflite": {"bytes": 2959046, "sha256": "9ba9dd3d..."}, ...}

`check_files` compares each listed file with it before the file is handed to a native runtime
(a truncated .tflite can crash TFLite's C++ loader outright instead of raising), and raises
`ModelFileError` with a message naming the file. A file's digest is computed once per process
for a given size and modification time. `write_manifest` records files in a folder's manifest
(scripts/package_weights.py keeps resources/weights/models.json with it).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .json_files import read_json
from .paths import REINSTALL, in_checkout

MANIFEST = "models.json"
_verified: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256


class ModelFileError(ValueError):
    """A model file is missing, or differs from the size or digest recorded in its folder's manifest."""


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict[str, dict]:
    """The manifest of `folder` ({} when it has none); ModelFileError when it cannot be read."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return {}
    try:
        doc = read_json(path)
    except (OSError, ValueError) as exc:
        from .read_problems import read_problem

        raise ModelFileError(f"cannot read {path}: {read_problem(path, exc)}") from None
    if not isinstance(doc, dict) or not all(isinstance(v, dict) for v in doc.values()):
        raise ModelFileError(f"{path}: expected an object of file name -> {{bytes, sha256}}")
    return doc


def write_manifest(folder: Path, names: tuple[str, ...] | list[str]) -> Path:
    """Record the size and SHA-256 of the files `names` in `folder`'s manifest, keeping its other entries;
    written atomically. Returns the manifest's path."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for name in names:
        manifest[name] = {"bytes": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}
    path = folder / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.tmp")
    tmp.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _restore_hint(path: Path, restore: str | None, checkout: bool | None = None) -> str:
    """`restore`, or else how the shipped files come back: from git or the set-up in a checkout, by a reinstall in
    an installed copy (`checkout`: which, None: `in_checkout()`)."""
    if restore:
        return restore
    if checkout is None:
        checkout = in_checkout()
    if checkout:
        return "restore it from the project (git checkout of that file, or the README's set-up again)"
    return f"restore it by reinstalling (`{REINSTALL}`)"


def check_file(path: Path, bytes_: int | None, sha256: str | None, restore: str | None = None) -> None:
    """Raise ModelFileError unless `path` is a regular file of `bytes_` bytes with digest `sha256`
    (either may be None: not checked). `restore`: how to get the file back, ending the message
    (default: from the project, by git or the set-up)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ModelFileError(f"model file {path} cannot be read: {exc.strerror or exc}") from None
    if not Path(path).is_file():
        raise ModelFileError(f"model file {path} is not a regular file")
    if bytes_ is not None and st.st_size != int(bytes_):
        what = "truncated" if st.st_size < int(bytes_) else "too long"
        raise ModelFileError(f"model file {path} is damaged ({what}: {st.st_size:,} bytes, expected "
                             f"{int(bytes_):,}); {_restore_hint(path, restore)}")
    if sha256 is None:
        return
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    digest = _verified.get(key) or sha256_of(path)
    if digest != sha256.lower():
        raise ModelFileError(f"model file {path} is damaged or replaced (sha256 {digest[:12]}..., expected "
                             f"{sha256[:12]}...); {_restore_hint(path, restore)}")
    _verified[key] = digest


def check_files(folder: Path, names: tuple[str, ...] | list[str], restore: str | None = None) -> None:
    """Check the files `names` in `folder` against the folder's manifest (files it does not list, and
    folders without a manifest, are not checked). Raises ModelFileError naming the first bad file."""
    manifest = read_manifest(folder)
    for name in names:
        if name in manifest:
            entry = manifest[name]
            check_file(Path(folder) / name, entry.get("bytes"), entry.get("sha256"), restore)


DAMAGED = "not a PyTorch checkpoint, or a damaged one"


def load_weights(path: str | Path, map_location="cpu"):
    """torch.load(path) with its weights_only loader (tensors and plain data: no code runs), without the warning
    it prints for a plain pickle of another protocol ("UserWarning: Detected pickle protocol 4 ...", two lines
    before the one-line refusal of `load_refusal`)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Detected pickle protocol")
        return torch.load(path, map_location=map_location, weights_only=True)


def load_refusal(exc: Exception, fallback: str | None = None) -> str:
    """Why torch's weights_only loader refused a file, in a user's words (its own message suggests
    weights_only=False: not advice for a user): a pickled object is named as code that could run, a file it
    cannot read is DAMAGED; anything else is `fallback`, or the exception's own message without one."""
    why = str(exc)
    # torch's words for a pickled object it will not build: "Unsupported global: GLOBAL os.getcwd was not an
    # allowed global", and for one of a module it blocks outright (os, subprocess, ...; torch 2.13): "Trying to load
    # unsupported GLOBAL posix.system whose module posix is blocked", which fell through to DAMAGED
    for words in ("Unsupported global: GLOBAL ", "Trying to load unsupported GLOBAL "):
        if words in why:
            name = (why.split(words, 1)[1].split() or ["an object"])[0]
            return f"it holds {name}, more than tensors and plain data (refused: loading it could run code)"
    # torch's own words for a file that is no checkpoint: a text file fails its legacy reader with a KeyError
    # naming a byte ('101'), an empty one with a bare EOFError, a cut one in its zip reader
    byte_key = isinstance(exc, KeyError) and why.strip("'\"").isdigit()
    if ("Weights only load failed" in why or byte_key or isinstance(exc, EOFError)
            or any(s in why for s in ("Invalid magic number", "failed reading zip archive", "invalid load key"))):
        return DAMAGED
    return why if fallback is None else fallback
