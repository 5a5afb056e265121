"""numpy <-> QImage conversions (QtGui only, no widgets, no torch)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(arr: np.ndarray) -> QImage:
    """(H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA uint8 -> a QImage that owns a copy of the data."""
    a = np.ascontiguousarray(arr)
    if a.dtype != np.uint8:
        raise ValueError(f"expected uint8, got {a.dtype}")
    h, w = a.shape[:2]
    if a.ndim == 2:
        fmt, ch = QImage.Format.Format_Grayscale8, 1
    elif a.shape[2] == 3:
        fmt, ch = QImage.Format.Format_RGB888, 3
    elif a.shape[2] == 4:
        fmt, ch = QImage.Format.Format_RGBA8888, 4
    else:
        raise ValueError(f"unsupported shape {a.shape}")
    return QImage(a.data, w, h, w * ch, fmt).copy()


def from_qimage(img: QImage) -> np.ndarray:
    """Any QImage -> (H, W, 3) uint8 RGB (alpha composited on white)."""
    from inference.image_io import to_rgb_uint8

    q = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = q.width(), q.height()
    ptr = q.constBits()
    a = np.frombuffer(ptr, np.uint8, count=q.bytesPerLine() * h).reshape(h, q.bytesPerLine())[:, : 4 * w]
    return to_rgb_uint8(a.reshape(h, w, 4).copy(), bgr=False)
