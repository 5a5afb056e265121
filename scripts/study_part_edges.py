"""Study: the photo-frame part map along the photo's own edges (`inference.crop.uncrop_parts` with `photo`, shipped
since stop 60) against the plain warp, for several filter windows and regularisations.

Per case the app's prediction is made once (`Predictor.predict_case`, as `main.py evaluate` runs it); its part map is
then put into the photo's frame without the photo (the plain warp, stops 49-59) and with it for each --radius
(network pixels each way, `crop.GUIDE_RADIUS`) and --eps (`crop.GUIDE_EPS`), and scored against the exact part
map (mIoU over the set, as `main.py evaluate` reports it; the shipped pair is marked); --keep-outline adds the
shipped pair with the person's outline left as without the photo for every person (`crop.GUIDE_OUTLINE_MAX_STEP`
0: the filter decides only the borders between parts, as it does for large people):

    OMP_NUM_THREADS=1 python scripts/study_part_edges.py data/synth_tune2 --n 200 --radius 1 1.5 2 \
        --eps 1e-4 1e-3 1e-2 --keep-outline
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--n", type=int, default=0, help="first N cases (0: all)")
    ap.add_argument("--radius", type=float, nargs="+", default=[1.0])
    ap.add_argument("--eps", type=float, nargs="+", default=[1e-3])
    ap.add_argument("--keep-outline", action="store_true", help="also: the outline as without the photo")
    a = ap.parse_args(argv)
    from tqdm import tqdm

    from inference import crop as crops
    from inference.body_model import BodyModel
    from inference.datasets import list_cases, read_case
    from inference.metrics import IoUAccumulator
    from inference.render.context import configure_gl
    from training.evaluate import detecting_predictor

    configure_gl()
    body = BodyModel()
    pred = detecting_predictor("detect")
    shipped = (crops.GUIDE_RADIUS, crops.GUIDE_EPS)
    shipped_step = crops.GUIDE_OUTLINE_MAX_STEP
    variants = [(r, e) for r in a.radius for e in a.eps]
    plain, kept = IoUAccumulator(13), IoUAccumulator(13)
    guided = {v: IoUAccumulator(13) for v in variants}
    ids = list_cases(a.data, "test")[: a.n or None]
    try:
        for cid in tqdm(ids, desc="cases"):
            case = read_case(a.data, cid, body)
            p = pred.predict_case(case.image)
            plain.update(crops.uncrop_parts(p.parts, p.crop, case.image.shape), case.labels)
            for (r, e), acc in guided.items():
                crops.GUIDE_RADIUS, crops.GUIDE_EPS = r, e
                acc.update(crops.uncrop_parts(p.parts, p.crop, case.image.shape, photo=case.image), case.labels)
            if a.keep_outline:
                crops.GUIDE_RADIUS, crops.GUIDE_EPS = shipped
                crops.GUIDE_OUTLINE_MAX_STEP = 0
                kept.update(crops.uncrop_parts(p.parts, p.crop, case.image.shape, photo=case.image), case.labels)
                crops.GUIDE_OUTLINE_MAX_STEP = shipped_step
    finally:
        crops.GUIDE_RADIUS, crops.GUIDE_EPS = shipped
        crops.GUIDE_OUTLINE_MAX_STEP = shipped_step
    print(f"{len(ids)} cases of {a.data}")
    rows = [("plain warp (stops 49-59)", plain)]
    rows += [(f"along the photo's edges, radius {r:g}, eps {e:g}" + (" (shipped)" if (r, e) == shipped else ""), acc)
             for (r, e), acc in guided.items()]
    if a.keep_outline:
        rows.append(("shipped radius and eps, the outline as without the photo", kept))
    for name, acc in rows:
        print(f"{name}: mIoU {acc.mean():.4f}; per class " + " ".join(f"{v:.3f}" for v in acc.per_class()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
