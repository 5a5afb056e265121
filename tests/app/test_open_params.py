"""Opening a parameter file in the app (Controller.open_paths / open_params, app/params_open.py): the three
formats the real exporter writes come back as the same body, on their photo when it lies beside them, editable
with undo and exportable; a broken or foreign file is one line and changes nothing; the GUI thread never waits."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from app.controller import Controller
from inference.export import load_params_file
from tests.app.support import PARAM_FORMATS as FORMATS
from tests.app.support import SAMPLE, caught_up
from tests.app.support import write_params_files as write_files


@pytest.fixture
def controller(qtbot, app_settings, predictor_factory, model_config):
    c = Controller(app_settings, predictor_factory, config=model_config)
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    yield c
    c.shutdown()


def wait_opened(qtbot, c, path, timeout: int = 20000):
    """The body of the parameter file `path` on screen."""
    qtbot.waitUntil(lambda: c.session.prediction is not None
                    and c.session.prediction.params_file == str(path) and not c.decoding, timeout=timeout)
    return c.session.prediction


def same_body(a, b, atol=1e-6) -> None:
    np.testing.assert_allclose(a.pose, b.pose, atol=atol)
    np.testing.assert_allclose(a.betas, b.betas, atol=atol)
    np.testing.assert_allclose(a.transl, b.transl, atol=atol)


@pytest.mark.parametrize("suffix", FORMATS)
def test_each_format_opens_as_the_fitted_body_on_its_photo(qtbot, controller, fitted, tmp_path, suffix):
    pred, cam, body = fitted
    path = write_files(tmp_path, fitted)[suffix]
    statuses: list[str] = []
    controller.status.connect(statuses.append)
    assert controller.open_paths([path])
    assert controller.session.prediction is None  # read in the background: open_paths returned before it
    opened = wait_opened(qtbot, controller, path)
    same_body(controller.session.params, pred.params)
    np.testing.assert_allclose(controller.session.mesh.vertices, pred.mesh.vertices, atol=1e-5)
    # on its photo, in the crop camera it was fitted in: the overlay puts the body where it was
    assert np.array_equal(controller.session.shown.image, pred.image)
    np.testing.assert_allclose(opened.crop.offset, pred.crop.offset, atol=1e-3)
    assert opened.crop.scale == pytest.approx(pred.crop.scale, rel=1e-6) and opened.camera == pred.camera
    assert opened.parts.labels.max() == 0 and controller.session.quality is None
    assert controller.opened_params().photo == str(tmp_path / "person.png")
    assert any(f"opened {path.name} on its photo person.png" in s for s in statuses)
    assert controller.settings.recent_files()[0] == str(path.resolve())
    with pytest.raises(RuntimeError, match="no part map"):
        controller.export_parts(tmp_path / "parts.png")


def test_edit_undo_and_export_after_opening(qtbot, controller, fitted, tmp_path):
    pred, cam, body = fitted
    path = write_files(tmp_path / "in", fitted)[".npz"]
    controller.open_paths([path])
    opened = wait_opened(qtbot, controller, path)
    edited = opened.params.with_(betas=np.r_[1.5, opened.params.betas[1:]])
    controller.set_params(edited, merge_key=("beta", 0))
    qtbot.waitUntil(lambda: controller.session.mesh is not opened.mesh, timeout=2000)
    assert np.abs(controller.session.mesh.vertices - opened.mesh.vertices).max() > 1e-3
    assert controller.edited()
    assert controller.undo()
    assert controller.session.params is opened.params
    np.testing.assert_allclose(controller.session.mesh.vertices, pred.mesh.vertices, atol=1e-5)
    assert controller.redo() and controller.session.params is edited
    # exported again: the edited body with the same photo camera (the crop it was fitted in is recovered)
    out = tmp_path / "out"
    out.mkdir()
    for suffix in FORMATS:
        rec = load_params_file(controller.export_params(out / f"edited{suffix}"), body)
        same_body(rec.params, edited, atol=1e-5)
        assert rec.photo is not None and rec.body_model == body.name
        assert (rec.photo.width, rec.photo.height) == (cam.width, cam.height)
        assert rec.photo.focal == pytest.approx(cam.focal, rel=1e-6)
        np.testing.assert_allclose(rec.photo.crop_box, cam.crop_box, atol=1e-3)
    controller.undo()  # the file's own body, written again: the file it came from
    again = load_params_file(controller.export_params(out / "again.npz"), body)
    original = load_params_file(path, body)
    same_body(again.params, original.params, atol=1e-6)
    np.testing.assert_allclose(again.photo.transl, original.photo.transl, atol=1e-5)
    np.testing.assert_allclose(again.photo.joints2d, original.photo.joints2d, atol=1e-3)
    trimesh = pytest.importorskip("trimesh")
    mesh = trimesh.load(controller.export_mesh(out / "body.ply"), process=False)
    np.testing.assert_allclose(mesh.vertices, pred.mesh.vertices - pred.mesh.joints[0], atol=1e-5)


class _Boom:
    """Pickled as a call of os.system: a reader that runs code would create the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def test_broken_and_foreign_files_are_one_line_and_change_nothing(qtbot, controller, fitted, tmp_path):
    pred, cam, body = fitted
    path = write_files(tmp_path, fitted)[".npz"]
    controller.open_paths([path])
    shown = wait_opened(qtbot, controller, path)
    marker = tmp_path / "ran"
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:200])
    shapes = tmp_path / "shapes.json"
    shapes.write_text('{"pose": [0, 0, 0], "betas": [0, 0], "transl": [0, 0, -40]}')
    code = tmp_path / "code_body.pkl"
    code.write_bytes(pickle.dumps({"pose": np.zeros(72), "betas": np.zeros(10), "x": _Boom(marker)}))
    for bad, said in ((broken, "broken.npz"), (shapes, "pose has 3 values, expected 72"), (code, "code_body.pkl")):
        with qtbot.waitSignal(controller.error, timeout=10000) as sig:
            assert controller.open_paths([bad])
        message = sig.args[0]
        assert said in message and "\n" not in message, message
        caught_up(qtbot, controller.params_reader)
        assert controller.session.prediction is shown and controller.opened_params() is not None
        assert not controller.decoding
    assert not marker.exists()  # the pickle's code never ran


def test_no_photo_found_shows_the_body_alone(qtbot, controller, fitted, tmp_path):
    pred, cam, body = fitted
    path = write_files(tmp_path, fitted, name="alone", photo=False)["_body.pkl"]
    statuses: list[str] = []
    controller.status.connect(statuses.append)
    controller.open_paths([path])
    opened = wait_opened(qtbot, controller, path)
    assert any("no photo found beside alone_body.pkl" in s for s in statuses), statuses
    assert controller.opened_params().photo == ""
    # a blank stand-in of the recorded photo's size, the body where the photo had it
    assert controller.session.shown.image.shape == pred.image.shape and opened.image.max() == opened.image.min()
    np.testing.assert_allclose(opened.crop.offset, pred.crop.offset, atol=1e-3)
    np.testing.assert_allclose(controller.session.mesh.vertices, pred.mesh.vertices, atol=1e-5)
    controller.rerun()  # nothing to run the model on
    assert not controller.session.busy and "without its photo" in statuses[-1]
    # the photo camera the file records is written again
    rec = load_params_file(controller.export_params(tmp_path / "out.npz"), body)
    assert rec.photo is not None and rec.photo.focal == pytest.approx(cam.focal, rel=1e-6)


def test_a_file_made_for_another_body_model_opens_with_a_note(qtbot, controller, fitted, tmp_path):
    path = write_files(tmp_path, fitted, body_model="basicModel_m_lbs_10_207_0_v1.0.0.pkl")[".json"]
    with qtbot.waitSignal(controller.warning, timeout=20000) as sig:
        controller.open_paths([path])
    assert sig.args[0] == (f"{path.name} was fitted with the body model 'basicModel_m_lbs_10_207_0_v1.0.0.pkl'; "
                           f"its pose and shape are shown on {controller.body_model().name!r}")
    wait_opened(qtbot, controller, path)


def test_betas_the_body_model_cannot_take_are_said_to_be_left_out(qtbot, controller, fitted, tmp_path):
    """helper-79: a parameter file with 16 betas was shown with the first ten, the other six dropped unsaid."""
    import json

    path = write_files(tmp_path, fitted)[".json"]
    doc = json.loads(path.read_text())
    doc["betas"] = list(doc["betas"]) + [2.0] * 6
    path.write_text(json.dumps(doc))
    with qtbot.waitSignal(controller.warning, timeout=20000) as sig:
        controller.open_paths([path])
    assert "holds 16 betas" in sig.args[0] and "betas 11-16 (up to 2) are left out" in sig.args[0]
    wait_opened(qtbot, controller, path)


def test_a_newer_open_supersedes_and_esc_drops_it(qtbot, controller, fitted, tmp_path):
    path = write_files(tmp_path, fitted)[".npz"]
    controller.open_paths([path])
    controller.open_file(SAMPLE)  # the image opened after the file is what shows
    qtbot.waitUntil(lambda: controller.session.prediction is not None and not controller.session.busy,
                    timeout=30000)
    caught_up(qtbot, controller.params_reader)  # the file's answer, superseded, has come
    assert controller.session.prediction.params_file == "" and controller.opened_params() is None
    before = controller.session.prediction
    controller.open_paths([path])
    controller.cancel()  # Esc while it reads
    caught_up(qtbot, controller.params_reader)  # the dropped read's answer has come
    assert controller.session.prediction is before and not controller.decoding


def test_a_file_opened_before_the_body_model_has_loaded_waits_for_it(qtbot, app_settings, predictor_factory,
                                                                     model_config, fitted, tmp_path):
    """`main.py gui FILE` opens the file at once, while the body model still loads: it is read when it has."""
    path = write_files(tmp_path, fitted)[".npz"]
    c = Controller(app_settings, predictor_factory, config=model_config)
    try:
        assert c.body_model() is None  # still loading in its thread
        assert c.open_paths([path])
        wait_opened(qtbot, c, path, timeout=60000)
        np.testing.assert_allclose(c.session.mesh.vertices, fitted[0].mesh.vertices, atol=1e-5)
    finally:
        c.shutdown()
