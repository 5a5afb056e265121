"""A study, not shipped: when would the fit made without the detector's keypoints be the better one?

    OMP_NUM_THREADS=1 python scripts/study_keypoint_free.py data/synth_tune2 --n 200

Per case, as `main.py evaluate` reads it (the whole image as the crop): PA-MPJPE of the network's fit with the
detector's person (keypoints, silhouette; `Predictor.predict_case`) and without them (the image alone), and the
signals a rule could use to choose between them: the keypoint-part agreement and left/right swaps of each part map
against the detected keypoints, the detector's score, the part maps' confidences, and the distance between the two
fits (PA-MPJPE of one against the other). Prints each signal's correlation with the gain of the keypoint-free fit,
the mean error of both, of the better one per case (an oracle), and of a few threshold rules.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIGNALS = ("agreement_free", "swaps_free", "agreement", "swaps", "score", "conf_free", "conf", "distance")


def mean_params(a, b):
    """The mean of two fits (BodyParams): each joint's rotation averaged as a matrix and projected to the nearest
    rotation, betas averaged, a's translation."""
    from inference.geometry import axis_angle_to_matrix, matrix_to_axis_angle, svd_orthogonalize
    from inference.types import BodyParams

    R = (axis_angle_to_matrix(a.pose.reshape(24, 3)) + axis_angle_to_matrix(b.pose.reshape(24, 3))) / 2
    pose = np.asarray(matrix_to_axis_angle(svd_orthogonalize(R)), np.float32).reshape(72)
    return BodyParams.from_pose(pose, (np.asarray(a.betas) + np.asarray(b.betas)) / 2, a.transl)


def measure(data: Path, n: int) -> list[dict]:
    import torch

    from inference.crop import crop_for_box, uncrop_parts
    from inference.datasets import list_cases, read_case
    from inference.metrics import body_errors_mm, keypoint_part_agreement
    from inference.pipeline import Predictor

    torch.set_num_threads(1)
    pred = Predictor()
    body = pred.body_model
    rows = []
    for cid in list_cases(data, "test")[: n or None]:
        case = read_case(data, cid, body)
        gt = body.mesh(case.params)
        p = pred.predict_case(case.image)
        q = pred.predict(case.image, crop=crop_for_box(None, case.image.shape, pred.size), person=-1,
                         require_person=False)
        mean = body.mesh(mean_params(p.params, q.params))
        row = {"id": cid, "error": body_errors_mm(p.mesh, gt).pa_mpjpe,
               "error_free": body_errors_mm(q.mesh, gt).pa_mpjpe,
               "error_mean": body_errors_mm(mean, gt).pa_mpjpe, "distance": body_errors_mm(p.mesh, q.mesh).pa_mpjpe}
        if p.person >= 0:
            kp = p.people[0].keypoints
            free = keypoint_part_agreement(uncrop_parts(q.parts, q.crop, case.image.shape), kp)
            used = keypoint_part_agreement(uncrop_parts(p.parts, p.crop, case.image.shape), kp)
            row.update(agreement_free=free.agreement, swaps_free=free.swaps, agreement=used.agreement,
                       swaps=used.swaps, score=p.people[0].score, conf_free=q.parts.confidence(),
                       conf=p.parts.confidence())
        rows.append(row)
        print(f"{cid}: with keypoints {row['error']:.0f} mm, without {row['error_free']:.0f}", flush=True)
    return rows


def report(rows: list[dict]) -> None:
    e = np.array([r["error"] for r in rows])
    f = np.array([r["error_free"] for r in rows])
    found = np.array(["score" in r for r in rows])
    gain = e - f
    m = np.array([r["error_mean"] for r in rows])
    print(f"\n{len(rows)} cases, a person found in {int(found.sum())}: with keypoints {e.mean():.2f} mm, without "
          f"{f.mean():.2f}, the mean of the two fits {m.mean():.2f}, the better of the two per case (oracle) "
          f"{np.minimum(e, f).mean():.2f}")
    for name in SIGNALS:
        s = np.array([r.get(name, np.nan) for r in rows], np.float64)
        ok = ~np.isnan(s)
        print(f"  {name}: correlation with the keypoint-free fit's gain {np.corrcoef(s[ok], gain[ok])[0, 1]:+.3f}")
    rules = [("agreement_free <", t) for t in (0.3, 0.4, 0.5, 0.6)] + [("swaps_free >", t) for t in (0.2, 0.3, 0.4)]
    rules += [("distance >", t) for t in (20, 40, 60)]
    for name, t in rules:
        s = np.array([r.get(name.split()[0], np.nan) for r in rows], np.float64)
        pick = found & ((s < t) if name.endswith("<") else (s > t))
        mean = np.where(pick, f, e).mean()
        print(f"  without keypoints when {name} {t}: {int(pick.sum())} cases, mean {mean:.2f} mm")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a synthetic folder (main.py synth)")
    ap.add_argument("--n", type=int, default=0, help="first N test cases (0: all)")
    a = ap.parse_args(argv)
    report(measure(a.data, a.n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
