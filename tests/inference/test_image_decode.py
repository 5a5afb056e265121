"""Loading user images: formats are converted, bad files give a clear ImageLoadError."""
import struct
import zlib

import cv2
import numpy as np
import pytest

from inference import image_io as imageio
from inference.errors import ImageLoadError
from inference.image_io import display_copy, load_image


def _write(path, arr, ext=".png"):
    ok, buf = cv2.imencode(ext, arr)
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def test_colour_png_is_rgb(tmp_path):
    bgr = np.zeros((20, 30, 3), np.uint8)
    bgr[..., 0] = 200  # blue in OpenCV order
    img = load_image(_write(tmp_path / "a.png", bgr))
    assert img.shape == (20, 30, 3) and img.dtype == np.uint8
    assert img[0, 0].tolist() == [0, 0, 200]


def test_grey_16bit_rgba_are_converted(tmp_path):
    grey = np.full((16, 16), 77, np.uint8)
    assert load_image(_write(tmp_path / "g.png", grey))[0, 0].tolist() == [77, 77, 77]
    deep = np.full((16, 16, 3), 65535, np.uint16)
    out = load_image(_write(tmp_path / "d.png", deep))
    assert out.dtype == np.uint8 and out[0, 0].tolist() == [255, 255, 255]
    bgra = np.zeros((16, 16, 4), np.uint8)
    bgra[..., 2] = 255  # red, half transparent -> blended on white
    bgra[..., 3] = 128
    px = load_image(_write(tmp_path / "r.png", bgra))[0, 0]
    assert px[0] == 255 and 120 < px[1] < 135


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"hello, I am a text file\n" * 10, "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "is a truncated PNG"),
])
def test_bad_files_raise_clear_errors(tmp_path, content, words):
    p = tmp_path / "bad.png"
    p.write_bytes(content)
    with pytest.raises(ImageLoadError, match=words):
        load_image(p)


def test_truncated_files(tmp_path):
    img = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    for ext in (".png", ".jpg"):
        ok, buf = cv2.imencode(ext, img)
        p = tmp_path / f"t{ext}"
        p.write_bytes(buf.tobytes()[: len(buf) // 2])
        with pytest.raises(ImageLoadError):
            load_image(p)


def test_missing_and_folder(tmp_path):
    with pytest.raises(ImageLoadError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)


def _png_header_only(w, h):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


def test_huge_image_refused_before_decoding(tmp_path):
    p = tmp_path / "huge.png"
    p.write_bytes(_png_header_only(13000, 10000))  # 130 MP claimed by the header
    with pytest.raises(ImageLoadError, match="megapixels"):
        load_image(p)


def test_display_copy_downscales():
    img = np.zeros((3000, 1000, 3), np.uint8)
    small, s = display_copy(img, 1500)
    assert small.shape[:2] == (1500, 500) and s == pytest.approx(0.5)
    same, s1 = display_copy(img[:100, :100])
    assert s1 == 1.0 and same.shape == (100, 100, 3)


def test_to_rgb_uint8_float_and_grey_alpha():
    f = np.full((4, 4, 3), 0.5, np.float32)
    assert imageio.to_rgb_uint8(f, bgr=False)[0, 0].tolist() == [128, 128, 128]
    ga = np.zeros((4, 4, 2), np.uint8)
    ga[..., 1] = 255
    assert imageio.to_rgb_uint8(ga)[0, 0].tolist() == [0, 0, 0]
