"""How refinement's pose check (inference/refine.py POSE_ENERGY_RISE) acts on synthetic test cases.

For each case, as `main.py evaluate` runs it (the test image is the crop, the detector's keypoints, 3D
landmarks and silhouette): PA-MPJPE of the network's fit and of the refined fit without the check, the
network's trust, and both poses' energies under the mixture prior. Then the mean error under the shipped
rule (a trusted network's refinement is kept only if the energy rises by at most POSE_ENERGY_RISE) and
under other thresholds. The rule is applied to the same refinement, so the figures are exact.

    OMP_NUM_THREADS=1 python scripts/study_refine_check.py data/synth_test --cases 100:200 --out /tmp/check.json
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@dataclass(frozen=True)
class CheckRow:
    id: str
    network_mm: float
    refined_mm: float      # refinement without the pose check
    trust: float
    energy_network: float
    energy_refined: float
    detected: bool


def study(data: Path, start: int, stop: int) -> list[CheckRow]:
    import torch
    from refine_study import evaluated_cases

    from inference.metrics import body_errors_mm
    from inference.pose_priors import pose_energy
    from inference.refine import TRUST_CONFIDENCE
    from training.evaluate import detecting_predictor

    torch.manual_seed(0)
    pred = detecting_predictor("detect")
    body = pred.body_model
    lo, hi = TRUST_CONFIDENCE
    rows = []
    for c in evaluated_cases(pred, data, start, stop):
        cid, gt, run = c.id, c.gt, c.run
        p = run.prediction
        r = pred.refined_params(p, max_energy_rise=None)
        row = CheckRow(cid, body_errors_mm(p.mesh, gt).pa_mpjpe, body_errors_mm(body.mesh(r), gt).pa_mpjpe,
                       float((p.parts.confidence() - lo) / (hi - lo)), pose_energy(p.params.body_pose),
                       pose_energy(r.body_pose), run.person is not None)
        rows.append(row)
        print(json.dumps(asdict(row)), flush=True)
    return rows


def summary(rows: list[CheckRow], rise: float) -> str:
    net = np.array([r.network_mm for r in rows])
    ref = np.array([r.refined_mm for r in rows])
    gain = np.array([r.energy_refined - r.energy_network for r in rows])
    trusted = np.array([r.trust > 0 for r in rows])
    lines = [f"{len(rows)} cases: network {net.mean():.2f} mm, refined without the check {ref.mean():.2f} mm"]
    for t in sorted({1.5, 3.0, 5.0, rise}):
        for scope, mask in (("trusted network", trusted), ("every network", np.ones_like(trusted))):
            reject = mask & (gain > t)
            lines.append(f"  rise > {t:g}, {scope}: {np.where(reject, net, ref).mean():.2f} mm "
                         f"({int(reject.sum())} rejected){'  <- shipped' if t == rise and scope[0] == 't' else ''}")
    return "\n".join(lines)


def main() -> None:
    from refine_study import study_main

    from inference.refine import POSE_ENERGY_RISE

    study_main(__doc__, "100:200", study, lambda rows: summary(rows, POSE_ENERGY_RISE))


if __name__ == "__main__":
    main()
