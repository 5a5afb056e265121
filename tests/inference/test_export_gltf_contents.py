"""Skinned glTF contents that the re-posing tests do not read: the triangle index buffer, the vertex normals, the
linear-RGB vertex colours and the material colour. Each is read back from the file's bytes by the GLB reader of
test_export_gltf.py and checked against an answer worked out in the test (the body model's own faces, the outward
side of the surface, the sRGB transfer function of IEC 61966-2-1, glTF's rule that COLOR_0 is multiplied by the base
colour)."""
from __future__ import annotations

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.export_gltf import skinned_glb_bytes
from inference.parts import vertex_part_labels
from inference.poses import preset_pose
from inference.types import BodyParams
from tests.inference.test_export_gltf import accessor, read_glb

UNSIGNED_SHORT, UNSIGNED_INT = 5123, 5125


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


def _params(pose: np.ndarray | None = None) -> BodyParams:
    return BodyParams.from_pose(np.zeros(72, np.float32) if pose is None else pose, np.zeros(10), [0.0, 0.0, -10.0])


def srgb_to_linear_by_hand(c8: int) -> float:
    """IEC 61966-2-1: c = v / 255; linear = c / 12.92 up to 0.04045, ((c + 0.055) / 1.055) ** 2.4 above."""
    c = c8 / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def test_the_index_buffer_holds_the_body_models_triangles(model):
    doc, blob = read_glb(skinned_glb_bytes(model, _params(preset_pose("walk"))))
    prim = doc["meshes"][0]["primitives"][0]
    assert prim["mode"] == 4  # triangles
    acc = doc["accessors"][prim["indices"]]
    V = len(model.weights)
    assert acc["type"] == "SCALAR" and acc["count"] == 3 * len(model.faces)
    # an index must reach vertex V - 1: 16 bits under 65535 vertices (65535 is the restart value), else 32
    assert acc["componentType"] == (UNSIGNED_SHORT if V < 65535 else UNSIGNED_INT)
    assert doc["bufferViews"][acc["bufferView"]].get("target") == 34963  # ELEMENT_ARRAY_BUFFER
    idx = accessor(doc, blob, prim["indices"]).astype(np.int64)
    np.testing.assert_array_equal(idx, np.asarray(model.faces, np.int64).ravel())
    assert idx.max() == V - 1 and (acc["min"], acc["max"]) == ([0], [V - 1])
    # the POSITION accessor's declared bounds are the positions' own
    pos = accessor(doc, blob, prim["attributes"]["POSITION"])
    pacc = doc["accessors"][prim["attributes"]["POSITION"]]
    np.testing.assert_allclose(pacc["min"], pos.min(0), rtol=0, atol=1e-6)
    np.testing.assert_allclose(pacc["max"], pos.max(0), rtol=0, atol=1e-6)


def test_normals_are_unit_and_point_out_of_the_body(model):
    """In the T-pose (bind pose = rest pose): the outermost vertices in each of the six axis directions have
    normals pointing that way; most vertices' normals point away from the centre of their part (the limbs are
    tubes around it; hands, feet and the torso's hollows are not, hence not all); and each normal is the
    normalised sum of its triangles' (counter-clockwise) face normals."""
    doc, blob = read_glb(skinned_glb_bytes(model, _params()))
    prim = doc["meshes"][0]["primitives"][0]
    pos = accessor(doc, blob, prim["attributes"]["POSITION"]).astype(np.float64)
    nrm = accessor(doc, blob, prim["attributes"]["NORMAL"]).astype(np.float64)
    faces = np.asarray(model.faces, np.int64)
    np.testing.assert_allclose(np.linalg.norm(nrm, axis=1), 1.0, atol=1e-5)
    labels = vertex_part_labels(model.weights)
    centres = np.stack([pos[labels == k].mean(0) for k in range(12)])
    outward = ((pos - centres[labels]) * nrm).sum(1) > 0
    assert outward.mean() > 0.75, outward.mean()
    for axis in range(3):
        for sign in (1.0, -1.0):
            extreme = np.argsort(-sign * pos[:, axis])[:20]
            assert (sign * nrm[extreme, axis] > 0).all() and (sign * nrm[extreme, axis]).mean() > 0.5, (axis, sign)
    # the divergence theorem: the surface integral of p . n over a closed outward surface is 3 x its volume (> 0)
    tri_area = np.linalg.norm(np.cross(pos[faces[:, 1]] - pos[faces[:, 0]], pos[faces[:, 2]] - pos[faces[:, 0]]),
                              axis=1) / 2
    vertex_area = np.zeros(len(pos))
    for k in range(3):
        np.add.at(vertex_area, faces[:, k], tri_area / 3)
    assert ((pos - pos.mean(0)) * nrm).sum(1) @ vertex_area > 0
    # area-weighted: the plain sum of the cross products (b - a) x (c - a) over each vertex's triangles
    a, b, c = pos[faces[:, 0]], pos[faces[:, 1]], pos[faces[:, 2]]
    fn = np.cross(b - a, c - a)
    want = np.zeros_like(pos)
    for k in range(3):
        np.add.at(want, faces[:, k], fn)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    assert (np.abs(nrm - want).max(1) < 1e-4).mean() > 0.999


def test_vertex_colours_are_the_srgb_colours_made_linear(model):
    V = len(model.weights)
    values = np.arange(V) % 256
    srgb = np.stack([values, 255 - values, np.full(V, 128)], 1).astype(np.uint8)
    doc, blob = read_glb(skinned_glb_bytes(model, _params(), vertex_colors=srgb))
    prim = doc["meshes"][0]["primitives"][0]
    col = accessor(doc, blob, prim["attributes"]["COLOR_0"]).astype(np.float64)
    table = np.array([srgb_to_linear_by_hand(v) for v in range(256)])
    np.testing.assert_allclose(col, table[srgb.astype(np.int64)], rtol=0, atol=1e-6)
    # a few values worked out by hand: black, the linear segment, mid-grey, white
    for v8, lin in ((0, 0.0), (5, 5 / 255 / 12.92), (10, 10 / 255 / 12.92), (128, 0.2158605), (255, 1.0)):
        assert table[v8] == pytest.approx(lin, abs=1e-6)
        assert col[np.flatnonzero(values == v8)[0], 0] == pytest.approx(lin, abs=1e-6)
    # glTF multiplies COLOR_0 by the base colour: white, so the part colours show as given
    pbr = doc["materials"][prim["material"]]["pbrMetallicRoughness"]
    assert pbr["baseColorFactor"] == [1.0, 1.0, 1.0, 1.0]
    doc1, blob1 = read_glb(skinned_glb_bytes(model, _params(), vertex_colors=np.array([128, 5, 255], np.uint8)))
    one = accessor(doc1, blob1, doc1["meshes"][0]["primitives"][0]["attributes"]["COLOR_0"])
    np.testing.assert_allclose(one, np.broadcast_to([0.2158605, 5 / 255 / 12.92, 1.0], (V, 3)), atol=1e-6)


def test_without_colours_the_material_is_the_light_grey_and_no_colour_attribute(model):
    doc, _ = read_glb(skinned_glb_bytes(model, _params()))
    prim = doc["meshes"][0]["primitives"][0]
    assert "COLOR_0" not in prim["attributes"]
    factor = doc["materials"][prim["material"]]["pbrMetallicRoughness"]["baseColorFactor"]
    assert factor[3] == 1.0 and factor[0] == factor[1] == factor[2] < 1.0
