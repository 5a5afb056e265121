"""Mesh files made from a parameter file (inference/predict_outputs.py): what a rerun asking for more mesh formats
writes without fitting anyone again."""
from __future__ import annotations

import numpy as np
import pytest
import trimesh

from inference.body_model import BodyModel
from inference.export import save_params, stated_frame
from inference.poses import preset_pose
from inference.predict_outputs import (
    MESH_FORMATS,
    mesh_path,
    missing_meshes,
    siblings_frame,
    write_mesh,
    write_meshes_from_params,
)
from inference.types import BodyParams


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def params() -> BodyParams:
    rng = np.random.default_rng(3)
    pose = preset_pose("walk") + rng.normal(0, 0.05, 72).astype(np.float32)
    return BodyParams.from_pose(pose, rng.normal(0, 1, 10), [0.05, -0.2, -30.0])


@pytest.mark.parametrize("frame", ["body", "camera"])
def test_meshes_from_the_parameter_file_are_the_fits_meshes(tmp_path, model, params, frame):
    """Every mesh format made from NAME.npz is the file the fit's own writer made of that body (the same vertices
    within float32 rounding; skinned-glb and bvh written), and only the formats missing are asked for."""
    mesh = model.mesh(params)
    (tmp_path / "fit").mkdir()
    (tmp_path / "direct").mkdir()
    save_params(tmp_path / "fit" / "a.npz", params)
    for fmt in MESH_FORMATS:
        write_mesh(tmp_path / "direct" / "a", fmt, params, mesh, model, False, frame)
    assert missing_meshes(tmp_path / "fit" / "a", list(MESH_FORMATS)) == list(MESH_FORMATS)
    written = write_meshes_from_params(tmp_path / "fit" / "a", list(MESH_FORMATS), model, frame)
    assert [q.name for q in written] == [mesh_path(tmp_path / "a", f).name for f in MESH_FORMATS]
    assert missing_meshes(tmp_path / "fit" / "a", list(MESH_FORMATS)) == []
    for fmt in ("obj", "ply", "glb"):
        ours = trimesh.load(mesh_path(tmp_path / "fit" / "a", fmt), process=False, force="mesh").vertices
        theirs = trimesh.load(mesh_path(tmp_path / "direct" / "a", fmt), process=False, force="mesh").vertices
        assert np.abs(ours - theirs).max() < 1e-5, fmt
    assert (tmp_path / "fit" / "a.bvh").read_text() == (tmp_path / "direct" / "a.bvh").read_text()


def test_a_failed_write_leaves_none_of_the_meshes(tmp_path, model, params, monkeypatch):
    """All or nothing, as the fit's writer: the disk full at the second format removes the first; a parameter file
    that is not there is the user's error (ParamsFileError), nothing written."""
    import inference.predict_outputs as outputs
    from inference.errors import ParamsFileError

    save_params(tmp_path / "a.npz", params)
    calls = []

    def full_at_second(stem, fmt, *args):
        calls.append(fmt)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return write_mesh(stem, fmt, *args)

    monkeypatch.setattr(outputs, "write_mesh", full_at_second)
    with pytest.raises(OSError, match="No space"):
        write_meshes_from_params(tmp_path / "a", ["obj", "glb"], model)
    assert calls == ["obj", "glb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]
    with pytest.raises(ParamsFileError):
        write_meshes_from_params(tmp_path / "b", ["obj"], model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]


@pytest.mark.parametrize("frame", ["body", "camera"])
def test_every_mesh_file_states_its_frame_and_a_persons_files_say_theirs(tmp_path, model, params, frame):
    """stated_frame reads back the frame each NBF mesh file states (OBJ line, PLY comment, GLB asset.extras, the
    rigged GLB's); a BVH, another tool's mesh, a damaged or absent file state none. siblings_frame: the frame of a
    person's files when they agree."""
    mesh = model.mesh(params)
    for fmt in MESH_FORMATS:
        write_mesh(tmp_path / "a", fmt, params, mesh, model, False, frame)
        assert stated_frame(mesh_path(tmp_path / "a", fmt)) == (None if fmt == "bvh" else frame), fmt
    assert siblings_frame(tmp_path / "a") == frame
    other = "body" if frame == "camera" else "camera"
    write_mesh(tmp_path / "b", "obj", params, mesh, model, False, other)
    write_mesh(tmp_path / "b", "glb", params, mesh, model, False, frame)
    assert siblings_frame(tmp_path / "b") is None  # they disagree: the run's own frame decides
    assert siblings_frame(tmp_path / "nobody") is None
    trimesh.Trimesh(mesh.vertices, mesh.faces, process=False).export(tmp_path / "t.obj")
    trimesh.Trimesh(mesh.vertices, mesh.faces, process=False).export(tmp_path / "t.ply")
    trimesh.Trimesh(mesh.vertices, mesh.faces, process=False).export(tmp_path / "t.glb")
    (tmp_path / "bad.glb").write_bytes(b"glTF\x02\x00\x00\x00" + b"\xff" * 40)
    (tmp_path / "text.glb").write_bytes(b"not a glb at all")
    for name in ("t.obj", "t.ply", "t.glb", "bad.glb", "text.glb", "missing.obj"):
        assert stated_frame(tmp_path / name) is None, name
