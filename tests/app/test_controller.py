"""Controller + worker thread + session on a fake predictor (same contract as inference.pipeline)."""
import numpy as np
import pytest

from app.controller import Controller, format_timings
from app.settings import ModelConfig
from tests.app.fakes import FakePredictor, person_image, write_png


@pytest.fixture
def controller(qtbot, app_settings, fake_factory):
    c = Controller(app_settings, fake_factory)
    yield c
    c.shutdown()


def _wait_prediction(qtbot, c, timeout=15000):
    qtbot.waitUntil(lambda: c.session.prediction is not None, timeout=timeout)
    return c.session.prediction


def test_open_file_predicts_in_background(qtbot, controller, photo):
    with qtbot.waitSignal(controller.session.busyChanged, timeout=2000):
        assert controller.open_file(photo)
    assert controller.session.busy  # the GUI thread did not wait for the model
    pred = _wait_prediction(qtbot, controller)
    assert not controller.session.busy
    assert pred.parts.labels.max() > 0
    assert controller.session.mesh is pred.mesh
    assert controller.settings.recent_files()[0].endswith("person.png")
    labels = controller.session.parts_on_display()
    assert labels.shape == controller.session.shown.display.shape[:2] and labels.max() > 0


def test_superseded_jobs_are_dropped(qtbot, app_settings, body_model):
    slow = FakePredictor(body_model, delay=0.4)
    c = Controller(app_settings, lambda cfg: slow)
    seen = []
    c.session.predictionChanged.connect(lambda p: p is not None and seen.append(p))
    try:
        first = person_image(seed=1)
        second = person_image(200, 400, seed=2)
        c.open_array(first, "first")
        c.open_array(second, "second")
        qtbot.waitUntil(lambda: c.session.prediction is not None, timeout=10000)
        qtbot.wait(600)
        assert len(seen) == 1 and seen[0].image.shape == second.shape
    finally:
        c.shutdown()


def test_bad_file_reports_and_keeps_state(qtbot, controller, photo, tmp_path):
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with qtbot.waitSignal(controller.error, timeout=2000) as sig:
        assert not controller.open_file(bad)
    assert "broken.jpg" in sig.args[0]
    assert controller.session.prediction is pred  # nothing lost


def test_predictor_failure_is_reported(qtbot, controller):
    with qtbot.waitSignal(controller.error, timeout=10000) as sig:
        controller.open_array(np.full((200, 200, 3), 90, np.uint8), "blank")
    assert "no person" in sig.args[0]
    assert not controller.session.busy and controller.session.prediction is None


def test_edits_are_throttled_undoable_and_resettable(qtbot, controller, photo):
    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
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
    np.testing.assert_allclose(controller.session.mesh.vertices, v0, atol=1e-5)
    assert not controller.undo()
    controller.set_params(pred.params.with_(betas=np.r_[1.0, np.zeros(9)]), merge_key=("beta", 0))
    controller.reset_to_prediction()
    assert controller.session.params is pred.params and controller.session.mesh is pred.mesh


def test_export_mesh_and_params_reload(qtbot, controller, photo, tmp_path):
    trimesh = pytest.importorskip("trimesh")
    from inference.export import load_params

    controller.open_file(photo)
    pred = _wait_prediction(qtbot, controller)
    edited = pred.params.with_(betas=np.r_[1.0, np.zeros(9)])
    controller.set_params(edited)
    out = controller.export_mesh(tmp_path / "body.ply")
    m = trimesh.load(out, process=False)
    np.testing.assert_allclose(m.vertices, controller.session.mesh.vertices, atol=1e-5)
    with pytest.raises(FileExistsError):
        controller.export_mesh(tmp_path / "body.ply")
    controller.export_mesh(tmp_path / "body.ply", overwrite=True)
    p = controller.export_params(tmp_path / "body.npz")
    np.testing.assert_allclose(load_params(p).betas, edited.betas, atol=1e-6)


def test_bad_body_model_setting_is_refused(qtbot, controller, tmp_path):
    from inference.body_model import BodyModelError

    bad = tmp_path / "SMPL_bad.pkl"
    bad.write_bytes(b"garbage")
    old = controller.config
    with pytest.raises(BodyModelError, match="SMPL_bad.pkl"):
        controller.apply_model_config(ModelConfig(str(bad), "cpu", False))
    assert controller.config == old


def test_folder_opens_as_image_list(qtbot, controller, tmp_path):
    for i in range(3):
        write_png(tmp_path / f"img{i}.png", person_image(seed=i))
    (tmp_path / "notes.txt").write_text("not an image")
    assert controller.open_paths([tmp_path])
    assert len(controller.image_list) == 3 and controller.image_index == 0
    assert controller.open_neighbour(+1) and controller.image_index == 1
    assert controller.session.shown.source.endswith("img1.png")


def test_format_timings():
    from inference.types import Timings

    assert format_timings(Timings(crop=0.001, segment=0.2, fit=0.05, body=0.002)).endswith("total 0.25 s")
