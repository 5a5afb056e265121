"""What the refinement gains from more steps: the synthetic cases refined with the shipped step count per stage
(inference.refine: REFINE_WEIGHTS.iters for a trusted network, UNTRUSTED["iters"] for an untrusted one) and with
larger ones, each case's network run shared by all variants. Per variant: mean PA-MPJPE of the refined fits (the
network's beside it), the share of cases refinement improved, and the median seconds per refinement on this
machine (one thread).

    OMP_NUM_THREADS=1 python scripts/study_refine_budget.py data/synth_tune2 --cases 0:200 --iters 30 45 60
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from refine_study import case_slice

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--cases", type=case_slice, default=(0, 200), metavar="A:B",
                    help="cases A to B-1 of the sorted test cases")
    ap.add_argument("--iters", type=int, nargs="+", default=[30, 45, 60], help="steps per stage, one variant each")
    ap.add_argument("--out", type=Path, help="per-case rows as JSON")
    a = ap.parse_args()
    import torch
    from refine_study import add_variant, evaluated_cases, report_variants, variant_row

    from inference import refine
    from training.evaluate import detecting_predictor

    torch.manual_seed(0)
    start, stop = a.cases
    pred = detecting_predictor("detect")
    shipped = refine.UNTRUSTED["iters"]
    rows = []
    for c in evaluated_cases(pred, a.data, start, stop):
        row = variant_row(c)
        for n in a.iters:
            # both ends of the trust range take n steps per stage (the untrusted end is a module constant)
            refine.UNTRUSTED["iters"] = n
            try:
                add_variant(row, n, pred, c, replace(refine.REFINE_WEIGHTS, iters=n))
            finally:
                refine.UNTRUSTED["iters"] = shipped
        rows.append(row)
        print(json.dumps(row), flush=True)
    report_variants(rows, a.out, lambda n: f"iters {n:3d}")

if __name__ == "__main__":
    main()
