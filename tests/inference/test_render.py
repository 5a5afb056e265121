"""Offscreen rendering: exact label maps, shaded views, the crop camera, calls that do not depend on
earlier calls, and a golden image.

Regenerate the golden image (after an intended change, then look at it):
    NBF_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/inference/test_render.py -k golden
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL, focal_for_size
from inference.geometry import project_points
from inference.joints import JOINT_NAMES
from inference.parts import PALETTE, PART_NAMES
from inference.poses import preset_pose
from inference.render.cameras import OrbitCamera, PinholeCamera, orbit_pose
from inference.render.lights import DEFAULT_LIGHTS, Lights
from inference.types import BodyParams

GOLDEN = Path(__file__).parent / "golden" / "tpose_labels_128.png"
SIZE = 128
FOCAL_128 = focal_for_size(SIZE)  # 2500 px: the 256 px crop's field of view at 128 px
LABEL = {name: k + 1 for k, name in enumerate(PART_NAMES)}
CROP = PinholeCamera(FOCAL_128, SIZE, SIZE)
WARM_LIGHTS = Lights.of([(np.array([0.3, 0.8, 0.5]), np.array([1.0, 0.9, 0.8]), 2.5),
                         (np.array([-0.7, 0.1, 0.4]), np.array([0.6, 0.7, 1.0]), 1.0)], 0.3)


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def renderer(model):
    from inference.render.renderer import MeshRenderer

    r = MeshRenderer(model.faces, model.weights)
    yield r
    r.close()


@pytest.fixture(scope="module")
def tpose(model):
    return model.mesh(BodyParams.zeros(40.0))


def _is_palette(rgb: np.ndarray) -> np.ndarray:
    return (rgb[:, :, None, :] == PALETTE[None, None]).all(-1).any(-1)


def test_camera_constants():
    assert CROP_SIZE == 256 and FOCAL == 5000.0 and FOCAL_128 == 2500.0


def test_label_map_holds_only_palette_colours_and_most_parts(renderer, tpose):
    labels = renderer.labels(tpose.vertices, CROP)
    assert labels.shape == (SIZE, SIZE) and labels.dtype == np.uint8
    assert _is_palette(PALETTE[labels]).all(), "a pixel outside the palette (blended edge?)"
    parts = set(np.unique(labels)) - {0}
    assert len(parts) >= 10, sorted(parts)


def test_label_map_matches_the_projected_body(renderer, tpose):
    """The renderer's pinhole camera is the one of inference.geometry.project_points."""
    labels = renderer.labels(tpose.vertices, CROP)
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


def test_shaded_render_covers_the_label_silhouette(renderer, tpose):
    rgba, depth = renderer.shaded(tpose.vertices, CROP, with_depth=True)
    assert rgba.shape == (SIZE, SIZE, 4) and rgba.flags["C_CONTIGUOUS"]
    body = renderer.labels(tpose.vertices, CROP) > 0
    alpha = rgba[..., 3]
    shaded = alpha > 0
    # antialiased edges: partly covered pixels join the shaded silhouette, fully covered ones are body
    assert (body & ~shaded).sum() <= 0.01 * body.sum()
    assert ((alpha == 255) & ~body).sum() <= 0.01 * body.sum()
    assert rgba[..., :3][shaded].mean() > 60            # lit, not black
    d = depth[body & (alpha == 255)]
    assert len(d) > 0.8 * body.sum()
    assert (d > 39).all() and (d < 41).all()           # metres from the camera


def test_posed_label_map_follows_the_pose(renderer, model):
    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0, -0.2, -45]))
    labels = renderer.labels(wave.vertices, CROP)
    top = lambda k: np.nonzero(labels == k)[0].min()  # noqa: E731  (smallest row = highest)
    assert top(LABEL["right forearm+hand"]) < top(LABEL["head"])        # the right hand is raised
    assert top(LABEL["left forearm+hand"]) > top(LABEL["upper torso"])  # the left arm hangs


def test_orbit_back_view_mirrors_left_and_right(renderer, tpose):
    centre = (tpose.vertices.min(0) + tpose.vertices.max(0)) / 2
    labels = renderer.labels(tpose.vertices, OrbitCamera(orbit_pose(np.pi, 0.0, 6.0, centre), SIZE, SIZE))
    assert _is_palette(PALETTE[labels]).all()
    left = np.nonzero(labels == LABEL["left thigh"])[1].mean()
    right = np.nonzero(labels == LABEL["right thigh"])[1].mean()
    assert left < SIZE / 2 < right


# Part-label pixel count of a label map may differ from the golden's by this share of the golden's count (or
# GOLDEN_COUNT_PX pixels for a small part): a rasteriser's edge pixels move a few, a relabelled or moved part many
GOLDEN_COUNT_SHARE = 0.03
GOLDEN_COUNT_PX = 3
GOLDEN_DIFFER_SHARE = 0.01  # of all pixels: a whole body one pixel off differs in about 2 %


def _palette_labels(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) palette colours -> (H, W) labels 0..12 (-1 for a colour not in the palette)."""
    hit = (rgb[:, :, None, :] == PALETTE[None, None]).all(-1)       # (H, W, 13)
    return np.where(hit.any(-1), hit.argmax(-1), -1)


def golden_label_problems(golden: np.ndarray, labels: np.ndarray) -> list[str]:
    """How a label map (H, W) differs from the golden (H, W) beyond a rasteriser's edge pixels ([] when it does
    not): a pixel that differs must lie on a part boundary of the golden (the golden's 3x3 neighbourhood of it
    holds the rendered label), each label's pixel count must be within GOLDEN_COUNT_SHARE (or GOLDEN_COUNT_PX) of
    the golden's, and at most GOLDEN_DIFFER_SHARE of all pixels may differ."""
    h, w = golden.shape
    padded = np.pad(golden, 1, constant_values=-1)
    near = np.stack([padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)])   # (9, H, W)
    differ = golden != labels
    off_edge = differ & ~(near == labels[None]).any(0)
    problems = []
    if off_edge.any():
        ys, xs = np.nonzero(off_edge)
        problems.append(f"{len(ys)} pixels differ away from any part boundary (first at x={xs[0]}, y={ys[0]})")
    for k in range(len(PALETTE)):
        want, got = int((golden == k).sum()), int((labels == k).sum())
        if abs(got - want) > max(GOLDEN_COUNT_SHARE * want, GOLDEN_COUNT_PX):
            name = "background" if k == 0 else PART_NAMES[k - 1]
            problems.append(f"{name}: {got} pixels, golden {want}")
    if differ.mean() > GOLDEN_DIFFER_SHARE:
        problems.append(f"{differ.mean():.2%} of pixels differ (limit {GOLDEN_DIFFER_SHARE:.0%})")
    return problems


def test_golden_tpose_labels(renderer, tpose, tmp_path):
    import cv2

    labels = renderer.labels(tpose.vertices, CROP)
    labels_rgb = PALETTE[labels]
    if os.environ.get("NBF_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(GOLDEN), cv2.cvtColor(labels_rgb, cv2.COLOR_RGB2BGR))
    assert GOLDEN.exists(), f"missing {GOLDEN}; create it with NBF_UPDATE_GOLDEN=1"
    golden_rgb = cv2.cvtColor(cv2.imread(str(GOLDEN), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert golden_rgb.shape == labels_rgb.shape
    golden = _palette_labels(golden_rgb)
    assert (golden >= 0).all(), f"{GOLDEN.name} holds colours outside the part palette"
    problems = golden_label_problems(golden, labels)
    if problems:
        diff = np.zeros_like(golden_rgb)
        diff[golden != labels] = (255, 0, 255)
        sheet = np.hstack([golden_rgb, labels_rgb, diff])
        out = tmp_path / "tpose_labels_128_diff.png"
        cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        pytest.fail(f"differs from {GOLDEN.name}: {'; '.join(problems)}; golden | now | diff written to {out}")


def test_golden_comparison_passes_edge_pixels_and_fails_a_changed_part():
    """golden_label_problems on made-up maps: a part's edge pixel taken by its neighbour passes, a part
    relabelled or moved by a few pixels does not."""
    golden = np.zeros((40, 40), np.int64)
    golden[5:35, 10:20] = LABEL["upper torso"]
    golden[5:35, 20:30] = LABEL["left upper arm"]
    edge = golden.copy()
    edge[10:12, 20] = LABEL["upper torso"]   # two boundary pixels change sides
    edge[5, 15] = 0                           # one outline pixel dropped
    assert golden_label_problems(golden, edge) == []
    relabelled = np.where(golden == LABEL["left upper arm"], LABEL["right upper arm"], golden)
    assert golden_label_problems(golden, relabelled)
    moved = golden.copy()
    moved[5:35, 20:30] = 0
    moved[8:38, 20:30] = LABEL["left upper arm"]
    assert golden_label_problems(golden, moved)


def _view(view: str, vertices: np.ndarray):
    """The crop camera (principal point off centre) or an orbit camera looking at the body."""
    if view == "crop":
        return PinholeCamera(FOCAL_128, SIZE, SIZE, center=(60.0, 70.0))
    centre = (vertices.min(0) + vertices.max(0)) / 2
    return OrbitCamera(orbit_pose(2.0, 0.3, 5.0, centre), SIZE, SIZE)


@pytest.mark.parametrize("view", ["crop", "orbit"])
def test_fast_label_path_equals_pyrender_seg_mode(renderer, model, view):
    """LabelRaster (one draw, labels by primitive id) gives pyrender's twelve-mesh SEG labels exactly."""
    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0.1, -0.2, -40]))
    camera = _view(view, wave.vertices)
    fast = renderer.labels(wave.vertices, camera)
    assert renderer.own_shaders["labels"], "the label shader did not run on this GL"
    slow = renderer.labels(wave.vertices, camera, reference=True)
    assert (fast > 0).mean() > 0.02
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("view", ["crop", "orbit"])
def test_lit_shader_matches_pyrender_shading(renderer, model, view):
    """lit (our one-draw shader) lights the body as pyrender's shaded does: inside the body the colours
    agree to a grey level on average; only the multisampled outline differs."""
    import cv2

    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0.1, -0.2, -40]))
    # smooth colours (multisampling averages whatever varies inside a pixel)
    colors = (0.55 + 0.35 * np.sin(3.0 * wave.vertices + [0.0, 1.0, 2.0])).astype(np.float32)
    camera = PinholeCamera(FOCAL_128, SIZE, SIZE) if view == "crop" else _view(view, wave.vertices)
    lights = WARM_LIGHTS if view == "crop" else DEFAULT_LIGHTS
    ours = renderer.lit(wave.vertices, camera, colors, lights)
    assert renderer.own_shaders["lit"], "the lit shader did not run on this GL"
    ref = renderer.shaded(wave.vertices, camera, colors, lights)
    assert set(np.unique(ours[..., 3])) <= {0, 255}
    body = ours[..., 3] > 0
    assert body.mean() > 0.02 and ((ref[..., 3] > 0) != body).mean() < 0.02
    inner = cv2.erode(((ref[..., 3] == 255) & body).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    diff = np.abs(ours[..., :3].astype(int) - ref[..., :3].astype(int))[inner]
    # (multisampling also blends where an arm crosses the torso: a few pixels differ more there)
    assert np.median(diff) <= 1 and diff.mean() < 2.5, (np.median(diff), diff.mean())
    assert ours[..., :3][inner].std() > 10  # lit, not flat
    # where GL cannot run our shader: pyrender, un-premultiplied
    fallback = renderer.lit(wave.vertices, camera, colors, lights, reference=True)
    assert set(np.unique(fallback[..., 3])) <= {0, 255} and ((fallback[..., 3] > 0) != body).mean() < 0.01
    both = (fallback[..., 3] > 0) & body
    assert np.median(np.abs(fallback[..., :3].astype(int) - ours[..., :3].astype(int))[both]) <= 1


def test_vertex_lighting_matches_the_per_pixel_shader(renderer, model):
    """lit(per_vertex=True), the app's 3D view, lights the body within a few levels of the per-pixel shader."""
    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0.1, -0.2, -40]))
    camera = _view("orbit", wave.vertices)
    colors = np.array([0.8, 0.66, 0.58], np.float32)
    pixel = renderer.lit(wave.vertices, camera, colors)
    vertex = renderer.lit(wave.vertices, camera, colors, per_vertex=True)
    assert renderer.own_shaders["vertex-lit"], "the per-vertex shader did not run on this GL"
    on = pixel[..., 3] > 0
    assert np.array_equal(on, vertex[..., 3] > 0)  # the same silhouette
    d = np.abs(pixel[..., :3].astype(int) - vertex[..., :3]).max(-1)[on]
    assert d.mean() < 2.0 and np.percentile(d, 99) <= 6, (d.mean(), np.percentile(d, 99))
    assert d.max() > 0  # two different shaders did run


def test_a_call_depends_on_its_arguments_only(renderer, model, tpose):
    """Calls in any order, with other cameras, sizes and lights in between, draw the same pictures."""
    wave = model.mesh(BodyParams.from_pose(preset_pose("wave"), np.zeros(10), [0.1, -0.2, -40]))
    colors = np.array([0.8, 0.66, 0.58], np.float32)
    orbit = _view("orbit", wave.vertices)

    def frames():
        return (renderer.labels(tpose.vertices, CROP), renderer.lit(tpose.vertices, CROP, colors),
                renderer.shaded(tpose.vertices, CROP))

    first = frames()
    renderer.labels(wave.vertices, PinholeCamera(FOCAL, 96, 160, center=(20.0, 30.0)))
    renderer.lit(wave.vertices, orbit, colors, WARM_LIGHTS, per_vertex=True)
    renderer.shaded(wave.vertices, OrbitCamera(orbit.pose, 200, 120, yfov=1.0), colors, WARM_LIGHTS)
    for a, b in zip(first, frames(), strict=True):
        np.testing.assert_array_equal(a, b)
    # the lights move with an orbit camera: the side it sees is lit, from the front as from the back
    centre = (tpose.vertices.min(0) + tpose.vertices.max(0)) / 2
    front, back = (renderer.lit(tpose.vertices, OrbitCamera(orbit_pose(yaw, 0.0, 6.0, centre), SIZE, SIZE), colors)
                   for yaw in (0.0, np.pi))
    assert abs(float(front[..., :3][front[..., 3] > 0].mean()) - float(back[..., :3][back[..., 3] > 0].mean())) < 10


def test_the_parts_overlay_blends_only_where_there_are_parts():
    """The part colours over a photo: blended where a label is not background (only the labels' bounding box is
    worked on: a person in a large photo), within a level of rounding of the float blend, the photo's own pixels
    everywhere else; labels of another size are resized to the photo by nearest neighbour."""
    import cv2

    from inference.parts import colorize
    from inference.render.overlay import blend, parts_overlay, to_uint8

    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (80, 100, 3)).astype(np.uint8)
    labels = np.zeros((80, 100), np.uint8)
    labels[20:50, 30:60] = rng.integers(0, 13, (30, 30))
    want = to_uint8(blend(image, colorize(labels).astype(np.float32), (labels > 0)[..., None] * 0.6))
    got = parts_overlay(image, labels)
    assert np.abs(got.astype(int) - want).max() <= 1
    np.testing.assert_array_equal(got[labels == 0], image[labels == 0])
    np.testing.assert_array_equal(parts_overlay(image, labels[::2, ::2]), parts_overlay(
        image, cv2.resize(labels[::2, ::2], (100, 80), interpolation=cv2.INTER_NEAREST)))
    np.testing.assert_array_equal(parts_overlay(image, np.zeros((80, 100), np.uint8)), image)


_BACKEND_PICTURE = """
import os, sys
os.environ["PYOPENGL_PLATFORM"] = sys.argv[1]
import numpy as np
from inference.body_model import BodyModel
from inference.poses import preset_pose
from inference.render.cameras import PinholeCamera
from inference.render.renderer import MeshRenderer
from inference.types import BodyParams
body = BodyModel()
mesh = body.mesh(BodyParams.from_pose(preset_pose("walk"), np.zeros(10), np.array([0.0, 0.2, -3.0])))
r = MeshRenderer(body.faces, body.weights)
np.save(sys.argv[2], r.shaded(mesh.vertices, PinholeCamera(500.0, 200, 300, (100.0, 150.0))))
"""


@pytest.mark.parametrize("backend", ["osmesa", "egl"])
def test_each_offscreen_backend_gives_the_shaded_body_with_its_alpha(tmp_path, backend):
    """Under OSMesa, shaded() gave RGB without the alpha that the overlay, `render` and Run all read: `predict` and
    `render` crashed on a machine with OSMesa alone (helper-109's sweep, F1). Each backend, in a process of its own
    (the backend is chosen once per process): an RGBA picture whose alpha is the body."""
    import subprocess
    import sys

    from inference.render.context import available_backends

    if backend not in available_backends():
        pytest.skip(f"no {backend} here")
    out = tmp_path / f"{backend}.npy"
    subprocess.run([sys.executable, "-c", _BACKEND_PICTURE, backend, str(out)], check=True, timeout=300,
                   cwd=Path(__file__).resolve().parents[2])
    rgba = np.load(out)
    assert rgba.shape == (300, 200, 4) and rgba.dtype == np.uint8
    body = rgba[..., 3] > 0
    assert 0.05 < body.mean() < 0.5
    ys, xs = np.nonzero(body)
    assert abs(xs.mean() - 100) < 30 and not body[0, 0]  # about the image centre; the corner is background
    assert rgba[..., :3][body].mean() > 60  # lit


def test_closing_one_gl_context_leaves_the_others_working():
    """The EGL display is shared by every context: closing Run all's renderer or a probe terminated it, and the 3D
    view's context could not be made current again (EGL_NOT_INITIALIZED)."""
    from inference.render import context

    before = dict(context._EGL_OPEN)  # (contexts other tests' renderers hold)
    a = context.OffscreenContext()
    b = context.OffscreenContext()
    b.close()
    b.close()  # (idempotent)
    assert a.gl_renderer()  # made current again, after another context closed
    c = context.OffscreenContext()
    a.close()
    assert c.gl_renderer()
    c.close()
    assert context._EGL_OPEN == before
    d = context.OffscreenContext()  # (the display initialised again where its last context closed)
    assert d.gl_renderer()
    d.close()
