"""Skinned glTF: a GLB reader written here re-poses the file's skin and skeleton onto the body model's
vertices (within 1 mm), and the Khronos glTF-Validator reports no errors (skipped without node and
the `gltf-validator` npm package: `cd /tmp && npm install gltf-validator`, or NBF_GLTF_VALIDATOR=<its dir>)."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from inference import export as ex
from inference.body_model import SMPL_PARENTS, BodyModel
from inference.export_gltf import skinned_glb_bytes
from inference.joints import JOINT_NAMES
from inference.parts import PALETTE, vertex_part_labels
from inference.poses import preset_pose
from inference.types import BodyParams

POSES = ("walk", "sit", "wave")
COMPONENTS = {5126: "<f4", 5121: "u1", 5123: "<u2", 5125: "<u4"}
WIDTH = {"SCALAR": 1, "VEC3": 3, "VEC4": 4, "MAT4": 16}


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


def body(name: str, seed: int = 3) -> BodyParams:
    rng = np.random.default_rng(seed)
    pose = preset_pose(name) + rng.normal(0, 0.1, 72).astype(np.float32)
    return BodyParams.from_pose(pose, rng.normal(0, 1, 10), [0.3, -0.2, -12.0])


# --------------------------------------------------------------------------- a minimal GLB reader
def read_glb(data: bytes) -> tuple[dict, bytes]:
    magic, version, total = struct.unpack_from("<4sII", data)
    assert magic == b"glTF" and version == 2 and total == len(data)
    n, kind = struct.unpack_from("<I4s", data, 12)
    assert kind == b"JSON"
    m, kind2 = struct.unpack_from("<I4s", data, 20 + n)
    assert kind2 == b"BIN\x00"
    return json.loads(data[20:20 + n]), data[28 + n:28 + n + m]


def accessor(doc: dict, blob: bytes, i: int) -> np.ndarray:
    acc = doc["accessors"][i]
    view = doc["bufferViews"][acc["bufferView"]]
    assert "byteStride" not in view
    width = WIDTH[acc["type"]]
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    a = np.frombuffer(blob, COMPONENTS[acc["componentType"]], acc["count"] * width, start)
    return a.reshape(acc["count"], width) if width > 1 else a


def quat_matrix(q) -> np.ndarray:
    x, y, z, w = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def node_matrices(doc: dict) -> dict[int, np.ndarray]:
    """Global 4x4 transform of every node (TRS, parents first)."""
    parent = {c: i for i, n in enumerate(doc["nodes"]) for c in n.get("children", [])}
    out: dict[int, np.ndarray] = {}

    def world(i: int) -> np.ndarray:
        if i not in out:
            n = doc["nodes"][i]
            L = np.eye(4)
            L[:3, :3] = quat_matrix(n.get("rotation", [0, 0, 0, 1])) * np.asarray(n.get("scale", [1, 1, 1]))
            L[:3, 3] = n.get("translation", [0, 0, 0])
            out[i] = L if i not in parent else world(parent[i]) @ L
        return out[i]

    for i in range(len(doc["nodes"])):
        world(i)
    return out


def posed_vertices(doc: dict, blob: bytes) -> np.ndarray:
    """Linear blend skinning of the file's mesh by its skin and skeleton (what a viewer draws)."""
    prim = doc["meshes"][0]["primitives"][0]["attributes"]
    skin = doc["skins"][0]
    v = accessor(doc, blob, prim["POSITION"]).astype(np.float64)
    jnt = accessor(doc, blob, prim["JOINTS_0"]).astype(np.int64)
    w = accessor(doc, blob, prim["WEIGHTS_0"]).astype(np.float64)
    ibm = accessor(doc, blob, skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    G = node_matrices(doc)
    S = np.stack([G[n] @ ibm[k] for k, n in enumerate(skin["joints"])])
    A = np.einsum("vk,vkab->vab", w, S[jnt])
    return (A[:, :3, :3] @ v[..., None])[..., 0] + A[:, :3, 3]


# --------------------------------------------------------------------------- tests
@pytest.mark.parametrize("frame", ["body", "camera"])
@pytest.mark.parametrize("pose", POSES)
def test_reposed_file_matches_the_body_model(model, pose, frame):
    params = body(pose)
    doc, blob = read_glb(skinned_glb_bytes(model, params, frame))
    mesh = model.mesh(params)
    want = np.asarray(mesh.vertices, np.float64) - (mesh.joints[0] if frame == "body" else 0)
    got = posed_vertices(doc, blob)
    assert np.abs(got - want).max() < 1e-3  # metres: within 1 mm
    assert doc["asset"]["extras"]["frame"] == frame
    pelvis = next(n for n in doc["nodes"] if n["name"] == "pelvis")
    np.testing.assert_allclose(pelvis["translation"], mesh.joints[0] if frame == "camera" else np.zeros(3),
                               atol=1e-5)


def test_skeleton_skin_and_weights(model):
    params = body("walk")
    doc, blob = read_glb(skinned_glb_bytes(model, params, vertex_colors=PALETTE[vertex_part_labels(model.weights) + 1]))
    skin = doc["skins"][0]
    names = [doc["nodes"][n]["name"] for n in skin["joints"]]
    assert names == list(JOINT_NAMES)
    parent = {c: i for i, n in enumerate(doc["nodes"]) for c in n.get("children", [])}
    for k, n in enumerate(skin["joints"]):
        p = SMPL_PARENTS[k]
        assert parent.get(n) == (None if p < 0 else skin["joints"][p])
    ibm = accessor(doc, blob, skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    rest = model.rest_joints(params.betas)
    np.testing.assert_allclose(-ibm[:, :3, 3], rest - rest[0], atol=1e-5)
    prim = doc["meshes"][0]["primitives"][0]
    w = accessor(doc, blob, prim["attributes"]["WEIGHTS_0"])
    j = accessor(doc, blob, prim["attributes"]["JOINTS_0"])
    np.testing.assert_allclose(w.sum(1), 1.0, atol=1e-6)
    # the 4 strongest joints of each vertex, in order
    strongest = np.argsort(-model.weights, 1, kind="stable")[:, 0]
    assert (j[:, 0] == strongest).all() and (np.diff(w, axis=1) <= 1e-7).all()
    assert "COLOR_0" in prim["attributes"]
    # the fitted pose: node rotations are the SMPL joint rotations
    from inference.geometry import axis_angle_to_matrix

    R = axis_angle_to_matrix(params.pose.reshape(24, 3))
    for k, n in enumerate(skin["joints"]):
        np.testing.assert_allclose(quat_matrix(doc["nodes"][n]["rotation"]), R[k], atol=1e-6)


def test_posing_the_skeleton_deforms_the_mesh(model):
    doc, blob = read_glb(skinned_glb_bytes(model, body("walk")))
    before = posed_vertices(doc, blob)
    elbow = next(n for n in doc["nodes"] if n["name"] == "left_elbow")
    elbow["rotation"] = [0.0, 0.7071068, 0.0, 0.7071068]
    after = posed_vertices(doc, blob)
    moved = np.linalg.norm(after - before, axis=1) > 1e-3
    assert 0 < moved.sum() < len(before) // 4  # the forearm and hand, not the body


def test_cli_style_export_and_plain_glb_states_the_frame(tmp_path, model):
    path = ex.export(tmp_path / "rig.glb", body("sit"), model, skinned=True)
    doc, _ = read_glb(path.read_bytes())
    assert len(doc["skins"][0]["joints"]) == 24
    plain = ex.export(tmp_path / "plain.glb", body("sit"), model)
    doc, blob = read_glb(plain.read_bytes())
    assert doc["asset"]["extras"]["frame"] == "body" and "skins" not in doc
    with pytest.raises(ValueError, match="skinned"):
        ex.export(tmp_path / "x.obj", body("sit"), model, skinned=True)


def validator_dir() -> Path | None:
    for d in (os.environ.get("NBF_GLTF_VALIDATOR"), "/tmp/node_modules/gltf-validator",
              str(Path.home() / "node_modules/gltf-validator")):
        if d and (Path(d) / "package.json").is_file():
            return Path(d)
    return None


@pytest.mark.parametrize("pose", POSES)
def test_khronos_validator_reports_no_errors(tmp_path, model, pose):
    node, vdir = shutil.which("node"), validator_dir()
    if node is None or vdir is None:
        pytest.skip("needs node and the gltf-validator npm package (cd /tmp && npm install gltf-validator)")
    colors = PALETTE[vertex_part_labels(model.weights) + 1]
    path = tmp_path / f"{pose}.glb"
    path.write_bytes(skinned_glb_bytes(model, body(pose), vertex_colors=colors if pose == "walk" else None))
    script = ("const v=require(process.argv[1]);const d=require('fs').readFileSync(process.argv[2]);"
              "v.validateBytes(new Uint8Array(d)).then(r=>console.log(JSON.stringify(r.issues)))"
              ".catch(e=>{console.error(e);process.exit(2)});")
    out = subprocess.run([node, "-e", script, str(vdir), str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    issues = json.loads(out.stdout)
    assert issues["numErrors"] == 0, issues["messages"][:10]
    assert issues["numWarnings"] == 0, issues["messages"][:10]


def test_a_twist_of_half_a_turn_leaves_no_spike_in_the_rest_mesh(model):
    """A hip turned 3 rad and a neck rolled half a turn collapse some vertices' skinning (their joints turn
    near-opposite ways): inverting it threw one 30 cm off the rest mesh, a spike for anyone who resets the rig.
    Those vertices keep the shaped rest vertex; the others are as before and the file still re-poses onto the
    body model wherever the skinning holds."""
    from inference.rig import BIND_MIN_STRETCH, blend, build_rig

    pose = np.zeros(72)
    pose[3:6] = (3.0, 0.0, 0.0)
    pose[12 * 3 + 2] = np.pi
    pose[16 * 3 + 2], pose[18 * 3 + 1] = -np.pi / 2, np.pi / 2
    betas = np.zeros(10)
    betas[0] = 1.0
    params = BodyParams.from_pose(pose, betas, [0, 0, -3])
    rig = build_rig(model, params)
    shaped = model.mesh(BodyParams.from_pose(np.zeros(72), betas, np.zeros(3))).vertices
    rest = np.asarray(shaped, np.float64) - model.rest_joints(np.asarray(betas, np.float32))[0]
    assert np.linalg.norm(rig.bind_vertices - rest, axis=1).max() < 0.03  # metres
    A = blend(rig.skinning_matrices(), rig.joints4, rig.weights4)
    held = np.linalg.svd(A[:, :3, :3], compute_uv=False)[:, 2] >= BIND_MIN_STRETCH
    assert 0 < (~held).sum() < 0.02 * len(held)  # 147 of 13,718 vertices
    doc, blob = read_glb(skinned_glb_bytes(model, params, "body"))
    mesh = model.mesh(params)
    want = np.asarray(mesh.vertices, np.float64) - mesh.joints[0]
    assert np.abs(posed_vertices(doc, blob) - want)[held].max() < 1e-3
