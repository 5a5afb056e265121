"""Where the fitting network's worst synthetic people come from: per case of a `main.py synth` folder, PA-MPJPE of
the network's fit (the app's search, no refinement) with the angle between the fitted and true torso's facing
directions, and what an oracle would gain by exchanging left and right (all joints, the legs, the arms) where that
lowers the error: are the worst cases bodies turned round, mirrored limbs, or poses the network misreads?

    OMP_NUM_THREADS=1 python scripts/study_error_tail.py data/synth_tune2 --n 200

Facing: the normal of the plane through the hips and the neck (SMPL joints 1, 2, 0, 12). Back views are the people
whose true facing points away from the camera by more than 0.3 (its z component).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference.joints import MIRROR_JOINTS  # noqa: E402

_LR = tuple((a, b) for a, b in enumerate(MIRROR_JOINTS) if a < b)  # SMPL's left/right joint pairs
PAIRS = {"all": _LR, "legs": _LR[:4], "arms": _LR[4:]}  # hips, knees, ankles, feet; collars to hands
TAIL_MM = 110.0


def _exchanged(pairs) -> list[int]:
    idx = list(range(24))
    for a, b in pairs:
        idx[a], idx[b] = b, a
    return idx


def _facing(j: np.ndarray) -> np.ndarray:
    """(3,) unit normal of the torso (SMPL joints (24, 3))."""
    f = np.cross(j[12] - j[0], j[1] - j[2])
    return f / np.linalg.norm(f)


def main(argv: list[str] | None = None) -> int:
    from _study import study_predictor, synth_cases, synth_parser

    a = synth_parser(__doc__).parse_args(argv)
    from inference.datasets import read_case
    from inference.errors import NoPersonFound
    from inference.metrics import pa_mpjpe

    pred = study_predictor(refine=False)
    body = pred.body_model
    rows = []
    for cid in synth_cases(a.data, a.n):
        case = read_case(a.data, cid, body)
        gt = body.mesh(case.params).joints
        try:
            p = pred.predict(case.image, require_person=False)
        except NoPersonFound:
            continue
        j = p.mesh.joints
        err = float(pa_mpjpe(j[None], gt[None])[0] * 1000)
        swapped = [float(pa_mpjpe(j[_exchanged(PAIRS[k])][None], gt[None])[0] * 1000) for k in PAIRS]
        fg, fp = _facing(gt), _facing(j)
        angle = float(np.degrees(np.arccos(np.clip(fg @ fp, -1.0, 1.0))))
        rows.append((err, *swapped, angle, float(fg[2]), p.person >= 0))
    r = np.array(rows, np.float64)
    err, angle, away, found = r[:, 0], r[:, 4], r[:, 5], r[:, 6] > 0
    print(f"{a.data}: {len(r)} people, PA-MPJPE {err.mean():.1f} mm (median {np.median(err):.1f}); "
          f"{int(found.sum())} found by the search")
    for k, name in enumerate(PAIRS, 1):
        better = r[:, k] < err - 10
        print(f"  left and right exchanged ({name}) where that is better: {np.minimum(err, r[:, k]).mean():.1f} mm "
              f"(an oracle; {int(better.sum())} people better by over 10 mm)")
    for lo, hi in ((0, 45), (45, 90), (90, 181)):
        s = (angle >= lo) & (angle < hi)
        mean = f", {err[s].mean():.1f} mm" if s.any() else ""
        print(f"  facing {lo}-{hi} degrees off: {int(s.sum())} people{mean}")
    for name, s in (("back views", away > 0.3), ("front views", away < -0.3), ("side views", np.abs(away) <= 0.3)):
        print(f"  {name}: {int(s.sum())} people, {err[s].mean():.1f} mm")
    tail = err > TAIL_MM
    print(f"  over {TAIL_MM:.0f} mm: {int(tail.sum())} people ({err[tail].sum() / err.sum():.0%} of the summed error), "
          f"facing over 90 degrees off in {int((tail & (angle >= 90)).sum())}, not found by the search in "
          f"{int((tail & ~found).sum())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
