"""app/dataset_model.py: the dataset table's order and filter (DatasetSortProxy, sorted_rows) without the model or
a dataset on disk: made-up cases and scores."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView

from app.dataset_model import COLUMNS, SORT_ROLE, DatasetSortProxy, DatasetTableModel, sorted_rows
from app.dataset_runner import CaseResult, DatasetCase

PA = next(k for k, c in enumerate(COLUMNS) if c[1] == "pa_mpjpe")
PA_NAME = COLUMNS[PA][0]


class CountingModel(DatasetTableModel):
    """The table model, counting the calls into Python that ask for a sort key (data() with SORT_ROLE)."""

    def __init__(self):
        super().__init__()
        self.key_reads = 0

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == SORT_ROLE:
            self.key_reads += 1
        return super().data(index, role)


def _table(n: int, model=None, seed: int = 0):
    m = model if model is not None else DatasetTableModel()
    p = DatasetSortProxy()
    p.setSourceModel(m)
    m.set_cases([DatasetCase(f"{i:05d}", Path(f"/cases/{i:05d}_image.png")) for i in range(n)])
    rng = np.random.default_rng(seed)
    for i in range(0, n, 2):
        m.set_result(CaseResult(row=i, case=m.case(i), pa_mpjpe=float(rng.uniform(30, 200))))
    return m, p


def _source_rows(p) -> list[int]:
    return [p.mapToSource(p.index(r, 0)).row() for r in range(p.rowCount())]


def test_sorted_rows_numbers_as_numbers_text_after_them_unscored_last_ties_in_their_order():
    values = ["10", 2.5, math.inf, "b", -1.0, 2.5, "a", math.nan, "9"]
    assert sorted_rows(values) == [4, 1, 5, 8, 0, 6, 3, 2, 7]
    # descending: the sort reversed, the equal 2.5s still in their order, the rows without a value still last
    assert sorted_rows(values, descending=True) == [3, 6, 0, 8, 1, 5, 4, 2, 7]
    assert sorted_rows([]) == []


def test_a_reset_and_a_filter_read_each_rows_key_once_not_once_a_comparison(qapp):
    """Qt's QSortFilterProxyModel re-sorted through one call into Python per comparison on every reset and filter
    change (0.5-0.9 s of a held GUI thread over 5000 cases, sweep123); the proxy reads n keys at most."""
    n = 2000
    m, p = _table(n, CountingModel())
    p.sort(PA, Qt.SortOrder.DescendingOrder)
    m.key_reads = 0
    m.set_cases(m.cases())  # a dataset opened again: the table reset under a sorted proxy
    for k in range(0, n, 2):
        m.set_result(CaseResult(row=k, case=m.case(k), pa_mpjpe=float(k % 170 + 30)))
    p.set_range(PA_NAME, 50.0, 120.0)
    p.set_range(None)
    p.sort(PA, Qt.SortOrder.AscendingOrder)
    assert m.key_reads <= n, m.key_reads
    shown = [m.metric_value(r, PA_NAME) for r in _source_rows(p)]
    assert shown[: n // 2] == sorted(shown[: n // 2]) and all(math.isnan(v) for v in shown[n // 2:])


def test_a_filter_keeps_the_sort_and_a_sort_keeps_the_filter(qapp):
    m, p = _table(60, seed=3)
    p.sort(PA, Qt.SortOrder.DescendingOrder)
    p.set_range(PA_NAME, 60.0, 150.0)
    vals = [m.metric_value(r, PA_NAME) for r in _source_rows(p)]
    expected = sorted((v for v in (m.metric_value(r, PA_NAME) for r in range(60)) if 60.0 <= v < 150.0), reverse=True)
    assert vals == expected and p.rowCount() == len(expected) > 5
    p.sort(0, Qt.SortOrder.AscendingOrder)  # by case id, the filter still on
    assert _source_rows(p) == sorted(_source_rows(p)) and p.rowCount() == len(expected)
    p.set_range(None)
    assert _source_rows(p) == list(range(60))


@pytest.mark.parametrize("change", ["sort", "filter", "refilter"])
def test_the_views_current_row_follows_its_case_through_a_sort_and_a_filter(qapp, change):
    """The case a user selected stays selected (the same case, wherever it moves); filtered out, nothing is."""
    m, p = _table(30, seed=1)
    view = QTableView()
    view.setModel(p)
    chosen = 10  # a scored case
    view.selectionModel().setCurrentIndex(
        p.mapFromSource(m.index(chosen, 0)),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    if change == "sort":
        p.sort(PA, Qt.SortOrder.DescendingOrder)
        assert p.mapToSource(view.currentIndex()).row() == chosen
        assert [p.mapToSource(i).row() for i in view.selectionModel().selectedRows()] == [chosen]
        assert view.currentIndex().row() != chosen  # it moved, and the selection with it
    elif change == "filter":
        v = m.metric_value(chosen, PA_NAME)
        p.set_range(PA_NAME, v + 1.0, 1000.0)  # a range without it
        assert not view.currentIndex().isValid() and not view.selectionModel().selectedRows()
    else:  # its score changes, and the range it was in no longer holds it after a refilter
        p.set_range(PA_NAME, 0.0, 1000.0)
        assert p.mapToSource(view.currentIndex()).row() == chosen
        m.set_result(CaseResult(row=chosen, case=m.case(chosen), pa_mpjpe=5000.0))
        assert p.mapToSource(view.currentIndex()).row() == chosen  # not before the panel asks
        p.refilter()
        assert not p.mapFromSource(m.index(chosen, 0)).isValid() and not view.currentIndex().isValid()


def test_new_scores_reach_the_view_at_the_proxys_row(qapp):
    m, p = _table(10)
    p.sort(0, Qt.SortOrder.DescendingOrder)  # source row 1 is proxy row 8
    seen = []
    p.dataChanged.connect(lambda tl, br, roles=(): seen.append((tl.row(), br.row())))
    m.set_result(CaseResult(row=1, case=m.case(1), pa_mpjpe=42.0))
    assert seen == [(8, 8)] and p.index(8, PA).data() == "42.0"
    p.set_range(PA_NAME, 100.0, 200.0)
    seen.clear()
    m.set_result(CaseResult(row=1, case=m.case(1), pa_mpjpe=43.0))  # a row filtered out: nothing shown changes
    assert seen == []


def test_a_case_name_or_error_a_spreadsheet_would_run_is_exported_as_text(qapp):
    """"Export the table as CSV": a case named like a formula (a photo named "=HYPERLINK(...)") and an error that
    begins like one are written after a "'", as summary.csv's names are (inference.predict_outputs.csv_text_cell)."""
    import csv
    import io

    m = DatasetTableModel()
    m.set_cases([DatasetCase('=HYPERLINK("http://x")', Path("/cases/a_image.png")),
                 DatasetCase("plain", Path("/cases/b_image.png"))])
    m.set_result(CaseResult(row=0, case=m.case(0), error="-broken: no person found"))
    m.set_result(CaseResult(row=1, case=m.case(1), pa_mpjpe=-0.0))
    rows = list(csv.reader(io.StringIO(m.csv_text())))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[1][-1] == "'-broken: no person found"
    assert rows[2][0] == "plain"
