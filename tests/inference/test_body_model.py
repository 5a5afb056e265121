"""Body model: the embedded SMPL-format model, real-SMPL-format files, and bad files."""
from __future__ import annotations

import os
import pickle
import sys
import types

import numpy as np
import pytest
import scipy.sparse
import torch

from inference.body_model import EMBEDDED_MODEL, BodyModel, BodyModelError
from inference.joints import JOINT_NAMES
from inference.types import BodyParams

J = {name: i for i, name in enumerate(JOINT_NAMES)}


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def arrays() -> dict:
    with np.load(EMBEDDED_MODEL) as z:
        return {k: z[k] for k in z.files}


def test_embedded_model_loads_with_plain_smplx(arrays, model):
    import smplx
    from smplx.utils import Struct

    keys = ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table", "f")
    layer = smplx.SMPL(model_path=str(EMBEDDED_MODEL.parent), data_struct=Struct(**{k: arrays[k] for k in keys}),
                       num_betas=10)
    betas = torch.zeros(1, 10)
    betas[0, 0] = 1.0
    with torch.no_grad():
        out = layer(betas=betas, body_pose=torch.zeros(1, 69), global_orient=torch.zeros(1, 3))
    assert out.vertices.shape == (1, arrays["v_template"].shape[0], 3)
    ours = model.mesh(BodyParams.from_pose(np.zeros(72), [1.0]))
    np.testing.assert_allclose(out.vertices[0].numpy(), ours.vertices, atol=1e-6)
    np.testing.assert_allclose(out.joints[0, :24].numpy(), ours.joints, atol=1e-6)


def test_zero_pose_is_a_t_pose(model):
    j = model.rest_joints()
    for side in ("left", "right"):
        shoulder, wrist = j[J[f"{side}_shoulder"]], j[J[f"{side}_wrist"]]
        assert abs(wrist[1] - shoulder[1]) < 0.03, side          # arms horizontal
        assert abs(wrist[0]) > abs(shoulder[0]) + 0.35, side     # and stretched sideways
    assert j[J["left_wrist"], 0] > 0 > j[J["right_wrist"], 0]   # subject's left at +x
    assert j[J["head"], 1] > j[J["neck"], 1] > j[J["pelvis"], 1] > j[J["left_knee"], 1] > j[J["left_ankle"], 1]
    v = model.mesh(BodyParams.zeros(0.0)).vertices
    assert 1.5 < v[:, 1].max() - v[:, 1].min() < 1.9                # a plausible adult stature


def test_joints_and_stature_move_with_betas(model):
    j0 = model.rest_joints()
    for k in (0, 1, 3):
        b = np.zeros(10, np.float32)
        b[k] = 2.0
        jk = model.rest_joints(b)
        assert np.linalg.norm(jk - j0, axis=1).max() > 0.01, k
    b = np.zeros(10, np.float32)
    b[0] = 2.0
    hi = model.mesh(BodyParams.from_pose(np.zeros(72), -b)).vertices
    lo = model.mesh(BodyParams.from_pose(np.zeros(72), b)).vertices
    stature = lambda v: v[:, 1].max() - v[:, 1].min()  # noqa: E731
    assert abs(stature(hi) - stature(lo)) > 0.2


def test_pose_and_translation_move_the_body(model):
    p = BodyParams.zeros(40.0)
    bent = p.with_(body_pose=np.r_[np.zeros(3 * 17), [0, -1.5, 0], np.zeros(69 - 3 * 18)])  # left elbow
    a, b = model.mesh(p), model.mesh(bent)
    assert np.linalg.norm(a.joints[J["left_wrist"]] - b.joints[J["left_wrist"]]) > 0.15
    np.testing.assert_allclose(a.joints[J["pelvis"]] - model.rest_joints()[J["pelvis"]], [0, 0, -40], atol=1e-4)


def _assert_names_file(path, match=None):
    with pytest.raises(BodyModelError) as info:
        BodyModel(path)
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg
    if match:
        assert match in msg
    return msg


def test_a_model_file_is_read_by_its_content(tmp_path, arrays, model):
    """An .npz is a zip archive whatever its suffix says (upper case, renamed .pkl); a photo named .npz is said
    not to be one, in one line."""
    np.savez(tmp_path / "model", **arrays)
    for name in ("MODEL.NPZ", "model_npz.pkl"):
        (tmp_path / name).write_bytes((tmp_path / "model.npz").read_bytes())
    for name in ("MODEL.NPZ", "model_npz.pkl"):
        np.testing.assert_allclose(BodyModel(tmp_path / name).rest_joints(), model.rest_joints(), atol=1e-6)
    (tmp_path / "photo.npz").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    assert "allow_pickle" not in _assert_names_file(tmp_path / "photo.npz", "not an .npz file")


def test_bad_model_paths_raise_one_line_errors_naming_the_file(tmp_path, arrays):
    _assert_names_file(tmp_path / "missing.pkl", "not found")
    folder = tmp_path / "models"
    folder.mkdir()
    _assert_names_file(folder, "folder")
    text = tmp_path / "SMPL_NEUTRAL.pkl"
    text.write_text("this is not a pickle\n")
    _assert_names_file(text)
    data = EMBEDDED_MODEL.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    _assert_names_file(truncated)
    partial = tmp_path / "partial.npz"
    np.savez(partial, **{k: v for k, v in arrays.items() if k not in ("J_regressor", "weights")})
    msg = _assert_names_file(partial, "missing")
    assert "J_regressor" in msg and "weights" in msg
    # faces past the vertices (helper-79: an IndexError deep in the part labels, after the model "loaded")
    faces = tmp_path / "faces.npz"
    np.savez(faces, **{**arrays, "f": np.full_like(arrays["f"], 99999)})
    assert f"outside 0..{len(arrays['v_template']) - 1}" in _assert_names_file(faces, "faces")
    flat = tmp_path / "flat_faces.npz"
    np.savez(flat, **{**arrays, "f": arrays["f"].ravel()})
    _assert_names_file(flat, "faces")
    # NaN in the arrays (helper-94: NaN bodies written with exit 0, tracebacks in export and synth-crowd)
    for key in ("v_template", "shapedirs", "J_regressor", "weights"):
        bad = tmp_path / f"nan_{key}.npz"
        values = arrays[key].astype(np.float64)
        values.flat[7] = np.nan if key != "weights" else np.inf
        np.savez(bad, **{**arrays, key: values})
        assert "NaN or inf" in _assert_names_file(bad, key)
    # a FIFO would hold the reader forever (helper-79: `export --body-model fifo.npz` hung)
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    _assert_names_file(fifo, "not a regular file")


def test_real_smpl_format_pickle_loads_without_chumpy(tmp_path, arrays, model):
    """An official-style SMPL .pkl: chumpy arrays, sparse J_regressor, uint32 kintree; no chumpy installed."""
    assert "chumpy" not in sys.modules
    fake_pkg, fake_ch = types.ModuleType("chumpy"), types.ModuleType("chumpy.ch")

    class Ch:  # pickles like chumpy's Ch: class chumpy.ch.Ch, state holding the array as 'x' beside the
        def __init__(self, x):  # bookkeeping chumpy's Ch.__new__ sets up (a set among it: __builtin__.set)
            self.x = np.asarray(x, np.float64)
            self._dirty_vars, self._itr, self._depends_on_deps = set(), None, {}
            self._make_dense = self._make_sparse = False

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    fake_ch.Ch = Ch
    fake_pkg.ch = fake_ch
    smpl = {
        "v_template": Ch(arrays["v_template"]), "shapedirs": Ch(arrays["shapedirs"]),
        "J_regressor": scipy.sparse.csc_matrix(arrays["J_regressor"].astype(np.float64)),
        "weights": Ch(arrays["weights"]), "J": Ch(model.rest_joints()),
        "kintree_table": arrays["kintree_table"].astype(np.uint32), "f": arrays["f"].astype(np.uint32),
        "bs_type": "lrotmin", "bs_style": "lbs",
    }
    path = tmp_path / "SMPL_NEUTRAL.pkl"
    sys.modules.update({"chumpy": fake_pkg, "chumpy.ch": fake_ch})
    try:
        path.write_bytes(pickle.dumps(smpl, protocol=2))
    finally:
        del sys.modules["chumpy"], sys.modules["chumpy.ch"]
    assert b"chumpy.ch" in path.read_bytes() and b"__builtin__\nset" in path.read_bytes()
    with pytest.raises(ImportError):
        pickle.loads(path.read_bytes())  # a plain unpickler needs chumpy

    real = BodyModel(path)
    assert not real.is_embedded and real.name == "SMPL_NEUTRAL.pkl"
    rng = np.random.default_rng(0)
    p = BodyParams.from_pose(rng.normal(0, 0.2, 72), rng.normal(0, 1, 10), [0.1, 0.2, -30])
    a, b = real.mesh(p), model.mesh(p)
    np.testing.assert_allclose(a.vertices, b.vertices, atol=1e-4)
    np.testing.assert_allclose(a.joints, b.joints, atol=1e-4)


def test_rigid_skinning_path_matches_smplx(model, tmp_path, arrays):
    """`mesh` skips pose correctives for the embedded model (they are zero); it must agree with smplx,
    and a model that has correctives goes through smplx."""
    rng = np.random.default_rng(3)
    p = BodyParams.from_pose(rng.normal(0, 0.4, 72), rng.normal(0, 1, 10), [0.1, -0.2, -3.0])
    assert not model.pose_correctives
    m = model.mesh(p)
    t = lambda a: torch.as_tensor(np.asarray(a, np.float32))[None]  # noqa: E731
    v, j, e = model.forward(t(p.global_orient), t(p.body_pose), t(p.betas), t(p.transl))
    np.testing.assert_allclose(m.vertices, v[0].detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(m.joints, j[0].detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(m.extra, e[0].detach().numpy(), atol=1e-5)
    with_pd = dict(arrays, posedirs=rng.normal(0, 1e-3, (len(arrays["v_template"]), 3, 207)).astype(np.float32))
    path = tmp_path / "with_correctives.npz"
    np.savez(path, **with_pd)
    other = BodyModel(path)
    assert other.pose_correctives
    assert np.abs(other.mesh(p).vertices - m.vertices).max() > 1e-4  # the correctives are applied


def test_kinematic_chain_matches_a_joint_at_a_time(model):
    """The path-product forward kinematics against the textbook loop, in numpy, on a random tree (paths of
    uneven length, not a power of two) and a batch; a parent numbered after its child is refused."""
    from inference.body_model import KinematicChain
    from inference.geometry import axis_angle_to_matrix

    rng = np.random.default_rng(5)
    parents = np.array([-1] + [int(rng.integers(0, j)) for j in range(1, 13)])
    rot = axis_angle_to_matrix(torch.as_tensor(rng.normal(0, 0.8, (3, 13, 3)), dtype=torch.float64))
    rest = torch.as_tensor(rng.normal(0, 0.3, (3, 13, 3)))
    world = KinematicChain(parents).world(rot, rest).numpy()                                 # (3, 13, 3, 4)
    R, t, r, x = np.zeros((3, 13, 3, 3)), np.zeros((3, 13, 3)), rot.numpy(), rest.numpy()
    for j, p in enumerate(parents):
        if p < 0:
            R[:, j], t[:, j] = r[:, j], x[:, j]
        else:
            R[:, j] = R[:, p] @ r[:, j]
            t[:, j] = t[:, p] + (R[:, p] @ (x[:, j] - x[:, p])[..., None])[..., 0]
    np.testing.assert_allclose(world[..., :3], R, atol=1e-12)
    np.testing.assert_allclose(world[..., 3], t, atol=1e-12)
    # a batch through the body model agrees with smplx's own joints
    pose = torch.as_tensor(rng.normal(0, 0.4, (4, 72)), dtype=torch.float32)
    betas = torch.as_tensor(rng.normal(0, 1, (4, 10)), dtype=torch.float32)
    ours = model.joints_rotmat(axis_angle_to_matrix(pose.view(4, 24, 3)), betas)
    _, theirs, _ = model.forward(pose[:, :3], pose[:, 3:], betas)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=1e-5)
    # one pose for several shapes
    one = model.joints_rotmat(axis_angle_to_matrix(pose[:1].view(1, 24, 3)), betas)
    _, theirs, _ = model.forward(pose[:1, :3].expand(4, 3), pose[:1, 3:].expand(4, 69), betas)
    np.testing.assert_allclose(one.detach().numpy(), theirs.detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="numbered before"):
        KinematicChain(np.array([-1, 2, 0]))


def test_building_the_body_model_prints_nothing(capsys):
    """smplx's "only 10 shape coefficients" warning is not printed (nor silenced by swapping sys.stdout, which the
    app's threads share)."""
    body = BodyModel()
    assert capsys.readouterr().out == "" and type(body.layer).SHAPE_SPACE_DIM == 10


def test_a_symlink_loop_is_said_in_one_line(tmp_path):
    (tmp_path / "a.pkl").symlink_to(tmp_path / "b.pkl")
    (tmp_path / "b.pkl").symlink_to(tmp_path / "a.pkl")
    assert "loop" in _assert_names_file(tmp_path / "a.pkl", "symbolic links")


def test_sparse_matrices_that_would_densify_past_the_limit_together_are_refused(tmp_path, monkeypatch, arrays):
    # each matrix under the limit (safe_pickle refuses one over it), the two together over it
    from inference import safe_pickle

    monkeypatch.setattr(safe_pickle, "MAX_VALUES", 1000)
    n = 30
    doc = {"v_template": np.zeros((n, 3)), "shapedirs": np.zeros((n, 3, 10)), "kintree_table": arrays["kintree_table"],
           "J_regressor": scipy.sparse.csc_matrix(np.eye(24, n)), "weights": scipy.sparse.csr_matrix(np.eye(n, 24)),
           "f": np.zeros((1, 3), np.int64)}
    path = tmp_path / "SMPL_sparse.pkl"
    path.write_bytes(pickle.dumps(doc, protocol=2))
    _assert_names_file(path, "1,440 values when made dense, over the limit of 1,000")
