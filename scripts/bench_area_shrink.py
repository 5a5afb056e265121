"""How long OpenCV's area average takes to shrink a large person's crop footprint by a whole factor and by a
fractional one (`inference.crop._area_shrunk` uses the whole-factor path):

    python scripts/bench_area_shrink.py [--height 2800] [--width 1800] [--factor 10] [--repeat 5]

Prints the fastest of --repeat runs after one warm-up, in ms, for factor k and k + 0.5, on random RGB pixels.
"""
from __future__ import annotations

import argparse
import time

import cv2
import numpy as np


def fastest_ms(fn, repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/bench_area_shrink.py", description=__doc__.splitlines()[0])
    ap.add_argument("--height", type=int, default=2800)
    ap.add_argument("--width", type=int, default=1800)
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    if min(a.height, a.width, a.factor, a.repeat) < 1 or a.factor * 2 > min(a.height, a.width):
        ap.error("--height, --width, --factor and --repeat are positive, the factor at most half the smaller side")
    image = np.random.default_rng(0).integers(0, 256, (a.height, a.width, 3), dtype=np.uint8)
    for k in (float(a.factor), a.factor + 0.5):
        size = (max(1, round(a.width / k)), max(1, round(a.height / k)))
        ms = fastest_ms(lambda s=size: cv2.resize(image, s, interpolation=cv2.INTER_AREA), a.repeat)
        print(f"{a.width} x {a.height} shrunk by {k:g} (INTER_AREA): {ms:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
