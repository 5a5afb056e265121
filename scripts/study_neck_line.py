"""Study (stop 50, measured and dropped): no neck above the mouth? On the astronaut photos the network paints the
mouth and chin as neck (the keypoint-part agreement's "mouth -> neck" misses), and BlazePose finds the mouth's
corners. This asks whether the body model's labels allow a rule "a neck pixel above the mouth line is head".

For each synthetic case the app's photo-frame part map (`uncrop_parts`) is scored against the exact one (mIoU over
the set, as `main.py evaluate` reports it) as it is and with the neck pixels above a line relabelled head: the line
through the mouth's centre, across the head's axis (nose -> mid-shoulders), moved down by c x the nose-mouth
distance, for each c of --offsets. Also printed: the share of the exact and the predicted neck pixels above each
line (cases with a person found and nose and mouth seen, visibility > 0.5; the others score as they are).

    python main.py synth --out data/synth_tune2 --n 200 --seed 4244 --split test
    OMP_NUM_THREADS=1 python scripts/study_neck_line.py data/synth_tune2 --n 200
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NECK, HEAD = 7, 1  # label values (part index + 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--n", type=int, default=0, help="first N cases (0: all)")
    ap.add_argument("--offsets", type=float, nargs="+", default=[-0.5, 0.0, 0.5, 1.0])
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
    base = IoUAccumulator(13)
    moved = {c: IoUAccumulator(13) for c in a.offsets}
    above_gt = {c: [0, 0] for c in a.offsets}
    above_pred = {c: [0, 0] for c in a.offsets}
    for cid in tqdm(list_cases(a.data, "test")[: a.n or None], desc="cases"):
        case = read_case(a.data, cid, body)
        p = run_network(pred, case.image).prediction
        labels = uncrop_parts(p.parts, p.crop, case.image.shape)
        base.update(labels, case.labels)
        kp = np.asarray(p.people[p.person].keypoints, np.float32) if p.person >= 0 and p.people else None
        if kp is None or min(kp[0, 2], kp[9, 2], kp[10, 2]) < 0.5:
            for acc in moved.values():
                acc.update(labels, case.labels)
            continue
        mouth, nose = kp[[9, 10], :2].mean(0), kp[0, :2]
        down = kp[[11, 12], :2].mean(0) - nose
        down /= max(float(np.hypot(*down)), 1e-6)
        step = float(np.hypot(*(mouth - nose)))
        yy, xx = np.mgrid[: labels.shape[0], : labels.shape[1]]
        along = (xx - mouth[0]) * down[0] + (yy - mouth[1]) * down[1]  # photo px below the mouth, along the head
        for c, acc in moved.items():
            above = along < c * step
            for tally, lab in ((above_gt[c], case.labels), (above_pred[c], labels)):
                tally[0] += int(((lab == NECK) & above).sum())
                tally[1] += int((lab == NECK).sum())
            relabelled = labels.copy()
            relabelled[(relabelled == NECK) & above] = HEAD
            acc.update(relabelled, case.labels)
    print(f"as shipped: mIoU {base.mean():.4f}, neck {base.per_class()[NECK]:.3f}, head {base.per_class()[HEAD]:.3f}")
    for c, acc in moved.items():
        share_gt, share_pred = (t[0] / max(t[1], 1) for t in (above_gt[c], above_pred[c]))
        print(f"neck above the mouth line + {c:+.1f} x nose-mouth -> head: mIoU {acc.mean():.4f}, "
              f"neck {acc.per_class()[NECK]:.3f}, head {acc.per_class()[HEAD]:.3f}; neck pixels above the line: "
              f"exact {share_gt:.3f}, predicted {share_pred:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
