"""The evaluation metrics live in `inference.metrics`, below both training and the app (one
implementation); the training loops import these names from here."""
from inference.metrics import IoUAccumulator, mpjpe, pa_mpjpe

__all__ = ["IoUAccumulator", "mpjpe", "pa_mpjpe"]
