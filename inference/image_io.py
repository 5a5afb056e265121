"""Reading user images robustly: any common format, bit depth or colour mode -> RGB uint8, or a clear error."""
from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_PIXELS = 100_000_000  # refuse larger images before decoding them


class ImageError(ValueError):
    """An image that cannot be used, with a one-line message for the user."""


def _to_rgb8(arr: np.ndarray) -> np.ndarray:
    """Any (H, W), (H, W, 1|2|3|4) array of uint8/uint16/int32/float -> (H, W, 3) uint8."""
    a = np.asarray(arr)
    if a.dtype == np.uint8:
        pass
    elif np.issubdtype(a.dtype, np.floating):
        hi = 1.0 if a.size and float(np.nanmax(a)) <= 1.0 else 255.0
        a = np.clip(np.nan_to_num(a) / hi * 255 + 0.5, 0, 255).astype(np.uint8)
    else:  # 16-bit and other integer depths: scale by the type's range (or the data's, for int32 'I' mode)
        hi = float(np.iinfo(a.dtype).max) if a.dtype in (np.uint16, np.int16) else float(max(a.max(), 1))
        a = np.clip(a.astype(np.float64) / hi * 255 + 0.5, 0, 255).astype(np.uint8)
    if a.ndim == 2:
        a = a[..., None]
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    elif a.shape[2] == 2:  # grey + alpha
        a = np.repeat(a[..., :1], 3, axis=2)
    elif a.shape[2] == 4:  # drop alpha over white (a transparent background reads as white paper)
        alpha = a[..., 3:4].astype(np.float32) / 255.0
        a = (a[..., :3] * alpha + 255 * (1 - alpha) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(a[..., :3])


def load_image(source: str | Path | np.ndarray) -> np.ndarray:
    """An image file path or an array -> (H, W, 3) uint8 RGB, EXIF orientation applied.

    Raises ImageError naming the file for missing, non-image, truncated or huge files.
    """
    if isinstance(source, np.ndarray):
        if source.ndim not in (2, 3) or source.size == 0:
            raise ImageError(f"not an image array: shape {source.shape}")
        return _to_rgb8(source)
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(source)
    if not path.exists():
        raise ImageError(f"{path}: file not found")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image")
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise ImageError(f"{path.name}: {w}x{h} is too large ({w * h / 1e6:.0f} MP; limit "
                                 f"{MAX_PIXELS / 1e6:.0f} MP)")
            im = ImageOps.exif_transpose(im)
            if im.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "1"):
                im = im.convert("RGBA" if "A" in im.mode or "transparency" in im.info else "RGB")
            arr = np.asarray(im)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{path.name}: not an image file (or a format that cannot be read)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path.name}: cannot read image ({exc})") from None
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path.name}: too large ({exc})") from None
    if arr.ndim < 2 or min(arr.shape[:2]) < 8:
        raise ImageError(f"{path.name}: image too small ({arr.shape[1] if arr.ndim > 1 else 0}x{arr.shape[0]})")
    return _to_rgb8(arr)
