"""What is wrong with a data file that would not read, in a user's words (`read_problem`): the one wording of the
readers of parameter files (inference/export.py), body models (inference/body_model.py), joints files, training
caches and crowd frames."""
from __future__ import annotations

import json
import pickle
import zipfile
import zlib
from pathlib import Path

from . import array_files
from .json_files import NestedTooDeeply

# what reading an .npz raises for a file that is not a whole archive of plain arrays (the shards of training/cache.py,
# the crowd frames of training/synth/crowd.py): `read_problem` says what each means
NPZ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)

# what each kind of file is, for a file that does not read as one
_KINDS = {".json": "a JSON file", ".pkl": "a pickle file", ".npz": "an .npz file", ".npy": "an .npy file"}


def read_problem(path: str | Path, exc: BaseException) -> str:
    """What is wrong with the data file `path` (.json, .pkl, .npz, .npy) whose reading raised `exc`, in a user's
    words and without the file's name: the decoders' own messages ("JSONDecodeError: Expecting value", "EOFError:
    Ran out of input", "UnpicklingError: Memo value not found", numpy's allow_pickle) said nothing a user could act
    on."""
    said = " ".join(str(exc).split())  # one line: some decoders' messages run over several
    if isinstance(exc, OSError) and exc.errno is not None:
        return (exc.strerror or said).lower()
    try:
        empty = Path(path).stat().st_size == 0
    except OSError:
        empty = False
    kind = _KINDS.get(Path(path).suffix.lower(), "a file of its kind")
    if empty:
        return "the file is empty"
    if isinstance(exc, pickle.UnpicklingError) and said.startswith("refusing to load"):
        return said  # (safe_pickle's refusal of code or of unsafe data: its words say what and why)
    if isinstance(exc, array_files.TooLarge):
        return said  # (its words give the array, its size and the limit)
    if isinstance(exc, MemoryError):
        return "too large to read: there is not enough memory for what the file holds (a damaged file, or not " \
               "one of the kind expected)"
    if isinstance(exc, json.JSONDecodeError):
        return f"not {kind}, or a damaged one (line {exc.lineno}, column {exc.colno}: {exc.msg.lower()})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not {kind}: it is not text (byte {exc.object[exc.start:exc.start + 1].hex()} at {exc.start})"
    if isinstance(exc, (RecursionError, NestedTooDeeply)):  # (RecursionError: a pickle's containers)
        return "nested too deeply to be read"
    if isinstance(exc, ValueError) and "allow_pickle" in said:  # numpy's words for an object array
        return "it holds pickled objects, not plain arrays"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error)) or (isinstance(exc, EOFError) and kind == _KINDS[".npz"]):
        try:
            zipped = array_files.is_npz(path)
        except OSError:
            zipped = False
        return "damaged or cut short" if zipped else "not an .npz file: it does not start as the zip archive an .npz is"
    if isinstance(exc, (pickle.UnpicklingError, EOFError)) or (kind == _KINDS[".npy"] and "an .npz" not in said):
        return f"not {kind}, or one cut short or damaged"  # (numpy's words for an .npy: "EOF: reading array header")
    return said or f"not {kind}, or a damaged one"
