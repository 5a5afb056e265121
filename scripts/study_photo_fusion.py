"""Study: the detector's silhouette weighed against the part map at the photo's resolution (shipped since stop 49)
or at the network's (128 px, before), for the part map in the photo's frame.

The silhouette is weighed against the network's background on the network's crop before fitting
(`detect.person_inputs.restrict_parts`); the photo-frame map is either those weighed probabilities warped into the
photo (`crop.uncrop_parts(..., in_photo=False)`, the way before stop 49) or the network's own probabilities warped and
weighed there against the silhouette at the photo's resolution (`uncrop_parts`, now), optionally with the
silhouette grown by some network pixels (--grow). Per case, each photo-frame map of the person the app fits is
scored against the exact part map (mIoU over the set, as `main.py evaluate` reports it):

    OMP_NUM_THREADS=1 python scripts/study_photo_fusion.py data/synth_tune2 --n 200 --grow 1
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--n", type=int, default=0, help="first N cases (0: all)")
    ap.add_argument("--grow", type=float, nargs="*", default=[], help="also: the silhouette grown by this many "
                    "network pixels before the weighing (the shipped map: 0)")
    a = ap.parse_args(argv)
    from tqdm import tqdm

    from inference.body_model import BodyModel
    from inference.crop import uncrop_parts
    from inference.datasets import list_cases, read_case
    from inference.metrics import IoUAccumulator
    from inference.render.context import configure_gl
    from training.evaluate import detecting_predictor, run_network

    configure_gl()
    body = BodyModel()
    pred = detecting_predictor("detect")
    ids = list_cases(a.data, "test")[: a.n or None]
    before, now = IoUAccumulator(13), IoUAccumulator(13)
    fused = {g: IoUAccumulator(13) for g in a.grow}
    skipped = 0
    for cid in tqdm(ids, desc="cases"):
        case = read_case(a.data, cid, body)
        run = run_network(pred, case.image)
        p = run.prediction
        current = uncrop_parts(p.parts, p.crop, case.image.shape)
        now.update(current, case.labels)
        before.update(uncrop_parts(p.parts, p.crop, case.image.shape, in_photo=False), case.labels)
        if p.parts.silhouette is None:
            skipped += 1  # no silhouette was weighed in: the same map either way
            for acc in fused.values():
                acc.update(current, case.labels)
            continue
        for g, acc in fused.items():
            acc.update(weigh_in_photo(p.parts.network_probs, p.crop, case.image.shape, p.parts.silhouette, g),
                       case.labels)
    print(f"{len(ids)} cases, {skipped} without a silhouette weighed in")
    rows = [("weighed at the network's resolution (before stop 49)", before),
            ("weighed in the photo's frame (shipped)", now),
            *((f"weighed in the photo's frame, silhouette grown by {g:g}", acc) for g, acc in fused.items())]
    for name, acc in rows:
        print(f"{name}: mIoU {acc.mean():.4f}; per class " + " ".join(f"{v:.3f}" for v in acc.per_class()))
    return 0


def weigh_in_photo(probs: np.ndarray, crop, shape: tuple[int, ...], mask: np.ndarray, grow: float) -> np.ndarray:
    """Labels (H, W): the network's probabilities (13, r, r) warped into the photo as `uncrop_parts` warps them,
    then weighed against the photo-frame silhouette `mask` (H, W) as `restrict_parts` weighs them."""
    from inference.crop import warp_probs
    from inference.silhouette import MASK_KEEP, weigh

    warped = warp_probs(probs, crop, shape)
    s = crop.scale * np.shape(probs)[-1] / crop.size  # network px per photo px
    m = np.asarray(mask, np.float32)
    inside = (m > MASK_KEEP).astype(np.uint8)
    k = int(round(grow / s))  # photo pixels per network pixel times grow
    if k > 0:
        inside = cv2.dilate(inside, np.ones((2 * k + 1, 2 * k + 1), np.uint8))
    weigh(np.moveaxis(warped, -1, 0), m, inside.astype(bool))
    return warped.argmax(-1).astype(np.uint8)


if __name__ == "__main__":
    raise SystemExit(main())
