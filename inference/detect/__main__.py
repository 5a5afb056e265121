"""Detect people in photos and draw them: `python -m inference.detect PHOTO... [--out DIR] [--repeat N]`.

Prints, per photo, the people found (box, score), the figures set aside as animals, and the detector's time (the
fastest of --repeat runs after one warm-up, with the app's OpenMP setting: inference/openmp.py); with --out writes
DIR/<stem>.png with boxes, keypoints and silhouettes drawn (the figures set aside as grey boxes).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from ..openmp import shorten_openmp_spin

    # as `cli.main.main` does for the app, before the detector imports torch (libgomp reads it once, at load): the
    # times printed are then the app's
    shorten_openmp_spin()
    ap = argparse.ArgumentParser(prog="python -m inference.detect", description=__doc__.splitlines()[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, help="folder for the drawn pictures")
    ap.add_argument("--prefix", default="", help="file name prefix of the pictures")
    ap.add_argument("--height", type=int, default=0, help="scale the pictures to this height (0: as is)")
    ap.add_argument("--crop-to-people", action="store_true", help="cut the pictures to the people (with a margin)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--no-zoom", action="store_true", help="look at the whole image only (faster, misses small people)")
    args = ap.parse_args(argv)

    from . import DetectorUnavailable, PersonDetector

    try:
        det = PersonDetector(threads=args.threads)
    except DetectorUnavailable as exc:
        print(f"error: {exc}")
        return 2
    import cv2

    from ..image_io import ImageError, about_file, load_image
    from .draw import draw_people

    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    for path in args.photos:
        try:
            rgb = load_image(path)
        except ImageError as exc:
            print(about_file(path, str(exc)))
            continue
        people = det.detect(rgb, zoom=not args.no_zoom)
        times = []
        for _ in range(max(args.repeat, 1)):
            det.forget()  # the search itself, not its kept result
            t0 = time.perf_counter()
            people = det.detect(rgb, zoom=not args.no_zoom)
            times.append(time.perf_counter() - t0)
        def listed(figures) -> str:
            return ", ".join(f"[{p.box[0]:.0f} {p.box[1]:.0f} {p.box[2]:.0f} {p.box[3]:.0f}] {p.score:.2f}"
                             for p in figures)

        found, aside = listed(people), det.set_aside(rgb)
        print(f"{path.name}: {rgb.shape[1]}x{rgb.shape[0]}, {len(people)} people, {min(times) * 1000:.0f} ms"
              f"{': ' + found if found else ''}" + (f"; set aside as animals: {listed(aside)}" if aside else ""))
        if args.out:
            pic = draw_people(rgb, people, set_aside=aside)
            if args.crop_to_people and people:
                x0, y0 = (min(p.box[i] for p in people) for i in (0, 1))
                x1, y1 = (max(p.box[i] for p in people) for i in (2, 3))
                m = 0.25 * max(x1 - x0, y1 - y0)
                h, w = pic.shape[:2]
                pic = pic[max(int(y0 - m), 0):min(int(y1 + m), h), max(int(x0 - m), 0):min(int(x1 + m), w)]
            if args.height:
                pic = cv2.resize(pic, (round(pic.shape[1] * args.height / pic.shape[0]), args.height),
                                 interpolation=cv2.INTER_AREA)
            cv2.imwrite(str(args.out / f"{args.prefix}{path.stem}.png"), pic[..., ::-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
