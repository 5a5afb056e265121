"""A real street: people found and false people in four frames of OpenCV's vtest video, against the people
marked by hand below.

    python scripts/fetch_opencv_samples.py          # once: the frames into data/photos_opencv/
    python scripts/eval_street.py [--pictures DIR]

Each person was marked by looking at the frame: one point on the body (about the middle of the hips), 19
people in all, 50-150 px tall. A detection is that person when its box holds the point (each point and each
detection used once, the point nearest the box's centre first); a detection holding no point is a false
person. Prints one line per frame and the totals; with --pictures, draws the boxes (green: a person, red:
false) and the marks (white: found, magenta: missed).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAMES = ROOT / "data" / "photos_opencv"
# frame file -> (x, y) image px of each person in it, marked by hand
PEOPLE = {
    "vtest_0000.png": [(267, 265), (661, 281), (514, 195)],
    "vtest_0200.png": [(97, 184), (234, 229), (502, 184), (634, 317), (724, 304), (686, 125), (712, 130)],
    "vtest_0400.png": [(287, 243), (603, 172), (715, 356)],
    "vtest_0600.png": [(201, 179), (481, 361), (582, 243), (655, 358), (689, 253), (308, 504)],
}


def match(boxes: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """boxes (n, 4) x0, y0, x1, y1 and points (m, 2) -> (n,) index of the point each box is, -1 for none, and
    (m,) bool found. Greedy one-to-one: of all (box, point inside it) pairs, the nearest to the box's centre first."""
    pairs = []
    for i, b in enumerate(boxes):
        c = (b[:2] + b[2:]) / 2
        for j, p in enumerate(points):
            if b[0] <= p[0] <= b[2] and b[1] <= p[1] <= b[3]:
                pairs.append((float(np.hypot(*(p - c))), i, j))
    who = np.full(len(boxes), -1)
    found = np.zeros(len(points), bool)
    for _, i, j in sorted(pairs):
        if who[i] < 0 and not found[j]:
            who[i], found[j] = j, True
    return who, found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=Path, default=FRAMES)
    ap.add_argument("--pictures", type=Path, default=None)
    a = ap.parse_args(argv)
    missing = [n for n in PEOPLE if not (a.frames / n).is_file()]
    if missing:
        print(f"{a.frames} lacks {', '.join(missing)}: run scripts/fetch_opencv_samples.py first")
        return 1
    import cv2

    from inference.image_io import load_image
    from inference.pipeline import Predictor

    pred = Predictor(detect="on")
    tot_people = tot_found = tot_false = 0
    for name, pts in PEOPLE.items():
        rgb = load_image(a.frames / name)
        t0 = time.perf_counter()
        people = pred.people(rgb)
        sec = time.perf_counter() - t0
        boxes = np.array([p.box for p in people], np.float32).reshape(-1, 4)
        points = np.array(pts, np.float32)
        who, found = match(boxes, points)
        false = int((who < 0).sum())
        tot_people, tot_found, tot_false = tot_people + len(pts), tot_found + int(found.sum()), tot_false + false
        heights = ", ".join(f"{int(b[3] - b[1])}" for b in boxes)
        print(f"{name}: {int(found.sum())} of {len(pts)} people found, {false} false; {sec:.2f} s; "
              f"box heights {heights} px")
        if a.pictures:
            a.pictures.mkdir(parents=True, exist_ok=True)
            img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
            for b, w in zip(boxes.astype(int), who):
                cv2.rectangle(img, tuple(b[:2]), tuple(b[2:]), (0, 200, 0) if w >= 0 else (0, 0, 255), 2)
            for p, f in zip(points.astype(int), found):
                cv2.circle(img, tuple(p), 4, (255, 255, 255) if f else (255, 0, 255), -1)
            cv2.imwrite(str(a.pictures / name), img)
    print(f"all: {tot_found} of {tot_people} people found ({tot_found / tot_people:.2f}), {tot_false} false")
    return 0


if __name__ == "__main__":
    sys.exit(main())
