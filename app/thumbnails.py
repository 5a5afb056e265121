"""Thumbnails of the folder list's images: small copies with the pixels the photo opens with, made off the GUI
thread by a `ThumbnailWorker` (a QObject in a `WorkerThread`, requests by queued signal with a job id from a
`Generation`, as app/worker.py's model worker), and the reader's message for a file it cannot open."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from .worker import Generation

THUMB_SIDE = 72  # longest side of a thumbnail (px)


def thumbnail(path: Path, side: int = THUMB_SIDE, dpr: float = 1.0) -> QImage | None:
    """A small RGB copy of an image file (longest side `side` logical px: side * dpr pixels, sharp on a high-DPI
    screen, where 72 px would be stretched to 144) with the pixels the photo opens with
    (inference.image_io.thumbnail_rgb), or None when it cannot be read."""
    image = _thumbnail(path, max(1, round(side * dpr)))
    if image is not None:
        image.setDevicePixelRatio(dpr)
    return image


def _thumbnail(path: Path, side: int) -> QImage | None:
    from inference.image_io import thumbnail_rgb

    from .qt_images import to_qimage

    try:
        return to_qimage(thumbnail_rgb(path, side))
    except Exception:  # noqa: BLE001 - an unreadable file shows without a thumbnail (its status says why)
        return None


def unreadable_reason(path: Path) -> str:
    """The app's image reader's message for a file it cannot open, '' when it opens it (asked only of files whose
    thumbnail failed: a few, so their full decoding here costs little)."""
    from inference.image_io import ImageError, load_image

    try:
        load_image(path)
    except ImageError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - any other failure of the reader is as unreadable
        return f"{path.name} cannot be read ({type(exc).__name__}: {exc})"
    return ""


class ThumbnailWorker(QObject):
    """Makes the thumbnails of a list of images (in its own thread), one signal per image; an image the app's
    reader refuses too is reported at once (`unreadable`), so the list marks it before a run reaches it."""

    thumbnail = Signal(int, int, object)  # job, row, QImage (None: unreadable)
    unreadable = Signal(int, int, str)  # job, row, the reader's message

    def __init__(self, generation: Generation):
        super().__init__()
        self._gen = generation

    @Slot(int, object, float)
    def make(self, job_id: int, paths, dpr: float = 1.0) -> None:
        """dpr: device px per logical px of the thumbnails (the screens' highest ratio)."""
        for row, path in enumerate(paths):
            if self._gen.is_stale(job_id):
                return
            image = thumbnail(Path(path), dpr=dpr)
            self.thumbnail.emit(job_id, row, image)
            if image is None and (message := unreadable_reason(Path(path))):
                self.unreadable.emit(job_id, row, message)
