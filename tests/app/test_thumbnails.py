"""The folder list's thumbnails (app.thumbnails) of images over the app's pixel limit: no thumbnail, and the reader's
message from the file's header, without decoding the image (neither Pillow's thumbnail nor the fallback's full read,
which for a format Pillow cannot read decoded it whole: 4.7 GB for a 12 MB Radiance file of 197 MP)."""
from pathlib import Path

import numpy as np
from PIL import Image

import inference.image_io as image_io
from app.thumbnails import ThumbnailWorker, thumbnail, unreadable_reason
from app.worker import Generation


def _made(paths: list[Path]) -> tuple[list, list]:
    """(thumbnails, unreadable messages) of one job of a ThumbnailWorker, run in this thread."""
    generation = Generation()
    worker = ThumbnailWorker(generation)
    thumbs, said = [], []
    worker.thumbnail.connect(lambda job, row, image: thumbs.append(image))
    worker.unreadable.connect(lambda job, row, message: said.append(message))
    worker.make(generation.next(), [str(p) for p in paths])
    return thumbs, said


def test_a_radiance_file_over_the_limit_is_refused_from_its_header(tmp_path):
    """Radiance HDR: OpenCV reads it whatever its name, Pillow not at all, so the thumbnail fails and the fallback
    asks the app's reader; 20000 x 7000 pixels, the header alone (no pixel data)."""
    path = tmp_path / "scan.png"
    path.write_bytes(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 7000 +X 20000\n")
    thumbs, said = _made([path])
    assert thumbs == [None]
    assert said == ["scan.png is 20000 x 7000 pixels (140 megapixels), over the limit of 120 megapixels; "
                    "downscale it first"]


def test_a_png_over_the_limit_gets_no_thumbnail(tmp_path, monkeypatch):
    """Pillow's thumbnail decodes the whole image (up to its own limit, 179 MP): one the app would refuse is refused
    here too, from its header (the limit lowered to 1000 pixels for a 48 x 64 PNG)."""
    path = tmp_path / "big.png"
    Image.fromarray(np.full((64, 48, 4), 90, np.uint8)).save(path)
    assert thumbnail(path) is not None
    monkeypatch.setattr(image_io, "MAX_PIXELS", 1000)
    assert thumbnail(path) is None
    assert unreadable_reason(path).startswith("big.png is 48 x 64 pixels (0.003 megapixels), over the limit of "
                                              "0.001 megapixels")
