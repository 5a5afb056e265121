"""What the app exports is the body the user has (helper-111's sweep, /tmp/sweep111/report.md B1-B3, B5): a parameter
file's body re-posed on another body model is written with that model's joints; nothing that mixes two body models
is written while a fit runs on the new one; a UP-3D _body.pkl's own camera keeps its photo through an .npz; a
scene written during a re-run counts as the export of the people it set aside. Real controller and predictor
(CPU)."""
from __future__ import annotations

import pickle
import shutil
from dataclasses import replace

import numpy as np
import pytest

from app import pose_edit
from tests.app.support import TWO_PEOPLE, wait_result, write_params_files


def _taller_model(tmp_path):
    from inference.body_model import EMBEDDED_MODEL

    model = dict(np.load(EMBEDDED_MODEL, allow_pickle=False))
    model["v_template"] = model["v_template"] * 1.12
    path = tmp_path / "taller.npz"
    np.savez(path, **model)
    return path


def _export(qtbot, c, path, scene: bool = False):
    with qtbot.waitSignal(c.exported, timeout=30000):
        c.export_in_background(path, scene=scene)
    return path


def _open_params(qtbot, c, path):
    assert c.open_params(path)
    qtbot.waitUntil(lambda: c.opened_params() is not None and c.opened_params().path == str(path), timeout=30000)


def test_a_parameter_files_body_on_another_body_model_is_written_with_that_models_joints(qtbot, controller, fitted,
                                                                                        tmp_path):
    """Switched to another body model, the body on screen is re-posed on it; its .npz said the new model's name
    but held the 2D joints of the old (82 px off the body it describes)."""
    c = controller
    files = write_params_files(tmp_path / "in", fitted)
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    _open_params(qtbot, c, files[".npz"])
    before = np.load(_export(qtbot, c, tmp_path / "before.npz"))["joints2d"]
    taller = _taller_model(tmp_path)
    c.apply_model_config(replace(c.config, body_model_path=str(taller)), persist=False)
    qtbot.waitUntil(lambda: c.config.body_model_path == str(taller), timeout=60000)
    after = np.load(_export(qtbot, c, tmp_path / "after.npz"))["joints2d"]
    _open_params(qtbot, c, files[".npz"])  # the same file read afresh on the taller model
    fresh = np.load(_export(qtbot, c, tmp_path / "fresh.npz"))["joints2d"]
    assert np.abs(after - before).max() > 5  # the taller body's joints
    np.testing.assert_allclose(after, fresh, atol=1e-3)


def test_no_body_is_exported_while_it_is_fitted_on_a_new_body_model(qtbot, slow_controller, tmp_path):
    """Until the fit on the new body model arrived, the mesh and scene exports wrote the old model's body on screen
    and the rig, BVH and parameters posed it on the new one (11 cm apart)."""
    from tests.app.support import SAMPLE

    c = slow_controller
    c.open_file(SAMPLE)
    wait_result(qtbot, c, 60000)
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    taller = _taller_model(tmp_path)
    c.apply_model_config(replace(c.config, body_model_path=str(taller)), persist=False)
    qtbot.waitUntil(lambda: c.config.body_model_path == str(taller) and c.session.busy, timeout=60000)
    for name in ("body.obj", "body.npz", "rig.glb", "pose.bvh"):
        with pytest.raises(RuntimeError, match="the body model changed: the body is being fitted on the new one"):
            c.export_in_background(tmp_path / name, skinned=name == "rig.glb")
    wait_result(qtbot, c, 60000)
    assert _export(qtbot, c, tmp_path / "body.obj").stat().st_size > 0  # the new fit


def test_a_up3d_body_pkl_keeps_its_photo_through_an_npz(qtbot, controller, fitted, tmp_path):
    """A plain UP-3D _body.pkl (pose, betas, trans, f, rt, t) opens on its photo; exported as .npz it had no photo
    camera, and opened again it was "the body alone" on a blank canvas."""
    c = controller
    files = write_params_files(tmp_path / "src", fitted)
    with open(files["_body.pkl"], "rb") as fh:
        ours = pickle.load(fh)
    folder = tmp_path / "up3d"
    folder.mkdir()
    with open(folder / "person_body.pkl", "wb") as fh:
        pickle.dump({k: ours[k] for k in ("pose", "betas", "trans", "f", "rt", "t")}, fh, protocol=2)
    shutil.copy(tmp_path / "src" / "person.png", folder / "person.png")
    shutil.copy(tmp_path / "src" / "person.png", folder / "again.png")
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    _open_params(qtbot, c, folder / "person_body.pkl")
    assert c.opened_params().photo.endswith("person.png")
    vertices = c.session.mesh.vertices.copy()
    _export(qtbot, c, folder / "again.npz")
    _open_params(qtbot, c, folder / "again.npz")
    assert c.opened_params().photo.endswith("again.png"), c.opened_params().photo_note
    np.testing.assert_allclose(c.session.mesh.vertices, vertices, atol=1e-4)


def test_a_scene_written_during_a_rerun_counts_for_the_people_it_set_aside(qtbot, slow_controller, tmp_path):
    """Quitting after Esc asked about an edited person the scene had written (it left out the people a re-run had
    set aside when it marked what was exported)."""
    c = slow_controller
    c.slow.delay = 0.0
    c.open_file(TWO_PEOPLE)
    wait_result(qtbot, c, 60000)
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    c.set_params(pose_edit.with_beta(c.session.params, 0, 2.0), merge_key=("beta", 0))
    c.end_edit()
    c.flush()
    assert c.select_person(1)
    wait_result(qtbot, c, 60000)
    c.set_params(pose_edit.with_beta(c.session.params, 1, -1.5), merge_key=("beta", 1))
    c.end_edit()
    c.flush()
    assert len(c.unexported_edits()) == 2
    c.slow.delay = 2.0
    c.apply_model_config(replace(c.config, refine=not c.config.refine), persist=False)  # a re-run sets them aside
    assert c.session.busy
    _export(qtbot, c, tmp_path / "scene.glb", scene=True)
    c.cancel()  # Esc: both back
    assert c.unexported_edits() == []
