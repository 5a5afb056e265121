"""Several people of one photo in one scene: one camera, each body on its person (root where its own photo
camera puts it, seen at the same size), a smaller person further away; written as GLB (a node per person and
the photo camera), OBJ (an object per person) and PLY (one coloured mesh), each read back."""
from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.colors import PERSON_COLORS
from inference.errors import ExportFormatError
from inference.export_gltf import glb_unpack
from inference.photo_camera import photo_camera
from inference.poses import preset_pose
from inference.scene import export_scene, load_scene, photo_scene, scene_people
from inference.types import BodyParams, Camera, Crop

H, W = 600, 1000


@pytest.fixture(scope="module")
def people():
    """Two people of a 1000 x 600 photo: one in a 500 px crop left of centre, one half as large on the right."""
    body = BodyModel()
    out = []
    for name, pose, offset, side in (("person 1", "walk", (100.0, 50.0), 500.0),
                                     ("person 2", "tpose", (700.0, 200.0), 250.0)):
        params = BodyParams.from_pose(preset_pose(pose), np.zeros(10), [0.02, -0.15, -40.0])
        mesh = body.mesh(params)
        crop = Crop(np.array(offset, np.float32), CROP_SIZE / side, CROP_SIZE)
        out.append((name, mesh, photo_camera(params, mesh, crop, Camera(FOCAL, CROP_SIZE), (H, W, 3), body)))
    return out


def test_each_body_lies_on_its_person_seen_through_one_camera(people):
    scene = photo_scene(people)
    assert scene.focal == people[0][2].focal and (scene.width, scene.height) == (W, H)
    heights = []
    for (_name, mesh, cam), v in zip(people, scene.vertices):
        # every vertex where the person's own photo camera puts it, within 0.5 % of the body's height there
        own = cam.project(mesh.vertices)
        seen = scene.project(v)
        height = np.ptp(own[:, 1])
        assert np.abs(seen - own).max() < 0.005 * height
        heights.append((height, -float(v[:, 2].mean())))
    (h1, d1), (h2, d2) = heights
    # person 2's crop is half as large (the same body seen half as tall): twice as far
    assert h2 < h1 and d2 / d1 == pytest.approx(people[0][2].focal / people[1][2].focal, rel=0.01) == 2.0
    with pytest.raises(ValueError):
        photo_scene([])


def test_scene_files_read_back(people, tmp_path):
    scene = photo_scene(people)
    V = len(scene.vertices[0])
    glb = export_scene(tmp_path / "both.glb", scene)
    doc, _ = glb_unpack(glb.read_bytes())
    assert [n["name"] for n in doc["nodes"]] == ["person 1", "person 2", "photo camera"]
    cam = doc["cameras"][0]["perspective"]
    assert cam["yfov"] == pytest.approx(2 * math.atan(H / 2 / scene.focal)) and cam["aspectRatio"] == W / H
    assert scene_people(glb) == ("person 1", "person 2")  # (the JSON chunk alone: `predict`'s check of a folder)
    (tmp_path / "torn.glb").write_bytes(glb.read_bytes()[:14])
    (tmp_path / "not.glb").write_text("o person 1\n")
    for bad in ("torn.glb", "not.glb"):
        with pytest.raises(ValueError):
            scene_people(tmp_path / bad)
    back = load_scene(glb)  # the project's own reader (scripts/draw_scene.py)
    assert back.names == scene.names and back.focal == pytest.approx(scene.focal, rel=1e-9)
    assert (back.width, back.height) == (W, H) and np.array_equal(back.faces, scene.faces)
    for a, b in zip(back.vertices, scene.vertices):
        np.testing.assert_array_equal(a, b)
    loaded = trimesh.load(glb, force="scene")
    got = {g.split("_")[0] if g not in loaded.geometry else g: m for g, m in loaded.geometry.items()}
    assert len(got) == 2 and all(len(m.vertices) == V for m in got.values())
    obj = export_scene(tmp_path / "both.obj", scene)
    text = obj.read_text()
    assert text.count("\no ") == 2 and text.count("\nv ") == 2 * V
    verts = np.array([line.split()[1:] for line in text.splitlines() if line.startswith("v ")], np.float32)
    np.testing.assert_array_equal(verts, np.concatenate(scene.vertices))
    ply = trimesh.load(export_scene(tmp_path / "both.ply", scene), process=False)
    assert len(ply.vertices) == 2 * V and len(ply.faces) == 2 * len(scene.faces)
    assert tuple(ply.visual.vertex_colors[V, :3]) == PERSON_COLORS[1]
    with pytest.raises(FileExistsError):
        export_scene(tmp_path / "both.glb", scene)
    with pytest.raises(ExportFormatError):
        export_scene(tmp_path / "both.bvh", scene)


def test_a_point_at_or_behind_the_scene_camera_is_nowhere_in_the_photo(people):
    """The scene projects as the photo camera does (`photo_camera.project_to_photo`): NaN at or behind the camera."""
    scene = photo_scene(people)
    uv = scene.project(np.array([[0.0, 0.0, -5.0], [0.3, 0.1, 0.0], [0.3, 0.1, 2.0]]))
    np.testing.assert_allclose(uv[0], [W / 2, H / 2])
    assert np.isnan(uv[1:]).all()
