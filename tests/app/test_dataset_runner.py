"""Dataset reader, scoring, table model and background run on a few labelled synthetic people
(rendered by training.synth) with the real predictor."""
import math
import time

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from app.dataset_model import SORT_ROLE, DatasetSortProxy
from app.dataset_runner import DatasetFolder, DatasetSession
from inference.datasets import is_dataset_folder
from tests.app.support import caught_up, gate_looks


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
        qtbot.waitUntil(lambda: ds.worker._predictor is None, timeout=10000)  # (let go once the run is over)
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
        # the detail shows the map the row scores (the photo-frame map along the photo's edges), not the crop's blocks
        from inference.metrics import miou

        assert miou(d.pred_labels, d.gt_labels) == pytest.approx(ds.model.result(0).miou)
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
        from app.dataset_model import COLUMNS

        status = [name for name, *_ in COLUMNS].index("status")
        assert ds.model.index(0, status).data() == "failed"
        assert "00000_image.png" in ds.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
        message = ds.details(0).message  # read again and failed in the run: said once (helper-80: twice)
        assert "00000_image.png" in message and ";" not in message
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
        assert 1 <= n <= 3 and (f"{n} of 3 cases scored" if n < 3 else "3 cases") in sig.args[0]
        caught_up(qtbot, ds.worker)  # results of the stopped run that were still on the way are dropped
        assert len(ds.model.results()) == n
        if n < 3:  # Run again goes on with the cases not scored yet; the scored ones keep their results
            kept = {r: ds.model.result(r) for r in range(3) if ds.model.result(r) is not None}
            with qtbot.waitSignal(ds.finished, timeout=60000):
                ds.run()
            assert all(ds.model.result(r) is res for r, res in kept.items())
            assert len(ds.model.results()) == 3
        ds.configure(model_config)  # new settings: the next Run scores every case again
        first = ds.model.result(0)
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.run()
        assert ds.model.result(0) is not first and len(ds.model.results()) == 3
    finally:
        ds.shutdown()


def _result(row, pred, gt, **kw):
    """A CaseResult of hand-made part maps (only what the table and the confusion matrix read)."""
    import numpy as np

    from app.dataset_runner import CaseResult, DatasetCase
    from inference.metrics import confusion_matrix

    return CaseResult(row, DatasetCase(f"{row:05d}", None), confusion=confusion_matrix(np.asarray(pred),
                                                                                       np.asarray(gt)), **kw)


def test_confusion_matrix_counts_a_hand_made_case():
    """Rows ground truth, columns prediction, summed over cases; a left/right swap lands on the mirror cell."""
    import numpy as np

    from app.dataset_model import DatasetTableModel, row_normalised
    from app.dataset_runner import DatasetCase

    # labels: 5 left thigh, 6 right thigh. Case 0: 3 px of left thigh, 2 of them predicted as the right one;
    # 1 px of background predicted as head. Case 1: 4 px of right thigh, all right.
    a = _result(0, pred=[[6, 6, 5, 1]], gt=[[5, 5, 5, 0]], pa_mpjpe=50.0)
    b = _result(1, pred=[[6, 6, 6, 6]], gt=[[6, 6, 6, 6]], pa_mpjpe=70.0)
    failed = _result(2, pred=[[1]], gt=[[1]], error="unreadable")  # failed cases do not count
    m = DatasetTableModel()
    m.set_cases([DatasetCase(f"{i:05d}", None) for i in range(3)])
    for r in (a, b, failed):
        m.set_result(r)
    conf = m.confusion()
    assert conf.sum() == 8 and conf[5, 6] == 2 and conf[5, 5] == 1 and conf[6, 6] == 4 and conf[0, 1] == 1
    shares = row_normalised(conf)
    np.testing.assert_allclose(shares[5, [5, 6]], [1 / 3, 2 / 3])
    assert shares[6, 6] == 1.0 and np.isnan(shares[2]).all()  # a part never in the ground truth: no row


def test_histogram_bins_filter_the_table():
    """The proxy's range filter keeps exactly the rows a histogram bin counts (the last bin closed)."""
    import numpy as np

    from app.dataset_model import DatasetTableModel
    from app.dataset_runner import CaseResult, DatasetCase

    values = [10.0, 12.0, 30.0, 50.0, 50.0]
    m = DatasetTableModel()
    m.set_cases([DatasetCase(f"{i:05d}", None) for i in range(6)])
    for i, v in enumerate(values):
        m.set_result(CaseResult(i, m.case(i), pa_mpjpe=v))
    proxy = DatasetSortProxy()
    proxy.setSourceModel(m)
    counts, edges = np.histogram(m.values("PA-MPJPE (mm)"), bins=4)
    for k in range(4):
        proxy.set_range("PA-MPJPE (mm)", edges[k], edges[k + 1], closed=k == 3)
        assert proxy.rowCount() == counts[k]
    proxy.set_range(None)
    assert proxy.rowCount() == 6  # the unscored row too
    # sorted either way, the unscored case stays last
    from app.dataset_model import COLUMNS

    column = [name for name, *_ in COLUMNS].index("PA-MPJPE (mm)")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        proxy.sort(column, order)
        rows = [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(6)]
        assert rows[-1] == 5, (order, rows)
        scored = [values[r] for r in rows[:-1]]
        assert scored == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)


def test_a_case_nobody_is_detected_on_is_scored_as_evaluate_scores_it(qtbot, dataset_copy, predictor_factory,
                                                                      model_config):
    """A case whose image shows nobody the detector finds is not "failed" (the app's photo rule): like `main.py
    evaluate`, the network's answer on the image alone is scored, and the summary says so. Here case 0's
    person is hidden under grey, so the answer is poor but finite."""
    import numpy as np

    from tests.app.support import grey_image, write_png

    (dataset_copy / "test.txt").write_text("/00000_image.png\n/00001_image.png\n")
    img = grey_image()
    write_png(dataset_copy / "00000_image.png", np.ascontiguousarray(img[:256, :256]))
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000) as sig:
            assert ds.open(dataset_copy) == 2
        res = sorted(ds.model.results(), key=lambda r: r.row)
        assert not res[0].error and res[0].alone and math.isfinite(res[0].pa_mpjpe)
        assert res[0].network_params is None and "nobody detected" in res[0].one_fit  # nothing to refine towards
        assert not res[1].error and not res[1].alone
        assert "1 with nobody detected" in sig.args[0] and "failed" not in sig.args[0]
    finally:
        ds.shutdown()


def test_an_empty_split_is_named_and_answered_by_the_next_open(qtbot, dataset_copy, predictor_factory, model_config):
    """A split whose list names no case: "lists no cases" (not "expected NNNNN_image.png files": the images are
    there), the open split stays; a later successful open resolves the message (the window hides it)."""
    (dataset_copy / "train.txt").write_text("")
    ds = DatasetSession(predictor_factory, model_config)
    errors, resolved = [], []
    ds.error.connect(errors.append)
    ds.errorResolved.connect(resolved.append)
    try:
        assert ds.open(dataset_copy, run=False, split="test") > 0
        assert ds.open(dataset_copy, run=False, split="train") == 0
        assert errors == [f"the train split of {dataset_copy} lists no cases"] and ds.reader.split == "test"
        assert ds.open(dataset_copy, run=False, split="all") > 0 and resolved == errors
    finally:
        ds.shutdown()


def test_a_broken_label_file_is_read_as_missing_and_said(qtbot, dataset_copy, predictor_factory, model_config):
    """A truncated part map or a garbage body pickle does not fail the case (the image can still be predicted and
    shown): the case is scored on what is left, as a case without that file is, and says which file it could not
    read; strict readers (evaluate, training) still refuse it."""
    import pytest

    from inference.datasets import read_case

    (dataset_copy / "test.txt").write_text("/00000_image.png\n/00001_image.png\n")
    parts = dataset_copy / "00000_parts.png"
    parts.write_bytes(parts.read_bytes()[:300])
    (dataset_copy / "00001_body.pkl").write_bytes(b"not a pickle at all")
    from inference.errors import ImageLoadError

    with pytest.raises(ImageLoadError, match="00000_parts.png"):
        read_case(dataset_copy, "00000")
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            assert ds.open(dataset_copy) == 2
        a, b = ds.model.result(0), ds.model.result(1)
        assert not a.error and not b.error
        assert "00000_parts.png" in a.note and math.isnan(a.miou) and math.isfinite(a.pa_mpjpe)
        assert "00001_body.pkl" in b.note and math.isnan(b.pa_mpjpe) and math.isfinite(b.miou)
        assert "00000_parts.png" in ds.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
        d = ds.details(0)
        assert d.image is not None and d.gt_labels is None and "00000_parts.png" in d.message
        # the body that could not be scored is said apart from the scored ones (helper-80: "done", every metric
        # "-", and the summary silent on it)
        from app.dataset_model import COLUMNS

        status = [name for name, *_ in COLUMNS].index("status")
        assert [ds.model.index(r, status).data() for r in (0, 1)] == ["done", "unscored"]
        assert "1 not scored (ground truth unreadable)" in ds.model.summary()
    finally:
        ds.shutdown()


def test_the_same_dataset_opened_again_keeps_its_scores(qtbot, synth_dataset, predictor_factory, model_config):
    """Dropping the folder that is open (or choosing it again) does not throw away what was scored: the run goes
    on with the cases not scored yet; another split lists other cases and starts over."""
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(synth_dataset)
        kept = [ds.model.result(r) for r in range(3)]
        with qtbot.waitSignal(ds.finished, timeout=60000):
            assert ds.open(synth_dataset) == 3
        assert all(r is not None for r in kept) and all(ds.model.result(r) is kept[r] for r in range(3))
        with qtbot.waitSignal(ds.finished, timeout=60000):  # Run on a table scored in full: every case again
            ds.run()
        assert all(ds.model.result(r) is not kept[r] for r in range(3))
        ds.open(synth_dataset, split="all", run=False)  # the same three cases, but another list: listed anew
        assert ds.model.results() == []
    finally:
        ds.shutdown()


def test_the_same_dataset_opened_again_scores_again_what_changed(qtbot, dataset_copy, predictor_factory,
                                                                 model_config):
    """A case whose files changed since it was scored (here a broken part map repaired) is scored again when the
    folder is opened again; the unchanged cases keep their scores."""
    import shutil

    parts = dataset_copy / "00001_parts.png"
    good = dataset_copy.parent / "good_parts.png"
    shutil.copy(parts, good)
    parts.write_bytes(good.read_bytes()[:300])
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(dataset_copy)
        kept = [ds.model.result(r) for r in range(3)]
        assert kept[1].note and math.isnan(kept[1].miou)
        shutil.copy(good, parts)
        (dataset_copy / "00002_body.pkl").touch()  # (a newer file: scored again too)
        import os

        st = os.stat(dataset_copy / "00002_body.pkl")
        os.utime(dataset_copy / "00002_body.pkl", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(dataset_copy)
        assert ds.model.result(0) is kept[0]
        assert ds.model.result(1) is not kept[1] and not ds.model.result(1).note
        assert math.isfinite(ds.model.result(1).miou)
        assert ds.model.result(2) is not kept[2]
    finally:
        ds.shutdown()


def test_details_are_read_in_the_background_and_the_summary_pools_pixels(qtbot, synth_dataset, body_model,
                                                                         predictor_factory, model_config):
    """The panel asks for a case's details and gets them by signal (the GUI thread never reads the files); the
    summary's mIoU and swaps are those of all pixels together, as `main.py evaluate` reports them."""
    import numpy as np

    from inference.metrics import IoUAccumulator

    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000) as sig:
            ds.open(synth_dataset)
        acc = IoUAccumulator()
        for r in range(3):
            truth = ds.reader.read(ds.model.case(r))
            res = ds.model.result(r)
            acc.confusion += res.confusion
            assert np.isfinite(res.swaps) and 0 <= res.swaps <= 1
            assert truth.labels is not None
        assert f"mIoU {acc.mean() * 100:.1f}%" in sig.args[0]
        assert f"swaps {acc.left_right_swaps() * 100:.1f}%" in sig.args[0]
        with qtbot.waitSignal(ds.detailsReady, timeout=10000) as got:
            ds.request_details(2, body_model)
        row, details = got.args
        assert row == 2 and details.case == ds.model.case(2) and details.gt_mesh is not None
        assert details.vertex_error_mm is not None
        ds.request_details(0, body_model)  # superseded before it is answered: only the newer one arrives
        with qtbot.waitSignal(ds.detailsReady, timeout=10000) as got:
            ds.request_details(1, body_model)
        assert got.args[0] == 1
    finally:
        ds.shutdown()


def test_a_case_without_our_part_map_has_its_labels_rendered_from_its_body(qtbot, dataset_copy, synth_dataset,
                                                                           body_model, predictor_factory,
                                                                           model_config):
    """A real UP-3D case has a body pickle and no NNNNN_parts.png of ours: its labels are rendered from the body
    with the body pickle's camera (in the thread that reads it), so it gets an mIoU and a ground-truth overlay. On
    our renders, whose part maps are removed here, the rendered labels are the removed ones."""
    import numpy as np

    from inference.datasets import parts_to_render, read_case

    (dataset_copy / "test.txt").write_text("/00000_image.png\n/00001_image.png\n")
    (dataset_copy / "00001_parts.png").unlink()
    assert parts_to_render(dataset_copy, "00001") and not parts_to_render(dataset_copy, "00000")
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(dataset_copy)
        assert all(math.isfinite(ds.model.result(r).miou) for r in range(2))
        d = ds.details(1, body_model)
        truth = read_case(synth_dataset, "00001")
        assert d.gt_labels is not None and (d.gt_labels != truth.labels).mean() < 0.002
        assert np.array_equal(np.unique(d.gt_labels), np.unique(truth.labels))
    finally:
        ds.shutdown()


def test_a_refined_case_keeps_the_network_fit_and_its_details_show_both(qtbot, synth_dataset, body_model,
                                                                       predictor_factory, model_config):
    """With refinement on (the default), a case whose body the refinement changed keeps the network's own body too
    (its PA-MPJPE is the table's network one), and its details carry both bodies aligned onto the ground truth with
    each vertex's error after a similarity Procrustes over all vertices: their mean is PA-PVE as
    `inference.metrics` (and so `main.py evaluate`) defines it. A case with one fit has no network body."""
    from dataclasses import replace

    import numpy as np
    import pytest

    from app.dataset_runner import case_details
    from inference.metrics import body_errors_mm, pa_pve

    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(synth_dataset)
        results = [ds.model.result(r) for r in range(3)]
        assert all(r.refine_on for r in results)
        assert all((r.network_params is not None) == r.refined == (r.one_fit == "") for r in results)
        res = next(r for r in results if r.refined)
        assert not np.allclose(res.network_params.pose, res.params.pose)
        gt = body_model.mesh(ds.reader.read(res.case).params)
        network = body_model.mesh(res.network_params)
        assert body_errors_mm(network, gt).pa_mpjpe == pytest.approx(res.network_pa_mpjpe)
        d = ds.details(res.row, body_model)
        np.testing.assert_allclose(d.network_mesh.vertices, network.vertices)
        for aligned, errors, mesh in ((d.pred_mesh_aligned, d.vertex_error_mm, d.pred_mesh),
                                      (d.network_mesh_aligned, d.network_vertex_error_mm, network)):
            assert errors.shape == (len(gt.vertices),) and errors.dtype == np.float32
            assert errors.mean() == pytest.approx(pa_pve(mesh.vertices[None], gt.vertices[None])[0] * 1000, rel=1e-4)
            np.testing.assert_allclose(np.linalg.norm(aligned.vertices - gt.vertices, axis=1) * 1000, errors,
                                       atol=0.05)
        assert np.abs(d.network_vertex_error_mm - d.vertex_error_mm).max() > 1  # two bodies, two colourings
        kept = replace(res, params=res.network_params, network_params=None, refined=False)  # as if kept
        one = case_details(ds.reader, res.case, kept, body_model)
        assert one.network_mesh is None and one.network_mesh_aligned is None and one.network_vertex_error_mm is None
        assert "kept" in kept.one_fit and "off" in replace(kept, refine_on=False).one_fit
    finally:
        ds.shutdown()


class DelayedCases:
    """The real predictor's `predict_case` behind a delay that polls `cancel` every 10 ms; each call recorded as
    (start, end, "done" or "cancelled")."""

    def __init__(self, predictor, delay: float):
        self.inner, self.delay = predictor, delay
        self.body_model, self.warnings = predictor.body_model, predictor.warnings
        self.calls: list[tuple[float, float, str]] = []
        self.started: list[float] = []

    def predict_case(self, image, cancel=None):
        from inference.errors import Cancelled

        t0 = time.perf_counter()
        self.started.append(t0)
        outcome = "cancelled"
        try:
            while time.perf_counter() < t0 + self.delay:
                if cancel is not None and cancel():
                    raise Cancelled("cancelled")
                time.sleep(0.01)
            result = self.inner.predict_case(image, cancel)
            outcome = "done"
            return result
        finally:
            self.calls.append((t0, time.perf_counter(), outcome))


def test_the_dataset_run_gives_way_to_the_photos_fit(qtbot, synth_dataset, real_predictor, model_config):
    """While the photo's interactive request is in flight (app.worker.InFlight) the Dataset tab's run stops the case
    it fits at the next checkpoint, starts none, and fits it again once the answer is there; every case is scored
    once, in order, and the case's time leaves out the tries given up and the wait."""
    from app.worker import Generation, InFlight
    from tests.app.support import factory_for

    gen = Generation()
    in_flight = InFlight(gen)
    rec = DelayedCases(real_predictor, delay=0.6)
    ds = DatasetSession(factory_for(rec, model_config), model_config, in_flight=in_flight)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            _opened_and_fitting(qtbot, ds, rec, synth_dataset)
            job = gen.next()
            sent = time.perf_counter()
            in_flight.sent(job)
            qtbot.wait(1000)  # the interactive fit
            answered = time.perf_counter()
            in_flight.answered(job)
        # the case being fitted stopped at a checkpoint while the request was in flight
        cut = [c for c in rec.calls if c[0] < sent < c[1]]
        assert len(cut) == 1 and cut[0][2] == "cancelled" and cut[0][1] < answered, (cut, sent, answered)
        assert not [c for c in rec.calls if sent < c[0] < answered]  # no case started while it waited
        assert [c[2] for c in rec.calls] == ["cancelled", "done", "done", "done"]
        res = ds.model.results()
        assert [r.row for r in res] == [0, 1, 2] and not any(r.error for r in res)
        first_try, retry = rec.calls[0], rec.calls[1]
        # the case's time holds the try that scored it, not the try cut short and the wait before the retry (the
        # time from the first try's start to the retry's end holds all three)
        assert retry[1] - retry[0] <= res[0].seconds < retry[1] - first_try[0], (res[0].seconds, rec.calls)
    finally:
        ds.shutdown()


def _opened_and_fitting(qtbot, ds, rec: DelayedCases, folder) -> None:
    """Open the three-case `folder` in `ds` and return once its run is inside its first case's fit."""
    assert ds.open(folder) == 3
    qtbot.waitUntil(lambda: len(rec.started) >= 1, timeout=30000)
    qtbot.wait(100)


class DelayedCasesAndPhotos(DelayedCases):
    """DelayedCases that also answers the controller's interactive `predict` (the photo on screen) behind its own
    cancellable delay; each such call recorded in `photo_calls` as (start, end)."""

    def __init__(self, predictor, delay: float, photo_delay: float):
        super().__init__(predictor, delay)
        self.photo_delay = photo_delay
        self.photo_calls: list[tuple[float, float]] = []

    def predict(self, image, box=None, cancel=None, person: int = 0, **kw):
        from inference.errors import Cancelled

        t0 = time.perf_counter()
        try:
            while time.perf_counter() < t0 + self.photo_delay:
                if cancel is not None and cancel():
                    raise Cancelled("cancelled")
                time.sleep(0.01)
            return self.inner.predict(image, box=box, cancel=cancel, person=person, **kw)
        finally:
            self.photo_calls.append((t0, time.perf_counter()))


def test_the_dataset_run_says_it_is_paused_while_the_photo_is_fitted(qtbot, app_settings, synth_dataset,
                                                                     real_predictor, model_config):
    """As "Run all" does (tests/app/test_folder_gives_way.py): while the controller's fit of the photo on screen is
    in flight the Dataset tab's run waits and says so (pausedChanged True, then False once the answer is there),
    so the panel can tell why its bar stopped; every case is still scored once."""
    from app.controller import Controller
    from tests.app.support import SAMPLE, factory_for, wait_result

    rec = DelayedCasesAndPhotos(real_predictor, delay=0.6, photo_delay=1.0)
    c = Controller(app_settings, factory_for(rec, model_config), config=model_config)
    ds = DatasetSession(c.factory, c.config, in_flight=c.in_flight)  # as the main window makes it
    said: list[tuple[bool, float]] = []
    ds.pausedChanged.connect(lambda on: said.append((on, time.perf_counter())))
    raw: list[bool] = []
    ds.worker.paused.connect(lambda job, on: raw.append(on))
    try:
        with qtbot.waitSignal(ds.finished, timeout=90000):
            _opened_and_fitting(qtbot, ds, rec, synth_dataset)
            sent = time.perf_counter()
            assert c.open_file(SAMPLE)
            qtbot.waitUntil(lambda: ds.paused, timeout=30000)
            assert ds.running and len(ds.model.results()) < 3
            wait_result(qtbot, c)
        assert [on for on, _ in said] == [True, False] and not ds.paused, said
        assert raw == [True, False]  # one wait: the case cut short is not announced twice
        assert len(rec.photo_calls) == 1
        photo_end = rec.photo_calls[0][1]
        # paused after the photo was sent and before its fit ended, going on once it had ended
        assert sent < said[0][1] < photo_end <= said[1][1], (said, rec.photo_calls)
        assert [r.row for r in ds.model.results()] == [0, 1, 2] and not any(r.error for r in ds.model.results())
    finally:
        ds.shutdown()
        c.shutdown()


@pytest.fixture
def held_dataset(qtbot, real_predictor, model_config):
    """A DatasetSession whose run sees an interactive request in flight from the start: (session, its InFlight,
    the request's job, the looks its run takes at the gate: `gate_looks`)."""
    from app.worker import Generation, InFlight
    from tests.app.support import factory_for

    gen = Generation()
    in_flight = InFlight(gen)
    job = gen.next()
    in_flight.sent(job)
    looks = gate_looks(in_flight)
    ds = DatasetSession(factory_for(real_predictor, model_config), model_config, in_flight=in_flight)
    yield ds, in_flight, job, looks
    ds.shutdown()


def _opened_paused(qtbot, ds, looks: list[int], folder) -> None:
    """Open the dataset and wait until its run waits for the request, having scored nothing in several of its
    looks at the gate."""
    with qtbot.waitSignal(ds.pausedChanged, timeout=30000) as on:
        assert ds.open(folder) == 3
    assert on.args == [True] and ds.paused and ds.running
    seen = len(looks)
    qtbot.waitUntil(lambda: len(looks) >= seen + 3, timeout=30000)
    QCoreApplication.sendPostedEvents()  # (what the run said meanwhile)
    assert ds.paused and ds.model.results() == []


def test_a_paused_dataset_run_goes_on_by_itself_once_the_photo_is_answered(qtbot, held_dataset, synth_dataset):
    ds, in_flight, job, looks = held_dataset
    _opened_paused(qtbot, ds, looks, synth_dataset)
    with qtbot.waitSignal(ds.finished, timeout=60000):
        in_flight.answered(job)
    assert not ds.paused and len(ds.model.results()) == 3


def test_stop_ends_a_paused_dataset_run_and_its_pause(qtbot, held_dataset, synth_dataset):
    """Stop while paused: not paused any more at once (the stale job's own "paused off" comes later and is dropped);
    Run again while the request is still in flight says paused again."""
    ds, in_flight, job, looks = held_dataset
    _opened_paused(qtbot, ds, looks, synth_dataset)
    with qtbot.waitSignal(ds.pausedChanged, timeout=1000) as off:
        ds.stop(report=True)
    assert off.args == [False] and not ds.running and not ds.paused
    caught_up(qtbot, ds.worker)  # the stopped job's own "paused off" has come, and was dropped
    assert not ds.paused
    with qtbot.waitSignal(ds.pausedChanged, timeout=30000) as on:
        ds.run()
    assert on.args == [True] and ds.paused
    with qtbot.waitSignal(ds.finished, timeout=60000):
        in_flight.answered(job)
    assert not ds.paused and len(ds.model.results()) == 3


def test_a_split_list_that_is_not_text_is_named_and_the_default_open_shows_every_case(qtbot, dataset_copy,
                                                                                     predictor_factory, model_config):
    """A binary test.txt made file names of its bytes (an open that failed on one too long): its lines that cannot
    name a case are left out and said; with none left, asked for by name, the split is refused in words, and opened
    by default (the first list present) the folder's cases are listed with a note, as for an empty default list,
    so the split box can be used; a list with one such line among good ones lists the good ones."""
    ds = DatasetSession(predictor_factory, model_config)
    errors, warnings = [], []
    ds.error.connect(errors.append)
    ds.warning.connect(warnings.append)
    try:
        (dataset_copy / "test.txt").write_bytes(bytes(range(1, 256)) * 4)
        assert ds.open(dataset_copy, run=False, split="test") == 0
        assert len(errors) == 1 and errors[0].startswith(f"cannot open dataset {dataset_copy}: test.txt: ")
        assert "left out that cannot name a case" in errors[0] and "is not text" in errors[0], errors
        assert ds.open(dataset_copy, run=False) == 3 and ds.reader.split == "all"
        assert len(warnings) == 1 and warnings[0].endswith(f": showing all 3 cases of {dataset_copy} instead")
        (dataset_copy / "test.txt").write_text("")
        assert ds.open(dataset_copy, run=False) == 3 and ds.reader.split == "all"
        assert warnings[-1].startswith("the test split lists no cases: showing all 3 cases")
        (dataset_copy / "test.txt").write_text("/00001_image.png\n\x07bell\n/00002_image.png\n")
        assert ds.open(dataset_copy, run=False) == 2 and ds.reader.split == "test"
        assert warnings[-1] == "test.txt: 1 line left out that cannot name a case (the first, '\\x07bell', is not text)"
    finally:
        ds.shutdown()


def test_run_on_a_dataset_folder_that_was_deleted_keeps_the_scores_and_says_why(qtbot, dataset_copy, tmp_path,
                                                                                predictor_factory, model_config):
    import shutil

    ds = DatasetSession(predictor_factory, model_config)
    errors = []
    ds.error.connect(errors.append)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(dataset_copy)
        kept = [ds.model.result(r) for r in range(3)]
        shutil.rmtree(dataset_copy)
        ds.run()
        assert not ds.running and [ds.model.result(r) for r in range(3)] == kept
        assert errors and "is not there any more" in errors[-1] and "keeps its scores" in errors[-1], errors
    finally:
        ds.shutdown()


def test_the_table_sorts_scored_rows_by_value_and_unscored_rows_last_in_either_order():
    """DatasetSortProxy: numbers compared as numbers (negative ones included), the rows not scored (or failed)
    after the others ascending and descending, case ids in their order; a reset of the table's cases keeps the
    order chosen."""
    from pathlib import Path

    import numpy as np

    from app.dataset_model import COLUMNS, DatasetTableModel
    from app.dataset_runner import CaseResult, DatasetCase

    m, p = DatasetTableModel(), DatasetSortProxy()
    p.setSourceModel(m)
    m.set_cases([DatasetCase(f"{i:05d}", Path(f"/x/{i:05d}_image.png")) for i in range(40)])
    rng = np.random.default_rng(5)
    for i in range(0, 40, 3):
        m.set_result(CaseResult(row=i, case=m.case(i), pa_mpjpe=float(rng.uniform(-50, 200))))
    m.set_result(CaseResult(row=1, case=m.case(1), error="file not found"))
    col = next(k for k, c in enumerate(COLUMNS) if c[1] == "pa_mpjpe")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        p.sort(col, order)
        vals = [m.metric_value(p.mapToSource(p.index(r, 0)).row(), COLUMNS[col][0]) for r in range(40)]
        scored = [v for v in vals if math.isfinite(v)]
        assert len(scored) == 14 and vals[:14] == sorted(scored, reverse=order == Qt.SortOrder.DescendingOrder)
        assert all(math.isnan(v) for v in vals[14:])
    cases = m.cases()
    m.set_cases(cases)  # the same cases again, not scored: the proxy stays sorted by PA-MPJPE, descending
    assert p.sortColumn() == col and [p.mapToSource(p.index(r, 0)).row() for r in range(40)] == list(range(40))
    p.sort(0, Qt.SortOrder.DescendingOrder)
    assert [m.case(p.mapToSource(p.index(r, 0)).row()).case_id for r in range(3)] == ["00039", "00038", "00037"]


def test_a_dataset_run_that_finishes_takes_down_the_last_run_s_failure(qtbot, synth_dataset, predictor_factory,
                                                                      model_config):
    """A failed run's "dataset run failed: ..." stayed on the banner after a later run had finished, where the
    folder's Run all takes its own down: the run's failure is answered as Run all's is."""
    built = []

    def factory(config):
        built.append(config)
        if len(built) == 1:
            raise RuntimeError("the model is not available in this build")
        return predictor_factory(config)

    ds = DatasetSession(factory, model_config)
    errors, resolved = [], []
    ds.error.connect(errors.append)
    ds.errorResolved.connect(resolved.append)
    try:
        with qtbot.waitSignal(ds.error, timeout=60000):
            assert ds.open(synth_dataset) == 3
        assert errors == ["dataset run failed: the model is not available in this build"] and not ds.running
        assert not resolved
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.run()
        assert resolved == errors and len(ds.model.results()) == 3
    finally:
        ds.shutdown()


def test_a_case_to_render_without_opengl_is_scored_without_its_part_labels(qtbot, dataset_copy, predictor_factory,
                                                                            model_config, monkeypatch):
    """A real UP-3D case's part labels are drawn from its body with offscreen OpenGL; a machine without it failed the
    case with the renderer's own error. Now the case is scored on its body, and says why it has no part labels, as
    the folder's Run all says why it draws no overlay."""
    monkeypatch.setenv("PYOPENGL_PLATFORM", "nogl")  # (asked by the run's reader thread; this process draws on)
    (dataset_copy / "test.txt").write_text("/00000_image.png\n")
    (dataset_copy / "00000_parts.png").unlink()
    ds = DatasetSession(predictor_factory, model_config)
    try:
        with qtbot.waitSignal(ds.finished, timeout=60000):
            ds.open(dataset_copy)
        res = ds.model.result(0)
        assert not res.error and math.isfinite(res.pa_mpjpe) and math.isnan(res.miou), res.error
        assert "part labels are not drawn" in res.note, res.note
    finally:
        ds.shutdown()
