"""Issue 19's bad-input suite, the reader's part (inference.image_io.load_image): the formats and colour
modes a careless user drops (CMYK JPEG, GIF, TIFF, WebP), awkward paths (non-ASCII, spaces, too long,
through a file), zero-byte and unreadable files, and valid images in formats the decoder does not read.
Every file comes out as (H, W, 3) uint8 RGB or as an ImageError whose message names it.
The other rows live in tests/inference/test_image_io.py and test_image_decode.py (truncated, non-image,
huge, 16-bit PNG, RGBA, palette, EXIF, missing, FIFO, device, symlink loop, damaged JPEG)."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import inference.image_io as image_io
from inference.image_io import ImageError, is_image_path, load_image

RED, BLUE_ISH = (200, 0, 0), (200, 0, 150)


def _two_colour(h: int = 24, w: int = 32) -> np.ndarray:
    """Left half RED, right half BLUE_ISH (RGB): checks channel order as well as values."""
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[:, : w // 2] = RED
    rgb[:, w // 2:] = BLUE_ISH
    return rgb


def _check(img: np.ndarray, atol: int = 6) -> None:
    assert img.shape == (24, 32, 3) and img.dtype == np.uint8 and img.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(img[12, 4], RED, atol=atol)
    np.testing.assert_allclose(img[12, 28], BLUE_ISH, atol=atol)


# ------------------------------------------------------------------ formats and colour modes
def test_cmyk_jpeg(tmp_path):
    p = tmp_path / "print.jpg"
    Image.fromarray(_two_colour()).convert("CMYK").save(p, quality=95)
    with Image.open(p) as im:
        assert im.mode == "CMYK"
    _check(load_image(p))


def test_gif_single_frame(tmp_path):
    p = tmp_path / "still.gif"
    Image.fromarray(_two_colour()).convert("P").save(p)
    _check(load_image(p))


def test_animated_gif_gives_the_first_frame(tmp_path):
    p = tmp_path / "anim.gif"
    first = Image.fromarray(_two_colour()).convert("P")
    second = Image.fromarray(255 - _two_colour()).convert("P")
    first.save(p, save_all=True, append_images=[second], duration=100, loop=0)
    with Image.open(p) as im:
        assert im.n_frames == 2
    _check(load_image(p))


@pytest.mark.parametrize("compression", [None, "tiff_lzw", "tiff_deflate"])
def test_tiff_8bit(tmp_path, compression):
    p = tmp_path / "scan.tif"
    Image.fromarray(_two_colour()).save(p, **({"compression": compression} if compression else {}))
    _check(load_image(p), atol=0)


def test_tiff_8bit_rgba_and_cmyk(tmp_path):
    rgba = np.dstack([_two_colour(), np.full((24, 32), 255, np.uint8)])
    rgba[:, :2, 3] = 0  # a transparent strip: white paper
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.tiff")
    img = load_image(tmp_path / "a.tiff")
    _check(img, atol=0)
    assert img[0, 0].tolist() == [255, 255, 255]
    Image.fromarray(_two_colour()).convert("CMYK").save(tmp_path / "cmyk.tif")
    _check(load_image(tmp_path / "cmyk.tif"), atol=2)


def test_tiff_16bit(tmp_path):
    bgr16 = np.zeros((24, 32, 3), np.uint16)
    bgr16[..., 2] = 65535  # red, full scale
    bgr16[..., 1] = 32768  # green, half scale
    cv2.imwrite(str(tmp_path / "c16.tif"), bgr16)
    img = load_image(tmp_path / "c16.tif")
    assert img.shape == (24, 32, 3) and img.dtype == np.uint8
    np.testing.assert_allclose(img[5, 5], [255, 128, 0], atol=1)
    Image.fromarray(np.full((24, 32), 40000, np.uint16)).save(tmp_path / "g16.tif")  # Pillow's I;16 grey
    img = load_image(tmp_path / "g16.tif")
    np.testing.assert_allclose(img[5, 5], [40000 / 65535 * 255] * 3, atol=1)  # scaled, not clipped


@pytest.mark.parametrize("kw, atol", [({"lossless": True}, 0), ({"quality": 90}, 8)])
def test_webp(tmp_path, kw, atol):
    p = tmp_path / "web.webp"
    Image.fromarray(_two_colour()).save(p, **kw)
    _check(load_image(p), atol=atol)


def test_webp_with_alpha_is_composited_on_white(tmp_path):
    rgba = np.dstack([_two_colour(), np.full((24, 32), 255, np.uint8)])
    rgba[:, :2, 3] = 0
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cut.webp", lossless=True)
    img = load_image(tmp_path / "cut.webp")
    _check(img, atol=0)
    assert img[0, 0].tolist() == [255, 255, 255]


def test_suffixes_of_the_readable_formats_are_image_paths():
    """Folders (app drops, the file dialog) list these: a folder of GIFs is not 'no images found'."""
    for name in ("a.gif", "A.GIF", "b.webp", "c.tif", "d.TIFF", "e.jpeg", "f.png"):
        assert is_image_path(name), name
    for name in ("notes.txt", "icon.ico", "photo", "archive.jpg.zip"):
        assert not is_image_path(name), name


# ------------------------------------------------------------------ valid images the decoder cannot read
@pytest.mark.parametrize("ext, fmt", [(".ico", "ICO"), (".tga", "TGA"), (".pcx", "PCX")])
def test_unsupported_format_is_named_not_called_corrupt(tmp_path, ext, fmt):
    """A sound file in a format Pillow knows but OpenCV does not read used to be reported as 'corrupt or
    truncated'; it is now named as an unsupported format."""
    p = tmp_path / f"logo{ext}"
    Image.fromarray(_two_colour()).save(p)
    with pytest.raises(ImageError, match=rf"logo{ext} is in {fmt} format, which this app cannot read; "
                                         "save it as PNG or JPEG"):
        load_image(p)


IMAGES = Path(__file__).parent / "images"


def _heif_tools() -> bool:
    from inference import heif

    return heif.available()


# libheif-examples is an optional package of `make setup` (installed where apt may be used): without it a HEIC photo
# gets its own message (the end of test_a_damaged_or_too_large_heic_photo_is_refused_with_a_message); these
# decode real HEIC files and need the tools
needs_heif_tools = pytest.mark.skipif(not _heif_tools(), reason="libheif-examples (heif-convert, heif-enc) is not "
                                      "installed: `make setup` installs it where apt may be used")


@needs_heif_tools
@pytest.mark.parametrize("name", ["two_colour.heic", "renamed.jpg", "no_suffix"])
def test_an_iphones_heic_photo_is_read(tmp_path, name):
    """A real HEIC photo (made by libheif's heif-enc: tests/inference/images/LICENSES.md), decoded by libheif's
    tools (inference/heif.py, Debian's libheif-examples, which `make setup` installs) whatever its file name says;
    its colours as written (HEVC at quality 50: within a few levels)."""
    p = tmp_path / name
    p.write_bytes((IMAGES / "two_colour.heic").read_bytes())
    assert image_io.is_heif(p.read_bytes()) and is_image_path("IMG_0001.HEIC") and is_image_path("x.heif")
    img = load_image(p)
    assert img.shape == (64, 48, 3) and img.dtype == np.uint8
    np.testing.assert_allclose(img[5, 5], (200, 120, 40), atol=4)
    np.testing.assert_allclose(img[60, 40], (20, 180, 200), atol=4)


@needs_heif_tools
def test_a_heic_file_of_several_images_gives_its_primary_one(tmp_path):
    """A HEIC file with two top-level images (a burst, an edit beside its original; made here by libheif's heif-enc,
    whose first image is the primary one): heif-convert writes one file per image, and the primary one is read.
    (heif-enc cannot make a file whose primary image is not its first, so taking the first file always would pass
    too; the numbering by the primary's place follows heif-convert's own.)"""
    import subprocess

    red, blue = np.zeros((64, 48, 3), np.uint8), np.zeros((80, 40, 3), np.uint8)
    red[:] = (255, 0, 0)
    blue[:] = (0, 0, 255)
    for name, rgb in (("red.png", red), ("blue.png", blue)):
        cv2.imwrite(str(tmp_path / name), rgb[..., ::-1])
    two = tmp_path / "burst.heic"
    subprocess.run(["heif-enc", "-q", "90", "-o", str(two), str(tmp_path / "red.png"), str(tmp_path / "blue.png")],
                   check=True, capture_output=True)
    img = load_image(two)
    assert img.shape == (64, 48, 3)
    np.testing.assert_allclose(img[30, 20], (255, 0, 0), atol=6)


@needs_heif_tools
def test_a_damaged_or_too_large_heic_photo_is_refused_with_a_message(tmp_path, monkeypatch):
    """Cut in half: libheif's own complaint, in one line; over the pixel limit: refused from its header before the
    decode; without libheif's tools installed: what to do."""
    from inference import heif

    data = (IMAGES / "two_colour.heic").read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=r"^cut.heic could not be read: corrupt or truncated HEIC \(heif-"):
        load_image(cut)
    whole = tmp_path / "IMG_0002.HEIC"
    whole.write_bytes(data)
    monkeypatch.setattr(image_io, "MAX_PIXELS", 3000)  # (48 x 64 = 3,072 pixels)
    with pytest.raises(ImageError, match=r"IMG_0002.HEIC .*48 x 64"):
        load_image(whole)
    monkeypatch.undo()
    monkeypatch.setattr(heif, "TOOLS", ("heif-info-not-installed", "heif-convert-not-installed"))
    with pytest.raises(ImageError, match=r"^IMG_0002.HEIC is a HEIC photo, which this app reads with libheif's tools "
                                         r"\(libheif-examples\), not installed here .*or save it as JPEG \(an iPhone"):
        load_image(whole)


def test_avif_photos_are_read_and_listed():
    """AVIF (AV1 in the same HEIF container) is read by OpenCV: listed from folders and decoded, colours kept."""
    assert is_image_path("x.AVIF")
    assert not image_io.is_heif((IMAGES / "two_colour.avif").read_bytes())
    img = load_image(IMAGES / "two_colour.avif")
    assert img.shape == (64, 48, 3)
    np.testing.assert_allclose(img[5, 5], (200, 120, 40), atol=4)
    np.testing.assert_allclose(img[60, 40], (20, 180, 200), atol=4)


def test_truncated_png_is_called_truncated(tmp_path, capfd):
    """...without decoding it, so that libpng's own line ("libpng error: PNG input buffer is incomplete", with
    OpenCV's warning from grfmt_png.cpp) stays off the terminal (large enough for libpng to say it: a 64 x 64 one
    stops silently)."""
    ok, buf = cv2.imencode(".png", np.random.default_rng(0).integers(0, 256, (640, 640, 3), np.uint8))
    p = tmp_path / "cut.png"
    p.write_bytes(buf.tobytes()[: len(buf) // 2])
    capfd.readouterr()
    with pytest.raises(ImageError, match=r"^cut.png is a truncated PNG \(the file ends before the image does\)$"):
        load_image(p)
    err = capfd.readouterr().err
    assert "libpng" not in err and "PNG input buffer" not in err


# ------------------------------------------------------------------ zero-byte files
@pytest.mark.parametrize("name", ["empty.jpg", "empty.png", "empty.gif", "no_suffix"])
def test_zero_byte_file(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"")
    with pytest.raises(ImageError, match=rf"^{name} is empty \(0 bytes\)$"):
        load_image(p)


# ------------------------------------------------------------------ paths
@pytest.mark.parametrize("folder, name", [
    ("plain", "my photo.png"),
    ("plain", "  leading and trailing spaces .png"),
    ("plain", "phöto ünïcode 写真 😀.jpg"),
    ("Fotos vom Strand – 2024", "Straße am Meer.webp"),
    ("データ", "写真.tif"),
])
def test_non_ascii_and_space_paths(tmp_path, folder, name):
    d = tmp_path / folder
    d.mkdir()
    p = d / name
    Image.fromarray(_two_colour()).save(p, **({"quality": 95} if p.suffix == ".jpg" else {}))
    _check(load_image(p))
    _check(load_image(str(p)))
    assert is_image_path(p)


def test_errors_name_non_ascii_files(tmp_path):
    with pytest.raises(ImageError, match="Straße 写真.png: file not found"):
        load_image(tmp_path / "Straße 写真.png")
    p = tmp_path / "Notizen über Fotos.png"
    p.write_text("kein Bild")
    with pytest.raises(ImageError, match="Notizen über Fotos.png could not be read: not an image"):
        load_image(p)


def test_path_through_a_file_is_a_message(tmp_path):
    f = tmp_path / "photo.jpg"
    f.write_bytes(b"x")
    with pytest.raises(ImageError, match=r"inner.png could not be read: Not a directory"):
        load_image(f / "inner.png")


def test_name_too_long_is_a_message(tmp_path):
    """A path the OS itself refuses (ENAMETOOLONG): a message, not an OSError."""
    p = tmp_path / ("x" * 300 + ".jpg")
    with pytest.raises(ImageError, match=r"x+\.jpg could not be read: File name too long"):
        load_image(p)


# ------------------------------------------------------------------ unreadable files
def _permission_bits_ignored() -> bool:
    """True where chmod 000 does not stop this process reading a file: as root (with the usual
    CAP_DAC_OVERRIDE), or on a platform without POSIX permissions."""
    import tempfile

    if os.name == "nt":
        return True
    fd, name = tempfile.mkstemp()
    os.close(fd)
    try:
        os.chmod(name, 0)
        try:
            os.close(os.open(name, os.O_RDONLY))
        except PermissionError:
            return False
        return True
    finally:
        os.unlink(name)


PERMISSIONS_IGNORED = _permission_bits_ignored()
ROOT_REASON = ("running as root (or without POSIX permissions): root reads a file and enters a folder even "
               "without permission, so chmod 000 cannot make one unreadable (the simulated case runs instead)")


@pytest.mark.skipif(PERMISSIONS_IGNORED, reason=ROOT_REASON)
def test_file_without_read_permission(tmp_path):
    p = tmp_path / "secret photo.png"
    Image.fromarray(_two_colour()).save(p)
    p.chmod(0)
    try:
        with pytest.raises(ImageError, match="secret photo.png could not be read: Permission denied"):
            load_image(p)
    finally:
        p.chmod(0o644)


def test_permission_denied_on_open_is_a_message(tmp_path, monkeypatch):
    """The same refusal simulated at open(2) (runs as root too): the stat succeeds, the open fails."""
    p = tmp_path / "locked.png"
    Image.fromarray(_two_colour()).save(p)
    real_open = os.open

    def refusing_open(path, *args, **kwargs):
        if os.fspath(path) == os.fspath(p):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(image_io.os, "open", refusing_open)
    with pytest.raises(ImageError, match=r"^locked.png could not be read: Permission denied$"):
        load_image(p)


@pytest.mark.skipif(PERMISSIONS_IGNORED, reason=ROOT_REASON)
def test_file_in_a_folder_without_permission(tmp_path):
    d = tmp_path / "private"
    d.mkdir()
    Image.fromarray(_two_colour()).save(d / "inside.png")
    d.chmod(0)
    try:
        with pytest.raises(ImageError, match="inside.png could not be read: Permission denied"):
            load_image(d / "inside.png")
    finally:
        d.chmod(0o755)
