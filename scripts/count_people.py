"""People found per photo, as the app and `predict` find them (`Predictor.people`: the person detector with the
part segmentation as third witness for doubtful people), and the totals: the measure of "photos without people
give no person" (issue 13).

    python scripts/fetch_wallpapers.py && python scripts/count_people.py data/photos_wallpapers/*
    python scripts/fetch_opencv_samples.py && python scripts/count_people.py data/photos_opencv/nobody/*
    python scripts/fetch_wallpapers.py --textures && python scripts/count_people.py data/photos_textures/*

Prints one line per photo with a person (its people's detector scores) and, last, how many photos showed a
person and how many people in all. A photo that cannot be read is named and counted apart.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def count(pred, paths: list[Path]) -> tuple[dict[str, list[float]], list[str]]:
    """({photo name: the detector scores of its people} for the photos with people, [unreadable photos])."""
    from inference.image_io import readable_images

    found, bad = {}, []
    for path, rgb in readable_images(paths, bad):
        people = pred.people(rgb)
        if people:
            found[path.name] = [float(p.score) for p in people]
    return found, bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    args = ap.parse_args(argv)
    from inference.pipeline import PredictionError, Predictor

    try:
        pred = Predictor(detect="on")
    except PredictionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    found, bad = count(pred, args.photos)
    for name, scores in found.items():
        print(f"{name}: {len(scores)} people, scores {', '.join(f'{s:.2f}' for s in scores)}")
    for line in bad:
        print(f"unreadable: {line}")
    n = len(args.photos) - len(bad)
    print(f"photos with a person: {len(found)} of {n}; people: {sum(len(s) for s in found.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
