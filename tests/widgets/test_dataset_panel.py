"""The Dataset tab on the real window and predictor: a case taken to the Photo tab is the fit the table scored,
and another dataset opened leaves nothing of the case shown before."""
import numpy as np

from tests.widgets.test_main_window import drop, wait_prediction


def test_open_in_main_view_shows_the_scored_fit(qtbot, window, synth_dataset):
    """The Photo tab predicts a case as the table scored it (the whole image as the crop, `predict_case`), not
    through a detector crop of it: its body is the one whose errors the table lists, so exports are too."""
    panel, ds = window.dataset_panel, window.dataset
    qtbot.waitUntil(lambda: window.controller.body_model() is not None, timeout=30000)
    drop(window, [synth_dataset])
    qtbot.waitUntil(lambda: not ds.running and len(ds.model.results()) == 3, timeout=60000)
    row = 1
    scored = ds.model.result(row)
    panel.select_row(row)
    qtbot.waitUntil(lambda: panel.open_button.isEnabled(), timeout=10000)
    panel.open_button.click()
    wait_prediction(qtbot, window)
    shown = window.session.shown
    assert shown.as_case and shown.source.endswith(f"{ds.model.case(row).case_id}_image.png")
    p = window.session.prediction
    assert p.crop.size == scored.crop.size and np.allclose(p.crop.offset, scored.crop.offset)
    np.testing.assert_allclose(p.params.pose, scored.params.pose, atol=1e-5)
    np.testing.assert_allclose(p.params.betas, scored.params.betas, atol=1e-5)
    # the same file opened later as a photo is fitted as a photo, not recalled as the case's fit
    case_path = shown.source
    window.controller.open_file(ds.model.case(0).image_path)
    wait_prediction(qtbot, window)
    window.controller.open_file(case_path)
    wait_prediction(qtbot, window)
    assert not window.session.shown.as_case and window.session.prediction is not p


def test_another_dataset_clears_the_case_shown(qtbot, window, synth_dataset, tmp_path):
    import shutil

    panel, ds = window.dataset_panel, window.dataset
    drop(window, [synth_dataset])
    qtbot.waitUntil(lambda: not ds.running, timeout=60000)
    panel.select_row(0)
    qtbot.waitUntil(lambda: "00000" in panel.detail_title.text(), timeout=10000)
    other = tmp_path / "other"
    other.mkdir()
    for f in synth_dataset.iterdir():
        if f.name.startswith("00002") or f.name == "test.txt":
            shutil.copy(f, other / f.name)
    (other / "test.txt").write_text("/00002_image.png\n")
    ds.stop()
    assert ds.open(synth_dataset, run=False) == 3  # the same folder again: its scores stay, the row can be shown
    assert panel.current_row is None and not panel.table.selectionModel().hasSelection()
    panel.select_row(0)
    qtbot.waitUntil(lambda: "00000" in panel.detail_title.text(), timeout=10000)
    assert ds.open(other, run=False) == 1
    assert "00000" not in panel.detail_title.text() and not panel.open_button.isEnabled()
    assert panel.gt_seg._base is None and panel.meshes.gt.vertices is None


def test_the_predicted_mesh_switches_between_the_refined_and_the_network_fit(qtbot, window, synth_dataset):
    """A refined case's predicted-mesh pane switches to the network's own body and its error colours (the view's
    turn stays, the scale names the fit and its mean and largest error); with one fit the switch is greyed out and
    says why."""
    from dataclasses import replace

    from PySide6.QtCore import Qt

    from widgets.compare_meshes import error_colors

    panel, ds, pair = window.dataset_panel, window.dataset, window.dataset_panel.meshes
    qtbot.waitUntil(lambda: window.controller.body_model() is not None, timeout=30000)
    drop(window, [synth_dataset])
    qtbot.waitUntil(lambda: not ds.running and len(ds.model.results()) == 3, timeout=60000)
    res = next(ds.model.result(r) for r in range(3) if ds.model.result(r).refined)
    with qtbot.waitSignal(ds.detailsReady, timeout=10000) as got:
        panel.select_row(res.row)
    d = got.args[1]
    assert pair.fit.isEnabled() and pair.shown_fit == "refined"
    np.testing.assert_allclose(pair.pred.vertices, d.pred_mesh_aligned.vertices)
    assert pair.scale.captions() == ("refined fit's vertex error", f"mean {d.vertex_error_mm.mean():.0f} · max "
                                     f"{d.vertex_error_mm.max():.0f} mm")
    pair.gt.rotate(30, 0)
    yaw = pair.pred.yaw
    qtbot.keyClick(pair.fit, Qt.Key.Key_Down)  # the user picks "Network fit"
    assert pair.shown_fit == "network"
    np.testing.assert_allclose(pair.pred.vertices, d.network_mesh_aligned.vertices)
    np.testing.assert_allclose(pair.pred.vertex_colors, error_colors(d.network_vertex_error_mm))
    e = d.network_vertex_error_mm
    assert pair.scale.captions() == ("network fit's vertex error", f"mean {e.mean():.0f} · max {e.max():.0f} mm")
    assert pair.pred.yaw == yaw != 0.0
    # the same case had the refinement kept the network's body: one fit, the switch greyed out with the reason
    with qtbot.waitSignal(ds.detailsReady, timeout=10000) as got:
        ds.model.set_result(replace(res, params=res.network_params, network_params=None, refined=False))
    assert got.args[1].network_mesh is None
    assert not pair.fit.isEnabled() and pair.shown_fit == "network" and "kept" in pair.fit.toolTip()
    np.testing.assert_allclose(pair.pred.vertices, d.network_mesh_aligned.vertices, atol=1e-5)
    with qtbot.waitSignal(ds.detailsReady, timeout=10000):  # both fits again: the user's choice stays
        ds.model.set_result(res)
    assert pair.fit.isEnabled() and pair.shown_fit == "network"


def test_every_column_of_the_table_is_readable_at_1280_px(qtbot, window, synth_dataset):
    """At 1280 x 720 the table needs no sideways scrolling and its last column (status) is wide enough for its
    longest word ("pending"); at the splitter's old even share it was cut to "d...")."""
    panel, ds = window.dataset_panel, window.dataset
    drop(window, [synth_dataset])
    qtbot.waitUntil(lambda: not ds.running and len(ds.model.results()) == 3, timeout=60000)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=5000)
    qtbot.wait(100)
    table, header = panel.table, panel.table.horizontalHeader()
    assert panel.isVisible() and not table.horizontalScrollBar().isVisible()
    last = header.count() - 1
    assert header.sectionSize(last) >= table.fontMetrics().horizontalAdvance("pending") + 8, header.sectionSize(last)


def test_the_progress_says_paused_while_the_run_waits_for_the_photo(qtbot, window, synth_dataset):
    """The Dataset tab's run gives way to the photo's interactive fit (app.worker.InFlight), as "Run all" does, and
    the bar says so after its count ("0 / 3 · paused", with the reason on hover) instead of stopping silently; once
    the photo's answer is there it counts on and the word goes."""
    c, panel, ds = window.controller, window.dataset_panel, window.dataset
    job = c.generation.next()
    c.in_flight.sent(job)  # the gate as the controller holds it while a request for the photo is in flight
    drop(window, [synth_dataset])
    qtbot.waitUntil(lambda: ds.paused, timeout=30000)
    assert panel.progress.text() == "0 / 3 · paused" and "Photo tab" in panel.progress.toolTip()
    qtbot.wait(300)
    assert ds.running and panel.progress.text() == "0 / 3 · paused"
    c.in_flight.answered(job)
    qtbot.waitUntil(lambda: not ds.running, timeout=60000)
    assert len(ds.model.results()) == 3 and panel.progress.text() == "3 / 3" and not panel.progress.toolTip()


def test_the_same_dataset_dropped_again_on_the_window_keeps_its_scores(qtbot, window, synth_dataset):
    """The window hands its settings to the dataset session at every open; the same settings again must not count
    as new ones (before, a second drop of the folder threw every score away and ran the whole set again). New
    settings still score every case again."""
    from dataclasses import replace

    ds = window.dataset
    drop(window, [synth_dataset])
    qtbot.waitUntil(lambda: not ds.running and len(ds.model.results()) == 3, timeout=60000)
    kept = [ds.model.result(r) for r in range(3)]
    assert window.open_dataset(str(synth_dataset)) == 3
    assert not ds.running and all(ds.model.result(r) is kept[r] for r in range(3))
    ds.configure(replace(window.controller.config, refine=not window.controller.config.refine))
    with qtbot.waitSignal(ds.finished, timeout=120000):
        assert window.open_dataset(str(synth_dataset)) == 3
    assert all(ds.model.result(r) is not kept[r] for r in range(3))


def test_every_column_is_as_wide_as_its_texts_without_measuring_the_rows_at_each_layout(qtbot, window):
    """The columns are sized once from the font (ResizeToContents re-measured rows at each layout pass: 0.1-0.3 s at
    the tab's first show, sweep123): every header line with its sort arrow and every cell's text still fit, long
    case ids and four-digit errors included."""
    from pathlib import Path

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QHeaderView

    from app.dataset_runner import CaseResult, DatasetCase

    panel, model = window.dataset_panel, window.dataset.model
    header = panel.table.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive
    model.set_cases([DatasetCase(f"{k:05d}" if k else "long_case_name_2018_000123", Path(f"/x/{k}_image.png"))
                     for k in range(6)])
    model.set_result(CaseResult(row=0, case=model.case(0), pa_mpjpe=1234.56, mpjpe=-987.6, pve=4321.0, miou=1.0,
                                swaps=0.5, seconds=12.34))
    model.set_result(CaseResult(row=1, case=model.case(1), error="file not found"))
    panel.fit_columns()
    window.tabs.setCurrentWidget(panel)
    panel.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # the arrow in a header
    for col in range(model.columnCount() - 1):
        assert header.sectionSize(col) >= panel.table.sizeHintForColumn(col), col
        assert header.sectionSize(col) >= header.sectionSizeHint(col), col
