"""What limits refinement on synthetic people: the 2D keypoints it is given.

For each case (the test image as the crop, as `main.py evaluate` runs it, a detected person only), PA-MPJPE of
the network's fit and of the refined fit with the keypoints
  - of the person detector (as shipped),
  - of the ground truth (the body's projected LSP joints and head, all confident),
  - of the ground truth with Gaussian noise of NOISE_PX per axis (about the detector's median error on good
    cases),
everything else (silhouette, 3D bones, part map) the detector's. The cases are split by the detector's median
keypoint error against the ground truth (GROSS_PX).

    OMP_NUM_THREADS=1 python scripts/study_refine_keypoints.py data/synth_tune2 --cases 0:60
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOISE_PX = 3.8   # per axis, on the 256 px crop: a median distance of about 4.5 px
GROSS_PX = 8.0   # median keypoint error above which a case counts as badly detected


@dataclass(frozen=True)
class KeypointRow:
    id: str
    network_mm: float
    detected_mm: float      # refined with the detector's keypoints
    exact_mm: float         # refined with the ground-truth keypoints
    noisy_mm: float         # refined with the ground truth + NOISE_PX noise
    keypoint_error_px: float  # the detector's median error over its confident keypoints


def study(data: Path, start: int, stop: int) -> list[KeypointRow]:
    import torch
    from refine_study import evaluated_cases

    from inference.geometry import project_points
    from inference.joints import HEAD_JOINT, LSP_FROM_SMPL
    from inference.metrics import body_errors_mm
    from training.evaluate import detecting_predictor

    torch.manual_seed(0)
    pred = detecting_predictor("detect")
    body = pred.body_model
    ids = list(LSP_FROM_SMPL) + [HEAD_JOINT]
    rows = []
    for c in evaluated_cases(pred, data, start, stop):
        cid, gt, run = c.id, c.gt, c.run
        if run.joints2d is None:
            continue
        p = run.prediction
        exact = project_points(gt.joints[ids], pred.focal, pred.size).astype(np.float32)
        noisy = (exact + np.random.default_rng(int(cid)).normal(0, NOISE_PX, exact.shape)).astype(np.float32)
        ok = np.asarray(run.conf) > 0
        if not ok.any():
            continue
        err = float(np.median(np.linalg.norm(exact - run.joints2d, axis=1)[ok]))

        all_conf = np.ones(len(ids), np.float32)
        errs = [body_errors_mm(body.mesh(pred.refined_params(p, **kw)), gt).pa_mpjpe
                for kw in ({}, dict(joints2d=exact, conf=all_conf), dict(joints2d=noisy, conf=all_conf))]
        row = KeypointRow(cid, body_errors_mm(p.mesh, gt).pa_mpjpe, *errs, err)
        rows.append(row)
        print(json.dumps(asdict(row)), flush=True)
    return rows


def summary(rows: list[KeypointRow]) -> str:
    a = np.array([[r.network_mm, r.detected_mm, r.exact_mm, r.noisy_mm] for r in rows])
    bad = np.array([r.keypoint_error_px > GROSS_PX for r in rows])
    lines = []
    for name, m in (("all", np.ones(len(rows), bool)), (f"detector error <= {GROSS_PX:g} px", ~bad),
                    (f"detector error > {GROSS_PX:g} px", bad)):
        if m.any():
            net, d, e, n = a[m].mean(0)
            lines.append(f"{name} ({int(m.sum())} cases): network {net:.1f} mm; refined with the detector's keypoints "
                         f"{d:.1f} ({100 * (d / net - 1):+.1f} %), exact {e:.1f} ({100 * (e / net - 1):+.1f} %), "
                         f"exact + {NOISE_PX:g} px noise {n:.1f} ({100 * (n / net - 1):+.1f} %)")
    return "\n".join(lines)


def main() -> None:
    from refine_study import study_main

    study_main(__doc__, "0:60", study, summary)


if __name__ == "__main__":
    main()
