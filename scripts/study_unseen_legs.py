"""Half-length portraits made from synthetic people: the photo-frame part map with and without the leg labels the
photo cannot show (`inference.unseen_legs.without_unseen_legs`), against the exact part map cut the same way.

Each upright person of a `main.py synth` folder (shoulders, hips and knees inside the render, hips below the
shoulders) is cut a quarter of a torso below the hips (so under half of each thigh is left, as in a half-length
portrait), then found and segmented as `main.py predict` does. Reported over the people found: mIoU of the
photo-frame maps, the leg parts' IoU and the share of the map's leg pixels that lie on the exact legs, for both
maps; and on how many people the rule applied (`refine.legs_outside_photo` on the detector's keypoints).

    OMP_NUM_THREADS=1 python scripts/study_unseen_legs.py data/synth_tune2 --n 200
    OMP_NUM_THREADS=1 python scripts/study_unseen_legs.py data/synth_test --n 500
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CUT_BELOW_HIPS = 0.25  # torso lengths
LEGS = (5, 6, 11, 12)


def main(argv: list[str] | None = None) -> int:
    from _study import study_predictor, synth_cases, synth_parser

    a = synth_parser(__doc__).parse_args(argv)
    from inference.crop import uncrop_parts
    from inference.datasets import read_case
    from inference.detect.person_inputs import crop_inputs
    from inference.errors import PredictionError
    from inference.metrics import IoUAccumulator
    from inference.refine import legs_outside_photo
    from inference.unseen_legs import without_unseen_legs

    pred = study_predictor(refine=False, unseen_legs=False)  # the rule is applied here, to the network's own map
    names = ("network", "without unseen legs")
    acc = {k: IoUAccumulator() for k in names}
    on_legs = {k: [0, 0] for k in acc}  # leg pixels of the map, of them on the exact legs
    cut = found = applied = 0
    for cid in synth_cases(a.data, a.n):
        case = read_case(a.data, cid, pred.body_model)
        if case.lsp is None:  # (no ground-truth joints: where the legs are is unknown)
            continue
        lsp = np.asarray(case.lsp, np.float32)
        h, w = case.image.shape[:2]
        need = [2, 3, 8, 9, 1, 4]  # hips, shoulders, knees
        if case.labels is None or not (lsp[need, 2] > 0).all():
            continue
        xy = lsp[:, :2]
        if not ((xy[need] >= 0).all() and (xy[need, 0] < w).all() and (xy[need, 1] < h).all()):
            continue
        hip, shoulder = xy[[2, 3]].mean(0), xy[[8, 9]].mean(0)
        torso = float(np.linalg.norm(hip - shoulder))
        if hip[1] - shoulder[1] < 0.7 * torso:  # upright people only: the cut is a horizontal line
            continue
        bottom = int(round(hip[1] + CUT_BELOW_HIPS * torso))
        if bottom >= min(xy[[1, 4], 1]) or bottom < 32:
            continue
        cut += 1
        image, labels = np.ascontiguousarray(case.image[:bottom]), case.labels[:bottom]
        try:
            p = pred.predict(image)
        except PredictionError:
            continue
        if p.person < 0:
            continue
        found += 1
        person = p.people[p.person]
        joints2d, conf, _ = crop_inputs(person, p.crop, image.shape)
        area = p.crop.photo_area(image.shape)
        applied += legs_outside_photo(joints2d, conf, area)
        maps = dict(zip(names, (p.parts, without_unseen_legs(p.parts, joints2d, conf, area))))
        for name, parts in maps.items():
            out = uncrop_parts(parts, p.crop, image.shape, photo=image)
            acc[name].update(out, labels)
            legs = np.isin(out, LEGS)
            on_legs[name][0] += int(legs.sum())
            on_legs[name][1] += int((legs & (out == labels)).sum())
    print(f"{a.data}: {cut} people cut below the hips, {found} found, the rule applied to {applied}")
    for name, m in acc.items():
        iou = m.per_class()
        n, right = on_legs[name]
        print(f"{name:>20}: mIoU {m.mean():.4f}; thighs {iou[5]:.3f} / {iou[6]:.3f}, shins {iou[11]:.3f} / "
              f"{iou[12]:.3f}; lower torso {iou[8]:.3f}; {n} leg pixels, {right / max(n, 1):.3f} of them right")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
