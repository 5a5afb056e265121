"""Extract the person-free real photographs of the scikit-image wheel as training backgrounds.

Build-time only, for `main.py train-people` (training/train_people.py): the wide-shot person proposer learns
from synthetic crowds, whose backgrounds are drawn shapes and gradients; real textures (bricks, grass,
gravel, a cat, a motorcycle, a page of text, the night sky) composited behind the same people teach it what
is not a person in a photograph. Nothing is shipped: the images stay in data/backgrounds/ (git-ignored) and
only shape the trained weights (see resources/weights/MODEL_CARD.md).

    python scripts/extract_backgrounds.py [--wheel PATH] [--out data/backgrounds]

Without --wheel the pinned wheel is fetched from the package registry with `pip download --no-deps`. The
photos the project tests and evaluates on (astronaut, camera, coffee, rocket: resources/photos/) are left out.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "scikit-image==0.26.0"
WHEEL_SHA256 = "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af"
# person-free photographs and scans of the wheel's skimage/data/, used here for training only (their licences, from
# skimage/data/_fetchers.py's docstrings: CC0 or public domain but color, logo, moon and page, which state none of their
# own, and the motorcycle pair, from the Middlebury 2014 stereo benchmark; README.md's licence section)
NAMES = ("brick.png", "chelsea.png", "clock_motion.png", "coins.png", "color.png", "grass.png", "gravel.png",
         "hubble_deep_field.jpg", "ihc.png", "logo.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png",
         "page.png", "retina.jpg", "text.png")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "backgrounds"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, default=None, help="a downloaded scikit-image 0.26.0 wheel")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                            "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "-d", tmp, WHEEL],
                           check=True)
            wheel = next(Path(tmp).glob("scikit_image-*.whl"))
        digest = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            print(f"error: {wheel} has sha256 {digest}, expected {WHEEL_SHA256}", file=sys.stderr)
            return 2
        args.out.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for name in NAMES:
                (args.out / name).write_bytes(z.read(f"skimage/data/{name}"))
    print(f"{len(NAMES)} backgrounds in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
