"""What the refinement gains from other weights at its trusted end (inference.refine.REFINE_WEIGHTS, what synthetic
people mostly get): the synthetic cases refined with the shipped weights and with each variant, every case's
network run shared by all of them. Per variant: mean PA-MPJPE of the refined fits (the network's beside it), the
share of cases refinement improved, and the median seconds per refinement (one thread).

    OMP_NUM_THREADS=1 python scripts/study_refine_weights.py data/synth_tune2 --cases 0:200 \
        --variant stay=2 --variant stay=8 --variant bones=10 --variant joints=2,bones=10
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse_variant(text: str) -> dict[str, float]:
    """'stay=2,bones=10' -> {'stay': 2.0, 'bones': 10.0}."""
    out = {}
    for item in text.split(","):
        key, value = item.split("=")
        out[key.strip()] = float(value)
    return out


def main() -> None:
    from refine_study import case_slice

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--cases", type=case_slice, default=(0, 200), metavar="A:B",
                    help="cases A to B-1 of the sorted test cases")
    ap.add_argument("--variant", action="append", default=[], help="FIELD=VALUE[,FIELD=VALUE] of FitWeights")
    ap.add_argument("--out", type=Path, help="per-case rows as JSON")
    a = ap.parse_args()
    import torch
    from refine_study import add_variant, evaluated_cases, report_variants, variant_row

    from inference import refine
    from training.evaluate import detecting_predictor

    torch.manual_seed(0)
    start, stop = a.cases
    variants = {"shipped": {}} | {v: parse_variant(v) for v in a.variant}
    pred = detecting_predictor("detect")
    rows = []
    for c in evaluated_cases(pred, a.data, start, stop):
        row = variant_row(c)
        for name, change in variants.items():
            add_variant(row, name, pred, c, replace(refine.REFINE_WEIGHTS, **{
                k: type(getattr(refine.REFINE_WEIGHTS, k))(v) for k, v in change.items()}))
        rows.append(row)
        print(json.dumps(row), flush=True)
    report_variants(rows, a.out, lambda name: f"{name:>24}")

if __name__ == "__main__":
    main()
