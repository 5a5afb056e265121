"""scripts/draw_scene.py: a scene of two people drawn through its own camera over the photo, each body in its
person's colour where the scene's camera projects it, and the view from above beside it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.photo_camera import photo_camera
from inference.poses import preset_pose
from inference.scene import PERSON_COLORS, export_scene, photo_scene
from inference.types import BodyParams, Camera, Crop

ROOT = Path(__file__).resolve().parents[2]
H, W = 300, 500


def test_the_bodies_are_drawn_on_their_people(tmp_path):
    body = BodyModel()
    bodies = []
    for name, offset, side in (("person 1", (40.0, 20.0), 260.0), ("person 2", (330.0, 120.0), 130.0)):
        params = BodyParams.from_pose(preset_pose("apose"), np.zeros(10), [0.0, -0.1, -40.0])
        mesh = body.mesh(params)
        crop = Crop(np.array(offset, np.float32), CROP_SIZE / side, CROP_SIZE)
        bodies.append((name, mesh, photo_camera(params, mesh, crop, Camera(FOCAL, CROP_SIZE), (H, W, 3))))
    scene = photo_scene(bodies)
    export_scene(tmp_path / "s_scene.glb", scene)
    cv2.imwrite(str(tmp_path / "photo.png"), np.full((H, W, 3), 40, np.uint8))
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "draw_scene.py"), str(tmp_path / "s_scene.glb"),
                          str(tmp_path / "photo.png"), "--out", str(tmp_path / "out.png")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "2 people" in run.stdout
    out = cv2.imread(str(tmp_path / "out.png"))[..., ::-1]
    assert out.shape == (H, W + H, 3)
    photo_half = out[:, :W].astype(int)
    for k, v in enumerate(scene.vertices):
        uv = scene.project(v)
        x0, y0 = np.clip(uv.min(0).astype(int), 0, [W - 1, H - 1])
        x1, y1 = np.clip(uv.max(0).astype(int), 0, [W - 1, H - 1])
        inside = photo_half[y0:y1 + 1, x0:x1 + 1]
        # the person's hue where the scene puts them (shaded, blended over the dark photo)
        hue = np.array(PERSON_COLORS[k]) / max(PERSON_COLORS[k])
        tinted = (inside.sum(-1) > 150) & (np.abs(inside / np.maximum(inside.max(-1, keepdims=True), 1) - hue)
                                           .max(-1) < 0.25)
        assert tinted.mean() > 0.1, (k, tinted.mean())
