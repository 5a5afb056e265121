"""Table model of a dataset run: one row per case, sortable by any metric (numbers sort as numbers), filterable
to a range of one metric (a histogram bin), and the run's part confusion matrix."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSortFilterProxyModel, Qt

from inference.metrics import IoUAccumulator

SORT_ROLE = Qt.ItemDataRole.UserRole + 1

# (header, CaseResult attribute, format, scale)
COLUMNS = (
    ("case", None, None, 1.0),
    ("PA-MPJPE (mm)", "pa_mpjpe", "{:.1f}", 1.0),
    ("MPJPE (mm)", "mpjpe", "{:.1f}", 1.0),
    ("PVE (mm)", "pve", "{:.1f}", 1.0),
    ("mIoU (%)", "miou", "{:.1f}", 100.0),
    ("swaps (%)", "swaps", "{:.1f}", 100.0),
    ("time (s)", "seconds", "{:.2f}", 1.0),
    ("person", None, None, 1.0),
    ("status", None, None, 1.0),
)
METRICS = {name: (attr, scale) for name, attr, _, scale in COLUMNS if attr and attr != "seconds"}


class DatasetTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cases: list = []
        self._results: list = []

    # ---------------------------------------------------------------- data in
    def set_cases(self, cases) -> None:
        self.beginResetModel()
        self._cases = list(cases)
        self._results = [None] * len(self._cases)
        self.endResetModel()

    def clear_results(self) -> None:
        if self._cases:
            self._results = [None] * len(self._cases)
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._cases) - 1, len(COLUMNS) - 1))

    def forget(self, rows: list[int]) -> None:
        """Drop the results of these rows (scored again by the next Run)."""
        for r in rows:
            self._results[r] = None
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def set_result(self, result) -> None:
        r = result.row
        if 0 <= r < len(self._results):
            self._results[r] = result
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    # ---------------------------------------------------------------- access
    def case(self, row: int):
        return self._cases[row]

    def cases(self) -> list:
        return list(self._cases)

    def result(self, row: int):
        return self._results[row]

    def results(self) -> list:
        return [r for r in self._results if r is not None]

    def values(self, metric: str) -> np.ndarray:
        """Finite values of one metric column (display units) over the finished rows."""
        attr, scale = METRICS[metric]
        v = np.array([getattr(r, attr) * scale for r in self.results() if not r.error], np.float64)
        return v[np.isfinite(v)]

    def confusion(self) -> np.ndarray:
        """(13, 13) int64 pixel counts of the part maps summed over the finished cases: rows ground truth,
        columns prediction, label 0 background (CaseResult.confusion)."""
        total = np.zeros((13, 13), np.int64)
        for r in self.results():
            if not r.error and r.confusion is not None:
                total += np.asarray(r.confusion, np.int64)
        return total

    def metric_value(self, row: int, metric: str) -> float:
        """One row's value of a METRICS column in display units (NaN when not scored)."""
        res = self._results[row]
        if res is None or res.error:
            return math.nan
        attr, scale = METRICS[metric]
        return float(getattr(res, attr)) * scale

    def csv_text(self) -> str:
        """The table as CSV: one row per case in case order (pending ones included), numbers unrounded in the
        table's units, the per-part IoUs (in %) after the table's columns, the network's own PA-MPJPE where the
        body scored is refined, and the error (or note) of each case."""
        import csv
        import io

        from inference.parts import PART_NAMES

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([name for name, *_ in COLUMNS] + [f"IoU {n} (%)" for n in PART_NAMES]
                   + ["network PA-MPJPE (mm)", "error"])
        for case, res in zip(self._cases, self._results):
            status = status_of(res)
            row = [case.case_id]
            for _name, attr, _, scale in COLUMNS[1:-2]:
                v = math.nan if res is None or res.error else float(getattr(res, attr)) * scale
                row.append("" if not math.isfinite(v) else repr(v))
            row += [person_of(res), status]
            ious = np.full(len(PART_NAMES), np.nan) if res is None or res.error else np.asarray(res.part_iou)[1:]
            row += ["" if not np.isfinite(v) else repr(float(v) * 100) for v in ious]
            net = math.nan if res is None or res.error else res.network_pa_mpjpe  # the refined body's start
            row += ["" if not math.isfinite(net) else repr(float(net)), "" if res is None else res.error or res.note]
            w.writerow(row)
        return buf.getvalue()

    def summary(self) -> str:
        res = self.results()
        bad = sum(1 for r in res if r.error)
        listed = len(self._cases)
        parts = [f"{len(res)} case{'s' if len(res) != 1 else ''}" if len(res) == listed
                 else f"{len(res)} of {listed} cases scored"]
        for name in ("PA-MPJPE (mm)", "PVE (mm)"):
            v = self.values(name)
            if v.size:
                parts.append(f"{name.split(' ')[0]} {v.mean():.1f} mm")
        # over all pixels of the cases, as `main.py evaluate` reports them (the mean of the table's per-case
        # mIoU column weighs a small person's few pixels as much as a large one's)
        pooled = IoUAccumulator.of(self.confusion())
        if pooled.confusion.any():
            parts.append(f"mIoU {pooled.mean() * 100:.1f}% · swaps {pooled.left_right_swaps() * 100:.1f}% "
                         "(all pixels)")
        refined = sum(1 for r in res if r.refined)
        alone = sum(1 for r in res if r.alone)
        if refined:  # (Settings › refinement off scores every case by the network alone)
            parts.append(f"{refined} refined")
        if alone:
            parts.append(f"{alone} with nobody detected (read alone)")
        if bad:
            parts.append(f"{bad} failed")
        missing = sum(1 for r in res if not r.error and unscored(r))
        if missing:
            parts.append(f"{missing} not scored (ground truth unreadable)")
        return " · ".join(parts)

    # ---------------------------------------------------------------- Qt model
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:  # the unit on a second line: the table fits at 1280 px
                return COLUMNS[section][0].replace(" (", "\n(")
            return str(section + 1)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        case, res = self._cases[row], self._results[row]
        name, attr, fmt, scale = COLUMNS[col]
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if col == 0:
                return case.case_id
            if name == "status":
                return status_of(res)
            if name == "person":
                return person_of(res)
            if res is None or res.error:
                return math.inf if role == SORT_ROLE else ""
            v = getattr(res, attr) * scale
            if role == SORT_ROLE:
                return float(v) if math.isfinite(v) else math.inf
            return fmt.format(v) if math.isfinite(v) else "–"
        if role == Qt.ItemDataRole.ToolTipRole and res is not None and (res.error or res.note):
            return res.error or res.note
        if role == Qt.ItemDataRole.TextAlignmentRole and attr is not None:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def status_of(res) -> str:
    """A row's status: pending, failed, unscored (fitted, but its ground truth did not read: `note` says why) or
    done."""
    if res is None:
        return "pending"
    if res.error:
        return "failed"
    return "unscored" if unscored(res) else "done"


def unscored(res) -> bool:
    """A case fitted whose body could not be scored: its ground-truth body did not read (`res.note` says why)."""
    return bool(res.note) and not math.isfinite(res.pa_mpjpe)


def person_of(res) -> str:
    """Whom the case was read with: "found" (the search's first person), "alone" (nobody detected: the image
    alone), "" before it is scored or when it failed."""
    return "" if res is None or res.error else ("alone" if res.alone else "found")


def row_normalised(conf: np.ndarray) -> np.ndarray:
    """A confusion matrix (C, C) with each row divided by its sum: the share of each ground-truth class's
    pixels given to each predicted class (NaN rows for classes never in the ground truth)."""
    conf = np.asarray(conf, np.float64)
    sums = conf.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums > 0, conf / np.where(sums > 0, sums, 1), np.nan)


class DatasetSortProxy(QSortFilterProxyModel):
    """Sorts by SORT_ROLE (metric values as floats; unfinished rows last). `set_range(metric, lo, hi)` shows
    only the rows whose value of that metric lies in [lo, hi) ([lo, hi] with closed=True: the last bin of a
    numpy histogram), as a histogram bin counts them; `set_range(None)` shows every row."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)
        self.range: tuple[str, float, float, bool] | None = None
        self._keys: list | None = None  # each source row's sort key while `sort` runs (see there)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column`. Each row's key is read once, before Qt's sort (which compares each row about log2(n)
        times, each comparison a call into Python, and asking the model for both values in each made a 5000-case
        table take 0.4 s a sort); unfinished rows last in either order."""
        m = self.sourceModel()
        if m is not None and 0 <= column < m.columnCount():
            self._keys = [self._key(m.data(m.index(r, column), SORT_ROLE), order) for r in range(m.rowCount())]
        try:
            super().sort(column, order)
        finally:
            self._keys = None

    @staticmethod
    def _key(value, order) -> tuple:
        """A row's sort key: numbers as floats (case ids too), text as text; a row with no finite value sorts
        after the others in the given order (Qt reverses the comparison for a descending sort)."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return (1, 0.0, str(value))
        if math.isfinite(v):
            return (1 if order == Qt.SortOrder.DescendingOrder else 0, v, "")
        return (0 if order == Qt.SortOrder.DescendingOrder else 1, 0.0, "")

    def set_range(self, metric: str | None, lo: float = 0.0, hi: float = 0.0, closed: bool = False) -> None:
        self.beginFilterChange()
        self.range = None if metric is None else (metric, float(lo), float(hi), bool(closed))
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def refilter(self) -> None:
        """Filter again (the scores changed: a case may have come into the range)."""
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        if self.range is None:
            return True
        metric, lo, hi, closed = self.range
        v = self.sourceModel().metric_value(source_row, metric)
        return math.isfinite(v) and lo <= v and (v <= hi if closed else v < hi)

    def lessThan(self, left, right) -> bool:  # noqa: N802
        keys = self._keys
        if keys is not None:
            return keys[left.row()] < keys[right.row()]
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            fa, fb = float(a), float(b)
        except (TypeError, ValueError):
            return str(a) < str(b)
        a_open, b_open = not math.isfinite(fa), not math.isfinite(fb)  # unfinished (or unscored) cases
        if a_open != b_open:  # last in either order: a descending sort shows the "less" rows last
            return a_open if self.sortOrder() == Qt.SortOrder.DescendingOrder else b_open
        return fa < fb
