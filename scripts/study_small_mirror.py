"""The mirror test's bound on small photos: single rendered people found against thumbnails without people.

    python main.py synth --out data/synth_tune2 --n 200 --seed 4244 --split test
    OMP_NUM_THREADS=1 python scripts/study_small_mirror.py data/synth_tune2 \\
        --free data/photos_wallpapers/* data/photos_opencv/nobody/* [--sizes 256 384] [--drifts 0.1 0.125 0.15]

On photos under the wide-shot size (2 x DET_SIZE: network crops, thumbnails, our 256 px renders) a person the
detector scores under WITNESS_SCORE is kept only when the mirrored ROI shows the same skeleton within
`blazepose.MIRROR_MAX_DRIFT` and the part map follows it. For each bound tried (set for the run), prints how
many of the rendered single people are found and how many of the person-free photos, scaled down to each size
on their long side (never up), show a person (`Predictor.people`, as the app finds people).
Findings: docs/crowds.md, "The mirror test on small photos".
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("renders", type=Path, help="a synthetic folder (main.py synth): *_image.png, one person each")
    ap.add_argument("--free", nargs="+", type=Path, required=True, help="photos without people")
    ap.add_argument("--sizes", nargs="+", type=int, default=[256, 384], help="long sides of the thumbnails")
    ap.add_argument("--drifts", nargs="+", type=float, default=[0.1, 0.125, 0.15])
    ap.add_argument("--limit", type=int, default=0, help="first N renders only")
    args = ap.parse_args(argv)
    import cv2
    import torch

    import inference.detect.blazepose as bp
    from inference.image_io import readable_images
    from inference.pipeline import Predictor

    torch.set_num_threads(1)
    renders = sorted(args.renders.rglob("*_image.png"))[: args.limit or None]
    skipped: list[str] = []
    thumbs = []
    for path, rgb in readable_images(args.free, skipped):
        for side in args.sizes:
            k = side / max(rgb.shape[:2])
            if k < 1:
                size = (round(rgb.shape[1] * k), round(rgb.shape[0] * k))
                small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
                thumbs.append((f"{path.name}@{side}", small))
    images = [(p.name, rgb) for p, rgb in readable_images(renders, skipped)]
    for line in skipped:
        print(line, file=sys.stderr)
    pred = Predictor(detect="on")
    det = pred.detector
    kept = bp.MIRROR_MAX_DRIFT
    try:
        for drift in args.drifts:
            bp.MIRROR_MAX_DRIFT = drift

            def found(rgb) -> int:
                det.forget()
                return len(pred.people(rgb))

            people = sum(found(rgb) > 0 for _, rgb in images)
            false = [n for n, rgb in thumbs if found(rgb) > 0]
            print(f"MIRROR_MAX_DRIFT {drift}: renders with a person {people} of {len(images)}; person-free thumbnails "
                  f"with a person {len(false)} of {len(thumbs)} {false}", flush=True)
    finally:
        bp.MIRROR_MAX_DRIFT = kept
    return 0


if __name__ == "__main__":
    sys.exit(main())
