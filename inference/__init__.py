"""NBF Studio's model, readers and writers, without Qt.

Importing the package gives OpenCV the app's pixel limit (`MAX_IMAGE_PIXELS`, which inference.image_io reads as
MAX_PIXELS) as its own, OPENCV_IO_MAX_IMAGE_PIXELS, unless the environment already sets one. OpenCV reads that
variable once, when cv2 loads, and checks it against an image's header before it decodes: so a format Pillow cannot
size (Radiance HDR, PAM, PFM, whatever its file name) is refused in milliseconds instead of after decoding
gigabytes. `cli.main.main` (main.py, nbf-studio, the app) and the tests (tests/conftest.py) import this package before
anything imports cv2. Kept free of numpy, since `main.py --help` passes through here too.
"""
import os as _os

# The most pixels (width x height) an image may have: 120 megapixels, so that a phone's 108 MP mode (12000 x 9000)
# opens (a 99 MP photo peaks at 3.4 GB in the app, the memory growing with the pixels). Here rather than in
# image_io, which imports numpy, so that the package's first import can hand it to OpenCV.
MAX_IMAGE_PIXELS = 120_000_000
OPENCV_PIXELS_VARIABLE = "OPENCV_IO_MAX_IMAGE_PIXELS"

# a user's own whole number wins; an empty or other value is replaced (OpenCV aborts the process on one, at the first
# image it decodes)
if not _os.environ.get(OPENCV_PIXELS_VARIABLE, "").strip().isdigit():
    _os.environ[OPENCV_PIXELS_VARIABLE] = str(MAX_IMAGE_PIXELS)
