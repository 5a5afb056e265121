"""`main.py export` / `predict` animation outputs: --skinned GLB, BVH, --frame body|camera."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh

from cli.main import main
from cli.predict_args import parse_mesh_formats
from inference.paths import RESOURCES
from inference.predict_outputs import output_paths

SAMPLES = RESOURCES / "samples"


def glb_json(path: Path) -> dict:
    data = path.read_bytes()
    n, kind = struct.unpack_from("<I4s", data, 12)
    assert data[:4] == b"glTF" and kind == b"JSON"
    return json.loads(data[20:20 + n])


def test_export_skinned_glb_and_bvh(tmp_path, capsys):
    assert main(["export", "--preset", "walk", "--out", str(tmp_path / "walk.glb"), "--skinned",
                 "--part-colors"]) == 0
    doc = glb_json(tmp_path / "walk.glb")
    assert len(doc["skins"][0]["joints"]) == 24 and doc["asset"]["extras"]["frame"] == "body"
    assert "COLOR_0" in doc["meshes"][0]["primitives"][0]["attributes"]
    assert main(["export", "--preset", "walk", "--out", str(tmp_path / "walk.bvh")]) == 0
    text = (tmp_path / "walk.bvh").read_text()
    assert text.startswith("HIERARCHY") and "Frames: 1" in text
    assert main(["export", "--preset", "walk", "--out", str(tmp_path / "walk.obj"), "--skinned"]) == 2
    assert "--skinned" in capsys.readouterr().err
    for name in ("walk.json", "walk2.bvh"):  # no vertex colours there: said, not silently dropped
        assert main(["export", "--preset", "walk", "--out", str(tmp_path / name), "--part-colors"]) == 2
        assert "--part-colors" in capsys.readouterr().err and not (tmp_path / name).exists()


def test_frame_of_mesh_exports(tmp_path):
    for frame in ("body", "camera"):
        assert main(["export", "--preset", "sit", "--out", str(tmp_path / f"{frame}.obj"), "--frame", frame]) == 0
    body = trimesh.load(tmp_path / "body.obj", process=False, force="mesh").vertices
    cam = trimesh.load(tmp_path / "camera.obj", process=False, force="mesh").vertices
    assert (tmp_path / "body.obj").read_text().splitlines()[0].startswith("# NBF Studio body mesh, frame: body")
    assert (tmp_path / "camera.obj").read_text().splitlines()[0].startswith("# NBF Studio body mesh, frame: camera")
    shift = cam - body
    np.testing.assert_allclose(shift, np.broadcast_to(shift[0], shift.shape), atol=1e-5)  # a translation
    assert np.linalg.norm(shift[0]) > 1.0  # the camera frame is metres away, the body frame at the origin
    assert np.abs(body.mean(0)).max() < 0.5


def test_predict_mesh_formats_accept_the_animation_outputs(tmp_path):
    formats = parse_mesh_formats("obj, skinned-glb, bvh")
    names = [p.name for p in output_paths(tmp_path / "x", formats, people=False)]
    assert "x.obj" in names and "x_skinned.glb" in names and "x.bvh" in names


def test_predict_writes_skinned_glb_and_bvh(tmp_path, cached_predictor):
    out = tmp_path / "out"
    assert main(["predict", str(SAMPLES / "synthetic_01.png"), "--out", str(out), "--detect", "off",
                 "--mesh-formats", "glb,skinned-glb,bvh"]) == 0
    assert len(glb_json(out / "synthetic_01_skinned.glb")["skins"][0]["joints"]) == 24
    assert glb_json(out / "synthetic_01.glb")["asset"]["extras"]["frame"] == "body"
    assert (out / "synthetic_01.bvh").read_text().startswith("HIERARCHY")
    assert [asked["detect"] for asked in cached_predictor] == ["off"]


def test_a_pkl_not_named_body_pkl_is_written_in_up3d_layout_and_read_back(tmp_path, capsys):
    """`export --out e/a.pkl` was accepted although the help named only NAME_body.pkl: the writer and every reader
    of parameter files take any .pkl (the UP-3D layout), so it is kept, and the help says so."""
    from inference.export import load_params_file

    out = tmp_path / "a.pkl"
    assert main(["export", "--preset", "walk", "--betas=1,-0.5", "--out", str(out)]) == 0
    rec = load_params_file(out)
    assert rec.params.betas[:2].tolist() == [1.0, -0.5] and rec.focal is not None
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "any NAME.pkl is written, and read back, alike" in " ".join(capsys.readouterr().out.split())
