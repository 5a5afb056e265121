"""Table model of a dataset run: one row per case, sortable by any metric (numbers sort as numbers), filterable
to a range of one metric (a histogram bin), and the run's part confusion matrix."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QAbstractProxyModel, QAbstractTableModel, QModelIndex, QObject, Qt

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
        from inference.predict_outputs import csv_text_cell

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([name for name, *_ in COLUMNS] + [f"IoU {n} (%)" for n in PART_NAMES]
                   + ["network PA-MPJPE (mm)", "error"])
        for case, res in zip(self._cases, self._results):
            status = status_of(res)
            row = [csv_text_cell(case.case_id)]  # (a case named "=HYPERLINK(...)" is text to a spreadsheet)
            for _name, attr, _, scale in COLUMNS[1:-2]:
                v = math.nan if res is None or res.error else float(getattr(res, attr)) * scale
                row.append("" if not math.isfinite(v) else repr(v))
            row += [person_of(res), status]
            ious = np.full(len(PART_NAMES), np.nan) if res is None or res.error else np.asarray(res.part_iou)[1:]
            row += ["" if not np.isfinite(v) else repr(float(v) * 100) for v in ious]
            net = math.nan if res is None or res.error else res.network_pa_mpjpe  # the refined body's start
            row += ["" if not math.isfinite(net) else repr(float(net)),
                    "" if res is None else csv_text_cell(res.error or res.note)]
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

    def sort_values(self, column: int) -> list:
        """Each row's sort key of one column (SORT_ROLE): metrics as floats (inf where not scored), text as text."""
        return [self._sort_value(r, column) for r in range(len(self._cases))]

    def _sort_value(self, row: int, col: int):
        res = self._results[row]
        name, attr, _fmt, scale = COLUMNS[col]
        if col == 0:
            return self._cases[row].case_id
        if name == "status":
            return status_of(res)
        if name == "person":
            return person_of(res)
        if res is None or res.error:
            return math.inf
        v = getattr(res, attr) * scale
        return float(v) if math.isfinite(v) else math.inf

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
        res = self._results[row]
        _name, attr, fmt, scale = COLUMNS[col]
        if role == SORT_ROLE or (role == Qt.ItemDataRole.DisplayRole and attr is None):
            return self._sort_value(row, col)  # (case id, person and status: their text is their key)
        if role == Qt.ItemDataRole.DisplayRole:
            if res is None or res.error:
                return ""
            v = getattr(res, attr) * scale
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


def sorted_rows(values: list, descending: bool = False) -> list[int]:
    """Indices of `values` (one sort key per source row) in sorted order: numbers (numeric text included) as numbers,
    other text as text after them in ascending order; rows without a finite value (not scored, failed) last in either
    order, in their own order; equal keys keep their order (a stable sort both ways, as a table's sort is)."""
    keyed, last = [], []
    for r, value in enumerate(values):
        try:
            v = float(value)
        except (TypeError, ValueError):
            keyed.append(((1, 0.0, str(value)), r))
            continue
        if math.isfinite(v):
            keyed.append(((0, v, ""), r))
        else:
            last.append(r)
    keyed.sort(key=lambda kr: kr[0], reverse=descending)  # (Python's sort stays stable when reversed)
    return [r for _, r in keyed] + last


class DatasetSortProxy(QAbstractProxyModel):
    """The table's rows sorted and filtered over the source model (DatasetTableModel): `sort(column, order)` by the
    SORT_ROLE values (numbers as numbers; unfinished rows last); `set_range(metric, lo, hi)` shows only the rows whose
    value of that metric lies in [lo, hi) ([lo, hi] with closed=True: the last bin of a numpy histogram), as a
    histogram bin counts them; `set_range(None)` shows every row.

    Not a QSortFilterProxyModel: its sort asked Python for each of its n log n comparisons and re-sorted that way on
    every reset and filter change, which held the GUI thread for 0.2-0.9 s over 5000 cases (sweep123). Here one
    Python sort of the n keys decides the order, and the view follows through layoutChanged (selection kept). Neither
    order nor filter follows new scores by itself (a row moving under the pointer on every score would be worse):
    the panel calls `sort` and `refilter` when it chooses to."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.range: tuple[str, float, float, bool] | None = None
        self._column = -1
        self._order = Qt.SortOrder.AscendingOrder
        self._rows: list[int] = []  # proxy row -> source row
        self._where: dict[int, int] = {}  # source row -> proxy row (shown rows only)

    # ---------------------------------------------------------------- the source
    def setSourceModel(self, model) -> None:  # noqa: N802
        old = self.sourceModel()
        if old is not None:
            for signal, slot in self._wiring(old):
                signal.disconnect(slot)
        self.beginResetModel()
        super().setSourceModel(model)
        if model is not None:
            for signal, slot in self._wiring(model):
                signal.connect(slot)
        self._set_rows()
        self.endResetModel()

    def _wiring(self, model) -> list:
        return [(model.modelAboutToBeReset, self.beginResetModel), (model.modelReset, self._source_reset),
                (model.dataChanged, self._source_data_changed), (model.headerDataChanged, self.headerDataChanged),
                # (the table model only resets; any other change of its rows is taken as one)
                (model.rowsInserted, self._source_rows_moved), (model.rowsRemoved, self._source_rows_moved),
                (model.rowsMoved, self._source_rows_moved), (model.layoutChanged, self._source_rows_moved)]

    def _source_reset(self) -> None:
        self._set_rows()
        self.endResetModel()

    def _source_rows_moved(self, *_args) -> None:
        self.beginResetModel()
        self._source_reset()

    def _source_data_changed(self, top_left, bottom_right, roles=()) -> None:
        shown = [self._where[r] for r in range(top_left.row(), bottom_right.row() + 1) if r in self._where]
        if shown:
            self.dataChanged.emit(self.index(min(shown), top_left.column()),
                                  self.index(max(shown), bottom_right.column()), roles)

    # ---------------------------------------------------------------- order and filter
    def sortColumn(self) -> int:  # noqa: N802
        return self._column

    def sortOrder(self):  # noqa: N802
        return self._order

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._column, self._order = column, order
        self._relayout()

    def set_range(self, metric: str | None, lo: float = 0.0, hi: float = 0.0, closed: bool = False) -> None:
        self.range = None if metric is None else (metric, float(lo), float(hi), bool(closed))
        self._relayout()

    def refilter(self) -> None:
        """Filter again (the scores changed: a case may have come into the range)."""
        self._relayout()

    def _shown_rows(self) -> list[int]:
        """Source rows in the proxy's order (the sort column's keys, read once each), those outside the range left
        out."""
        m = self.sourceModel()
        if m is None:
            return []
        n = m.rowCount()
        if 0 <= self._column < m.columnCount():
            rows = sorted_rows(m.sort_values(self._column), self._order == Qt.SortOrder.DescendingOrder)
        else:
            rows = list(range(n))
        if self.range is not None:
            metric, lo, hi, closed = self.range
            rows = [r for r in rows if _in_range(m.metric_value(r, metric), lo, hi, closed)]
        return rows

    def _set_rows(self) -> None:
        self._rows = self._shown_rows()
        self._where = {r: k for k, r in enumerate(self._rows)}

    def _relayout(self) -> None:
        """The new order and filter, the view's selection and current row carried over (or dropped where filtered
        out)."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = [self.mapToSource(i) for i in old]
        self._set_rows()
        self.changePersistentIndexList(old, [self.mapFromSource(s) for s in sources])
        self.layoutChanged.emit()

    # ---------------------------------------------------------------- Qt proxy model
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        m = self.sourceModel()
        return 0 if parent.isValid() or m is None else m.columnCount()

    def index(self, row: int, column: int, parent=QModelIndex()):
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index=QModelIndex()):
        return QModelIndex()

    def mapToSource(self, proxy_index):  # noqa: N802
        m = self.sourceModel()
        if m is None or not proxy_index.isValid() or not 0 <= proxy_index.row() < len(self._rows):
            return QModelIndex()
        # (createIndex: the view asks for thousands of cells at a show, and `index` calls back into Python twice)
        return m.createIndex(self._rows[proxy_index.row()], proxy_index.column())

    def mapFromSource(self, source_index):  # noqa: N802
        if not source_index.isValid() or source_index.row() not in self._where:
            return QModelIndex()
        return self.index(self._where[source_index.row()], source_index.column())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        m = self.sourceModel()
        if m is None:
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)  # the row's place in the table, not its case's
        return m.headerData(section, orientation, role)


def _in_range(v: float, lo: float, hi: float, closed: bool) -> bool:
    return math.isfinite(v) and lo <= v and (v <= hi if closed else v < hi)
