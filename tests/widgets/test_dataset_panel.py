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
