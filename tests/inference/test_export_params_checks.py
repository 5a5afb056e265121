"""Parameter files: a focal length of 0 is refused, and a UP-3D camera rotation a few degrees off [pi, 0, 0] is
folded into the body (the vertices are the OpenCV camera's, rotated and moved by the file's rt and t, then turned
into the OpenGL frame by flipping y and z: the projection written out here with scipy's Rotation)."""
from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from inference import export as ex
from inference.body_model import BodyModel
from inference.poses import preset_pose
from inference.types import BodyParams


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


def _doc(**extra) -> dict:
    return {"pose": [0.0] * 72, "betas": [0.0] * 10, "transl": [0.0, 0.0, -10.0], **extra}


@pytest.mark.parametrize("key", ["focal", "photo_focal"])
@pytest.mark.parametrize("value", [0, 0.0, -0.0, -3.0])
def test_a_focal_of_zero_or_less_is_refused(tmp_path, key, value):
    extra = {key: value}
    if key == "photo_focal":
        extra.update(photo_transl=[0.0, 0.0, -10.0], photo_width=640, photo_height=480)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_doc(focal=5000.0, **extra) if key != "focal" else _doc(**extra)))
    with pytest.raises(ex.ParamsFileError, match=f"{key} must be positive"):
        ex.load_params_file(path)


def test_a_small_positive_focal_is_read(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_doc(focal=0.5)))
    assert ex.load_params_file(path).focal == 0.5


@pytest.mark.parametrize("rt", [[math.pi, 0.05, 0.0], [math.pi, 0.0, -0.04], [math.pi + 0.06, 0.0, 0.0],
                                [math.pi, 0.0, 0.0]])
def test_a_camera_rotation_near_pi_about_x_is_kept(tmp_path, model, rt):
    rng = np.random.default_rng(2)
    pose = preset_pose("walk").astype(np.float64)
    betas = rng.normal(0, 1, 10)
    trans, t = np.array([0.1, -0.3, 0.2]), np.array([0.05, 0.2, 12.0])
    body = model.mesh(BodyParams.from_pose(pose, betas, trans)).vertices.astype(np.float64)  # SMPL's own frame
    p_cv = body @ Rotation.from_rotvec(rt).as_matrix().T + t
    p_gl = p_cv * [1.0, -1.0, -1.0]
    doc = dict(pose=pose, betas=betas, trans=trans, f=5000.0, rt=np.asarray(rt), t=t)
    (tmp_path / "x_body.pkl").write_bytes(pickle.dumps(doc, protocol=2))
    got = model.mesh(ex.load_params(tmp_path / "x_body.pkl", model)).vertices
    assert np.abs(got - p_gl).max() < 1e-3  # metres: within 1 mm
