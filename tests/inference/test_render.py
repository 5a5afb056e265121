"""Offscreen rendering: exact label maps, shaded views, the crop camera, and a golden image.

Regenerate the golden image (after an intended change, then look at it):
    NBF_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/inference/test_render.py -k golden
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from inference.body_model import JOINT_NAMES, BodyModel
from inference.camera import CROP_SIZE, FOCAL, focal_for_size
from inference.geometry import project_points
from inference.parts import PALETTE, PART_NAMES
from inference.poses import preset_pose
from inference.types import BodyParams

GOLDEN = Path(__file__).parent / "golden" / "tpose_labels_128.png"
SIZE = 128
FOCAL_128 = focal_for_size(SIZE)  # 2500 px: the 256 px crop's field of view at 128 px
LABEL = {name: k + 1 for k, name in enumerate(PART_NAMES)}


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def renderer(model):
    from inference.render import Renderer

    r = Renderer(model.faces, model.weights, SIZE)
    yield r
    r.close()


@pytest.fixture
def crop(renderer):
    renderer.resize(SIZE, SIZE)
    renderer.set_crop_camera(FOCAL_128)
    return renderer


@pytest.fixture(scope="module")
def tpose(model):
    return model.mesh(BodyParams.zeros(40.0))


def _is_palette(rgb: np.ndarray) -> np.ndarray:
    return (rgb[:, :, None, :] == PALETTE[None, None]).all(-1).any(-1)


def test_camera_constants():
    assert CROP_SIZE == 256 and FOCAL == 5000.0 and FOCAL_128 == 2500.0


def test_label_map_holds_only_palette_colours_and_most_parts(crop, tpose):
    rgb = crop.render_label_colors(tpose.vertices)
    assert rgb.shape == (SIZE, SIZE, 3) and rgb.dtype == np.uint8
    assert _is_palette(rgb).all(), "a pixel outside the palette (blended edge?)"
    labels = crop.render_labels(tpose.vertices)
    parts = set(np.unique(labels)) - {0}
    assert len(parts) >= 10, sorted(parts)
    np.testing.assert_array_equal(PALETTE[labels], rgb)


def test_label_map_matches_the_projected_body(crop, tpose):
    """The crop camera of the renderer is the one of inference.geometry.project_points."""
    labels = crop.render_labels(tpose.vertices)
    rows, cols = np.nonzero(labels)
    uv = project_points(tpose.vertices, FOCAL_128, SIZE)
    assert abs(cols.min() - uv[:, 0].min()) < 1.5 and abs(cols.max() + 1 - uv[:, 0].max()) < 1.5
    assert abs(rows.min() - uv[:, 1].min()) < 1.5 and abs(rows.max() + 1 - uv[:, 1].max()) < 1.5
    j = project_points(tpose.joints, FOCAL_128, SIZE)
    head = j[JOINT_NAMES.index("head")].astype(int)
    assert labels[head[1], head[0]] == LABEL["head"]
    # facing the camera: the subject's left is on the image's right
    left = np.nonzero(labels == LABEL["left thigh"])[1].mean()
    right = np.nonzero(labels == LABEL["right thigh"])[1].mean()
    assert left > SIZE / 2 > right


def test_shaded_render_covers_the_label_silhouette(crop, tpose):
    rgba, depth = crop.render_shaded(tpose.vertices, with_depth=True)
    assert rgba.shape == (SIZE, SIZE, 4) and rgba.flags["C_CONTIGUOUS"]
    body = crop.render_labels(tpose.vertices) > 0
    alpha = rgba[..., 3]
    shaded = alpha > 0
    # antialiased edges: partly covered pixels join the shaded silhouette, fully covered ones are body
    assert (body & ~shaded).sum() <= 0.01 * body.sum()
    assert ((alpha == 255) & ~body).sum() <= 0.01 * body.sum()
    assert rgba[..., :3][shaded].mean() > 60            # lit, not black
    d = depth[body & (alpha == 255)]
    assert len(d) > 0.8 * body.sum()
    assert (d > 39).all() and (d < 41).all()           # metres from the camera


def test_posed_label_map_follows_the_pose(crop, model):
    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0, -0.2, -45]))
    labels = crop.render_labels(wave.vertices)
    top = lambda k: np.nonzero(labels == k)[0].min()  # noqa: E731  (smallest row = highest)
    assert top(LABEL["right forearm+hand"]) < top(LABEL["head"])        # the right hand is raised
    assert top(LABEL["left forearm+hand"]) > top(LABEL["upper torso"])  # the left arm hangs


def test_orbit_back_view_mirrors_left_and_right(renderer, tpose):
    from inference.render import orbit_pose

    centre = (tpose.vertices.min(0) + tpose.vertices.max(0)) / 2
    renderer.set_orbit_camera(orbit_pose(np.pi, 0.0, 6.0, centre))
    labels = renderer.render_labels(tpose.vertices)
    assert _is_palette(PALETTE[labels]).all()
    left = np.nonzero(labels == LABEL["left thigh"])[1].mean()
    right = np.nonzero(labels == LABEL["right thigh"])[1].mean()
    assert left < SIZE / 2 < right


def test_golden_tpose_labels(crop, tpose, tmp_path):
    import cv2

    labels_rgb = crop.render_label_colors(tpose.vertices)
    if os.environ.get("NBF_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(GOLDEN), cv2.cvtColor(labels_rgb, cv2.COLOR_RGB2BGR))
    assert GOLDEN.exists(), f"missing {GOLDEN}; create it with NBF_UPDATE_GOLDEN=1"
    golden = cv2.cvtColor(cv2.imread(str(GOLDEN), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert golden.shape == labels_rgb.shape
    differ = (golden != labels_rgb).any(-1)
    if differ.mean() >= 0.01:
        diff = np.zeros_like(golden)
        diff[differ] = (255, 0, 255)
        sheet = np.hstack([golden, labels_rgb, diff])
        out = tmp_path / "tpose_labels_128_diff.png"
        cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        pytest.fail(f"{differ.mean():.2%} of pixels differ from {GOLDEN.name} (limit 1%); "
                    f"golden | now | diff written to {out}")


@pytest.mark.parametrize("view", ["crop", "orbit"])
def test_fast_label_path_equals_pyrender_seg_mode(renderer, model, view):
    """LabelRaster (one draw, labels by primitive id) gives pyrender's twelve-mesh SEG labels exactly."""
    from inference.render import orbit_pose

    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0.1, -0.2, -40]))
    renderer.resize(SIZE, SIZE)
    if view == "crop":
        renderer.set_crop_camera(FOCAL_128, center=(60.0, 70.0))
    else:
        centre = (wave.vertices.min(0) + wave.vertices.max(0)) / 2
        renderer.set_orbit_camera(orbit_pose(2.0, 0.3, 5.0, centre))
    fast = renderer.render_labels(wave.vertices)
    assert renderer._raster, "the label shader did not run on this GL"
    slow = renderer.render_labels_pyrender(wave.vertices)
    assert (fast > 0).mean() > 0.02
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("view", ["crop", "orbit"])
def test_lit_shader_matches_pyrender_shading(renderer, model, view):
    """render_lit (our one-draw shader) lights the body as pyrender's render_shaded does: inside the
    body the colours agree to a grey level on average; only the multisampled outline differs."""
    import cv2

    from inference.render import orbit_pose

    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0.1, -0.2, -40]))
    # smooth colours (multisampling averages whatever varies inside a pixel)
    colors = (0.55 + 0.35 * np.sin(3.0 * wave.vertices + [0.0, 1.0, 2.0])).astype(np.float32)
    renderer.resize(SIZE, SIZE)
    if view == "crop":
        renderer.set_crop_camera(FOCAL_128)
        renderer.set_lights([(np.array([0.3, 0.8, 0.5]), np.array([1.0, 0.9, 0.8]), 2.5),
                             (np.array([-0.7, 0.1, 0.4]), np.array([0.6, 0.7, 1.0]), 1.0)], 0.3)
    else:
        centre = (wave.vertices.min(0) + wave.vertices.max(0)) / 2
        renderer.set_orbit_camera(orbit_pose(2.0, 0.3, 5.0, centre))
    ours = renderer.render_lit(wave.vertices, colors)
    assert renderer._lit, "the lit shader did not run on this GL"
    ref = renderer.render_shaded(wave.vertices, colors)
    assert set(np.unique(ours[..., 3])) <= {0, 255}
    body = ours[..., 3] > 0
    assert body.mean() > 0.02 and ((ref[..., 3] > 0) != body).mean() < 0.02
    inner = cv2.erode(((ref[..., 3] == 255) & body).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    diff = np.abs(ours[..., :3].astype(int) - ref[..., :3].astype(int))[inner]
    # (multisampling also blends where an arm crosses the torso: a few pixels differ more there)
    assert np.median(diff) <= 1 and diff.mean() < 2.5, (np.median(diff), diff.mean())
    assert ours[..., :3][inner].std() > 10  # lit, not flat
    lit, renderer._lit = renderer._lit, False  # where GL cannot run our shader: pyrender, un-premultiplied
    try:
        fallback = renderer.render_lit(wave.vertices, colors)
    finally:
        renderer._lit = lit
    assert set(np.unique(fallback[..., 3])) <= {0, 255} and ((fallback[..., 3] > 0) != body).mean() < 0.01
    both = (fallback[..., 3] > 0) & body
    assert np.median(np.abs(fallback[..., :3].astype(int) - ours[..., :3].astype(int))[both]) <= 1
