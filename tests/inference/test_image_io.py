"""inference.image_io.load_image: every common format/bit depth/colour mode -> RGB uint8, or an ImageError
(= ImageLoadError) naming the file. Complements tests/inference/test_image_decode.py."""
from __future__ import annotations

import os
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

import inference.image_io as image_io
from inference.image_io import ImageError, load_image


def _check_rgb8(img: np.ndarray, shape: tuple[int, int]) -> None:
    assert img.shape == (*shape, 3) and img.dtype == np.uint8 and img.flags["C_CONTIGUOUS"]


def _png_header_only(path, width: int, height: int) -> None:
    """A tiny PNG whose IHDR claims width x height (8-bit RGB) with a token IDAT: cheap to write; the size
    is read from the header, before any decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
                     + chunk(b"IEND", b""))


# ------------------------------------------------------------------ formats
def test_rgb_png_keeps_channel_order(tmp_path):
    rgb = np.zeros((12, 20, 3), np.uint8)
    rgb[..., 0] = 200  # red
    Image.fromarray(rgb).save(tmp_path / "red.png")
    img = load_image(tmp_path / "red.png")
    _check_rgb8(img, (12, 20))
    assert img[0, 0].tolist() == [200, 0, 0]
    assert load_image(str(tmp_path / "red.png"))[0, 0].tolist() == [200, 0, 0]  # str paths too


def test_16bit_png(tmp_path):
    bgr16 = np.zeros((10, 12, 3), np.uint16)
    bgr16[..., 2] = 65535   # red, full scale
    bgr16[..., 1] = 32768   # green, half scale
    cv2.imwrite(str(tmp_path / "c16.png"), bgr16)
    img = load_image(tmp_path / "c16.png")
    _check_rgb8(img, (10, 12))
    np.testing.assert_allclose(img[0, 0], [255, 128, 0], atol=1)
    grey16 = np.full((10, 12), 40000, np.uint16)
    cv2.imwrite(str(tmp_path / "g16.png"), grey16)
    img = load_image(tmp_path / "g16.png")
    _check_rgb8(img, (10, 12))
    np.testing.assert_allclose(img[0, 0], [40000 / 65535 * 255] * 3, atol=1)  # scaled, not clipped at 255


def test_greyscale_png(tmp_path):
    grey = np.tile(np.arange(0, 240, 16, dtype=np.uint8), (9, 1))
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    img = load_image(tmp_path / "g.png")
    _check_rgb8(img, grey.shape)
    for c in range(3):
        np.testing.assert_array_equal(img[..., c], grey)
    Image.fromarray(np.stack([grey, np.full_like(grey, 255)], -1), "LA").save(tmp_path / "la.png")
    np.testing.assert_array_equal(load_image(tmp_path / "la.png")[..., 1], grey)


def test_rgba_png_composited_over_white(tmp_path):
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., :3] = (10, 20, 30)
    rgba[:, :5, 3] = 255    # opaque left half
    rgba[:, 5:, 3] = 0      # transparent right half
    rgba[0, 0, 3] = 128     # one half-transparent pixel
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    _check_rgb8(img, (10, 10))
    assert img[5, 2].tolist() == [10, 20, 30]
    assert img[5, 7].tolist() == [255, 255, 255]
    np.testing.assert_allclose(img[0, 0], np.array([10, 20, 30]) * 128 / 255 + 255 * 127 / 255, atol=1)


def test_palette_png(tmp_path):
    idx = np.zeros((8, 10), np.uint8)
    idx[:, 5:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    im.save(tmp_path / "p.png")
    img = load_image(tmp_path / "p.png")
    _check_rgb8(img, (8, 10))
    assert img[0, 0].tolist() == [255, 0, 0] and img[0, 9].tolist() == [0, 0, 255]
    # a palette entry marked transparent reads as white paper
    im.save(tmp_path / "pt.png", transparency=1)
    img = load_image(tmp_path / "pt.png")
    assert img[0, 0].tolist() == [255, 0, 0] and img[0, 9].tolist() == [255, 255, 255]


def test_exif_orientation_is_applied(tmp_path):
    im = Image.fromarray(np.zeros((10, 20, 3), np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    im.save(tmp_path / "rot.jpg", exif=exif)
    assert load_image(tmp_path / "rot.jpg").shape == (20, 10, 3)


@pytest.mark.parametrize("fmt", ["png", "webp", "tiff"])
def test_exif_orientation_of_other_formats(tmp_path, fmt):
    """A phone photo saved as PNG or WebP keeps its EXIF orientation; it is applied once (OpenCV turns a
    TIFF itself), so a portrait stored sideways is fitted upright, not lying down."""
    a = np.zeros((10, 20, 3), np.uint8)
    a[0, 0] = 255  # top-left as stored; orientation 6 shows it at the top-right
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(a).save(tmp_path / f"rot.{fmt}", exif=exif if fmt == "tiff" else exif.tobytes(),
                            **({"lossless": True} if fmt == "webp" else {}))
    img = load_image(tmp_path / f"rot.{fmt}")
    assert img.shape == (20, 10, 3)
    assert img[0, 9].tolist() == [255, 255, 255] and img[0, 0].tolist() == [0, 0, 0]
    Image.fromarray(a).save(tmp_path / f"plain.{fmt}")  # no EXIF: as stored
    assert load_image(tmp_path / f"plain.{fmt}").shape == (10, 20, 3)


# ------------------------------------------------------------------ arrays
def test_float_arrays():
    a = np.linspace(0, 1, 30, dtype=np.float32).reshape(5, 6)
    img = load_image(a)
    _check_rgb8(img, (5, 6))
    np.testing.assert_array_equal(img[..., 0], np.round(a * 255).astype(np.uint8))
    b = np.tile(np.linspace(0, 255, 16), (4, 1))[..., None].repeat(3, 2)  # float64 on a full 0..255 scale
    np.testing.assert_allclose(load_image(b)[..., 0], b[..., 0], atol=1)
    c = np.full((4, 4, 3), 0.5)
    c[0, 0] = np.nan
    img = load_image(c)
    assert img[0, 0].tolist() == [0, 0, 0] and img[1, 1].tolist() == [128, 128, 128]
    assert load_image(np.full((4, 4, 3), -3.0))[0, 0].tolist() == [0, 0, 0]  # clipped, no wrap-around


def test_integer_and_channel_variants():
    assert load_image(np.full((4, 4), 65535, np.uint16))[0, 0].tolist() == [255, 255, 255]
    assert load_image(np.full((4, 4, 1), 9, np.uint8))[0, 0].tolist() == [9, 9, 9]
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = 50
    assert load_image(rgba)[0, 0].tolist() == [255, 255, 255]  # alpha 0 -> white
    rgba[..., 3] = 255
    assert load_image(rgba)[0, 0].tolist() == [50, 50, 50]
    assert load_image(np.full((4, 4, 3), 255, np.uint8))[0, 0].tolist() == [255, 255, 255]
    bgr = np.zeros((4, 4, 3), np.uint8)
    bgr[..., 0] = 7
    view = bgr[..., ::-1]  # a non-contiguous view (e.g. OpenCV's BGR flipped)
    img = load_image(view)
    assert img.flags["C_CONTIGUOUS"] and img[0, 0].tolist() == [0, 0, 7]


@pytest.mark.parametrize("bad", [np.zeros((0, 5, 3), np.uint8), np.zeros(10, np.uint8), np.zeros((2, 2, 2, 2))])
def test_bad_arrays(bad):
    with pytest.raises(ImageError, match="not an image array"):
        load_image(bad)
    with pytest.raises(ImageError, match="unsupported image layout"):
        load_image(np.zeros((4, 4, 5), np.uint8))


def test_arrays_on_a_0_255_scale_keep_their_values():
    assert load_image(np.full((4, 4, 3), 200))[0, 0].tolist() == [200, 200, 200]  # int64, as np.array([...]) makes
    dark = np.full((4, 4, 3), 100.0)
    dark[0, 0] = 0
    assert load_image(dark)[1, 1].tolist() == [100, 100, 100]


# ------------------------------------------------------------------ bad files
def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="nothere.png: file not found"):
        load_image(tmp_path / "nothere.png")
    with pytest.raises(ImageError, match="is a folder, not an image"):
        load_image(tmp_path)


def test_text_file_named_png(tmp_path):
    p = tmp_path / "notes.png"
    p.write_text("just some text\n")
    with pytest.raises(ImageError, match="notes.png could not be read: not an image"):
        load_image(p)


def test_truncated_jpeg(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)
    ok, buf = cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    p = tmp_path / "cut.jpg"
    p.write_bytes(buf.tobytes()[: len(buf) * 6 // 10])
    with pytest.raises(ImageError, match="cut.jpg is a truncated JPEG"):
        load_image(p)
    # an end-of-image marker earlier in the file (e.g. in an EXIF thumbnail) does not hide the truncation
    data = buf.tobytes()
    comment = b"\xff\xfe\x00\x06\xff\xd9ab"  # a COM segment holding FF D9
    q = tmp_path / "thumb_cut.jpg"
    q.write_bytes((data[:2] + comment + data[2:])[: len(data) * 6 // 10])
    with pytest.raises(ImageError, match="thumb_cut.jpg"):
        load_image(q)


def test_tiny_image(tmp_path):
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(tmp_path / "tiny.png")
    with pytest.raises(ImageError, match=r"tiny.png is only 5 x 5 pixels"):
        load_image(tmp_path / "tiny.png")


def test_huge_dimensions_header(tmp_path):
    """20000 x 20000 (400 MP): refused from the header, nothing decoded (PIL's own bomb check fires first)."""
    p = tmp_path / "huge.png"
    _png_header_only(p, 20000, 20000)
    assert p.stat().st_size < 200
    with pytest.raises(ImageError) as info:
        load_image(p)
    # one sentence with the image's size and our limit, not Pillow's own limit and wording beside ours
    assert str(info.value) == "huge.png is 400 megapixels, over the limit of 120 megapixels; downscale it first"


def test_over_max_pixels_header(tmp_path):
    """14000 x 10000 = 140 MP: under PIL's hard limit, over MAX_PIXELS (120 MP); a phone's 108 MP photo
    (12000 x 9000) is under it."""
    p = tmp_path / "big.png"
    _png_header_only(p, 14000, 10000)
    with pytest.raises(ImageError) as info:
        load_image(p)
    assert str(info.value) == ("big.png is 14000 x 10000 pixels (140 megapixels), over the limit of 120 megapixels; "
                               "downscale it first")
    assert 12000 * 9000 <= image_io.MAX_PIXELS


def test_just_over_max_pixels_says_so(tmp_path):
    """12001 x 10000: the size is shown with the decimals that put it over the limit (not "120 ... limit 120")."""
    p = tmp_path / "edge.png"
    _png_header_only(p, 12001, 10000)
    with pytest.raises(ImageError, match=r"edge.png is 12001 x 10000 pixels \(120.01 megapixels\), over the limit "):
        load_image(p)


def test_max_pixels_limit(tmp_path, monkeypatch):
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(tmp_path / "ok.png")
    assert load_image(tmp_path / "ok.png").shape == (40, 50, 3)
    monkeypatch.setattr(image_io, "MAX_PIXELS", 1000)
    with pytest.raises(ImageError, match="ok.png is 50 x 40"):
        load_image(tmp_path / "ok.png")


# ------------------------------------------------------------------ only regular files; damaged JPEGs
def _no_hang(fn, seconds: float = 10.0):
    """Run fn in a daemon thread; fail (instead of hanging the suite) if it has not returned in time."""
    import threading

    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still blocked after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_jpg_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match=r"pipe.jpg is a pipe \(FIFO\), not an image file"):
        _no_hang(lambda: load_image(fifo))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_device_is_refused(tmp_path):
    link = tmp_path / "zero.png"
    link.symlink_to("/dev/zero")
    with pytest.raises(ImageError, match="zero.png is a device"):
        _no_hang(lambda: load_image(link))


def test_symlink_loop_is_a_message(tmp_path):
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(ImageError, match="a.jpg could not be read"):
        load_image(a)


def test_read_file_bytes_size_limit(tmp_path):
    p = tmp_path / "big.png"
    p.write_bytes(b"\0" * 2048)
    with pytest.raises(ImageError, match="big.png is 0 MB; files over 0 MB"):
        image_io.read_file_bytes(p, max_bytes=1024)
    assert image_io.read_file_bytes(p).size == 2048


def _photo_jpeg() -> bytes:
    rng = np.random.default_rng(3)
    img = cv2.GaussianBlur(rng.integers(0, 256, (256, 192, 3), dtype=np.uint8), (9, 9), 3)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return buf.tobytes()


def test_corrupt_middle_jpeg_warns_damaged(tmp_path):
    """A JPEG whose middle is missing but whose end marker is intact decodes (libjpeg fills grey): a
    DamagedImageWarning says so."""
    data = _photo_jpeg()
    p = tmp_path / "holey.jpg"
    p.write_bytes(data[: len(data) // 2] + data[-2:])
    with pytest.warns(image_io.DamagedImageWarning, match=r"holey.jpg is damaged: the bottom \d+ of 256 rows"):
        img = load_image(p)
    assert img.shape == (256, 192, 3)
    assert image_io.grey_tail_rows(img[..., ::-1]) >= 8


def test_damage_notes_collect_each_threads_own_damage_instead_of_warning(tmp_path):
    """Two threads decode at once, one a damaged JPEG, one a sound one: each block holds its own image's messages
    and nothing is warned (warnings.catch_warnings, process-wide, mixed them up or lost them)."""
    import threading
    import warnings

    data = _photo_jpeg()
    holey, sound = tmp_path / "holey.jpg", tmp_path / "sound.jpg"
    holey.write_bytes(data[: len(data) // 2] + data[-2:])
    sound.write_bytes(data)
    got: dict[str, list[str]] = {}

    def decode(path):
        with image_io.damage_notes() as notes:
            for _ in range(6):
                load_image(path)
        got[path.name] = notes

    with warnings.catch_warnings():
        warnings.simplefilter("error", image_io.DamagedImageWarning)
        threads = [threading.Thread(target=decode, args=(p,)) for p in (holey, sound)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert got["sound.jpg"] == []
    assert len(got["holey.jpg"]) == 6
    assert all(m.startswith("holey.jpg is damaged: the bottom") for m in got["holey.jpg"])


def test_grey_canvas_jpeg_is_not_damaged(tmp_path):
    """A sound photo with a plain mid-grey bottom (like resources/photos/small_person.jpg) gives no warning."""
    import warnings

    img = np.full((128, 96, 3), 128, np.uint8)
    img[:40] = cv2.GaussianBlur(np.random.default_rng(1).integers(0, 256, (40, 96, 3), dtype=np.uint8), (5, 5), 2)
    p = tmp_path / "grey.jpg"
    cv2.imwrite(str(p), img)
    with warnings.catch_warnings():
        warnings.simplefilter("error", image_io.DamagedImageWarning)
        load_image(p)


def test_readable_images_passes_over_a_broken_file_and_says_why(tmp_path):
    good, bad = tmp_path / "good.png", tmp_path / "bad.jpg"
    cv2.imwrite(str(good), np.full((48, 64, 3), 200, np.uint8))
    bad.write_bytes(b"not a jpeg at all")
    skipped: list[str] = []
    out = list(image_io.readable_images([bad, good, tmp_path / "missing.png"], skipped))
    assert [p for p, _ in out] == [good] and out[0][1].shape == (48, 64, 3)
    assert len(skipped) == 2 and skipped[0].startswith("bad.jpg") and skipped[1].startswith("missing.png: ")
    assert not any(m.startswith(f"{n}: {n}") for m, n in zip(skipped, ("bad.jpg", "missing.png")))  # (helper-85)


@pytest.mark.parametrize("kind", ["gif", "webp", "tiff"])
def test_only_the_first_frame_or_page_is_read_and_that_is_said(tmp_path, kind):
    """An animation or a TIFF of several pages was read at its first frame without a word: a person in a later
    one was "no person found" (helper-104's sweep, item 13)."""
    from inference.image_io import damage_notes

    frames = [Image.fromarray(np.full((24, 32, 3), v, np.uint8)) for v in (0, 120, 240)]
    p = tmp_path / {"gif": "a.gif", "webp": "a.webp", "tiff": "a.tif"}[kind]
    frames[0].save(p, save_all=True, append_images=frames[1:], **({"lossless": True} if kind == "webp" else {}))
    with damage_notes() as notes:
        img = load_image(p)
    assert img.shape == (24, 32, 3) and int(img.max()) < 10
    word = "pages" if kind == "tiff" else "frames"
    assert notes == [f"{p.name} holds 3 {word}: only the first is read (save the one you want as its own image)"]
    frames[0].save(p)  # one frame: nothing to say
    with damage_notes() as notes:
        load_image(p)
    assert notes == []


@pytest.mark.parametrize("make", [lambda: np.full((8, 6, 3), 120, np.uint8),
                                  lambda: np.full((8, 6, 3), 120, np.uint8)[:, ::-1],
                                  lambda: np.full((8, 6), 120, np.uint8)])
def test_an_array_read_is_a_copy_the_callers_later_writes_do_not_reach(make):
    """sweep127: a Prediction's image was the caller's own array, so a video loop that reuses one buffer changed the
    earlier frames' predictions; the array read is a new one now (an RGB uint8 array was passed through)."""
    from inference.image_io import load_image

    a = make()
    rgb = load_image(a)
    assert rgb.shape == (8, 6, 3) and not np.shares_memory(rgb, a)
    a[...] = 7
    assert (rgb == 120).all()


@pytest.mark.parametrize("thing", [b"\x89PNG", [[0, 1], [2, 3]], 3.5])
def test_something_else_than_a_path_or_an_array_is_named_with_what_to_give(thing):
    """sweep127: a PIL image or bytes gave Path()'s bare TypeError ("expected str, bytes or os.PathLike ...")."""
    from inference.image_io import ImageLoadError

    with pytest.raises(ImageLoadError, match=f"not an image: a {type(thing).__name__}; give a file path or a numpy"):
        load_image(thing)


def test_a_thumbnail_reads_the_pixels_as_the_photo_opens(tmp_path):
    """The folder list's thumbnail and the photo it opens follow one reader's rules: a cut-out PNG's transparent
    pixels are white paper in both (the thumbnail was black), a 16-bit grey PNG is mid-grey in both (the thumbnail
    was white: Pillow clipped it at 255), a palette entry marked transparent is white, and an EXIF-turned JPEG is
    turned in both."""
    from inference.image_io import thumbnail_rgb

    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = (200, 30, 30, 255)  # transparent elsewhere, with RGB 0 there
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cutout.png")
    thumb = thumbnail_rgb(tmp_path / "cutout.png", 40)
    _check_rgb8(thumb, (40, 40))
    np.testing.assert_array_equal(thumb, load_image(tmp_path / "cutout.png"))
    small = thumbnail_rgb(tmp_path / "cutout.png", 20)
    _check_rgb8(small, (20, 20))
    assert small[0, 0].tolist() == [255, 255, 255] and small[10, 10].tolist() == [200, 30, 30]

    cv2.imwrite(str(tmp_path / "grey16.png"), np.full((40, 40), 30000, np.uint16))
    full = load_image(tmp_path / "grey16.png")
    assert full[0, 0].tolist() == [117, 117, 117]
    for side in (40, 20):
        np.testing.assert_allclose(thumbnail_rgb(tmp_path / "grey16.png", side)[0, 0], full[0, 0], atol=1)

    idx = np.zeros((8, 10), np.uint8)
    idx[:, 5:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    im.save(tmp_path / "pt.png", transparency=1)
    np.testing.assert_array_equal(thumbnail_rgb(tmp_path / "pt.png", 10), load_image(tmp_path / "pt.png"))

    a = np.zeros((10, 20, 3), np.uint8)
    a[:, :10] = 255
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(a).save(tmp_path / "rot.jpg", exif=exif, quality=95)
    thumb, full = thumbnail_rgb(tmp_path / "rot.jpg", 40), load_image(tmp_path / "rot.jpg")
    assert thumb.shape == full.shape == (20, 10, 3)
    assert np.abs(thumb.astype(int) - full).max() <= 8  # (the two JPEG decoders round apart)


def test_a_thumbnail_of_what_is_not_an_image_file_is_refused_without_blocking(tmp_path):
    from inference.image_io import thumbnail_rgb

    (tmp_path / "notes.png").write_text("this is not an image")
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    for path in (tmp_path / "notes.png", fifo, tmp_path / "missing.png"):
        with pytest.raises(ImageError):
            thumbnail_rgb(path, 72)
