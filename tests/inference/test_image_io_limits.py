"""Big images in inference.image_io: OpenCV's own pixel limit set to the app's before cv2 loads (inference/__init__.py),
the size of the text-header formats Pillow cannot read (Radiance HDR, PAM, PFM) checked before decoding, and a
transparent image converted in bands of rows, so that its conversion costs little beyond the result."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

import inference.image_io as image_io
from inference.image_io import ImageError, load_image, to_rgb_uint8

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = "OPENCV_IO_MAX_IMAGE_PIXELS"
# text headers of 20000 x 7000 = 140 megapixels (over the limit; each side under OpenCV's 2^20), no pixel data
HEADERS = {"hdr": b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 7000 +X 20000\n",
           "pam": b"P7\nWIDTH 20000\nHEIGHT 7000\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n",
           "pfm": b"PF\n20000 7000\n-1.0\n"}


def _run(code: str, **env: str) -> str:
    """`code` run by a fresh Python in the checkout, the environment without OpenCV's variable but for `env`."""
    base = {k: v for k, v in os.environ.items() if k != VARIABLE}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


# decodes the header-only Radiance file with OpenCV alone: "refused" when OpenCV's own check stops it
OPENCV_DECODE = ("import cv2, numpy as np\n"
                 f"buf = np.frombuffer({HEADERS['hdr']!r}, np.uint8)\n"
                 "try:\n    cv2.imdecode(buf, cv2.IMREAD_UNCHANGED); print('passed', end=' ')\n"
                 "except cv2.error as e:\n    print('refused' if 'CV_IO_MAX_IMAGE_PIXELS' in str(e) else e, end=' ')\n"
                 f"import os; print(os.environ.get({VARIABLE!r}))")


def test_opencv_refuses_an_image_over_the_apps_limit_from_its_header_once_the_package_is_imported():
    assert _run("import inference\n" + OPENCV_DECODE) == f"refused {image_io.MAX_PIXELS}"
    # a user's own value is kept (here a higher one: OpenCV then reads the header and fails on the missing data)
    assert _run("import inference\n" + OPENCV_DECODE, **{VARIABLE: "200000000"}) == "passed 200000000"


@pytest.mark.parametrize("given", ["", " ", "lots", "-5"])
def test_an_empty_or_unreadable_value_of_the_users_is_replaced_by_the_apps_limit(given):
    """OpenCV aborts the process (std::invalid_argument from stoull) at the first decode under such a value."""
    assert _run("import inference\n" + OPENCV_DECODE, **{VARIABLE: given}) == f"refused {image_io.MAX_PIXELS}"


def test_the_command_line_sets_opencvs_limit_before_any_command_imports_cv2():
    """`cli.main.main` is what main.py, nbf-studio and the app run first: training's modules (evaluate, synth) import
    cv2 before inference, so the package must be imported before the command's module."""
    code = "from cli.main import main\nmain(['--version'])\n" + OPENCV_DECODE
    assert _run(code).splitlines()[-1] == f"refused {image_io.MAX_PIXELS}"


def test_opencvs_refusal_under_a_users_lower_limit_is_said_as_theirs(tmp_path):
    """A PNG of 10000 x 8000 (80 MP) passes the app's limit from its header; the user's OPENCV_IO_MAX_IMAGE_PIXELS of
    50 MP has OpenCV refuse it: said as that limit, not as OpenCV's assertion text."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 10000, 8000, 8, 2, 0, 0, 0)  # (8-bit RGB; a token IDAT: the header is what counts)
    (tmp_path / "wide.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                                        + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))
    code = (f"from inference.image_io import load_image, ImageError\n"
            f"try:\n    load_image({str(tmp_path / 'wide.png')!r})\nexcept ImageError as e:\n    print(e)")
    assert _run(code, **{VARIABLE: "50000000"}) == (
        "wide.png is larger than OpenCV's limit of 50 megapixels (OPENCV_IO_MAX_IMAGE_PIXELS=50000000); "
        "downscale it first")


def test_opencvs_own_size_refusal_reads_as_the_apps_message():
    said = ("OpenCV(5.0.0) /io/opencv/modules/imgcodecs/src/loadsave.cpp:79: error: (-215:Assertion failed) "
            "pixels <= CV_IO_MAX_IMAGE_PIXELS in function 'validateInputImageSize'\n")
    assert image_io._decoder_refusal("x.hdr", said) == ("x.hdr is larger than the limit of 120 megapixels; "
                                                        "downscale it first")
    assert image_io._decoder_refusal("x.hdr", said.replace("pixels <= CV_IO_MAX_IMAGE_PIXELS",
                                                          "width <= CV_IO_MAX_IMAGE_WIDTH")) == (
        "x.hdr is over 1048576 pixels wide or tall, more than the decoder reads; downscale it first")
    assert image_io._decoder_refusal("x.png", "OpenCV(5.0.0) f.cpp:1: error: (-2:Unspecified error) bad\n") == (
        "x.png could not be decoded: OpenCV(5.0.0) f.cpp:1: error: (-2:Unspecified error) bad")


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_a_text_header_format_over_the_limit_is_refused_by_its_size_before_decoding(tmp_path, kind):
    """Pillow cannot read these, so their size was checked only after OpenCV had decoded them (float32 RGB for HDR: a
    12 MB file of 197 MP took 4.7 GB)."""
    path = tmp_path / "photo.png"  # (OpenCV reads them by content, whatever the name)
    path.write_bytes(HEADERS[kind])
    with pytest.raises(ImageError, match=r"^photo\.png is 20000 x 7000 pixels \(140 megapixels\), over the limit"):
        load_image(path)


def test_text_header_formats_under_the_limit_still_decode():
    import cv2

    rgb = np.random.default_rng(1).integers(0, 256, (20, 30, 3)).astype(np.uint8)
    for ext in (".hdr", ".pfm", ".pam"):
        ok, buf = cv2.imencode(ext, rgb.astype(np.float32) / 255 if ext != ".pam" else rgb)
        assert ok and image_io._text_header_size(buf) == (30, 20)
        assert image_io.decode_image(buf.tobytes(), f"x{ext}").shape == (20, 30, 3)


# ------------------------------------------------------------------ transparency: the same pixels, in bands
def _float_blend(c: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The composite on white in float32, rounded half up: what the conversion gave before it worked in integers."""
    al = a.astype(np.float32)[..., None] / 255.0
    return np.clip(255.0 * (1 - al) + c.astype(np.float32) * al + 0.5, 0, 255).astype(np.uint8)


def test_every_colour_and_alpha_composites_as_the_float_blend_did():
    c = np.repeat(np.arange(256, dtype=np.uint8), 256).reshape(256, 256)
    a = np.tile(np.arange(256, dtype=np.uint8), 256).reshape(256, 256)
    want = _float_blend(np.stack([c, c, c], -1), a)
    assert np.array_equal(to_rgb_uint8(np.stack([c, c, c, a], -1)), want)
    assert np.array_equal(to_rgb_uint8(np.stack([c, a], -1)), want)  # grey + alpha
    v = np.arange(65536, dtype=np.uint16).reshape(256, 256)  # 16 bit: to 8 bit first, then composited
    c8, a8 = (v.astype(np.float32) / 65535.0 * 255.0 + 0.5).astype(np.uint8), (v[::-1] // 257).astype(np.uint8)
    a16 = (a8.astype(np.uint16) * 257)
    assert np.array_equal(to_rgb_uint8(np.stack([v, v, v, a16], -1)), _float_blend(np.stack([c8] * 3, -1), a8))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("opaque", [False, True])
def test_a_transparent_image_costs_little_beyond_its_result(monkeypatch, dtype, opaque):
    """The whole frame was composited in float32 (a 110 MP RGBA PNG took 5.2 GB, a 16-bit one 7.8 GB): now in bands
    of rows, so that besides the (H, W, 3) uint8 result the conversion allocates a band's worth."""
    monkeypatch.setattr(image_io, "BAND_PIXELS", 20_000, raising=False)
    rng = np.random.default_rng(2)
    top = 255 if dtype == np.uint8 else 65535
    img = rng.integers(0, top + 1, (1000, 1000, 4)).astype(dtype)
    if opaque:
        img[..., 3] = top
    tracemalloc.start()
    try:
        out = to_rgb_uint8(img)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (1000, 1000, 3)
    assert peak < out.nbytes + 2_000_000, peak  # (a band of 20,000 pixels: well under 1 MB of temporaries)
