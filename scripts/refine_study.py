"""What the refinement studies (`study_refine_check.py`, `study_refine_keypoints.py`, `study_refine_budget.py`,
`study_refine_weights.py`) share: the synthetic test cases run as `main.py evaluate` runs them (the test image as
the crop, the detector's person, keypoints, 3D landmarks and silhouette), their command line, and the report of
the studies that refine each case several ways."""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


def case_slice(text: str) -> tuple[int, int]:
    """--cases A:B: the sorted test cases A to B-1 (whole numbers, 0 <= A < B); an argparse usage error else."""
    parts = text.split(":")
    try:
        a, b = (int(v) for v in parts)
    except ValueError:
        a = b = None
    if a is None or not 0 <= a < b:
        raise argparse.ArgumentTypeError(f"expected A:B, two whole numbers with 0 <= A < B (e.g. 100:150), "
                                         f"got {text!r}")
    return a, b


@dataclass(frozen=True)
class StudyCase:
    """One case: its id, the case (`inference.datasets.Case`), the ground-truth mesh and the network's run
    (`training.evaluate.NetworkRun`)."""

    id: str
    case: object
    gt: object
    run: object


def evaluated_cases(pred, data: Path, start: int, stop: int) -> Iterator[StudyCase]:
    """Cases start..stop of the sorted test split, each run by `pred` (`training.evaluate.detecting_predictor`)
    as `main.py evaluate` runs them. Cases whose detector silhouette left no part are skipped: evaluate runs
    them on the image alone."""
    from inference.datasets import list_cases, read_case
    from training.evaluate import run_network

    body = pred.body_model
    for cid in list_cases(data, "test")[start:stop]:
        case = read_case(data, cid, body)
        run = run_network(pred, case.image)
        if not run.empty_in_silhouette:
            yield StudyCase(cid, case, body.mesh(case.params), run)


def study_main(doc: str, default_cases: str, study: Callable[[Path, int, int], list], report: Callable[[list], str]
               ) -> None:
    """The studies' command line: DATA [--cases start:stop] [--out rows.json]; prints `report(rows)`."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--cases", type=case_slice, default=case_slice(default_cases), metavar="A:B",
                    help="cases A to B-1 of the sorted test cases")
    ap.add_argument("--out", type=Path, help="rows as JSON")
    a = ap.parse_args()
    start, stop = a.cases
    rows = study(a.data, start, stop)
    if a.out:
        a.out.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    print(report(rows))


def variant_row(case: StudyCase) -> dict:
    """A row of `report_variants` for one case, its variants still to add (`add_variant`)."""
    from inference.metrics import body_errors_mm

    return {"id": case.id, "network": body_errors_mm(case.run.prediction.mesh, case.gt).pa_mpjpe, "refined": {},
            "seconds": {}}


def add_variant(row: dict, name, pred, case: StudyCase, weights) -> None:
    """The case's network fit refined with `weights` (`inference.refine.RefineWeights`) as `predict` refines it
    (`Predictor.refined_params`): its PA-MPJPE (mm) and seconds into `row` under `name`."""
    import time

    from inference.metrics import body_errors_mm

    p, body = case.run.prediction, pred.body_model
    t = time.perf_counter()
    r = pred.refined_params(p, weights=weights)
    row["seconds"][name] = time.perf_counter() - t
    row["refined"][name] = body_errors_mm(body.mesh(r), case.gt).pa_mpjpe


def report_variants(rows: list[dict], out: Path | None, label: Callable[[object], str] = str) -> None:
    """Write `rows` (one per case: {"network": mm, "refined": {variant: mm}, "seconds": {variant: s}}) to `out` as
    JSON when given, and print per variant the refined mean PA-MPJPE against the network's, the share of cases
    refinement improved, the median seconds per refinement and, where a variant is named "shipped", the mean
    per-case difference from it (+- its standard error)."""
    import statistics

    import numpy as np

    if out:
        out.write_text(json.dumps(rows, indent=1))
    net = float(np.mean([r["network"] for r in rows]))
    print(f"{len(rows)} cases; network {net:.1f} mm")
    variants = list(rows[0]["refined"]) if rows else []
    base = np.array([r["refined"]["shipped"] for r in rows]) if "shipped" in variants else None
    for v in variants:
        ref = np.array([r["refined"][v] for r in rows])
        better = np.mean([r["refined"][v] < r["network"] - 1e-6 for r in rows])
        med = statistics.median(r["seconds"][v] for r in rows)
        paired = ""
        if base is not None and len(rows) > 1:
            d = ref - base
            paired = f", against shipped {d.mean():+.2f} +- {d.std(ddof=1) / np.sqrt(len(d)):.2f}"
        print(f"{label(v)}: refined {ref.mean():.2f} mm ({100 * (ref.mean() / net - 1):+.1f} %){paired}, improved "
              f"{better:.0%} of cases, median {med:.2f} s per refinement")
