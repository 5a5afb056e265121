"""Controller + worker thread + session on the real predictor (trained weights, CPU)."""
import shutil
import threading

import numpy as np
import pytest

from app.controller import Controller, format_timings
from app.settings import ModelConfig
from tests.app.support import (
    SAMPLES,
    TWO_PEOPLE,
    SlowPredictor,
    caught_up,
    detector_ready,
    factory_for,
    grey_image,
    read_rgb,
    threads_ended,
    truncated_jpeg,
)

needs_detector = pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])


def _wait_prediction(qtbot, c, timeout=30000):
    qtbot.waitUntil(lambda: c.session.prediction is not None and not c.session.busy, timeout=timeout)
    return c.session.prediction


def test_open_file_predicts_in_background(qtbot, controller, photo, monkeypatch):
    import app.session

    mapped_here = []  # the display's part map is made in the worker thread, never on the GUI thread
    monkeypatch.setattr(app.session, "parts_on_image", lambda *a, **k: mapped_here.append(1))
    with qtbot.waitSignal(controller.session.busyChanged, timeout=2000):
        assert controller.open_file(photo)
    assert controller.session.busy  # the GUI thread did not wait for the model
    pred = _wait_prediction(qtbot, controller)
    assert not controller.session.busy
    # loose bounds on model output: a person covers 2-90% of the crop, a finite body in front of the camera
    assert 0.02 < float((pred.parts.labels > 0).mean()) < 0.9
    assert np.isfinite(pred.mesh.vertices).all() and pred.params.transl[2] < 0
    assert controller.session.mesh is pred.mesh
    assert controller.settings.recent_files()[0].endswith("synthetic_01.png")
    labels = controller.session.parts_on_display()
    assert labels.shape == controller.session.shown.display.shape[:2] and labels.max() > 0
    assert not mapped_here
    assert controller.session.people == tuple(pred.people)
    if detector_ready()[0]:
        assert len(pred.people) == 1 and pred.person == 0  # one synthetic person, found by the detector


def test_superseded_jobs_are_dropped(qtbot, app_settings, real_predictor, model_config):
    slow = SlowPredictor(real_predictor, delay=0.4)
    c = Controller(app_settings, factory_for(slow, model_config), config=model_config)
    seen = []
    c.session.predictionChanged.connect(lambda p: p is not None and seen.append(p))
    try:
        first = read_rgb(SAMPLES / "synthetic_01.png")
        second = read_rgb(SAMPLES / "synthetic_02.png")
        c.open_array(first, "first")
        c.open_array(second, "second")
        _wait_prediction(qtbot, c)
        caught_up(qtbot, c.worker)  # the superseded job has ended too, whatever it answered handled
        assert len(seen) == 1 and np.array_equal(seen[0].image, second)
        assert slow.calls <= 2 and slow.ended == slow.calls
    finally:
        c.shutdown()


def test_bad_file_reports_and_keeps_state(qtbot, controller, photo, tmp_path):
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    bad = truncated_jpeg(tmp_path / "broken.jpg")
    with qtbot.waitSignal(controller.error, timeout=2000) as sig:
        assert not controller.open_file(bad)
    assert "broken.jpg" in sig.args[0] and "truncated" in sig.args[0]
    assert controller.session.prediction is pred  # nothing lost


def test_a_recent_file_gone_since_leaves_the_list(qtbot, controller, photo, tmp_path):
    """helper-80: a file deleted since stayed in File > Recent after "file not found"; a name whose bytes are no
    text was stored garbled (listed twice, not to be opened from there)."""
    import shutil

    copy = tmp_path / "gone.png"
    shutil.copy(photo, copy)
    assert controller.open_file(copy)
    _wait_prediction(qtbot, controller)
    assert controller.settings.recent_files()[0] == str(copy.resolve())
    copy.unlink()
    with qtbot.waitSignal(controller.recentFilesChanged, timeout=2000) as sig:
        assert not controller.open_file(copy)
    assert str(copy.resolve()) not in sig.args[0] and str(copy.resolve()) not in controller.settings.recent_files()
    before = controller.settings.recent_files()
    assert controller.settings.add_recent_file(tmp_path / "bad\udcffname.png") == before


def test_a_recent_entry_gone_since_leaves_the_list_when_picked(qtbot, controller, photo, tmp_path):
    """File > Recent files goes through open_recent: an image or a parameter file deleted since leaves the list (and
    the settings) and says so (before, "file not found" each time, the entry back after every start); one that is
    there opens as a drop does."""
    import shutil

    copy, params = tmp_path / "gone.png", tmp_path / "gone.npz"
    shutil.copy(photo, copy)
    params.write_bytes(b"x")
    for gone in (copy, params):
        controller.settings.add_recent_file(gone)
    params.unlink()
    errors = []
    controller.error.connect(errors.append)
    with qtbot.waitSignal(controller.recentFilesChanged, timeout=2000) as sig:
        assert not controller.open_recent(params)
    assert str(params.resolve()) not in sig.args[0] and str(copy.resolve()) in sig.args[0]
    assert errors == ["gone.npz is not there any more (moved or deleted): removed from Recent files"]
    assert controller.open_recent(copy)
    _wait_prediction(qtbot, controller)
    copy.unlink()
    assert not controller.open_recent(copy) and str(copy.resolve()) not in controller.settings.recent_files()


def test_no_person_is_reported(qtbot, controller, tmp_path):
    assert controller.nothing_to_export() == "nothing to export yet: open an image first"
    with qtbot.waitSignal(controller.error, timeout=30000) as sig:
        controller.open_array(grey_image(), "blank")
        assert controller.nothing_to_export() == "nothing to export yet: blank is being fitted"
    assert "no person" in sig.args[0]
    assert not controller.session.busy and controller.session.prediction is None
    # an export now says why there is nothing (helper-80: "open an image first", with one open)
    with pytest.raises(RuntimeError, match="nothing is fitted for blank"):
        controller.export_in_background(tmp_path / "x.obj")


def test_a_photo_refused_as_no_person_can_be_fitted_whole(qtbot, controller):
    """A square photo the search finds nobody in and the segmentation is unsure of is "no person found", with
    the way out named; Fit the whole image fits it as one person's crop (person -1, no people). A blank photo
    stays "no person found" (an empty part map), without the hint it has just followed."""
    from inference.body_model import RESOURCES
    from inference.image_io import load_image

    if controller.factory(controller.config).detector is None:
        pytest.skip("needs the person detector runtime: without it every photo is fitted whole")
    rgb = load_image(RESOURCES / "photos" / "coffee.jpg")
    square = np.ascontiguousarray(rgb[:, 196:196 + rgb.shape[0]])  # person-free, painted at confidence 0.56
    with qtbot.waitSignal(controller.error, timeout=30000) as sig:
        controller.open_array(square, "coffee square")
    assert "no person" in sig.args[0] and "Fit the whole image" in sig.args[0]
    with qtbot.waitSignal(controller.errorResolved, timeout=30000):
        controller.fit_whole_image()
    pred = _wait_prediction(qtbot, controller)
    assert pred.person == -1 and pred.people == () and controller.session.people == ()
    assert not pred.searched  # asked for: the fit's note says so, not "no person detected"
    q = controller.session.quality
    assert q is None or any("as asked" in w for w in q.warnings)
    with qtbot.waitSignal(controller.error, timeout=30000) as sig:
        controller.open_array(grey_image(), "blank")
    with qtbot.waitSignal(controller.error, timeout=30000) as sig:
        controller.fit_whole_image()
    assert "segmentation is empty" in sig.args[0] and "Fit the whole image" not in sig.args[0]


def test_edits_are_throttled_undoable_and_resettable(qtbot, controller, photo):
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    qtbot.waitUntil(lambda: controller.body_model() is not None, timeout=30000)  # (it poses the edits)
    v0 = pred.mesh.vertices.copy()
    for k in range(5):  # one slider drag: five values, one undo step
        controller.set_params(pred.params.with_(betas=np.r_[0.5 * (k + 1), np.zeros(9)]), merge_key=("beta", 0))
    assert controller.session.mesh is pred.mesh  # re-posing waits for the throttle timer
    qtbot.waitUntil(lambda: controller.session.mesh is not pred.mesh, timeout=2000)
    v1 = controller.session.mesh.vertices
    assert np.abs(v1 - v0).max() > 1e-3
    assert controller.session.params.betas[0] == pytest.approx(2.5)
    assert controller.undo()
    assert controller.session.params is pred.params
    np.testing.assert_allclose(controller.session.mesh.vertices, v0, atol=1e-4)
    assert not controller.undo()
    controller.set_params(pred.params.with_(betas=np.r_[1.0, np.zeros(9)]), merge_key=("beta", 0))
    controller.reset_to_prediction()
    assert controller.session.params is pred.params and controller.session.mesh is pred.mesh


def test_export_mesh_and_params_reload(qtbot, controller, photo, tmp_path):
    trimesh = pytest.importorskip("trimesh")
    from inference.export import load_params

    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    # (the GUI thread's body model loads beside the first fit: on a busy machine it can come after it, and an
    # export of an edit it has not posed is refused, test_a_mesh_export_waits_for_an_edit_the_body_model_has_not_posed)
    qtbot.waitUntil(lambda: controller.body_model() is not None, timeout=30000)
    edited = pred.params.with_(betas=np.r_[1.0, np.zeros(9)])
    controller.set_params(edited)
    out = controller.export_mesh(tmp_path / "body.ply")
    m = trimesh.load(out, process=False)
    mesh = controller.session.mesh  # body-centred by default: the posed pelvis at the origin
    np.testing.assert_allclose(m.vertices, mesh.vertices - mesh.joints[0], atol=1e-5)
    cam = controller.export_mesh(tmp_path / "camera.ply", frame="camera")
    np.testing.assert_allclose(trimesh.load(cam, process=False).vertices, mesh.vertices, atol=1e-5)
    with pytest.raises(FileExistsError):
        controller.export_mesh(tmp_path / "body.ply")
    controller.export_mesh(tmp_path / "body.ply", overwrite=True)
    p = controller.export_params(tmp_path / "body.npz")
    np.testing.assert_allclose(load_params(p).betas, edited.betas, atol=1e-6)
    # the photo's own camera, for the edited body: its joints projected into the photo
    from inference import safe_pickle

    h, w = pred.image.shape[:2]
    with np.load(p) as z:
        assert (int(z["photo_width"]), int(z["photo_height"])) == (w, h)
        assert float(z["photo_focal"]) == pytest.approx(pred.camera.focal / pred.crop.scale)
        assert z["joints2d"].shape == (24, 2) and z["lsp2d"].shape == (14, 2)
    with open(controller.export_params(tmp_path / "body_body.pkl"), "rb") as fh:
        d = safe_pickle.load(fh)
    j = controller.session.mesh.joints.astype(np.float64) - edited.transl + d["t"] * [1, -1, -1]
    uv = np.stack([w / 2 + d["f"] * j[:, 0] / -j[:, 2], h / 2 - d["f"] * j[:, 1] / -j[:, 2]], 1)
    assert np.abs(uv - d["joints2d"]).max() < 1.0


def test_export_parts_is_in_the_photo_frame(qtbot, controller, photo, tmp_path):
    """The exported part map has the photo's size, palette colours only, shows the crop map's parts, and is the map
    `predict` writes (the probabilities along the photo's edges)."""
    import cv2

    from inference.crop import uncrop_labels, uncrop_parts
    from inference.parts import PALETTE, decode_colors

    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    out = controller.export_parts(tmp_path / "p_parts.png")
    rgb = cv2.imread(str(out), cv2.IMREAD_COLOR)[..., ::-1]
    assert rgb.shape == pred.image.shape
    assert {tuple(c) for c in np.unique(rgb.reshape(-1, 3), axis=0)} <= {tuple(c) for c in PALETTE}
    lab = decode_colors(rgb)
    near = uncrop_labels(pred.parts.labels, pred.crop, pred.image.shape)
    assert (lab == near).mean() > 0.97 and set(np.unique(lab)) - {0} == set(np.unique(near)) - {0}
    np.testing.assert_array_equal(lab, uncrop_parts(pred.parts, pred.crop, pred.image.shape, photo=pred.image))
    with pytest.raises(FileExistsError):
        controller.export_parts(out)


def test_bad_body_model_setting_is_refused(qtbot, controller, tmp_path):
    bad = tmp_path / "SMPL_bad.pkl"
    bad.write_bytes(b"garbage")
    old = controller.config
    qtbot.waitUntil(lambda: controller.body_model() is not None, timeout=30000)  # the start-up load
    body = controller.body_model()
    errors = []
    controller.error.connect(errors.append)
    with qtbot.waitSignal(controller.bodyModelFailed, timeout=30000) as failed:
        assert not controller.apply_model_config(ModelConfig(str(bad), "cpu", False))  # loads in the background
    assert "SMPL_bad.pkl" in failed.args[0]
    assert errors == [f"body model: {failed.args[0]}; File > Settings chooses another file or the embedded model"]
    assert controller.config == old and controller.body_model() is body  # nothing changed
    assert not controller.body_model_switching


def _loaders_alive() -> bool:
    return any(t.name == "nbf-body-load" and t.is_alive() for t in threading.enumerate())


def test_body_model_switch_does_not_block_the_gui_thread(qtbot, controller, tmp_path):
    """Settings -> another body model file: apply_model_config returns before the file is loaded; the app goes
    on with the current model meanwhile; the new one arrives by bodyModelChanged (queued to the GUI thread) with
    its betas' effects measured, and only then does the setting change."""
    from inference.body_model import EMBEDDED_MODEL
    from inference.types import BodyParams

    qtbot.waitUntil(lambda: controller.body_model() is not None and not _loaders_alive(), timeout=30000)
    old, old_cfg = controller.body_model(), controller.config
    other = tmp_path / "SMPL_copy.npz"
    shutil.copy(EMBEDDED_MODEL, other)
    cfg = ModelConfig(str(other), "cpu", not old_cfg.refine)
    arrived, changed = [], []
    controller.bodyModelChanged.connect(arrived.append)
    controller.configChanged.connect(changed.append)
    with qtbot.waitSignal(controller.bodyModelChanged, timeout=30000) as loaded:
        assert controller.apply_model_config(cfg, persist=False) is False  # not applied yet: it is loading
        assert _loaders_alive()  # the file is being read in another thread, after the call returned
        assert not arrived and not changed and controller.body_model_switching
        assert controller.body_model() is old and controller.config == old_cfg
        assert np.isfinite(controller.body_model().mesh(BodyParams.zeros()).vertices).all()  # the old one poses
    new = loaded.args[0]
    assert arrived == [new] and new is not old and new.path == other
    assert controller.body_model() is new and controller.config == cfg and changed == [cfg]
    assert len(controller.beta_effects) == 10 and "Per +1: height" in controller.beta_effects[0].text()
    assert not controller.body_model_switching


def test_a_newer_body_model_setting_supersedes_a_pending_switch(qtbot, controller, tmp_path):
    from inference.body_model import EMBEDDED_MODEL

    qtbot.waitUntil(lambda: controller.body_model() is not None and not _loaders_alive(), timeout=30000)
    old, old_cfg = controller.body_model(), controller.config
    first, second = tmp_path / "first.npz", tmp_path / "second.npz"
    for p in (first, second):
        shutil.copy(EMBEDDED_MODEL, p)
    arrived = []
    controller.bodyModelChanged.connect(arrived.append)
    # back to the model in use before the switch has loaded: it applies at once and the switch is dropped
    assert not controller.apply_model_config(ModelConfig(str(first), "cpu", old_cfg.refine), persist=False)
    assert controller.apply_model_config(old_cfg, persist=False)
    threads_ended(qtbot, "nbf-body-load")  # the dropped answer, queued to the GUI thread, is delivered
    assert not arrived and controller.body_model() is old and controller.config == old_cfg
    # two switches in a row: only the newer one applies, whichever file finishes loading first
    assert not controller.apply_model_config(ModelConfig(str(first), "cpu", old_cfg.refine), persist=False)
    assert not controller.apply_model_config(ModelConfig(str(second), "cpu", old_cfg.refine), persist=False)
    threads_ended(qtbot, "nbf-body-load")
    assert len(arrived) == 1 and arrived[0].path == second and controller.body_model() is arrived[0]
    assert controller.config.body_model_path == str(second)


def test_folder_opens_as_image_list(qtbot, controller, tmp_path):
    for p in sorted(SAMPLES.glob("*.png")):
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "notes.txt").write_text("not an image")
    assert controller.open_paths([tmp_path])
    assert len(controller.image_list) == 3 and controller.image_index == 0
    assert controller.open_neighbour(+1) and controller.image_index == 1
    assert controller.session.shown.source.endswith("synthetic_02.png")
    pred = _wait_prediction(qtbot, controller)  # the first image's job was superseded by the second's
    assert np.array_equal(pred.image, read_rgb(tmp_path / "synthetic_02.png"))


@needs_detector
def test_select_person_refits_and_supersedes(qtbot, controller):
    controller.open_file(TWO_PEOPLE)
    pred0 = _wait_prediction(qtbot, controller)
    assert len(pred0.people) == 2 and pred0.person == 0
    assert controller.session.people == tuple(pred0.people) and controller.session.person == 0
    assert not controller.select_person(0)  # already shown
    assert not controller.select_person(2)  # nobody there
    job = controller.generation.current
    seen = []
    controller.session.predictionChanged.connect(lambda p: p is not None and seen.append(p))
    assert controller.select_person(1)
    assert controller.generation.current == job + 1 and controller.session.busy
    assert controller.session.prediction is None and len(controller.session.people) == 2  # picker stays
    pred1 = _wait_prediction(qtbot, controller)
    assert pred1.person == 1 and seen == [pred1]
    # the crop follows the chosen person: its centre lies in that person's whole-body box (which reaches
    # below the photo for these half-length people)
    from inference.detect.person_inputs import body_box

    for pred, k in ((pred0, 0), (pred1, 1)):
        cx, cy = pred.crop.to_image(np.array([pred.crop.size / 2, pred.crop.size / 2]))
        x0, y0, x1, y1 = body_box(pred.people[k], pred.image.shape)
        assert x0 <= cx <= x1 and y0 <= cy <= y1
        assert pred.people[k].box[0] <= cx <= pred.people[k].box[2]
    # each fitted person is kept: picking one again shows it at once, without a new job
    seen.clear()
    job = controller.generation.current
    assert controller.select_person(0)
    assert controller.generation.current == job and seen == [pred0] and not controller.session.busy
    # two requests in a row while a person is being fitted: the newer one wins; person 1 is kept, so they
    # come back at once (no new job: it would replace the kept result) and person 2's fit is superseded
    controller.open_file(TWO_PEOPLE)
    _wait_prediction(qtbot, controller)
    seen.clear()
    assert controller.select_person(1)
    job = controller.generation.current
    assert controller.select_person(0)
    assert not controller.session.busy and controller.generation.current == job + 1
    caught_up(qtbot, controller.worker)  # person 2's superseded fit has ended
    assert [p.person for p in seen] == [0] and set(controller.session.results) == {0}


@needs_detector
def test_a_person_shown_again_brings_both_fit_qualities_and_its_own_timings(qtbot, controller):
    """Person 1 shown with the network's fit, person 2 fitted, person 1 picked again (restored, no new job):
    the badge shows person 1's network-fit numbers, the switch to the refined fit brings theirs, and the status
    bar shows person 1's timings, not person 2's (before, the badge kept the last fitted person's qualities and
    the timings were stale)."""
    controller.open_file(TWO_PEOPLE)
    pred0 = _wait_prediction(qtbot, controller, timeout=60000)
    assert pred0.refined and pred0.network_params is not None
    refined0 = controller.session.quality
    assert controller.show_fit("network")
    network0 = controller.session.quality
    assert network0 is not refined0 and network0.mask_iou != refined0.mask_iou
    assert controller.select_person(1)
    pred1 = _wait_prediction(qtbot, controller, timeout=60000)
    assert pred1.person == 1 and controller.session.quality.person == 1
    timings = []
    controller.timings.connect(timings.append)
    assert controller.select_person(0) and controller.session.prediction is pred0
    assert controller.shown_fit() == "network" and controller.session.quality is network0
    assert timings == [format_timings(pred0.timings)]
    assert controller.show_fit("refined") and controller.session.quality is refined0
    assert controller.show_fit("network") and controller.session.quality is network0


def test_format_timings():
    from inference.types import Timings

    text = format_timings(Timings(crop=0.001, segment=0.2, fit=0.05, body=0.002))
    assert text.startswith("crop") and text.endswith("total 0.25 s")
    text = format_timings(Timings(detect=0.06, crop=0.001, segment=0.2, fit=0.05, body=0.002))
    assert text.startswith("detect 60 ms") and text.endswith("total 0.31 s")


def test_folder_with_a_bad_first_file_opens_the_first_good_one(qtbot, controller, tmp_path):
    """A folder whose first image is broken: the first readable image opens, the failure is listed, and
    Next/Previous walk the new folder."""
    truncated_jpeg(tmp_path / "a_broken.jpg")
    (tmp_path / "b_text.png").write_text("not an image")
    for p in sorted(SAMPLES.glob("*.png"))[:2]:
        shutil.copy(p, tmp_path / p.name)
    with qtbot.waitSignal(controller.error, timeout=2000) as sig:
        assert controller.open_paths([tmp_path])
    assert sig.args[0].startswith("skipped 2 files that could not be opened:")
    assert "a_broken.jpg" in sig.args[0] and "b_text.png" in sig.args[0]
    assert controller.image_index == 2 and len(controller.image_list) == 4
    assert controller.session.shown.source.endswith(sorted(SAMPLES.glob("*.png"))[0].name)
    assert controller.open_neighbour(+1) and controller.session.shown.source.endswith(
        sorted(SAMPLES.glob("*.png"))[1].name)


def test_all_bad_drop_changes_nothing(qtbot, controller, photo, tmp_path):
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    bad = [truncated_jpeg(tmp_path / "x.jpg"), tmp_path / "missing.png"]
    with qtbot.waitSignal(controller.error, timeout=2000) as sig:
        assert not controller.open_paths(bad)
    assert "could not open any of the 2 files" in sig.args[0]
    assert controller.session.prediction is pred


def test_fifo_drop_does_not_block_the_gui_thread(qtbot, controller, tmp_path):
    """A pipe is refused from its os.stat, before it is opened: opened for reading, it holds the reader until someone
    writes (here a writer waits on the pipe, so that a reader the app opened would get an end of file and the test
    fail, not hang)."""
    import os

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    refused = threading.Event()
    opened: list[bool] = []  # whether the pipe's reader came before the refusal

    def writer() -> None:  # (a reader the app opened gets an end of file here, not a frozen GUI thread)
        fd = os.open(fifo, os.O_WRONLY)  # returns once a reader opens the pipe
        opened.append(not refused.is_set())
        os.close(fd)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        with qtbot.waitSignal(controller.error, timeout=2000) as sig:
            assert not controller.open_paths([fifo])
    finally:
        refused.set()
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # this test's own reader lets the writer go
        t.join(10)
        os.close(fd)
    assert opened == [False] and "pipe.jpg is a pipe (FIFO)" in sig.args[0]


def test_damaged_jpeg_opens_with_a_warning(qtbot, controller, tmp_path):
    from tests.app.support import TWO_PEOPLE

    data = TWO_PEOPLE.read_bytes()
    holey = tmp_path / "holey.jpg"
    holey.write_bytes(data[: len(data) // 2] + data[-2:])
    with qtbot.waitSignal(controller.warning, timeout=2000) as sig:
        assert controller.open_file(holey)
    assert "holey.jpg is damaged" in sig.args[0]
    _wait_prediction(qtbot, controller)


@needs_detector
def test_refined_and_network_fits_are_both_kept(qtbot, controller, photo):
    """Refinement is on by default; the network's own fit stays beside the refined one and the user can
    switch between them instantly (an undoable change), with the mesh following."""
    assert controller.config.refine
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller, timeout=60000)
    assert pred.refined and pred.network_params is not None
    assert not np.allclose(pred.network_params.pose, pred.params.pose)
    assert controller.shown_fit() == "refined"
    refined_quality = controller.session.quality
    assert controller.show_fit("network")
    assert controller.session.params is pred.network_params and controller.shown_fit() == "network"
    network_quality = controller.session.quality  # the badge follows the fit on screen
    assert network_quality is not None and network_quality is not refined_quality
    assert network_quality.agreement == refined_quality.agreement  # the same part map
    assert network_quality.mask_iou != refined_quality.mask_iou
    qtbot.waitUntil(lambda: controller.body_model() is not None, timeout=30000)  # loaded in the background
    expected = controller.body_model().mesh(pred.network_params).vertices
    # a switch made while the body model was still loading is re-posed when it arrives, by a queued timer
    qtbot.waitUntil(lambda: np.testing.assert_allclose(controller.session.mesh.vertices, expected, atol=1e-5),
                    timeout=10000)
    assert controller.undo() and controller.shown_fit() == "refined"
    assert controller.show_fit("refined") and controller.session.quality is refined_quality
    assert not controller.show_fit("nonsense")


def test_the_fit_switch_says_why_there_is_only_one_fit(qtbot, controller, photo):
    """N with refinement switched off: nothing to switch to, and the status bar says why (it did nothing, silently)."""
    cfg = controller.config
    assert controller.apply_model_config(ModelConfig(cfg.body_model_path, cfg.device, False), persist=False)
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller, timeout=60000)
    assert not pred.refined and pred.network_params is None
    with qtbot.waitSignal(controller.status, timeout=1000) as sig:
        assert not controller.show_fit("network")
    assert "refinement is off" in sig.args[0]


def test_exports_write_in_the_export_thread(qtbot, controller, photo, tmp_path):
    """export_in_background returns at once; the file is written in the export thread and reported by signal;
    an existing file is reported (not replaced) and replaced with the same values on request."""
    import threading

    from PySide6.QtCore import Qt

    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    # the BVH needs the GUI thread's body model, which loads beside the worker's: a result can come first
    qtbot.waitUntil(lambda: controller.body_model() is not None, timeout=30000)
    writers = []
    controller.exporter.done.connect(lambda *a: writers.append(threading.current_thread()),
                                     type=Qt.ConnectionType.DirectConnection)
    paths = [tmp_path / n for n in ("b.obj", "b.json", "b_parts.png", "b.bvh")]
    for p in paths:
        with qtbot.waitSignal(controller.exported, timeout=20000) as got:
            assert controller.export_in_background(p)
        assert got.args[1] == str(p) and p.is_file()
    qtbot.waitUntil(lambda: len(writers) == 4, timeout=2000)  # the direct slot runs after the queued one
    assert all(t is not threading.main_thread() for t in writers)
    edited = pred.params.with_(betas=np.r_[2.0, np.zeros(9)])
    with qtbot.waitSignal(controller.exportExists, timeout=20000) as exists:
        job = controller.export_in_background(paths[1])
    controller.set_params(edited)  # an edit after asking does not change what the export writes
    with qtbot.waitSignal(controller.exported, timeout=20000):
        assert controller.overwrite_export(exists.args[0]) and exists.args[0] == job
    from inference.export import load_params

    np.testing.assert_allclose(load_params(paths[1]).betas, pred.params.betas, atol=1e-6)
    with qtbot.waitSignal(controller.exportFailed, timeout=20000) as failed:
        controller.export_in_background(tmp_path / "no" / "such" / "folder" / "x.obj")
    assert failed.args[2]
    # every job answered: nothing of theirs stays (a failed export's bodies were kept for the session: sweep115)
    assert controller._export_bodies == {}


def test_a_mesh_export_waits_for_an_edit_the_body_model_has_not_posed(qtbot, controller, photo, tmp_path,
                                                                      monkeypatch):
    """An edit made while the body model loads is posed when it arrives: until then the mesh on screen is the
    body before the edit, and a mesh or scene export says the model is still loading instead of writing that
    body without a word (the parameter export poses the edit itself)."""
    from dataclasses import replace

    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    qtbot.waitUntil(lambda: controller.body_model() is not None, timeout=30000)
    body = controller.body_model()
    monkeypatch.setattr(controller, "body_model", lambda: None)  # as while a model file loads
    monkeypatch.setattr(controller, "_current_load", 1)
    edited = replace(pred.params, betas=pred.params.betas + 1.0)
    controller.session.set_params(edited, record_undo=True)  # what an edit leaves for the throttled re-pose
    controller._pending = edited
    for writer in (lambda: controller._mesh_writer(tmp_path / "b.obj", "body"),
                   lambda: controller._scene_writer(tmp_path / "s.glb")):
        with pytest.raises(RuntimeError, match="still loading"):
            writer()
    assert not (tmp_path / "b.obj").exists() and not (tmp_path / "s.glb").exists()
    monkeypatch.setattr(controller, "body_model", lambda: body)
    controller.flush()  # the model is there: the edit is posed and the export writes it
    controller._mesh_writer(tmp_path / "b.obj", "body")(False)
    np.testing.assert_allclose(controller.session.mesh.vertices, body.mesh(edited).vertices, atol=1e-5)
