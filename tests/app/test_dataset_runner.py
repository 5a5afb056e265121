"""Dataset reader, scoring, table model and background run on a tiny UP-3D-layout folder."""
import math

import numpy as np
from PySide6.QtCore import Qt

from app.dataset_model import SORT_ROLE, DatasetSortProxy
from app.dataset_runner import DatasetSession, UP3DFolder, is_dataset_folder
from app.settings import ModelConfig
from tests.app.fakes import make_dataset


def test_reader_lists_split_and_ground_truth(tmp_path, body_model):
    ids = make_dataset(tmp_path / "set", body_model, n=2)
    assert is_dataset_folder(tmp_path / "set") and not is_dataset_folder(tmp_path)
    r = UP3DFolder(tmp_path / "set")
    assert r.split == "test" and [c.case_id for c in r.cases()] == ids
    gt = r.ground_truth(r.cases()[0], body_model)
    assert gt.parts.shape == r.image(r.cases()[0]).shape[:2] and gt.parts.max() > 0
    assert gt.params.betas.shape == (10,)


def test_session_fills_table_and_scores(qtbot, tmp_path, body_model, fake_factory):
    make_dataset(tmp_path / "set", body_model, n=3)
    ds = DatasetSession(fake_factory, ModelConfig())
    try:
        with qtbot.waitSignal(ds.finished, timeout=20000) as sig:
            assert ds.open(tmp_path / "set") == 3
            assert ds.model.rowCount() == 3  # listed at once, scored in the background
        assert "3 cases" in sig.args[0]
        res = ds.model.results()
        assert len(res) == 3 and not any(r.error for r in res)
        for r in res:  # the ground truth is what the fake predicts: errors ~0, IoU ~1
            assert r.pa_mpjpe < 1.0 and r.mpjpe < 1.0 and r.pve < 1.0
            assert r.miou > 0.97
        proxy = DatasetSortProxy()
        proxy.setSourceModel(ds.model)
        proxy.sort(1, Qt.SortOrder.DescendingOrder)
        vals = [proxy.index(i, 1).data(SORT_ROLE) for i in range(3)]
        assert vals == sorted(vals, reverse=True) and all(math.isfinite(v) for v in vals)
        d = ds.details(0, body_model)
        assert d.gt_labels.shape == d.pred_labels.shape
        assert np.mean(d.gt_labels == d.pred_labels) > 0.99
        assert d.gt_mesh is not None and d.pred_mesh is not None
    finally:
        ds.shutdown()


def test_bad_case_does_not_stop_the_run(qtbot, tmp_path, body_model, fake_factory):
    make_dataset(tmp_path / "set", body_model, n=2)
    (tmp_path / "set" / "00001_image.png").write_bytes(b"corrupt")
    ds = DatasetSession(fake_factory, ModelConfig())
    try:
        with qtbot.waitSignal(ds.finished, timeout=20000):
            ds.open(tmp_path / "set")
        res = sorted(ds.model.results(), key=lambda r: r.row)
        assert res[0].error and not res[1].error
        assert ds.model.index(0, 6).data() == "failed"
    finally:
        ds.shutdown()
