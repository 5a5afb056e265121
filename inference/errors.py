"""The errors a user sees, importable without torch (the app's GUI thread sorts failures by class).

`USER_ERRORS`: failures that are about the input or the set-up, not bugs: shown as their message alone,
without a traceback.
"""
from __future__ import annotations

from .image_io import ImageLoadError
from .integrity import ModelFileError


class PredictionError(RuntimeError):
    """The image cannot be processed (unreadable, no person, cancelled); the message is for the user."""


class Cancelled(PredictionError):
    """A newer request superseded this one."""


class BodyModelError(ValueError):
    """A body model file is missing, of the wrong kind, or corrupt."""


class ParamsFileError(ValueError):
    """A parameter file is missing, of an unknown kind, or does not hold SMPL parameters."""


USER_ERRORS = (PredictionError, BodyModelError, ImageLoadError, ModelFileError, ParamsFileError,
               FileNotFoundError)

__all__ = ["USER_ERRORS", "BodyModelError", "Cancelled", "ImageLoadError", "ModelFileError", "ParamsFileError",
           "PredictionError"]
