"""Skinned glTF 2.0 (binary .glb): the body mesh bound to SMPL's 24-joint skeleton, posed as fitted.

Written with numpy and struct (trimesh writes no skins). One scene with two root nodes: the mesh node
"body" (no transform, skin 0) and the skeleton, rooted at "pelvis". Each joint node carries its rest
offset from its parent as translation and the fitted pose as rotation (a unit quaternion, x y z w), so a
viewer shows the fitted body, and rotating a joint node re-poses the mesh. The skin lists the 24 joints
in SMPL order (`joints.JOINT_NAMES`) with their inverse bind matrices (the bind pose: every joint
unrotated at its rest position, pelvis at the origin). Vertices: POSITION and NORMAL of the bind mesh
(`inference.rig`), JOINTS_0 / WEIGHTS_0 (4 strongest joints, weights renormalised), optionally COLOR_0
(part colours, linear RGB). Metres, y up, the body facing +z (glTF's own conventions).

The frame of reference (`inference.rig.FRAMES`) sets where the pelvis node is: at the origin ("body",
default) or where the body is in the OpenGL camera frame ("camera"). `asset.extras` says which, and holds
the SMPL parameters (pose 72, betas 10, transl 3 in the camera frame) that made the file.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from .json_files import parse_json
from .rig import FRAME_TEXT, Rig, build_rig

GLB_MAGIC, JSON_CHUNK, BIN_CHUNK = b"glTF", b"JSON", b"BIN\x00"
FLOAT, UBYTE, USHORT, UINT = 5126, 5121, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


def matrix_to_quaternion(R: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices -> (..., 4) unit quaternions (x, y, z, w), w >= 0."""
    from scipy.spatial.transform import Rotation

    R = np.asarray(R, np.float64)
    q = Rotation.from_matrix(R.reshape(-1, 3, 3)).as_quat()
    q *= np.where(q[:, 3:] < 0, -1.0, 1.0)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return q.reshape(R.shape[:-2] + (4,))


def vertex_normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """(V, 3) unit area-weighted vertex normals of the mesh v (V, 3), f (F, 3) (+y where a vertex has no area around
    it)."""
    fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, f[:, k], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(length > 1e-12, n / np.maximum(length, 1e-12), [0.0, 1.0, 0.0]).astype(np.float32)
    return n / np.linalg.norm(n, axis=1, keepdims=True)


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """sRGB colours (..., 3) or (..., 4) (uint8 or floats in [0, 1]) -> linear floats (..., 3) in [0, 1] (glTF's
    COLOR_0 is linear; an alpha channel is dropped)."""
    c = np.asarray(c)
    c = c / 255.0 if c.dtype.kind in "ui" else np.asarray(c, np.float64)
    c = np.clip(c[..., :3], 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


class _Builder:
    """Accumulates buffer views and accessors of one binary buffer (each view 4-byte aligned)."""

    def __init__(self):
        self.blob = bytearray()
        self.views: list[dict] = []
        self.accessors: list[dict] = []

    def add(self, array: np.ndarray, component: int, kind: str, target: int | None = None,
            minmax: bool = False, normalized: bool = False) -> int:
        dtype = {FLOAT: "<f4", UBYTE: "u1", USHORT: "<u2", UINT: "<u4"}[component]
        a = np.ascontiguousarray(array, dtype)
        while len(self.blob) % 4:
            self.blob.append(0)
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": a.nbytes}
        if target is not None:
            view["target"] = target
        self.blob += a.tobytes()
        self.views.append(view)
        acc = {"bufferView": len(self.views) - 1, "componentType": component, "count": int(len(a)), "type": kind}
        if normalized:
            acc["normalized"] = True
        if minmax:
            flat = a.reshape(len(a), -1)
            acc["min"] = [float(x) for x in flat.min(0)]
            acc["max"] = [float(x) for x in flat.max(0)]
            if component != FLOAT:
                acc["min"], acc["max"] = [int(x) for x in acc["min"]], [int(x) for x in acc["max"]]
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def glb(self, doc: dict) -> bytes:
        """The GLB file of `doc` (without accessors, views and buffers: this builder's are added)."""
        while len(self.blob) % 4:
            self.blob.append(0)
        doc = {**doc, "accessors": self.accessors, "bufferViews": self.views,
               "buffers": [{"byteLength": len(self.blob)}]}
        return glb_pack(doc, bytes(self.blob))


def rig_glb_bytes(rig: Rig, vertex_colors: np.ndarray | None = None, extras: dict | None = None) -> bytes:
    """The GLB file of a Rig (see the module docstring); vertex_colors (V, 3|4) or (3|4,) sRGB."""
    b = _Builder()
    V, J = len(rig.bind_vertices), len(rig.names)
    pos = b.add(rig.bind_vertices.astype(np.float32), FLOAT, "VEC3", ARRAY_BUFFER, minmax=True)
    nrm = b.add(vertex_normals(rig.bind_vertices, rig.faces), FLOAT, "VEC3", ARRAY_BUFFER)
    jnt = b.add(rig.joints4, UBYTE if J < 256 else USHORT, "VEC4", ARRAY_BUFFER)
    w = rig.weights4.astype(np.float32)
    w /= w.sum(1, keepdims=True)
    wts = b.add(w, FLOAT, "VEC4", ARRAY_BUFFER)
    attributes = {"POSITION": pos, "NORMAL": nrm, "JOINTS_0": jnt, "WEIGHTS_0": wts}
    if vertex_colors is not None:
        c = np.broadcast_to(srgb_to_linear(vertex_colors), (V, 3))
        attributes["COLOR_0"] = b.add(c.astype(np.float32), FLOAT, "VEC3", ARRAY_BUFFER)
    idx = b.add(rig.faces.reshape(-1), USHORT if V < 65535 else UINT, "SCALAR", ELEMENT_ARRAY_BUFFER,
                minmax=True)
    ibm = np.tile(np.eye(4), (J, 1, 1))
    ibm[:, :3, 3] = -rig.rest_joints
    ibms = b.add(ibm.transpose(0, 2, 1).reshape(J, 16).astype(np.float32), FLOAT, "MAT4")  # column-major

    quats = matrix_to_quaternion(rig.local_rotations)
    nodes: list[dict] = [{"name": "body", "mesh": 0, "skin": 0}]
    first = len(nodes)
    for j, name in enumerate(rig.names):
        p = int(rig.parents[j])
        t = rig.root_position if p < 0 else rig.rest_joints[j] - rig.rest_joints[p]
        node = {"name": name, "translation": [float(x) for x in t], "rotation": [float(x) for x in quats[j]]}
        children = [first + k for k in range(J) if int(rig.parents[k]) == j]
        if children:
            node["children"] = children
        nodes.append(node)
    roots = [first + j for j in range(J) if rig.parents[j] < 0]
    doc = {
        "asset": {"version": "2.0", "generator": "NBF Studio",
                  "extras": {"frame": rig.frame, "frame_description": FRAME_TEXT[rig.frame],
                             "skeleton": "SMPL 24 joints", **(extras or {})}},
        "scene": 0,
        "scenes": [{"name": "NBF Studio body", "nodes": [0, *roots]}],
        "nodes": nodes,
        "meshes": [{"name": "body", "primitives": [{"attributes": attributes, "indices": idx, "material": 0,
                                                    "mode": 4}]}],
        "materials": [{"name": "skin", "pbrMetallicRoughness": {"baseColorFactor": [0.8, 0.8, 0.8, 1.0]
                                                                if vertex_colors is None else [1.0, 1.0, 1.0, 1.0],
                                                                "metallicFactor": 0.0, "roughnessFactor": 0.7}}],
        "skins": [{"name": "SMPL", "inverseBindMatrices": ibms, "skeleton": roots[0],
                   "joints": [first + j for j in range(J)]}],
    }
    return b.glb(doc)


def glb_pack(doc: dict, blob: bytes) -> bytes:
    """A GLB container: header, JSON chunk (space-padded), BIN chunk (zero-padded)."""
    js = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    js += b" " * (-len(js) % 4)
    blob += b"\x00" * (-len(blob) % 4)
    total = 12 + 8 + len(js) + 8 + len(blob)
    return (struct.pack("<4sII", GLB_MAGIC, 2, total) + struct.pack("<I4s", len(js), JSON_CHUNK) + js
            + struct.pack("<I4s", len(blob), BIN_CHUNK) + blob)


def glb_json_length(head: bytes) -> tuple[int, int]:
    """(total length, JSON chunk length) from a GLB's first 20 bytes (its JSON chunk follows them); ValueError when
    they are not a glTF 2.0 binary's with a JSON chunk first."""
    try:
        magic, version, total = struct.unpack_from("<4sII", head, 0)
        n, kind = struct.unpack_from("<I4s", head, 12)
    except struct.error:
        raise ValueError("not a glTF 2.0 binary file") from None
    if magic != GLB_MAGIC or version != 2:
        raise ValueError("not a glTF 2.0 binary file")
    if kind != JSON_CHUNK:
        raise ValueError("GLB without a JSON chunk first")
    return total, n


def glb_unpack(data: bytes) -> tuple[dict, bytes]:
    """(JSON document, BIN chunk) of a GLB file's bytes; ValueError when it is not one."""
    total, n = glb_json_length(data[:20])
    if total > len(data):
        raise ValueError("not a glTF 2.0 binary file")
    doc = parse_json(data[20:20 + n])
    blob = b""
    if 20 + n + 8 <= total:
        m, kind = struct.unpack_from("<I4s", data, 20 + n)
        if kind == BIN_CHUNK:
            blob = data[28 + n:28 + n + m]
    return doc, blob


def with_asset_extras(glb: bytes, extras: dict) -> bytes:
    """A GLB (e.g. trimesh's) with `extras` merged into asset.extras (the frame of reference)."""
    doc, blob = glb_unpack(glb)
    asset = doc.setdefault("asset", {"version": "2.0"})
    asset["extras"] = {**(asset.get("extras") or {}), **extras}
    return glb_pack(doc, blob)


def params_extras(params) -> dict:
    """The SMPL parameters as JSON values (for asset.extras)."""
    return {"smpl_pose": [round(float(x), 7) for x in np.asarray(params.pose).ravel()],
            "smpl_betas": [round(float(x), 7) for x in np.asarray(params.betas).ravel()],
            "smpl_transl_camera": [round(float(x), 7) for x in np.asarray(params.transl).ravel()]}


def skinned_glb_bytes(body_model, params, frame: str = "body", vertex_colors: np.ndarray | None = None) -> bytes:
    """The skinned GLB of `params` posed by `body_model` in `frame` ("body" | "camera"); vertex_colors (V, 3|4) or
    (3|4,) sRGB, or None."""
    rig = build_rig(body_model, params, frame)
    return rig_glb_bytes(rig, vertex_colors, {**params_extras(params), "body_model": str(body_model.name)})


def export_skinned_glb(path: str | Path, body_model, params, frame: str = "body",
                       vertex_colors: np.ndarray | None = None, overwrite: bool = False) -> Path:
    """Write the skinned GLB of `skinned_glb_bytes` (vertex_colors (V, 3|4) or (3|4,) sRGB, or None) atomically;
    FileExistsError unless overwrite. Returns the path."""
    from .file_writes import atomic_write

    return atomic_write(path, skinned_glb_bytes(body_model, params, frame, vertex_colors), overwrite)
