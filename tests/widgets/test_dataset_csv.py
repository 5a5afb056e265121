"""The Dataset tab's table exported as CSV: every case, unrounded values equal to the table's."""
import csv

import pytest


def test_dataset_table_exports_as_csv(qtbot, window, synth_dataset, tmp_path):
    panel = window.dataset_panel
    assert not panel.csv_button.isEnabled()
    window.open_dataset(str(synth_dataset))
    qtbot.waitUntil(lambda: panel.table.model().rowCount() == 3, timeout=10000)
    qtbot.waitUntil(lambda: not window.dataset.running and panel.csv_button.isEnabled(), timeout=60000)
    with qtbot.waitSignal(window.controller.exported, timeout=10000):  # written in the export thread
        assert panel.export_csv(tmp_path / "table.csv")
    with open(tmp_path / "table.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert head[:2] == ["case", "PA-MPJPE (mm)"] and head[-1] == "error"
    assert [r[0] for r in rows[1:]] == ["00000", "00001", "00002"]
    model = panel.ds.model
    assert any(model.result(k).refined for k in range(3))  # (refinement on: the network column is filled)
    for k, r in enumerate(rows[1:]):
        res = model.result(k)
        assert float(r[head.index("PA-MPJPE (mm)")]) == pytest.approx(res.pa_mpjpe)
        assert float(r[head.index("mIoU (%)")]) == pytest.approx(res.miou * 100)
        assert r[head.index("status")] == "done" and r[-1] == ""
        assert 0 <= float(r[head.index("IoU head (%)")]) <= 100
        # the network's own body's error beside the refined one (did the refinement help this case?)
        net = r[head.index("network PA-MPJPE (mm)")]
        if res.refined:
            assert float(net) == pytest.approx(res.network_pa_mpjpe) and 0 < float(net) < 500
        else:
            assert net == ""


def test_the_csv_dialog_adds_the_suffix_starts_in_the_dataset_folder_and_waits_for_scores(qtbot, window,
                                                                                         synth_dataset, tmp_path,
                                                                                         monkeypatch):
    """A name typed without .csv is written as NAME.csv; the dialog opens in the dataset's folder (not the app's
    working folder); another dataset opened disables the button until something of it is scored."""
    import shutil

    panel = window.dataset_panel
    window.open_dataset(str(synth_dataset))
    qtbot.waitUntil(lambda: not window.dataset.running and panel.csv_button.isEnabled(), timeout=60000)
    asked = []

    def dialog(parent, title, start, filters):
        asked.append(start)
        return str(tmp_path / "results"), filters

    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", dialog)
    with qtbot.waitSignal(window.controller.exported, timeout=10000):
        panel.export_csv_dialog()
    assert asked == [str(synth_dataset / "dataset_results.csv")]
    assert (tmp_path / "results.csv").is_file() and not (tmp_path / "results").exists()
    other = tmp_path / "other"
    shutil.copytree(synth_dataset, other)
    window.open_dataset(str(other))  # (scoring starts: the button waits for its first score)
    assert not panel.csv_button.isEnabled()
    window.dataset.stop()
