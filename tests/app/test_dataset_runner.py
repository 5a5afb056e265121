"""Dataset reader, scoring, table model and background run on a few labelled synthetic people
(rendered by training.synth) with the real predictor."""
import math

from PySide6.QtCore import Qt

from app.dataset_model import SORT_ROLE, DatasetSortProxy
from app.dataset_runner import DatasetFolder, DatasetSession
from inference.datasets import is_dataset_folder


def test_folder_lists_split_and_ground_truth(synth_dataset, body_model):
    assert is_dataset_folder(synth_dataset) and not is_dataset_folder(synth_dataset.parent)
    r = DatasetFolder(synth_dataset)
    assert r.split == "test" and [c.case_id for c in r.cases()] == ["00000", "00001", "00002"]
    assert r.cases()[0].image_path == synth_dataset / "00000_image.png"
    truth = r.read(r.cases()[0], body_model)
    assert truth.labels.shape == truth.image.shape[:2] and truth.labels.max() > 0
    assert truth.params.betas.shape == (10,)


def test_session_fills_table_and_scores(qtbot, synth_dataset, body_model, predictor_factory, model_config):
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000) as sig:
            assert ds.open(synth_dataset) == 3
            assert ds.model.rowCount() == 3  # listed at once, scored in the background
        assert "3 cases" in sig.args[0]
        res = ds.model.results()
        assert len(res) == 3 and not any(r.error for r in res)
        for r in res:
            # loose bounds (the weights are a training checkpoint): finite errors below a metre, the parts
            # overlap the ground truth somewhat. Procrustes minimises the squared error, so PA-MPJPE (a mean
            # of distances) can exceed the pelvis-aligned MPJPE a little, not by much.
            assert all(math.isfinite(v) for v in (r.pa_mpjpe, r.mpjpe, r.pve, r.miou))
            assert 0 < r.pa_mpjpe <= 1.2 * r.mpjpe and r.pa_mpjpe < 300 and r.pve < 1000
            assert 0.1 < r.miou <= 1.0
        proxy = DatasetSortProxy()
        proxy.setSourceModel(ds.model)
        proxy.sort(1, Qt.SortOrder.DescendingOrder)
        vals = [proxy.index(i, 1).data(SORT_ROLE) for i in range(3)]
        assert vals == sorted(vals, reverse=True) and all(math.isfinite(v) for v in vals)
        d = ds.details(0, body_model)
        assert d.gt_labels.shape == d.pred_labels.shape
        fg_gt, fg_pred = d.gt_labels > 0, d.pred_labels > 0
        assert (fg_gt & fg_pred).sum() / (fg_gt | fg_pred).sum() > 0.4  # person masks overlap
        assert d.gt_mesh is not None and d.pred_mesh is not None
    finally:
        ds.shutdown()


def test_bad_case_does_not_stop_the_run(qtbot, dataset_copy, predictor_factory, model_config):
    (dataset_copy / "test.txt").write_text("/00000_image.png\n/00001_image.png\n")
    (dataset_copy / "00000_image.png").write_bytes(b"corrupt")
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            assert ds.open(dataset_copy) == 2
        res = sorted(ds.model.results(), key=lambda r: r.row)
        assert res[0].error and not res[1].error
        assert ds.model.index(0, 6).data() == "failed"
        assert "00000_image.png" in ds.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    finally:
        ds.shutdown()


def test_stop_keeps_the_scored_cases(qtbot, synth_dataset, predictor_factory, model_config):
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.progress, timeout=60000):
            ds.open(synth_dataset)
        with qtbot.waitSignal(ds.finished, timeout=2000) as sig:
            ds.stop(report=True)
        assert not ds.running and sig.args[0].endswith("(stopped)")
        n = len(ds.model.results())
        assert 1 <= n <= 3 and f"{n} case" in sig.args[0]
        qtbot.wait(1500)  # results of the stopped run that were still on the way are dropped
        assert len(ds.model.results()) == n
    finally:
        ds.shutdown()
