"""Compare SMPLify settings on a labelled set with its exact 2D joints (not the test split): mean, median
and worst PA-MPJPE and seconds per image, one line per setting (JSON overrides of SMPLifyConfig).

    python main.py synth --out data/synth_tune --n 40 --seed 4242 --split val
    python scripts/tune_smplify.py data/synth_tune --n 20 --split val '{"optimizer": "lbfgs", "iters_camera": 30, \
"iters_pose": 30, "iters_shape": 40}' '{}'
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("settings", nargs="+", help="JSON objects of SMPLifyConfig fields ('{}': the defaults)")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--split", default="val")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import torch

    from inference.body_model import BodyModel
    from inference.datasets import list_cases, read_case
    from inference.metrics import body_errors_mm
    from training.smplify import SMPLify, SMPLifyConfig

    torch.set_num_threads(a.threads)
    body = BodyModel()
    cases = [read_case(a.data, cid, body) for cid in list_cases(a.data, a.split)[:a.n]]
    cases = [c for c in cases if c.lsp is not None]  # fitted to their ground-truth joints: a case without is left
    gts = [body.mesh(c.params) for c in cases]
    for spec in a.settings:
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(spec).items()}
        fitter = SMPLify(body, config=SMPLifyConfig(**fields))
        errs, secs = [], []
        for c, g in zip(cases, gts):
            t = time.perf_counter()
            p = fitter.fit(c.lsp[:, :2], c.lsp[:, 2], c.focal, c.image.shape[0]).params
            secs.append(time.perf_counter() - t)
            errs.append(body_errors_mm(body.mesh(p), g).pa_mpjpe)
        print(f"{spec}: PA-MPJPE mean {np.mean(errs):.1f} median {np.median(errs):.1f} max {np.max(errs):.1f} mm, "
              f"{np.mean(secs):.2f} s / image ({len(cases)} cases)", flush=True)


if __name__ == "__main__":
    main()
