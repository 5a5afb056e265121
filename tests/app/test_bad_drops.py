"""Issue 19's bad-input suite, the app's part (Controller.open_paths, what a drop or File > Open calls): a
drop mixing bad files (missing, zero-byte, text, a FIFO, an unsupported format) with good ones in awkward
formats and paths opens the first good one, lists every bad one in one message, never blocks the GUI
thread, and Next/Previous walk the dropped files. Complements tests/app/test_controller.py (folders with
a bad first file, all-bad drops, a lone FIFO, damaged JPEGs)."""
from __future__ import annotations

import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.app.support import SAMPLES, read_rgb

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


@pytest.fixture
def errors(controller):
    seen: list[str] = []
    controller.error.connect(seen.append)
    return seen


@contextmanager
def fifo_watchdog(fifo: Path, after_s: float = 10.0):
    """If something still blocks on `fifo` after `after_s` seconds (a reader stuck in open() or read()),
    open its write end and close it again: the reader gets EOF, so a regression fails the test instead of
    hanging the suite. Yields a list that gets an entry each time the watchdog had to do so: a caller that
    must not block on the FIFO asserts it stayed empty."""
    stop = threading.Event()
    unblocked: list[Path] = []

    def unblock():
        if stop.wait(after_s):
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not stop.is_set():
            try:  # succeeds only while a reader has the FIFO open (or is opening it)
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.05)
                continue
            unblocked.append(fifo)  # (before the close: the reader's read returns only after it)
            os.close(fd)

    t = threading.Thread(target=unblock, daemon=True)
    t.start()
    try:
        yield unblocked
    finally:
        stop.set()
        t.join(10)


def _cmyk_jpeg(src: Path, dst: Path) -> Path:
    Image.open(src).convert("RGB").convert("CMYK").save(dst, quality=95)
    return dst


def _gif(src: Path, dst: Path, animated: bool = False) -> Path:
    im = Image.open(src).convert("RGB").convert("P")
    if animated:
        other = Image.open(sorted(SAMPLES.glob("*.png"))[-1]).convert("RGB").convert("P")
        im.save(dst, save_all=True, append_images=[other], duration=100, loop=0)
    else:
        im.save(dst)
    return dst


def _pillow_rgb(path: Path) -> np.ndarray:
    """The first frame as Pillow decodes it: the reference for a GIF (its palette is not the sample's)."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _close_to(img: np.ndarray, ref: np.ndarray, mean_tol: float) -> bool:
    return img.shape == ref.shape and float(np.abs(img.astype(int) - ref.astype(int)).mean()) < mean_tol


@needs_fifo
def test_mixed_drop_opens_the_first_good_file_and_lists_the_bad_ones(qtbot, controller, errors, tmp_path):
    samples = sorted(SAMPLES.glob("*.png"))
    d = tmp_path / "Urlaub 2024 – Strand"
    d.mkdir()
    missing = d / "gone.png"
    empty = d / "empty.jpg"
    empty.write_bytes(b"")
    text = d / "notes.png"
    text.write_text("not an image")
    fifo = d / "pipe.jpg"
    os.mkfifo(fifo)
    icon = d / "logo.ico"
    Image.open(samples[0]).convert("RGB").resize((32, 32)).save(icon)
    good = _cmyk_jpeg(samples[0], d / "Straße am Meer 写真.jpg")
    second = _gif(samples[1], d / "zweites bild.gif", animated=True)
    dropped = [missing, empty, text, fifo, icon, good, second]

    with fifo_watchdog(fifo) as unblocked:
        assert controller.open_paths(dropped)
    assert not unblocked, "the drop blocked the GUI thread on the FIFO"

    assert len(errors) == 1, errors  # one message for the whole drop
    msg = errors[0]
    assert msg.startswith("skipped 5 files that could not be opened: ")
    for needle in ("gone.png: file not found", "empty.jpg is empty (0 bytes)", "notes.png could not be read",
                   "pipe.jpg is a pipe (FIFO), not an image file", "logo.ico is in ICO format"):
        assert needle in msg, (needle, msg)
    assert "Straße" not in msg and "zweites" not in msg and "Traceback" not in msg

    # the list Next/Previous walk holds the files named as images (the icon was said once, above)
    assert controller.image_list == [q for q in dropped if q != icon] and controller.image_index == 4
    shown = controller.session.shown
    assert shown.source == str(good)
    assert _close_to(shown.image, read_rgb(samples[0]), 6.0)  # CMYK decoded to the right colours
    assert controller.settings.recent_files()[0] == str(good)

    # Next opens the (animated) GIF's first frame; Next again wraps to the missing file: a message, and
    # the GIF stays shown
    assert controller.open_neighbour(+1)
    assert controller.session.shown.source == str(second)
    assert np.array_equal(controller.session.shown.image, _pillow_rgb(second))
    assert not controller.open_neighbour(+1)
    assert "gone.png: file not found" in errors[-1]
    assert controller.session.shown.source == str(second)
    # the list has moved on to the missing file (Next goes on from there): the message says whose image stays
    assert errors[-1].endswith(f"(still showing {second.name})") and controller.image_index == 0


def test_a_large_file_that_does_not_decode_lets_the_next_file_of_the_drop_open(qtbot, controller, errors, tmp_path):
    """A file over 1 MP by its header (or any HEIC) decodes in the background; one that failed there ended the
    drop: its error was said and the good photo after it never opened (helper-104's sweep, item 5)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    lying = tmp_path / "lying 9000px.png"  # a header of 9000 x 9000 pixels, a token of data
    lying.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 9000, 9000, 8, 2, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))
    good = tmp_path / "good.png"
    shutil.copy(sorted(SAMPLES.glob("*.png"))[0], good)
    assert controller.open_paths([lying, good])
    assert controller.decoding
    qtbot.waitUntil(lambda: controller.session.shown is not None, timeout=30000)
    assert controller.session.shown.source == str(good)
    assert errors[0].startswith("lying 9000px.png could not be read")
    assert controller.image_list == [lying, good] and controller.image_index == 1


def test_files_not_named_as_images_are_said_once_and_kept_out_of_the_list(qtbot, controller, errors, tmp_path):
    """A drop of a photo, a text file after it and a broken image: the photo opens, the text file is said at once
    (it is never read) and is not in the list Next/Previous walk or the folder list; the broken image, named as one,
    stays in the list (its own message comes when it is reached), as in a folder."""
    samples = sorted(SAMPLES.glob("*.png"))
    good, other = tmp_path / "a.png", tmp_path / "c.png"
    shutil.copy(samples[0], good)
    shutil.copy(samples[1], other)
    notes = tmp_path / "b notes.txt"
    notes.write_text("shopping list")
    broken = tmp_path / "d.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert controller.open_paths([good, notes, other, broken])
    assert errors == ["skipped 1 file that could not be opened: b notes.txt: not an image (.txt)"], errors
    assert controller.image_list == [good, other, broken] and controller.folder.paths == [good, other, broken]
    qtbot.waitUntil(lambda: controller.session.shown is not None, timeout=10000)
    assert controller.open_neighbour(+1) and controller.session.shown.source == str(other)


def test_a_symlink_loop_in_a_drop_is_said_and_the_good_photo_opens(qtbot, controller, errors, tmp_path):
    """A link that leads back to itself (loop_a -> loop_b -> loop_a): Path.resolve raises RuntimeError under Python
    3.11, which escaped the drop before and left the good photo unopened; alone, it is one message."""
    (tmp_path / "loop_a.png").symlink_to(tmp_path / "loop_b.png")
    (tmp_path / "loop_b.png").symlink_to(tmp_path / "loop_a.png")
    empty = tmp_path / "zero.png"
    empty.write_bytes(b"")
    good = tmp_path / "good.png"
    shutil.copy(sorted(SAMPLES.glob("*.png"))[0], good)
    assert not controller.open_paths([tmp_path / "loop_a.png"])
    assert len(errors) == 1 and "loop_a.png" in errors[0] and "RuntimeError" not in errors[0], errors
    errors.clear()
    assert controller.open_paths([empty, tmp_path / "loop_a.png", good])
    assert controller.session.shown.source == str(good)
    assert len(errors) == 1 and errors[0].startswith("skipped 2 files") and "loop_a.png" in errors[0], errors
    controller.settings.add_recent_file(tmp_path / "loop_a.png")  # (the recent list keys files by resolved path)


@needs_fifo
def test_drop_of_only_a_fifo_and_a_zero_byte_file_changes_nothing(qtbot, controller, errors, tmp_path):
    sample = sorted(SAMPLES.glob("*.png"))[0]
    assert controller.open_file(sample)
    shown = controller.session.shown
    fifo = tmp_path / "stream.png"
    os.mkfifo(fifo)
    empty = tmp_path / "leer.png"
    empty.write_bytes(b"")
    errors.clear()
    with fifo_watchdog(fifo) as unblocked:
        assert not controller.open_paths([fifo, empty])
    assert not unblocked, "the drop blocked the GUI thread on the FIFO"
    assert errors == ["could not open any of the 2 files: stream.png is a pipe (FIFO), not an image file; "
                      "leer.png is empty (0 bytes)"]
    assert controller.session.shown is shown


@needs_fifo
def test_folder_with_a_fifo_skips_it_without_blocking(qtbot, controller, errors, tmp_path):
    """A FIFO named like an image in a dropped folder is not a file: it is not listed, so never opened."""
    os.mkfifo(tmp_path / "a_pipe.jpg")
    shutil.copy(sorted(SAMPLES.glob("*.png"))[0], tmp_path / "b photo.png")
    with fifo_watchdog(tmp_path / "a_pipe.jpg") as unblocked:
        assert controller.open_paths([tmp_path])
    assert not unblocked, "opening the folder blocked the GUI thread on the FIFO"
    assert controller.session.shown.source == str(tmp_path / "b photo.png")
    assert errors == []


def test_folder_of_gif_webp_and_tiff_opens_as_a_list(qtbot, controller, errors, tmp_path):
    """Every format the reader decodes is listed from a folder (GIF was left out before); formats it
    cannot read are not listed."""
    samples = sorted(SAMPLES.glob("*.png"))
    d = tmp_path / "フォト"
    d.mkdir()
    _gif(samples[0], d / "a still.gif")
    Image.open(samples[1]).convert("RGB").save(d / "b.webp", lossless=True)
    Image.open(samples[2]).convert("RGB").save(d / "c.tif")
    Image.open(samples[0]).convert("RGB").resize((32, 32)).save(d / "d.ico")
    (d / "e.txt").write_text("not an image")
    assert controller.open_paths([d])
    assert [p.name for p in controller.image_list] == ["a still.gif", "b.webp", "c.tif"]
    assert controller.image_index == 0 and errors == []
    assert np.array_equal(controller.session.shown.image, _pillow_rgb(d / "a still.gif"))
    assert controller.open_neighbour(+1) and np.array_equal(controller.session.shown.image, read_rgb(samples[1]))
    assert controller.open_neighbour(+1) and np.array_equal(controller.session.shown.image, read_rgb(samples[2]))


@pytest.mark.parametrize("name", ["leer.jpg", "leer.gif", "empty file.png"])
def test_zero_byte_drop_is_one_message(qtbot, controller, errors, tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"")
    assert not controller.open_paths([p])
    assert errors == [f"{name} is empty (0 bytes)"]
    assert controller.session.shown is None


HEIC = Path(__file__).resolve().parents[1] / "inference" / "images" / "two_colour.heic"
AVIF = Path(__file__).resolve().parents[1] / "inference" / "images" / "two_colour.avif"


def test_a_folder_of_iphone_photos_opens_as_a_list(qtbot, controller, errors, tmp_path, monkeypatch):
    """HEIC photos (an iPhone's: decoded by libheif's tools, inference/heif.py, in the background: a separate
    program) and AVIF photos (OpenCV) are listed from a folder and open; on a machine without libheif's tools a
    HEIC photo says what to do."""
    from inference import heif

    d = tmp_path / "iphone"
    d.mkdir()
    shutil.copy(HEIC, d / "IMG_0001.HEIC")
    shutil.copy(AVIF, d / "IMG_0002.avif")
    assert controller.open_paths([d])
    assert [p.name for p in controller.image_list] == ["IMG_0001.HEIC", "IMG_0002.avif"]
    qtbot.waitUntil(lambda: controller.session.shown is not None
                    and controller.session.shown.source.endswith("IMG_0001.HEIC"), timeout=20000)
    assert errors == [] and controller.session.shown.image[5, 5].tolist() == pytest.approx([200, 120, 40], abs=4)
    assert controller.open_neighbour(+1) and errors == []
    assert controller.session.shown.image[60, 40].tolist() == pytest.approx([20, 180, 200], abs=4)
    monkeypatch.setattr(heif, "TOOLS", ("heif-info-not-installed", "heif-convert-not-installed"))
    other = tmp_path / "IMG_0003.heic"
    shutil.copy(HEIC, other)
    controller.open_paths([other])
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors[-1].startswith("IMG_0003.heic is a HEIC photo, which this app reads with libheif's tools "
                                 "(libheif-examples), not installed here")
    assert controller.session.shown.source.endswith("IMG_0002.avif")  # what was shown stays
