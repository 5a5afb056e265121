"""Measure the person detector's keypoint error on synthetic people, for simulating it in training.

    python scripts/measure_detector_error.py --seed 31 --n 400 --out training/detector_error.json

Renders synthetic people (seed and indices never used by the training caches or the test split), runs
BlazePose on each 256 px image as the pipeline does, and compares its 14 keypoints (LSP order + head, via
`crop_inputs`) with the ground-truth joints the training caches hold (SMPL joints in LSP order, head
joint for the head). Errors are in units of the ground-truth torso length (neck to mid-hip) and in
the image's axes. Writes: the rate of images without a person, and per keypoint the rate of missing
(confidence 0) keypoints, the rate of left/right swaps of single keypoints (and, separately, of whole people
mirrored), the mean offset, the spread (robust: 1.4826 x
median absolute deviation) and the rate of gross errors (> 0.5 torso) of the rest.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.keypoint_sim import GROSS, GT_FROM_SMPL, MIRROR  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--out", type=Path, default=Path("training/detector_error.json"))
    a = ap.parse_args()

    from inference.render.context import configure_gl

    configure_gl()
    import torch

    torch.set_num_threads(1)
    from inference.body_model import BodyModel
    from inference.camera import CROP_SIZE
    from inference.crop import crop_for_box
    from inference.detect import PersonDetector
    from inference.detect.person_inputs import crop_inputs
    from training.synth.generator import SampleRenderer

    r = SampleRenderer(BodyModel(), size=CROP_SIZE)
    det = PersonDetector(threads=1)
    crop = crop_for_box(None, (CROP_SIZE, CROP_SIZE), CROP_SIZE)
    missed, rows = 0, []
    t0 = time.time()
    for i in range(a.n):
        s = r.render(a.seed, i, rgb=True)
        gt = s.joints2d[list(GT_FROM_SMPL)]
        people = det.detect(s.image, max_people=1)
        if not people:
            missed += 1
            continue
        j, conf, _ = crop_inputs(people[0], crop, s.image.shape)
        torso = float(np.linalg.norm(gt[12] - gt[2:4].mean(0)))
        rows.append((j, conf, gt, torso))
    J = np.stack([x[0] for x in rows])
    C = np.stack([x[1] for x in rows])
    G = np.stack([x[2] for x in rows])
    T = np.array([x[3] for x in rows])[:, None, None]
    err = (J - G) / T                     # (N, 14, 2) in torso lengths
    err_sw = (J - G[:, MIRROR]) / T       # against the mirrored joint
    present = C > 0
    d, d_sw = np.linalg.norm(err, axis=-1), np.linalg.norm(err_sw, axis=-1)
    swapped = present & (d_sw + 0.05 < d) & (np.arange(14) != MIRROR)[None]
    paired = present & (np.arange(14) != MIRROR)[None]
    person_swap = swapped.sum(1) >= 0.5 * paired.sum(1).clip(1)   # the whole body mirrored (seen from behind)
    swapped_single = swapped & ~person_swap[:, None]
    good = present & ~swapped & (d < GROSS)
    gross = present & ~swapped & (d >= GROSS)
    per = []
    for k in range(14):
        e = err[good[:, k], k]
        med = np.median(e, 0) if len(e) else np.zeros(2)
        mad = 1.4826 * np.median(np.abs(e - med), 0) if len(e) else np.full(2, 0.05)
        per.append({"missing": float(1 - present[:, k].mean()),
                    "swap": float(swapped_single[:, k].sum() / max(1, present[:, k].sum())),
                    "gross": float(gross[:, k].sum() / max(1, present[:, k].sum())),
                    "bias": [float(v) for v in med], "spread": [float(v) for v in mad]})
    out = {"source": f"scripts/measure_detector_error.py --seed {a.seed} --n {a.n}",
           "images": a.n, "person_missed": missed / a.n,
           "person_swapped": float(person_swap.mean()), "keypoints": per,
           "seconds": round(time.time() - t0, 1)}
    a.out.write_text(json.dumps(out, indent=1))
    print(f"{a.n} images, person missed in {missed}, mirrored in {int(person_swap.sum())}; "
          f"mean spread {np.mean([p['spread'] for p in per]):.3f} torso, "
          f"missing {np.mean([p['missing'] for p in per]):.3f}, swaps {np.mean([p['swap'] for p in per]):.3f}, "
          f"gross {np.mean([p['gross'] for p in per]):.3f} ({time.time() - t0:.0f} s) -> {a.out}")
    for k, p in enumerate(per):
        print(k, p)


if __name__ == "__main__":
    main()
