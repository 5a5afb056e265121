"""Export: meshes and parameter files reload exactly; writes are atomic and never clobber."""
from __future__ import annotations

import json
import math
import os
import pickle

import numpy as np
import pytest
import trimesh

from inference import export as ex
from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import axis_angle_to_matrix, project_points
from inference.poses import preset_pose
from inference.types import BodyParams


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def params() -> BodyParams:
    rng = np.random.default_rng(7)
    pose = preset_pose("walk") + rng.normal(0, 0.05, 72).astype(np.float32)
    return BodyParams.from_pose(pose, rng.normal(0, 1, 10), [0.12, -0.31, -38.5])


@pytest.fixture(scope="module")
def mesh(model, params):
    return model.mesh(params)


@pytest.mark.parametrize("suffix", [".obj", ".ply", ".glb"])
def test_mesh_files_reload_with_identical_vertices(tmp_path, model, params, mesh, suffix):
    path = ex.export(tmp_path / f"body{suffix}", params, model, frame="camera")
    loaded = trimesh.load(path, process=False, force="mesh")
    np.testing.assert_array_equal(np.asarray(loaded.vertices, np.float32), mesh.vertices)
    np.testing.assert_array_equal(np.asarray(loaded.faces), mesh.faces)


def test_part_colours_travel_with_ply(tmp_path, model, params):
    from inference.parts import PALETTE, vertex_part_labels

    colors = PALETTE[vertex_part_labels(model.weights) + 1]
    path = ex.export(tmp_path / "parts.ply", params, model, vertex_colors=colors)
    loaded = trimesh.load(path, process=False)
    np.testing.assert_array_equal(loaded.visual.vertex_colors[:, :3], colors)


@pytest.mark.parametrize("name", ["params.npz", "params.json", "00001_body.pkl"])
def test_param_files_reload_to_identical_vertices(tmp_path, model, params, mesh, name):
    path = ex.export(tmp_path / name, params, model, focal=4000.0, size=224)
    rec = ex.load_params_file(path)
    assert rec.transl_given and rec.focal == 4000.0
    assert rec.size == (None if name.endswith(".pkl") else 224)
    np.testing.assert_array_equal(ex.load_params(path).pose, params.pose)
    np.testing.assert_array_equal(model.mesh(ex.load_params(path)).vertices, mesh.vertices)


def test_npz_and_json_record_the_camera_and_model(tmp_path, model, params):
    ex.export(tmp_path / "p.npz", params, model)
    with np.load(tmp_path / "p.npz") as z:
        assert z["pose"].shape == (72,) and z["betas"].shape == (10,) and z["transl"].shape == (3,)
        assert float(z["focal"]) == FOCAL and int(z["crop_size"]) == CROP_SIZE
        assert str(z["body_model"]) == model.name
    ex.export(tmp_path / "p.json", params, model)
    doc = json.loads((tmp_path / "p.json").read_text())
    assert len(doc["pose"]) == 72 and len(doc["betas"]) == 10 and doc["transl"][2] < 0
    assert doc["focal"] == FOCAL and doc["crop_size"] == CROP_SIZE and doc["body_model"] == model.name


def test_body_pkl_is_up3d_layout_and_projects_like_our_camera(tmp_path, model, params, mesh):
    path = ex.export(tmp_path / "00001_body.pkl", params, model)
    with open(path, "rb") as fh:
        d = pickle.load(fh, encoding="latin1")
    assert set(d) == {"pose", "betas", "trans", "f", "rt", "t", "body_model"}  # UP-3D's keys, and which model
    assert d["pose"].shape == (72,) and d["betas"].shape == (10,) and isinstance(d["f"], float)
    np.testing.assert_array_equal(d["rt"], [math.pi, 0, 0])
    tx, ty, tz = params.transl.astype(np.float64)
    np.testing.assert_array_equal(d["t"], [tx, -ty, -tz])
    np.testing.assert_array_equal(d["trans"], np.zeros(3))
    # the UP-3D camera: p_cv = R(rt) (SMPL(pose, betas) + trans) + t, u = f x/z + c, v = f y/z + c (OpenCV)
    body = model.mesh(BodyParams.from_pose(d["pose"], d["betas"], d["trans"])).vertices.astype(np.float64)
    p_cv = body @ np.asarray(axis_angle_to_matrix(d["rt"])).T + d["t"]
    assert (p_cv[:, 2] > 0).all()
    uv_cv = d["f"] * p_cv[:, :2] / p_cv[:, 2:] + CROP_SIZE / 2
    np.testing.assert_allclose(uv_cv, project_points(mesh.vertices.astype(np.float64), FOCAL, CROP_SIZE), atol=1e-3)


def test_body_pkl_with_another_camera_rotation_folds_into_the_pose(tmp_path, model, params):
    """A UP-3D file with a general rt, trans and t reloads into the same camera-frame mesh."""
    rt, t, trans = np.array([2.9, 0.3, -0.4]), np.array([0.2, 0.1, 30.0]), np.array([0.3, -0.1, 0.5])
    body = model.mesh(BodyParams.from_pose(params.pose, params.betas, trans)).vertices.astype(np.float64)
    p_gl = (body @ np.asarray(axis_angle_to_matrix(rt)).T + t) * [1, -1, -1]
    doc = dict(pose=params.pose.astype(float), betas=params.betas.astype(float), trans=trans, f=5000.0, rt=rt, t=t)
    (tmp_path / "x_body.pkl").write_bytes(pickle.dumps(doc, protocol=2))
    got = model.mesh(ex.load_params(tmp_path / "x_body.pkl", model)).vertices
    np.testing.assert_allclose(got, p_gl, atol=1e-4)


def test_never_overwrites_unless_asked(tmp_path, model, params):
    path = ex.export(tmp_path / "a.npz", params, model)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        ex.export(path, params.with_(transl=[0, 0, -20]), model)
    assert path.read_bytes() == before
    ex.export(path, params.with_(transl=[0, 0, -20]), model, overwrite=True)
    assert ex.load_params(path).transl[2] == -20
    assert sorted(os.listdir(tmp_path)) == ["a.npz"]


def test_failed_writes_leave_nothing_behind(tmp_path, model, params, mesh, monkeypatch):
    bad = mesh.vertices.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        ex.export_mesh(tmp_path / "nan.obj", bad, mesh.faces)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "link", boom)
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        ex.export(tmp_path / "mesh.glb", params, model)
    with pytest.raises(OSError, match="disk full"):
        ex.save_params(tmp_path / "p.json", params)
    assert os.listdir(tmp_path) == []


def test_unknown_suffix_and_bad_param_files(tmp_path, model, params):
    from inference.errors import USER_ERRORS

    # a format the exporter does not write, or a folder that is not there: the user's own message, no traceback
    # (the app shows USER_ERRORS alone), and the missing folder named rather than a temporary file in it
    with pytest.raises(ex.ExportFormatError, match="stl") as bad:
        ex.export(tmp_path / "body.stl", params, model)
    for name in ("body.txt", "body"):
        with pytest.raises(ex.ExportFormatError):
            ex.export(tmp_path / name, params, model)
    assert isinstance(bad.value, USER_ERRORS)
    with pytest.raises(FileNotFoundError, match="nowhere") as missing:
        ex.export(tmp_path / "nowhere" / "body.obj", params, model)
    assert ".tmp" not in str(missing.value) and isinstance(missing.value, USER_ERRORS)
    with pytest.raises(ex.ParamsFileError, match="not found"):
        ex.load_params(tmp_path / "missing.npz")
    np.savez(tmp_path / "nopose.npz", betas=np.zeros(10))
    with pytest.raises(ex.ParamsFileError, match="nopose.npz.*pose"):
        ex.load_params(tmp_path / "nopose.npz")
    (tmp_path / "short.json").write_text(json.dumps({"pose": [0] * 10, "betas": [0] * 10}))
    with pytest.raises(ex.ParamsFileError, match="short.json.*72"):
        ex.load_params(tmp_path / "short.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ex.ParamsFileError, match="broken.json"):
        ex.load_params(tmp_path / "broken.json")
    # a file that is not what its suffix says: said so, not numpy's hint to allow pickles
    (tmp_path / "photo.npz").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    with pytest.raises(ex.ParamsFileError, match="photo.npz.*not an .npz file") as wrong:
        ex.load_params(tmp_path / "photo.npz")
    assert "allow_pickle" not in str(wrong.value)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_body_pkl_reader_refuses_code(tmp_path):
    (tmp_path / "evil_body.pkl").write_bytes(pickle.dumps({"pose": _Evil()}, protocol=2))
    with pytest.raises(ex.ParamsFileError, match="refusing"):
        ex.load_params(tmp_path / "evil_body.pkl")


@pytest.mark.parametrize("shape", [(5, 7, 3), (5, 7, 4), (5, 7)])
def test_png_bytes_keep_the_picture(shape):
    """RGB, RGBA and grey pictures read back from their PNG bytes as they were (channels in order, not mirrored)."""
    import cv2

    a = np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8)
    d = cv2.imdecode(np.frombuffer(ex.png_bytes(a), np.uint8), cv2.IMREAD_UNCHANGED)
    back = d if d.ndim == 2 else cv2.cvtColor(d, cv2.COLOR_BGR2RGB if shape[2] == 3 else cv2.COLOR_BGRA2RGBA)
    np.testing.assert_array_equal(back, a)


def test_a_file_that_does_not_read_is_said_in_words_not_a_decoder_s_class_name(tmp_path):
    """"cannot read parameters from X: JSONDecodeError: Expecting value: line 1 column 1 (char 0)", "EOFError: Ran
    out of input", "UnpicklingError: Memo value not found at index 101", "UnicodeDecodeError: 'utf-8' codec ...",
    "RecursionError: maximum recursion depth exceeded": what is wrong with the file, in words."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(60)
    cases = {
        "empty.json": (b"", "the file is empty"),
        "empty_body.pkl": (b"", "the file is empty"),
        "broken.json": (b"{", "not a JSON file, or a damaged one (line 1, column 2: expecting property name"),
        "png.json": (png, "not a JSON file: it is not text (byte 89 at 0)"),
        "deep.json": (b"[" * 100000 + b"]" * 100000, "nested too deeply to be read"),
        "png_body.pkl": (png, "not a pickle file, or one cut short or damaged"),
        "text_body.pkl": (b"hello, this is text\n" * 20, "not a pickle file, or one cut short or damaged"),
        "cut.npz": (None, "damaged or cut short"),
        "objects.npz": (None, "it holds pickled objects, not plain arrays"),
    }
    np.savez(tmp_path / "whole.npz", pose=np.zeros(72), betas=np.zeros(10))
    for name, (data, why) in cases.items():
        path = tmp_path / name
        if name == "cut.npz":
            path.write_bytes((tmp_path / "whole.npz").read_bytes()[:300])
        elif name == "objects.npz":
            np.savez(path, pose=np.array([{"a": 1}] * 72, dtype=object))
        else:
            path.write_bytes(data)
        with pytest.raises(ex.ParamsFileError) as info:
            ex.load_params_file(path)
        said = str(info.value)
        assert said.startswith(f"cannot read parameters from {path}: {why}"), said
        assert not any(w in said for w in ("Error", "allow_pickle", "codec", "Memo", "Ran out")), said


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_up3d_keys_are_read_whichever_file_holds_them(tmp_path, model, params, suffix):
    """A UP-3D fit (trans, f, rt, t) saved as .npz or .json: its camera was ignored without a word (the body upside
    down, the default focal); now it reads as the same fit in a _body.pkl does."""
    rt, t, trans = np.array([0.1, 0.2, -0.1]), np.array([0.2, 0.1, 30.0]), np.array([0.3, -0.1, 0.5])
    doc = dict(pose=params.pose.astype(float), betas=params.betas.astype(float), trans=trans, f=4000.0, rt=rt, t=t)
    (tmp_path / "x_body.pkl").write_bytes(pickle.dumps(doc, protocol=2))
    path = tmp_path / f"x{suffix}"
    if suffix == ".npz":
        np.savez(path, **doc)
    else:
        path.write_text(json.dumps({k: np.asarray(v).tolist() for k, v in doc.items()}))
    want, got = ex.load_params_file(tmp_path / "x_body.pkl", model), ex.load_params_file(path, model)
    np.testing.assert_allclose(model.mesh(got.params).vertices, model.mesh(want.params).vertices, atol=1e-5)
    assert got.focal == want.focal == 4000.0 and got.transl_given


def test_nbf_keys_in_a_pkl_are_read_and_a_mix_of_both_is_refused(tmp_path, model, params):
    """A .pkl holding NBF's transl and focal lost them without a word (only trans, t, f were read); a file with keys
    of both layouts is refused, the keys named."""
    doc = dict(pose=params.pose.astype(float), betas=params.betas.astype(float),
               transl=params.transl.astype(float), focal=3000.0)
    (tmp_path / "nbf.pkl").write_bytes(pickle.dumps(doc, protocol=2))
    rec = ex.load_params_file(tmp_path / "nbf.pkl", model)
    np.testing.assert_allclose(rec.params.transl, params.transl, atol=1e-6)
    assert rec.focal == 3000.0 and rec.transl_given
    np.savez(tmp_path / "both.npz", **doc, t=np.array([0, 0, 40.0]), rt=np.zeros(3))
    with pytest.raises(ex.ParamsFileError, match=r"both.npz: .*NBF's transl, focal and UP-3D's t, rt"):
        ex.load_params_file(tmp_path / "both.npz", model)


def test_a_missing_photo_transl_is_called_missing(tmp_path):
    """photo_focal, photo_width and photo_height without photo_transl was 'photo_transl is not numeric'."""
    doc = {"pose": [0.0] * 72, "transl": [0, 0, -40], "photo_focal": 1000, "photo_width": 100, "photo_height": 100}
    (tmp_path / "p.json").write_text(json.dumps(doc))
    with pytest.raises(ex.ParamsFileError, match=r"p.json: photo_focal without photo_transl") as info:
        ex.load_params_file(tmp_path / "p.json")
    assert "numeric" not in str(info.value)


def test_a_folder_is_no_parameter_file(tmp_path):
    """`--pose /tmp` said "unknown parameter file kind ''"."""
    with pytest.raises(ex.ParamsFileError, match=r"is a folder; give a parameter file"):
        ex.load_params_file(tmp_path)


def test_one_obj_writer_serves_a_body_and_a_photos_scene():
    """inference/export.py and inference/scene.py each had their own `%.9g` OBJ writer: now both write through
    export.obj_bytes, which numbers each object's triangles on after the objects before it."""
    from inference.scene import _obj_bytes as scene_obj_bytes

    v = np.array([[0.0, 1e-8, -3.25], [1.0, 2.0, 3.0], [np.float32(0.1), 0.0, 0.0]], np.float32)
    f = np.array([[0, 1, 2]], np.int64)
    body = ex.obj_bytes("a body", [(None, v)], f).decode("ascii")
    assert body.splitlines() == ["# a body", "v 0 9.99999994e-09 -3.25", "v 1 2 3", "v 0.100000001 0 0", "f 1 2 3"]
    assert ex.MESH_EXPORTERS[".obj"](v, f, None) == ex.obj_bytes(
        "NBF Studio body mesh: OpenGL camera frame, metres", [(None, v)], f)
    two = ex.obj_bytes("two", [("p_1", v), ("p_2", v)], f).decode("ascii").splitlines()
    assert [ln for ln in two if ln[0] in "of"] == ["o p_1", "f 1 2 3", "o p_2", "f 4 5 6"]
    scene = type("Scene", (), {"focal": 1000.0, "width": 64, "height": 48, "names": ["person 1", "person 2"],
                               "vertices": [v, v], "faces": f})()
    assert scene_obj_bytes(scene).decode("ascii").splitlines()[1:] == [ln.replace("p_", "person_") for ln in two[1:]]
