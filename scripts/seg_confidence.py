"""Segmentation confidence (`PartMap.confidence()`: mean winning-class probability over the body's pixels)
on synthetic test people and on the real photos: the numbers `inference.refine.TRUST_CONFIDENCE` is set from.

    python scripts/seg_confidence.py                       # the shipped weights
    python scripts/seg_confidence.py --weights DIR         # seg.pt / fit.pt in DIR (scripts/package_weights.py --dest)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from refine_study import case_slice  # noqa: E402

from inference.paths import RESOURCES  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", type=Path, default=None, help="folder with seg.pt and fit.pt (default: shipped)")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "synth_test")
    ap.add_argument("--cases", type=case_slice, default=(100, 150), metavar="A:B",
                    help="the test split's cases A to B-1, as a slice of its list (default: 100:150)")
    ap.add_argument("photos", nargs="*", type=Path,
                    default=sorted((RESOURCES / "photos").glob("*.jpg")) + [RESOURCES / "photos" / "camera.png"])
    args = ap.parse_args(argv)

    import numpy as np

    from inference.datasets import list_cases, read_case
    from inference.pipeline import PredictionError, Predictor
    from training.evaluate import detecting_predictor, run_network

    a, b = args.cases
    pred = detecting_predictor("detect", weights_dir=args.weights)
    ids = list_cases(args.data, "test")[a:b]
    # as `main.py evaluate` runs them: the detector's keypoints and silhouette, the test image as the crop
    conf = [run_network(pred, read_case(args.data, i, pred.body_model).image).prediction.parts.confidence()
            for i in ids]
    p10, p50, p90 = np.percentile(conf, [10, 50, 90])
    print(f"synthetic test people {a}-{b - 1}: 10th {p10:.3f}, median {p50:.3f}, 90th {p90:.3f}")
    photo = Predictor(weights_dir=args.weights, detect="auto")
    for f in args.photos:
        try:
            print(f"{f.name}: {photo.predict(f).parts.confidence():.3f}")
        except PredictionError as exc:
            print(f"{f.name}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
