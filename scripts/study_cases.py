"""Per case of a synthetic folder: PA-MPJPE of the body `predict` writes (refined), of the network's own fit, and
of the fit made without the detector (the whole image as the crop, no keypoints), with the detector's score and
the part map's confidence: where a set's mean error comes from, and whether the keypoints helped each case.

    python main.py synth --out /tmp/c48 --n 12 --seed 90817
    OMP_NUM_THREADS=1 python scripts/study_cases.py /tmp/c48 --n 12

The images are read as `main.py predict` reads a photo (the person search, then that person's crop), not as
`main.py evaluate` reads a case (the whole image as the crop), so the figures are those of the written bodies.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    from _study import study_predictor, synth_cases, synth_parser

    a = synth_parser(__doc__).parse_args(argv)
    from inference.datasets import read_case
    from inference.errors import NoPersonFound
    from inference.metrics import body_errors_mm

    pred, free = study_predictor(refine=True), study_predictor(detect="off")
    body = pred.body_model
    ids = synth_cases(a.data, a.n)
    rows = []
    for cid in ids:
        case = read_case(a.data, cid, body)
        gt = body.mesh(case.params)
        alone = body_errors_mm(free.predict(case.image, require_person=False).mesh, gt).pa_mpjpe
        try:
            p = pred.predict(case.image)
        except NoPersonFound:
            print(f"{cid}: no person found; without the detector {alone:.0f} mm", flush=True)
            continue
        refined = body_errors_mm(p.mesh, gt).pa_mpjpe
        network = body_errors_mm(p.network_mesh, gt).pa_mpjpe if p.network_mesh is not None else refined
        score = p.people[p.person].score if p.person >= 0 else float("nan")
        rows.append((refined, network, alone))
        print(f"{cid}: refined {refined:.0f} mm, network {network:.0f}, without the detector {alone:.0f} "
              f"(detector score {score:.2f}, part confidence {p.parts.confidence():.2f})", flush=True)
    if rows:
        r = np.array(rows)
        print(f"\nmean over {len(rows)} of {len(ids)} cases: refined {r[:, 0].mean():.1f} mm, network "
              f"{r[:, 1].mean():.1f}, without the detector {r[:, 2].mean():.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
