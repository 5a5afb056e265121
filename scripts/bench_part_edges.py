"""Time of the photo-frame part map (`inference.crop.uncrop_parts`) with and without the photo's edges, for one person
filling most of photos of several sizes (a random 128 px probability map with soft borders, a random photo of colour
blocks): the median of --repeat runs after one warm-up, per size.

    python scripts/bench_part_edges.py
    python scripts/bench_part_edges.py --sizes 256x256 4000x3000 --repeat 5
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["256x256", "1920x1080", "4000x3000", "6000x4000"],
                    help="photo sizes WxH")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    import cv2
    import numpy as np

    from inference.crop import crop_for_box, uncrop_parts
    from inference.types import PartMap

    rng = np.random.default_rng(0)
    coarse = rng.dirichlet(np.full(13, 0.3), (16, 16)).astype(np.float32)
    probs = cv2.resize(coarse, (128, 128), interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)
    probs /= probs.sum(0)
    parts = PartMap(probs.argmax(0).astype(np.uint8), probs)
    print(f"{'photo':>10} {'px per network px':>18} {'plain ms':>9} {'edges ms':>9}")
    for size in a.sizes:
        w, h = (int(v) for v in size.lower().split("x"))
        crop = crop_for_box((w * 0.3, h * 0.05, w * 0.7, h * 0.95), (h, w), 256)
        photo = cv2.resize(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        ms = {}
        for name, kwargs in (("plain", {}), ("edges", {"photo": photo})):
            uncrop_parts(parts, crop, (h, w), **kwargs)
            runs = []
            for _ in range(max(1, a.repeat)):
                t = time.perf_counter()
                uncrop_parts(parts, crop, (h, w), **kwargs)
                runs.append(time.perf_counter() - t)
            ms[name] = statistics.median(runs) * 1000
        print(f"{size:>10} {crop.size / (crop.scale * 128):18.1f} {ms['plain']:9.0f} {ms['edges']:9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
