"""How long the Dataset tab's table takes to sort and to take in new scores, with many cases (offscreen Qt, no
model: the rows hold made-up scores, half of them scored).

    QT_QPA_PLATFORM=offscreen python scripts/bench_dataset_table.py --rows 5000

Prints, per sort (by PA-MPJPE ascending and descending, by case id descending), the milliseconds of one
`DatasetSortProxy.sort` and whether the order is right (scored rows by value, the others last), then the
milliseconds of one new score (`set_result`, the table's dataChanged); the last line sums it up:
`sort_asc_ms=<a> sort_desc_ms=<d> sort_case_ms=<c> new_score_ms=<s> rows=<n>`. The panel re-sorts after new scores
at most a tenth of the time (widgets/dataset_panel.py RESORT_SHARE), so a sort of s ms comes every 10 s ms.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=5000, help="cases in the table (default 5000)")
    args = ap.parse_args(argv)
    if args.rows < 2:
        print("error: --rows must be at least 2", file=sys.stderr)
        return 2

    import numpy as np
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.dataset_model import COLUMNS, DatasetSortProxy, DatasetTableModel
    from app.dataset_runner import CaseResult, DatasetCase

    _app = QApplication.instance() or QApplication([])  # noqa: F841 - the models need one
    n = args.rows
    model, proxy = DatasetTableModel(), DatasetSortProxy()
    proxy.setSourceModel(model)
    model.set_cases([DatasetCase(f"{i:05d}", Path(f"/cases/{i:05d}_image.png")) for i in range(n)])
    rng = np.random.default_rng(0)
    for i in range(0, n, 2):
        model.set_result(CaseResult(row=i, case=model.case(i), pa_mpjpe=float(rng.uniform(30, 200)),
                                    mpjpe=float(rng.uniform(30, 200)), miou=float(rng.uniform(0.3, 0.9))))
    col = next(k for k, c in enumerate(COLUMNS) if c[1] == "pa_mpjpe")
    name = COLUMNS[col][0]
    took = {}
    for key, column, order in (("sort_asc_ms", col, Qt.SortOrder.AscendingOrder),
                               ("sort_desc_ms", col, Qt.SortOrder.DescendingOrder),
                               ("sort_case_ms", 0, Qt.SortOrder.DescendingOrder)):
        t = time.perf_counter()
        proxy.sort(column, order)
        took[key] = (time.perf_counter() - t) * 1000
        rows = [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(n)]
        if column == col:
            values = [model.metric_value(r, name) for r in rows]
            scored = [v for v in values if math.isfinite(v)]
            right = (scored == sorted(scored, reverse=order == Qt.SortOrder.DescendingOrder)
                     and all(math.isnan(v) for v in values[len(scored):]))
        else:
            right = rows == list(range(n - 1, -1, -1))
        print(f"{key.removesuffix('_ms')}: {took[key]:.0f} ms, order {'right' if right else 'WRONG'}")
    t = time.perf_counter()
    model.set_result(CaseResult(row=1, case=model.case(1), pa_mpjpe=77.0))
    took["new_score_ms"] = (time.perf_counter() - t) * 1000
    print(f"one new score: {took['new_score_ms']:.2f} ms")
    print(" ".join(f"{k}={v:.1f}" for k, v in took.items()) + f" rows={n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
