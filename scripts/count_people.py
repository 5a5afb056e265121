"""People found per photo, as the app and `predict` find them (`Predictor.people`: the person detector with the
part segmentation as third witness for doubtful people; and, where it finds nobody, a square photo the
segmentation is sure of, `Predictor.person_without_detection`), and the totals: the measure of "photos without
people give no person" (issue 13).

    python scripts/fetch_wallpapers.py && python scripts/count_people.py data/photos_wallpapers/*
    python scripts/fetch_opencv_samples.py && python scripts/count_people.py data/photos_opencv/nobody/*
    python scripts/fetch_wallpapers.py --textures && python scripts/count_people.py data/photos_textures/*
    python scripts/count_people.py --square 256 data/photos_wallpapers/* data/photos_opencv/nobody/*

Prints one line per photo with a person (its people's detector scores; NaN for a square photo taken as a
person without a detection) and, last, how many photos showed a person and how many people in all. A photo
that cannot be read is named on stderr and counted apart; exit 1 when none can be read. `--square SIDE` reads
each photo's centre square at SIDE px, `--mirror` each photo's mirror image (docs/crowds.md, "The mirror image
of a photo").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def centre_square(rgb: np.ndarray, side: int) -> np.ndarray:
    """The (H, W, 3) photo's centre square, resized to (side, side, 3)."""
    h, w = rgb.shape[:2]
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    return cv2.resize(rgb[y0:y0 + s, x0:x0 + s], (side, side), interpolation=cv2.INTER_AREA)


def count(pred, paths: list[Path], square: int = 0, mirror: bool = False
          ) -> tuple[dict[str, list[float]], list[str]]:
    """({photo name: the detector scores of its people} for the photos with people, [unreadable photos]); a
    photo `predict` takes as one person although the search finds nobody (a square photo the segmentation is
    sure of, `Predictor.person_without_detection`) counts with the score NaN. square > 0: each photo's centre
    square at that size instead; mirror: each photo's mirror image (left and right exchanged)."""
    from inference.image_io import readable_images

    found, bad = {}, []
    for path, rgb in readable_images(paths, bad):
        if square:
            rgb = centre_square(rgb, square)
        if mirror:
            rgb = np.ascontiguousarray(rgb[:, ::-1])
        people = pred.people(rgb)
        if people:
            found[path.name] = [float(p.score) for p in people]
        elif pred.person_without_detection(rgb):
            found[path.name] = [float("nan")]
    return found, bad


def main(argv: list[str] | None = None) -> int:
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--square", type=whole_number(0), default=0, metavar="SIDE",
                    help="each photo's centre square resized to SIDE px (square photos as users crop them)")
    ap.add_argument("--mirror", action="store_true", help="each photo's mirror image (a person looks as much a "
                    "person in it; the search's answers are not mirror-symmetric)")
    args = ap.parse_args(argv)  # (a negative --square was a cv2.resize traceback)
    from inference.pipeline import PredictionError, Predictor

    try:
        pred = Predictor(detect="on")
    except PredictionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    found, bad = count(pred, args.photos, args.square, args.mirror)
    for name, scores in found.items():
        print(f"{name}: {len(scores)} people, scores {', '.join(f'{s:.2f}' for s in scores)}"
              + (" (nan: no detection, the square photo's part map taken as a person)" if np.isnan(scores).any()
                 else ""))
    for line in bad:
        print(f"unreadable: {line}", file=sys.stderr)
    n = len(args.photos) - len(bad)
    if not n:  # ("photos with a person: 0 of 0", exit 0, read as "no false person")
        print(f"error: none of the {len(args.photos)} photos could be read: nothing counted", file=sys.stderr)
        return 1
    print(f"photos with a person: {len(found)} of {n}; people: {sum(len(s) for s in found.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
