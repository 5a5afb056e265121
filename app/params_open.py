"""Opening a parameter file (.npz / .json / _body.pkl) in the app: read in a background thread, shown like a
fitted result (inference/params_prediction.py makes it a Prediction, on its photo when found).

ParamsReader is a QObject moved to its own thread (app/worker.py's shape): a request (job id, path, the
GUI-thread body model) arrives by queued signal; the answer goes back by signal, read(job id, OpenedParams)
or failed(job id, one-line message). Job ids come from a Generation shared with the other opens of the
controller: a request that is stale when it starts, or becomes stale while it reads, answers nothing, and
the controller drops answers of stale ids.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from inference import image_io as imageio
from inference.errors import USER_ERRORS, Cancelled, ParamsFileError, print_traceback
from inference.export import PARAM_WRITERS

from .session import ShownImage
from .worker import Generation, user_message

PARAMS_SUFFIXES = tuple(PARAM_WRITERS)  # the formats inference.export writes and load_params_file reads


def is_params_path(path: str | Path) -> bool:
    """True for a file name that the parameter reader takes (.npz, .json, _body.pkl or any .pkl)."""
    return Path(path).suffix.lower() in PARAMS_SUFFIXES


@dataclass(frozen=True)
class OpenedParams:
    """A parameter file read for the app.

    path: the file; prediction: its body as a Prediction (params_file set, an empty part map); shown: the image
    it is shown on (the photo, or a blank stand-in); photo: the photo's path ('' when none is shown);
    photo_note: why no photo is shown ('' with one); has_camera: the file records the photo camera (an export
    writes it again; a file without one is written without one); model_note: the one-line note when the file
    was made with another body model than the one posing it, or holds what the body model cannot take (betas past
    the tenth) ('' otherwise); seconds: the time it took to read.
    """

    path: str
    prediction: object
    shown: ShownImage
    photo: str
    photo_note: str
    has_camera: bool
    model_note: str
    seconds: float

    @property
    def name(self) -> str:
        return Path(self.path).name


def read_params(path: str | Path, body, cancel: Callable[[], bool] = lambda: False) -> OpenedParams:
    """Read a parameter file, find and read its photo, pose its body with `body` (inference.body_model.BodyModel,
    only read: safe beside the GUI thread's re-posing). Raises ParamsFileError (one line) for a file that does
    not hold parameters, Cancelled when `cancel()` turns True between the steps."""
    from inference.export import load_params_file
    from inference.params_prediction import as_prediction, find_photo, photo_size_note, place

    t0 = time.perf_counter()
    p = Path(path)
    record = load_params_file(p, body)
    pkl_camera = p.suffix.lower() == ".pkl" and record.photo is None and not record.body_model
    if cancel():
        raise Cancelled("cancelled")
    mesh = body.mesh(record.params)
    photo_path, image, note = find_photo(p), None, ""
    if photo_path is None:
        note = f"no photo found beside {p.name}: the body alone"
    else:
        try:
            image = imageio.load_image(photo_path)
        except imageio.ImageLoadError as exc:
            note = f"the photo did not open ({exc}): the body alone"
        except MemoryError:
            note = f"not enough memory to open {photo_path.name}: the body alone"
        else:
            why = photo_size_note(record, photo_path, image.shape, pkl_camera)
            if why:
                image, note = None, f"{why}: the body alone"
    if cancel():
        raise Cancelled("cancelled")
    placement = place(record, mesh, image, pkl_camera)
    photo = str(photo_path) if placement.on_photo else ""
    source = photo or str(p)  # F5 runs the model on the photo shown (its results are the photo's)
    prediction = as_prediction(record, mesh, placement, source, str(p))
    display, scale = imageio.display_copy(placement.image) if placement.on_photo else _blank_display(placement.image)
    model_note = ""
    if record.body_model not in ("", body.name):
        model_note = (f"{p.name} was fitted with the body model {record.body_model!r}; its pose and shape are "
                      f"shown on {body.name!r}")
    model_note = "; ".join(x for x in (model_note, *record.notes) if x)
    # a UP-3D _body.pkl's own camera (f, rt, t) puts the body on its photo too: exported as .npz or .json, the body
    # keeps that photo (before, only a file with NBF's photo camera did, and the .npz opened on a blank canvas)
    has_camera = record.photo is not None or (pkl_camera and placement.on_photo)
    return OpenedParams(str(p), prediction, ShownImage(placement.image, display, scale, source), photo, note,
                        has_camera, model_note, time.perf_counter() - t0)


def _blank_display(image):
    """The display copy of a blank stand-in photo (a broadcast view: made at the display's size directly)."""
    import numpy as np

    (h, w), scale = imageio.display_size(image.shape)
    return np.full((h, w, 3), image[0, 0, 0] if image.size else 0, np.uint8), scale


class ParamsReader(QObject):
    """Reads parameter files for the GUI in its own thread (see the module docstring)."""

    read = Signal(int, object)  # job id, OpenedParams
    failed = Signal(int, str)  # job id, one-line message

    def __init__(self, generation: Generation):
        super().__init__()
        self._gen = generation

    @Slot(int, str, object)
    def open(self, job_id: int, path: str, body) -> None:
        if self._gen.is_stale(job_id):
            return
        try:
            opened = read_params(path, body, cancel=lambda: self._gen.is_stale(job_id))
        except Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the GUI as one line
            if not isinstance(exc, (ParamsFileError, OSError, *USER_ERRORS)):
                print_traceback()
            if not self._gen.is_stale(job_id):
                self.failed.emit(job_id, str(exc) if isinstance(exc, ParamsFileError) else
                                 f"{Path(path).name}: {user_message(exc)}")
            return
        if not self._gen.is_stale(job_id):
            self.read.emit(job_id, opened)
