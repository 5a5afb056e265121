"""Re-make the derived test photos from the originals in this folder (see LICENSES.md):

    python resources/photos/make_derived.py

astronaut_grey.jpg   the astronaut photo in greyscale
two_people.jpg       astronaut and grace_hopper side by side (a montage: no real multi-person photo is bundled
                     in a registry package under a free licence that we found)
small_person.jpg     camera.png shrunk to 128 px and pasted onto a plain 1024x768 grey canvas
"""
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
JPEG = [cv2.IMWRITE_JPEG_QUALITY, 92]


def read(name: str) -> np.ndarray:
    return cv2.imread(str(HERE / name), cv2.IMREAD_COLOR)  # BGR


def to_height(im: np.ndarray, h: int) -> np.ndarray:
    return cv2.resize(im, (round(im.shape[1] * h / im.shape[0]), h), interpolation=cv2.INTER_AREA)


def main() -> None:
    ast, gh, cam = read("astronaut.jpg"), read("grace_hopper.jpg"), read("camera.png")
    cv2.imwrite(str(HERE / "astronaut_grey.jpg"), cv2.cvtColor(ast, cv2.COLOR_BGR2GRAY), JPEG)
    cv2.imwrite(str(HERE / "two_people.jpg"), np.hstack([to_height(ast, 512), to_height(gh, 512)]), JPEG)
    canvas = np.full((768, 1024, 3), 128, np.uint8)
    small = to_height(cam, 128)
    canvas[560:560 + small.shape[0], 700:700 + small.shape[1]] = small
    cv2.imwrite(str(HERE / "small_person.jpg"), canvas, JPEG)


if __name__ == "__main__":
    main()
