"""HEIC/HEIF photos (an iPhone's usual format), decoded by libheif's command-line tools (Debian's libheif-examples:
`heif-info`, `heif-convert`; `make setup` installs them). No Python wheel the registry offers reads HEVC-coded HEIF
(OpenCV's reads AVIF only; pillow-heif is not on it), and the tools run as separate programs on a copy of the file
in a private temporary folder, with the arguments as a list (no shell), so a photo cannot run code here.

libheif decodes damaged HEVC data without a word (a few flipped bytes give a garbled picture and exit 0): unlike a
JPEG or PNG, a damaged HEIC photo is not noticed. A file of several top-level images (a burst, an edit beside its
original) has all of them decoded by heif-convert, the primary one kept; only the primary's size is checked.

The primary image is decoded with the file's own transformations applied (libheif's default: an iPhone's rotation
box turns it upright) and handed over as a JPEG at quality 100: on a 12-megapixel photo 0.5 s against 2.5 s for a
PNG, whose compression took most of the time, and 0.2 levels apart from it on average (HEIC is 4:2:0 colour too).
Its size is read first (`heif-info`), so a photo over the pixel limit is refused before it is decoded."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .errors import ImageLoadError
from .paths import in_checkout

TOOLS = ("heif-info", "heif-convert")
PACKAGE = "libheif-examples"  # the Debian package that holds them
TIMEOUT_S = 120  # a 48-megapixel photo decodes in a few seconds; a stuck tool must not hold a worker forever
_IMAGE_LINE = re.compile(rb"^image: (\d+)x(\d+) \(id=(\d+)\)(, primary)?", re.MULTILINE)


def available() -> bool:
    """Whether libheif's tools are installed (`PACKAGE`)."""
    return all(shutil.which(t) for t in TOOLS)


def missing_tools_advice(checkout: bool | None = None) -> str:
    """What to do about a HEIC photo on a machine without libheif's tools: `make setup` in a checkout, the system's
    package manager in an installed copy (no Makefile there). `checkout`: None: `in_checkout()`."""
    checkout = in_checkout() if checkout is None else checkout
    how = ("`make setup` installs them" if checkout else
           f"install them with the system's package manager, on Debian or Ubuntu `sudo apt install {PACKAGE}`")
    return (f"which this app reads with libheif's tools ({PACKAGE}), not installed here ({how}); or save it as JPEG "
            f"(an iPhone takes JPEG photos with Settings > Camera > Formats > Most Compatible, and shares them as "
            f"JPEG when asked for)")


def _run(args: list[str], name: str, failed: str) -> bytes:
    """A tool's output (stdout); ImageLoadError naming the photo when it fails (`failed`: what its failure says of
    the photo) or hangs."""
    tool = Path(args[0]).name
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ImageLoadError(f"{name} could not be read: its HEIC decoder ({tool}) gave no answer in "
                             f"{TIMEOUT_S} s") from None
    except OSError as exc:
        raise ImageLoadError(f"{name} could not be read: {tool} did not run ({exc.strerror})") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise ImageLoadError(f"{name} could not be read: {failed}" + (f" ({tool}: {said[-1][:160]})" if said else ""))
    return done.stdout


def primary_size(info: bytes) -> tuple[int, int, int] | None:
    """(width, height, place) of the primary image in `heif-info`'s output, place its 1-based position among the
    file's top-level images (heif-convert numbers its outputs so when there are several); None without one."""
    images = list(_IMAGE_LINE.finditer(info))
    for k, m in enumerate(images):
        if m.group(4):
            return int(m.group(1)), int(m.group(2)), k + 1
    return None


def decode_heif(data: bytes, name: str, check_pixels) -> np.ndarray:
    """A HEIC/HEIF photo's bytes -> its primary image as OpenCV reads the tool's JPEG ((H, W, 3) BGR uint8, or
    (H, W) for a grey one); ImageLoadError with a user message otherwise. check_pixels(width, height, name): the
    caller's pixel limit, asked before the decode."""
    import cv2

    if not available():
        raise ImageLoadError(f"{name} is a HEIC photo, {missing_tools_advice()}")
    with tempfile.TemporaryDirectory(prefix="nbf-heif-") as tmp:
        src, out = Path(tmp) / "photo.heic", Path(tmp) / "photo.jpg"
        src.write_bytes(data)
        # (heif-info reads the file's structure: its failure is the file's; heif-convert's, after it, may be the
        # decoder's: a missing HEVC plugin, an image too wide for a JPEG)
        size = primary_size(_run([shutil.which("heif-info"), str(src)], name, "corrupt or truncated HEIC"))
        if size is None:
            raise ImageLoadError(f"{name} could not be read: a HEIC file without a primary image")
        width, height, place = size
        check_pixels(width, height, name)
        _run([shutil.which("heif-convert"), "--quiet", "-q", "100", str(src), str(out)], name,
             "its HEIC image could not be decoded")
        written = out if out.is_file() else Path(tmp) / f"photo-{place}.jpg"
        img = cv2.imread(str(written), cv2.IMREAD_UNCHANGED) if written.is_file() else None
    if img is None:
        raise ImageLoadError(f"{name} could not be read: its HEIC decoder wrote no picture")
    return img
