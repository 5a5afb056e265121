"""Loading user images safely: one helper for files, bytes, arrays and clipboard images (no Qt).

Every image that enters the app goes through `load_image` / `decode_image` and comes out as
(H, W, 3) uint8 RGB. Size is checked from the file header *before* decoding, so a
decompression bomb or a 300-megapixel scan is refused with a message instead of eating the
machine's memory. Greyscale, 16-bit, float and RGBA/BGRA images are converted.
"""
from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from . import MAX_IMAGE_PIXELS as MAX_PIXELS  # refuse anything larger (inference/__init__.py: also OpenCV's limit)
from .errors import ImageLoadError
from .native_stderr import native_stderr

DISPLAY_MAX_SIDE = 2048  # larger images are downscaled for display
MAX_FILE_BYTES = 1 << 30
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".jp2", ".gif",
                  ".avif", ".heic", ".heif")
# HEIC/HEIF photos (an iPhone's usual format) are decoded by libheif's tools (`inference.heif`); a machine that
# lacks them says so for each such photo, with what to do, instead of "not an image".
# ISO base media brands (the 'ftyp' box: the major brand, then the compatible ones) of HEVC-coded HEIF
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}


class DamagedImageWarning(UserWarning):
    """An image decoded only in part (e.g. a JPEG with a corrupt middle: the result is unreliable; the first frame of
    an animation or the first page of a TIFF).
    Issued with warnings.warn outside a `damage_notes` block; the message is meant for the user."""


_COLLECTOR = threading.local()
_PIL_MODULES = r"PIL\."


def quiet_pillow() -> None:
    """Ignore Pillow's warnings (an image over its pixel limit, odd EXIF) from now on: the checks here say what
    matters to the user. Called before each Pillow read rather than once, since a caller's
    `warnings.catch_warnings` (pytest's, per test) drops filters added inside it on exit; the filter is added
    only when it is not there already. Never
    `catch_warnings` around the read itself: that swaps process-wide state, and the app reads in several
    threads at once."""
    if not any(f[0] == "ignore" and f[3] is not None and f[3].pattern == _PIL_MODULES for f in warnings.filters):
        warnings.filterwarnings("ignore", module=_PIL_MODULES)


@contextlib.contextmanager
def damage_notes() -> Iterator[list[str]]:
    """Within the block, the messages of images this thread finds damaged (`DamagedImageWarning`'s text) are
    appended to the list yielded instead of being warned. Per thread, so two threads decoding at once each get
    their own image's messages (warnings.catch_warnings(record=True) is process-wide)."""
    outer = getattr(_COLLECTOR, "notes", None)
    _COLLECTOR.notes = notes = []
    try:
        yield notes
    finally:
        _COLLECTOR.notes = outer


def _report_damage(message: str) -> None:
    notes = getattr(_COLLECTOR, "notes", None)
    if notes is None:
        warnings.warn(DamagedImageWarning(message), stacklevel=4)
    else:
        notes.append(message)


ImageError = ImageLoadError  # the name the pipeline and CLI use


def is_image_path(path: str | Path) -> bool:
    """True when the file name has an image suffix (content is checked by `load_image`)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def is_heif(data: bytes | np.ndarray) -> bool:
    """Whether the file (its bytes, or (N,) uint8 as `read_file_bytes` gives them) is an HEVC-coded HEIF photo (its
    'ftyp' box names a HEIC brand, as major or compatible brand; AVIF, AV1 in the same container, is not: OpenCV
    reads those)."""
    head = (data[:64].tobytes() if isinstance(data, np.ndarray) else bytes(data[:64]))
    if head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, min(max(size, 16), len(head)) - 3, 4)]
    return any(b in HEIF_BRANDS for b in brands)


def _probe_header(data: bytes | np.ndarray, name: str = "image") -> tuple[int, int, str] | None:
    """(width, height, Pillow's format name) from the encoded header without decoding the pixels; None
    when Pillow does not recognise the data (or is missing)."""
    try:
        import io

        from PIL import Image
    except ImportError:  # pillow is optional here: the decoder's own check still applies
        return None
    buf = io.BytesIO(data.tobytes() if isinstance(data, np.ndarray) else data)
    quiet_pillow()
    try:
        with Image.open(buf) as im:  # reads the header only
            return int(im.size[0]), int(im.size[1]), str(im.format or "")
    except Image.DecompressionBombError as exc:  # far over MAX_PIXELS: Pillow's own limit refuses it first
        raise ImageLoadError(_too_large(name, _bomb_pixels(str(exc)))) from None
    except Exception:  # noqa: BLE001 - unknown format for PIL: let OpenCV try
        return None


_RADIANCE_SIZE = re.compile(rb"[-+]([XY]) +(\d{1,9}) +[-+][XY] +(\d{1,9})")


def _text_header_size(buf: np.ndarray) -> tuple[int, int] | None:
    """(width, height) from the text header of the formats OpenCV reads and Pillow cannot size: Radiance HDR
    ("-Y H +X W" after its header lines), PAM (WIDTH and HEIGHT lines) and colour PFM ("PF", then "W H"); None
    for any other file or a header that does not read. So that their size is checked before decoding even where
    OpenCV's own limit is another (inference/__init__.py)."""
    head = buf[:4096].tobytes()
    if head.startswith((b"#?RADIANCE", b"#?RGBE")):
        end = head.find(b"\n\n")
        m = _RADIANCE_SIZE.match(head[end + 2:]) if end >= 0 else None
        if m is None:
            return None
        a, b = int(m[2]), int(m[3])
        return (b, a) if m[1] == b"Y" else (a, b)
    if head.startswith(b"P7\n"):
        fields = dict(re.findall(rb"^(WIDTH|HEIGHT)[ \t]+(\d{1,9})[ \t]*$", head.split(b"ENDHDR")[0], re.M))
        return (int(fields[b"WIDTH"]), int(fields[b"HEIGHT"])) if len(fields) == 2 else None
    if head[:2] in (b"PF", b"Pf") and head[2:3].isspace():
        words = head[3:64].split()
        if len(words) >= 2 and words[0].isdigit() and words[1].isdigit():
            return int(words[0]), int(words[1])
    return None


# Pillow's names for the formats the decoder (OpenCV) reads; a file Pillow recognises as anything else
# (an icon, a TGA, a PCX, an EPS...) is reported as an unsupported format, not as a damaged file
DECODABLE_FORMATS = frozenset({"PNG", "JPEG", "MPO", "BMP", "DIB", "TIFF", "WEBP", "PPM", "PFM", "JPEG2000",
                               "GIF", "AVIF"})


def _megapixels(pixels: int) -> str:
    """pixels in megapixels, with as many decimals as it takes to show it over the limit (100.2, not 100)."""
    digits = 0
    while digits < 6 and round(pixels / 1e6, digits) <= MAX_PIXELS / 1e6:
        digits += 1
    return f"{pixels / 1e6:.{digits}f}"


def _too_large(name: str, pixels: int | None, size: tuple[int, int] | None = None) -> str:
    """The one-sentence message for an image over MAX_PIXELS: its size (w x h when known) and the limit."""
    limit = f"the limit of {MAX_PIXELS / 1e6:g} megapixels"
    if pixels is None:
        return f"{name} is larger than {limit}; downscale it first"
    size_text = f"{_megapixels(pixels)} megapixels"
    if size:
        size_text = f"{size[0]} x {size[1]} pixels ({size_text})"
    return f"{name} is {size_text}, over {limit}; downscale it first"


def _bomb_pixels(text: str) -> int | None:
    """The image's pixel count in a Pillow DecompressionBombError's message ("Image size (N pixels) exceeds
    limit of ..."); None when it is not there."""
    m = re.search(r"\((\d+) pixels\)", text)
    return int(m[1]) if m else None


def _check_limit(w: int, h: int, name: str) -> None:
    """ImageLoadError for an image of w x h over MAX_PIXELS (read from its header, before decoding)."""
    if w * h > MAX_PIXELS:
        raise ImageLoadError(_too_large(name, w * h, (w, h)))


def _check_pixels(w: int, h: int, name: str) -> None:
    """`_check_limit`, and an image too small to find a person in refused too."""
    _check_limit(w, h, name)
    if w < 8 or h < 8:
        raise ImageLoadError(f"{name} is only {w} x {h} pixels; too small to find a person in")


# rows of an image converted at a time (`to_rgb_uint8`): about this many pixels, so that the float or 16-bit copies
# of a conversion stay a few megabytes whatever the image's size (over the whole of a 110 MP RGBA PNG they took 5 GB)
BAND_PIXELS = 1 << 20
_FLOATS = (np.float16, np.float32, np.float64)


def _band_converter(a: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
    """How a band of rows of `a` (any of `to_rgb_uint8`'s pixel types) becomes uint8 with the same channels; None for
    uint8. Scales that depend on the whole image (a float image's maximum) are measured here, over all of it."""
    if a.dtype == np.uint8:
        return None
    if a.dtype == np.uint16:
        return lambda b: (b.astype(np.float32) / 65535.0 * 255.0 + 0.5).astype(np.uint8)
    if a.dtype in _FLOATS:
        rows = _band_rows(a)
        hi = max((float(np.nan_to_num(a[r:r + rows].astype(np.float32), nan=0.0).max())
                  for r in range(0, a.shape[0], rows)), default=1.0) if a.size else 1.0
        # 0..255 floats as they are; HDR (beyond 255) normalised by its maximum
        div = None if hi <= 1.0 else (255.0 if hi <= 255.0 else hi)

        def from_float(b: np.ndarray) -> np.ndarray:
            f = np.nan_to_num(b.astype(np.float32), nan=0.0)
            if div is not None:
                f = f / div
            return (np.clip(f, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)

        return from_float
    if np.issubdtype(a.dtype, np.integer):
        lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
        if lo >= 0 and hi <= 255:  # plain 0..255 values in a wider integer type
            return lambda b: b.astype(np.uint8)
        return lambda b: ((np.clip(b.astype(np.float64), 0, None) / max(hi, 1)).astype(np.float32) * 255.0
                          + 0.5).astype(np.uint8)
    raise ImageLoadError(f"unsupported pixel type {a.dtype}")


def _band_rows(a: np.ndarray) -> int:
    """Rows per band of `a` (H, W, ...): about BAND_PIXELS pixels, at least one row."""
    return max(1, BAND_PIXELS // max(1, a.shape[1]))


def _on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 colours (h, w, 3) or grey (h, w, 1) with their uint8 alpha (h, w) composited on white, rounded to
    nearest: (c a + 255 (255 - a)) / 255 in uint16, where it fits (at most 255 * 255 + 127), and exactly what the
    float blend (c a / 255 + 255 (1 - a / 255), rounded half up) gives, as the exact quotient is never a half."""
    a = alpha[..., None].astype(np.uint16)
    v = rgb.astype(np.uint16) * a
    v += (255 - a) * 255
    v += 127
    v //= 255
    return v.astype(np.uint8)


def to_rgb_uint8(img: np.ndarray, bgr: bool = True) -> np.ndarray:
    """Any decoded image (grey, grey+alpha, BGR, BGRA; uint8/uint16/float) -> (H, W, 3) uint8 RGB.

    16-bit images are scaled by 1/257, floats are taken as 0..1, transparency is composited on
    white (cut-out photos stay visible). Converted in bands of rows (BAND_PIXELS), so that besides the result it
    takes a few megabytes at most; a fully opaque band is not composited.
    """
    a = np.asarray(img)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (2, 3, 4)):
        raise ImageLoadError(f"unsupported image layout {a.shape}")
    convert = _band_converter(a)
    if convert is None and a.ndim == 3 and a.shape[2] == 3:
        return np.ascontiguousarray(a[..., ::-1] if bgr else a)
    out = np.empty((*a.shape[:2], 3), np.uint8)
    rows = _band_rows(a)
    for r in range(0, a.shape[0], rows):
        b = a[r:r + rows] if convert is None else convert(a[r:r + rows])
        if b.ndim == 2:
            out[r:r + rows] = b[..., None]
            continue
        c = b.shape[2]
        if c == 2:  # grey + alpha
            rgb, alpha = b[..., :1], b[..., 1]
        else:
            rgb = b[..., :3][..., ::-1] if bgr else b[..., :3]
            alpha = b[..., 3] if c == 4 else None
        if alpha is not None and alpha.min() < 255:  # flattened onto white
            rgb = _on_white(rgb, alpha)
        out[r:r + rows] = rgb
    return out


def decode_image(data: bytes | np.ndarray, name: str = "image") -> np.ndarray:
    """Encoded image bytes -> (H, W, 3) uint8 RGB; ImageLoadError with a user message otherwise."""
    import cv2

    if isinstance(data, (bytes, bytearray, memoryview)):
        buf = np.frombuffer(data, np.uint8)
    else:
        buf = np.asarray(data, np.uint8)
    if buf.size == 0:
        raise ImageLoadError(f"{name} is empty (0 bytes)")
    if is_heif(buf):  # (no decoder in the wheels: libheif's tools, inference/heif.py)
        from . import heif

        return to_rgb_uint8(heif.decode_heif(buf.tobytes(), name, _check_pixels), bgr=True)
    probed = _probe_header(buf, name)
    size = _text_header_size(buf) if probed is None else probed[:2]
    if size is not None:
        _check_pixels(size[0], size[1], name)
    if buf[:3].tobytes() == b"\xff\xd8\xff" and buf[-2:].tobytes() != b"\xff\xd9" \
            and buf.tobytes().rfind(b"\xff\xd9") < 0:
        raise ImageLoadError(f"{name} is a truncated JPEG (the file ends before the image does)")
    if (buf[:8].tobytes() == PNG_SIGNATURE and buf[-8:-4].tobytes() != b"IEND"
            and buf.tobytes().rfind(b"IEND") < 0):
        # (said here, not decoded: libpng would print its own error on the terminal, and catching fd 2 around every
        # decode would make each wait for any other thread's)
        raise ImageLoadError(f"{name} is a truncated PNG (the file ends before the image does)")
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error as exc:
        raise ImageLoadError(_decoder_refusal(name, str(exc))) from None
    if img is None:
        if probed is not None and probed[2] not in DECODABLE_FORMATS:
            fmt = f"{probed[2]} format" if probed[2] else "an unknown format"
            raise ImageLoadError(f"{name} is in {fmt}, which this app cannot read; save it as PNG or JPEG")
        kind = "corrupt or truncated" if size is not None else "not an image (or an unsupported format)"
        raise ImageLoadError(f"{name} could not be read: {kind}")
    if probed is None:  # (what a text header said is checked again: OpenCV's reading of it is the one that counts)
        _check_pixels(img.shape[1], img.shape[0], name)
    if buf[:2].tobytes() == b"\xff\xd8":
        _note_grey_tail(img, buf, name)
    _note_frames(buf, name)
    img = _apply_exif_orientation(img, buf)
    return to_rgb_uint8(img, bgr=True)


# what OpenCV's header check (validateInputImageSize) says of an image over its limits: its pixels (over
# OPENCV_IO_MAX_IMAGE_PIXELS, the app's MAX_PIXELS: inference/__init__.py) or a side (over 2^20 px)
_OPENCV_TOO_MANY_PIXELS = "CV_IO_MAX_IMAGE_PIXELS"
_OPENCV_TOO_LONG = ("CV_IO_MAX_IMAGE_WIDTH", "CV_IO_MAX_IMAGE_HEIGHT")


def _decoder_refusal(name: str, text: str) -> str:
    """The message for a cv2.error of imdecode (`text`): an image over OpenCV's size limits (its header read, nothing
    decoded) as over the app's limit (`_too_large`), any other as OpenCV's last line."""
    if any(mark in text for mark in _OPENCV_TOO_LONG):
        return f"{name} is over {1 << 20} pixels wide or tall, more than the decoder reads; downscale it first"
    if _OPENCV_TOO_MANY_PIXELS in text:
        from . import OPENCV_PIXELS_VARIABLE

        stated = os.environ.get(OPENCV_PIXELS_VARIABLE, "").strip()
        if stated.isdigit() and int(stated) < MAX_PIXELS:  # (a lower limit of the user's own: said as theirs)
            return (f"{name} is larger than OpenCV's limit of {int(stated) / 1e6:g} megapixels "
                    f"({OPENCV_PIXELS_VARIABLE}={stated}); downscale it first")
        return _too_large(name, None)
    return f"{name} could not be decoded: {text.strip().splitlines()[-1]}"


def grey_tail_rows(img: np.ndarray) -> int:
    """How many rows at the bottom of a decoded image (H, W) or (H, W, C) are exactly mid-grey (128, uint8 only)
    across the whole width: what libjpeg fills in where a JPEG's data stops making sense (a corrupt or missing
    middle)."""
    a = img if img.ndim == 3 else img[..., None]
    grey = (a == 128).all(axis=(1, 2)) if a.dtype == np.uint8 else np.zeros(a.shape[0], bool)
    bad = np.flatnonzero(~grey)
    return int(a.shape[0] - (bad[-1] + 1 if bad.size else 0))


def _decoder_messages(buf: np.ndarray) -> str:
    """Decode `buf` again with file descriptor 2 captured and return what the C decoder printed there
    (libjpeg reports a corrupt middle only as a warning on stderr). Anything else written to stderr
    meanwhile is passed on."""
    import cv2

    with native_stderr(keep_out=("JPEG",)) as caught:
        cv2.imdecode(buf, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    return caught[0]


DAMAGE_MESSAGES = ("Corrupt JPEG data", "Premature end of JPEG file")


def _note_grey_tail(img: np.ndarray, buf: np.ndarray, name: str, min_rows: int = 8) -> None:
    """Report (`_report_damage`) when the bottom of a JPEG is libjpeg's grey fill and libjpeg says the
    data is corrupt (a photo of a grey wall is not damaged: the decoder is asked only then)."""
    rows = grey_tail_rows(img)
    if rows >= min_rows and any(m in _decoder_messages(buf) for m in DAMAGE_MESSAGES):
        _report_damage(f"{name} is damaged: the bottom {rows} of {img.shape[0]} rows could not be decoded "
                       f"(filled grey); the result is unreliable")


def frame_count(buf: np.ndarray) -> int:
    """How many frames or pages an animated GIF or WebP, or a TIFF, holds (its bytes `buf` (N,) uint8; 1 for any
    other file, or one Pillow cannot count): OpenCV decodes only the first."""
    head = buf[:16].tobytes()
    gif = head[:6] in (b"GIF87a", b"GIF89a")
    tiff = head[:4] in (b"II*\x00", b"MM\x00*")
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP" and b"ANIM" in buf[:4096].tobytes()
    if not (gif or tiff or webp):
        return 1
    try:
        import io

        from PIL import Image

        quiet_pillow()
        with Image.open(io.BytesIO(buf.tobytes())) as im:
            return max(1, int(getattr(im, "n_frames", 1)))
    except Exception:  # noqa: BLE001 - decoded by OpenCV already: no count, no note
        return 1


def _note_frames(buf: np.ndarray, name: str) -> None:
    """Say (`_report_damage`'s notes) that only the first of an animation's frames or a TIFF's pages is read: a
    person in a later one is not looked for."""
    n = frame_count(buf)
    if n > 1:
        kind = "pages" if buf[:2].tobytes() in (b"II", b"MM") else "frames"
        _report_damage(f"{name} holds {n} {kind}: only the first is read (save the one you want as its own image)")


def _apply_exif_orientation(img: np.ndarray, buf: np.ndarray) -> np.ndarray:
    """Rotate a decoded photo as its EXIF orientation tag says (phones store portraits sideways).  JPEG,
    and PNG and WebP that carry EXIF (an eXIf / EXIF chunk: looked for first, so that Pillow never decodes
    a PNG without one); OpenCV itself turns a TIFF as its tag says, even with IMREAD_IGNORE_ORIENTATION."""
    head = buf[:12].tobytes()
    png = head[:8] == PNG_SIGNATURE
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if not (head[:2] == b"\xff\xd8" or png and b"eXIf" in buf.tobytes() or webp and b"EXIF" in buf.tobytes()):
        return img
    try:
        import io

        from PIL import Image

        quiet_pillow()
        with Image.open(io.BytesIO(buf.tobytes())) as im:
            orientation = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - no EXIF, no pillow: keep as decoded
        return img
    ops = {3: lambda a: a[::-1, ::-1], 6: lambda a: np.rot90(a, -1), 8: lambda a: np.rot90(a, 1),
           2: lambda a: a[:, ::-1], 4: lambda a: a[::-1], 5: lambda a: np.rot90(a, 1)[::-1],
           7: lambda a: np.rot90(a, -1)[::-1]}
    op = ops.get(orientation)
    return np.ascontiguousarray(op(img)) if op else img


def load_image(path: str | Path | np.ndarray) -> np.ndarray:
    """Read an image file (or take an array) -> (H, W, 3) uint8 RGB. An array is taken as RGB (cv2.imread's BGR
    must be turned first: `cv2.cvtColor(a, cv2.COLOR_BGR2RGB)`), grey (H, W), RGBA (composited on white), uint8,
    uint16 (/ 257) or float in 0..1 (`to_rgb_uint8`), and never shared: the result is a new array, so a caller
    that reuses its buffer (video frames) does not change what was read before. Raises ImageLoadError with a user
    message."""
    if isinstance(path, np.ndarray):
        if path.ndim not in (2, 3) or path.size == 0:
            raise ImageLoadError(f"not an image array: shape {path.shape}")
        rgb = to_rgb_uint8(path, bgr=False)
        return rgb.copy() if np.shares_memory(rgb, path) else rgb
    if not isinstance(path, (str, Path)):  # (a PIL image, a tensor, bytes: Path() said "expected str, bytes or ...")
        raise ImageLoadError(f"not an image: a {type(path).__name__}; give a file path or a numpy array (H, W, 3) RGB "
                             "(np.asarray(pil_image), tensor.numpy())")
    p = Path(path)
    name = p.name or str(p)
    return decode_image(read_file_bytes(p, name), name)


# Pillow's modes that `to_rgb_uint8` reads as they are and Pillow shrinks by the same rules (RGBA and LA with their
# colours weighted by alpha), so a thumbnail is shrunk before it is converted
_SHRINK_FIRST = ("RGB", "RGBA", "L", "LA")


def thumbnail_rgb(path: str | Path, side: int) -> np.ndarray:
    """A small copy of an image file -> (h, w, 3) uint8 RGB, its longest side at most `side` px (never enlarged),
    with the pixels as `load_image` gives them (`to_rgb_uint8`: transparency on white, 16-bit scaled, grey as three
    channels; turned as its EXIF orientation says). A JPEG decodes at a reduced scale (Pillow's draft mode), so even a
    large photo takes a few ms; a HEIC photo, which Pillow does not read, is decoded whole (`decode_image`: libheif's
    tools, about a second for a phone's photo) and shrunk. Raises ImageLoadError when it cannot be read (a pipe or a
    device is refused unopened: `read_file_bytes`) or, from its header, when it is over MAX_PIXELS."""
    import io

    from PIL import Image, ImageOps

    p = Path(path)
    name = p.name or str(p)
    buf = read_file_bytes(p, name)
    if is_heif(buf):
        return _shrink(decode_image(buf, name), side)
    quiet_pillow()
    try:
        with Image.open(io.BytesIO(buf.tobytes())) as im:
            # (from the header: a thumbnail decodes the whole image, which the app would refuse; a small image
            # still gets one)
            _check_limit(*im.size, name)
            im.draft("RGB", (side * 2, side * 2))
            im = ImageOps.exif_transpose(im)
            if im.mode.startswith("I;16"):  # (either byte order) read as OpenCV reads a 16-bit file
                return _shrink(to_rgb_uint8(np.asarray(im).astype(np.uint16), bgr=False), side)
            if im.mode in ("I", "F"):
                return _shrink(to_rgb_uint8(np.asarray(im), bgr=False), side)
            if im.mode not in _SHRINK_FIRST:  # palette, bilevel, CMYK, premultiplied...: with their transparency
                im = im.convert("RGBA" if im.has_transparency_data else "RGB")
            im.thumbnail((side, side))
            return to_rgb_uint8(np.asarray(im), bgr=False)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as exc:  # (Pillow's own limit, twice its warning's: far over MAX_PIXELS)
        raise ImageLoadError(_too_large(name, _bomb_pixels(str(exc)))) from None
    except Exception as exc:  # noqa: BLE001 - any failure of Pillow's is an unreadable file here
        raise ImageLoadError(f"{name} could not be read ({type(exc).__name__}: {exc})") from None


def _shrink(rgb: np.ndarray, side: int) -> np.ndarray:
    """(H, W, 3) uint8 -> its longest side at most `side` px (area-averaged; never enlarged)."""
    k = side / max(rgb.shape[:2])
    if k >= 1:
        return rgb
    import cv2

    size = (max(1, round(rgb.shape[1] * k)), max(1, round(rgb.shape[0] * k)))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def readable_images(paths, skipped: list[str] | None = None):
    """(path, (H, W, 3) uint8 RGB) for each of `paths` that loads (`load_image`), in order; for each that does
    not, the reader's message (it names the file) is appended to `skipped` (when given) and the path is passed
    over."""
    for path in paths:
        try:
            rgb = load_image(path)
        except ImageError as exc:
            if skipped is not None:
                skipped.append(str(exc))
            continue
        yield path, rgb


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, word in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return word
    return "not a regular file"


def read_file_bytes(path: str | Path, name: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> np.ndarray:
    """The bytes of a regular file as (N,) uint8, without ever blocking: a pipe, socket or device is refused from its
    os.stat before it is opened (and again from the open descriptor, which is opened non-blocking), as is a file over
    `max_bytes`. Raises ImageLoadError with a user message."""
    p = Path(path)
    name = name or p.name or str(p)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ImageLoadError(f"{name}: file not found ({p})") from None
    except OSError as exc:
        raise ImageLoadError(f"{name} could not be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ImageLoadError(f"{name} is {_kind(st.st_mode)}, not an image file")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ImageLoadError(f"{name} could not be read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)  # the file opened may not be the one stat'ed (replaced meanwhile)
        if not stat.S_ISREG(st.st_mode):
            raise ImageLoadError(f"{name} is {_kind(st.st_mode)}, not an image file")
        if st.st_size > max_bytes:
            raise ImageLoadError(f"{name} is {st.st_size / 2**20:.0f} MB; files over "
                                 f"{max_bytes >> 20} MB are not opened")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ImageLoadError(f"{name} could not be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ImageLoadError(f"{name} grew over {max_bytes >> 20} MB while being read; not opened")
    return np.frombuffer(data, np.uint8)


def display_size(shape: tuple[int, ...], max_side: int = DISPLAY_MAX_SIDE) -> tuple[tuple[int, int], float]:
    """((h, w), scale) of the display copy of an image of `shape` (H, W, ...): no larger than max_side on its
    long side; scale = display px per image px."""
    h, w = shape[:2]
    s = min(1.0, max_side / max(h, w))
    if s >= 1.0:
        return (h, w), 1.0
    dw = max(1, round(w * s))
    return (max(1, round(h * s)), dw), dw / w


def display_copy(img: np.ndarray, max_side: int = DISPLAY_MAX_SIDE) -> tuple[np.ndarray, float]:
    """A copy of `img` (H, W, ...) for display, (h, w, ...) of the same dtype no larger than max_side on its long
    side (`display_size`; `img` itself when it fits), and its scale (display px per image px)."""
    (dh, dw), scale = display_size(img.shape, max_side)
    if scale >= 1.0:
        return img, 1.0
    import cv2

    return cv2.resize(img, (dw, dh), interpolation=cv2.INTER_AREA), scale


def about_file(path: str | Path, text: str) -> str:
    """One line about input file `path` that names it once. The reader's messages begin with the file's name
    ("photo.jpg is empty (0 bytes)", "photo.jpg: file not found (PATH)"): that name becomes the path as given
    (and a repeat of the path in brackets goes); any other message follows "PATH: "."""
    path = Path(path)
    name = path.name
    if name and text.startswith(name) and text[len(name):len(name) + 1] in (" ", ":"):
        return f"{path}{text[len(name):].replace(f' ({path})', '')}"
    return f"{path}: {text}"
