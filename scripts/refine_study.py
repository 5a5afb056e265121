"""What the refinement studies (`study_refine_check.py`, `study_refine_keypoints.py`) share: the synthetic
test cases run as `main.py evaluate` runs them (the test image as the crop, the detector's person, keypoints,
3D landmarks and silhouette), and their command line."""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


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
    ap.add_argument("--cases", default=default_cases, help="start:stop of the sorted test cases")
    ap.add_argument("--out", type=Path, help="rows as JSON")
    a = ap.parse_args()
    start, stop = (int(v) for v in a.cases.split(":"))
    rows = study(a.data, start, stop)
    if a.out:
        a.out.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    print(report(rows))
