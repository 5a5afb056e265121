"""How high keypoint-part agreement can go: the exact part maps of synthetic people against the detector's keypoints.

    OMP_NUM_THREADS=1 python scripts/study_agreement_ceiling.py data/synth_tune2 --n 200

Issue 18 asks for an agreement of 0.90 on real photos and quotes 0.96 for exact part maps read at exact joints. The
photos have only the detector's keypoints, whose spread and definitions (BlazePose's mouth, heels and toe tips are not
the body model's joints) cost agreement even where the part map is perfect.

For each synthetic case the search finds a person in (`Predictor.people`, as the app runs it), this scores
`inference.metrics.keypoint_part_agreement` with that person's keypoints on the exact part map (`NNNNN_parts.png`)
and on the shipped network's photo-frame map (`Predictor.predict_case`, `crop.uncrop_labels`), overall, over the 17
body keypoints alone (`inference.metrics.BODY_KEYPOINTS`) and per keypoint (the most failed first, with the labels
found there). Findings: docs/segmentation.md, "The agreement of exact part maps".
"""
from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    from _study import synth_cases, synth_parser

    ap = synth_parser(__doc__, n=200)  # (a folder with NNNNN_parts.png: the exact maps)
    ap.add_argument("--rows", type=int, default=12, help="keypoints listed per map")
    a = ap.parse_args(argv)
    from inference.crop import uncrop_labels
    from inference.datasets import read_case
    from inference.fit_quality import MIN_VISIBILITY
    from inference.metrics import BODY_KEYPOINTS, keypoint_part_agreement
    from inference.parts import PART_NAMES
    from inference.pipeline import Predictor

    pred = Predictor(detect="on", refine=False)
    maps = ("exact", "network")
    tally = {m: (collections.Counter(), collections.Counter(), collections.Counter(),
                 collections.defaultdict(collections.Counter)) for m in maps}
    people = cases = 0
    for cid in synth_cases(a.data, a.n):
        case = read_case(a.data, cid)
        if case.labels is None:  # (no NNNNN_parts.png: nothing exact to score)
            continue
        cases += 1
        rgb, exact = case.image, case.labels
        found = pred.people(rgb)
        if not found:
            continue
        people += 1
        kp = np.asarray(found[0].keypoints, np.float32)
        p = pred.predict_case(rgb)
        network = uncrop_labels(p.parts.labels, p.crop, rgb.shape)
        for m, labels in zip(maps, (exact, network)):
            total, failed, swapped, where = tally[m]
            for k in keypoint_part_agreement(labels, kp, min_visibility=MIN_VISIBILITY).keypoints:
                total[k.name] += 1
                if not k.agrees:
                    failed[k.name] += 1
                    swapped[k.name] += k.swapped
                    where[k.name]["background" if k.label == 0 else PART_NAMES[k.label - 1]] += 1
    print(f"{a.data}: {people} of {cases} cases with a person found; keypoint-part agreement of their keypoints")
    for m in maps:
        total, failed, swapped, where = tally[m]
        n = sum(total.values())
        body = [k for k in total if k in BODY_KEYPOINTS]
        nb = sum(total[k] for k in body)
        print(f"\n{m} part maps: agreement {1 - sum(failed.values()) / n:.3f}, left/right swaps "
              f"{sum(swapped.values()) / n:.3f} ({n} keypoints); over the 17 body keypoints "
              + (f"{1 - sum(failed[k] for k in body) / nb:.3f}, swaps {sum(swapped[k] for k in body) / nb:.3f}"
                 if nb else "none checked"))
        for name in sorted(total, key=lambda k: -failed[k] / total[k])[:a.rows]:
            labels = ", ".join(f"{lab} {c}" for lab, c in where[name].most_common(3))
            print(f"  {name:18s} {total[name]:5d} checked, {failed[name] / total[name]:.2f} off their parts ({labels})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
