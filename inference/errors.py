"""The errors a user sees, importable without torch (the app's GUI thread sorts failures by class).

`USER_ERRORS`: failures that are about the input or the set-up, not bugs: shown as their message alone,
without a traceback.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .integrity import ModelFileError
from .paths import REINSTALL, RESOURCES, in_checkout, under_git


class PredictionError(RuntimeError):
    """The image cannot be processed (unreadable, no person, cancelled); the message is for the user."""


class Cancelled(PredictionError):
    """A newer request superseded this one."""


class NoPersonFound(PredictionError):
    """Neither the person detector nor the segmentation found a person in the image (a status of the image,
    not a failure of the model: the folder list and `main.py predict`'s summary count these apart).
    `set_aside`: the boxes (x0, y0, x1, y1) in image pixels of the figures the detector found and turned away as
    animals (the app draws them on the photo, so a user sees what was seen and can box a person by hand)."""

    def __init__(self, message: str, set_aside: tuple[tuple[float, float, float, float], ...] = ()):
        super().__init__(message)
        self.set_aside = tuple(tuple(float(v) for v in box) for box in set_aside)


class PersonNotThere(PredictionError):
    """The person asked for (counted from 1) is beyond the `found` people of the image."""

    def __init__(self, person: int, found: int):
        super().__init__(f"person {person} asked for, but {found} found")
        self.person, self.found = person, found


class PriorFileError(PredictionError):
    """A pose prior of resources/priors, which refinement needs, is missing or damaged; the message names the file,
    how to restore it and that a fit without refinement works without it. A PredictionError: `main.py predict`
    refuses to start with it (exit 2) and the app shows it as one line."""


class ImageLoadError(ValueError):
    """An image could not be loaded; the message is meant for the user."""


class BodyModelError(ValueError):
    """A body model file is missing, of the wrong kind, or corrupt."""


class ParamsFileError(ValueError):
    """A parameter file is missing, of an unknown kind, or does not hold SMPL parameters."""


class ExportFormatError(ValueError):
    """An export asked for in a format the exporter does not write (a file name's suffix)."""


def restore_hint(path: str | Path, shipped: Path, checkout: bool | None = None) -> str:
    """How to get a damaged or missing shipped file back, ending a user's message: when `path` is the project's own
    copy, `git checkout` of its path in a checkout (every file of resources/ is tracked) and a reinstall in an
    installed copy (no git there); else a copy of the project's `shipped` file (a folder of the user's choosing).
    `checkout`: whether the code runs from a checkout (None: `in_checkout()`)."""
    checkout = in_checkout() if checkout is None else checkout
    rel = _in_project(path)
    if rel is not None:
        if not checkout:
            return f"restore it by reinstalling (`{REINSTALL}`)"
        # (a source archive unpacked without git: the file comes from the archive again)
        return f"restore it with `git checkout {rel}`" if under_git() else f"copy {rel} again from the source archive"
    return f"replace it with a copy of the project's {(_in_project(shipped) if checkout else None) or shipped}"


def _in_project(path: str | Path) -> str | None:
    """`path` relative to the project's folder, None when it lies outside or does not resolve."""
    try:
        return Path(path).resolve().relative_to(RESOURCES.parent).as_posix()
    except (OSError, RuntimeError, ValueError):
        return None


USER_ERRORS = (PredictionError, BodyModelError, ImageLoadError, ModelFileError, ParamsFileError,
               ExportFormatError, FileNotFoundError)

__all__ = ["USER_ERRORS", "BodyModelError", "Cancelled", "ExportFormatError", "ImageLoadError", "ModelFileError",
           "NoPersonFound", "ParamsFileError", "PersonNotThere", "PredictionError", "PriorFileError", "restore_hint"]


def print_traceback() -> None:
    """Print the exception being handled on stderr as the interpreter would, safely from any thread: through
    CPython's own printer (sys.__excepthook__), not traceback.print_exc. In Python 3.11 the latter marks the
    failing expression by parsing the source line into Python AST objects, whose constructor keeps one depth
    counter for all threads (python/cpython gh-106905): a numpy file read in another thread at that moment can
    fail with "SystemError: AST constructor recursion depth mismatch"."""
    kind, exc, tb = sys.exc_info()
    if exc is not None:
        sys.__excepthook__(kind, exc, tb)
