"""The synthetic sample generator: label maps, images, agreement with the projected joints, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import focal_for_size
from inference.geometry import project_points
from inference.joints import JOINT_NAMES, LSP_FROM_SMPL
from inference.parts import PART_NAMES
from training.synth.generator import Sample, SampleRenderer

SIZE = 128  # half the network crop, same field of view (focal_for_size), to keep the renders fast
SEED = 7
N = 5
LABEL = {name: k + 1 for k, name in enumerate(PART_NAMES)}
NEAR_PX = 4  # "near": within this many pixels (at 128 px) of the projected joint


@pytest.fixture(scope="module")
def renderer():
    r = SampleRenderer(BodyModel(), size=SIZE, focal=focal_for_size(SIZE))
    yield r
    r.renderer.close()


@pytest.fixture(scope="module")
def samples(renderer) -> list[Sample]:
    return [renderer.render(SEED, i) for i in range(N)]


def _near(labels: np.ndarray, xy: np.ndarray, r: int = NEAR_PX) -> set[int]:
    x, y = int(np.floor(xy[0])), int(np.floor(xy[1]))
    win = labels[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1]
    return set(np.unique(win).tolist())


def _truncated(s: Sample) -> bool:
    lab = s.labels
    return bool(lab[0].any() or lab[-1].any() or lab[:, 0].any() or lab[:, -1].any()) or s.lsp2d[:, 2].min() < 1


def test_sample_arrays(renderer, samples):
    for s in samples:
        assert s.labels.shape == (SIZE, SIZE) and s.labels.dtype == np.uint8
        assert s.labels.max() <= 12
        assert s.image.shape == (SIZE, SIZE, 3) and s.image.dtype == np.uint8 and s.image.flags["C_CONTIGUOUS"]
        assert s.joints3d.shape == (24, 3) and s.joints2d.shape == (24, 2) and s.lsp2d.shape == (14, 3)
        assert s.vertices.ndim == 2 and s.vertices.shape[1] == 3
        assert (s.joints3d[:, 2] < 0).all(), "the body must be in front of the camera (OpenGL: z < 0)"
        assert s.scene.size == SIZE and s.scene.focal == focal_for_size(SIZE)
        # the scene's SMPL parameters (with their translation) reproduce the sample's 3D joints
        np.testing.assert_allclose(renderer.body.mesh(s.scene.params).joints, s.joints3d, atol=1e-4)
        assert set(np.unique(s.lsp2d[:, 2])) <= {0.0, 1.0}


def test_most_samples_show_most_parts(samples):
    n_parts = [len(set(np.unique(s.labels).tolist()) - {0}) for s in samples]
    assert sum(n >= 8 for n in n_parts) >= N - 1, n_parts
    coverage = [(s.labels > 0).mean() for s in samples]
    assert min(coverage) > 0.02 and max(coverage) < 0.9, coverage


def test_joints2d_are_the_projected_joints(samples):
    for s in samples:
        np.testing.assert_allclose(s.joints2d, project_points(s.joints3d, s.scene.focal, SIZE), atol=1e-3)
        np.testing.assert_allclose(s.lsp2d[:13, :2], s.joints2d[list(LSP_FROM_SMPL)], atol=1e-4)


def test_label_map_agrees_with_projected_joints(samples):
    """The pelvis of each non-truncated sample projects onto (or next to) the lower torso or a thigh,
    the head joint onto the head or neck, and the labelled silhouette lies inside the projected mesh's box."""
    checked = 0
    for s in samples:
        if _truncated(s):
            continue
        checked += 1
        pelvis = s.joints2d[JOINT_NAMES.index("pelvis")]
        assert _near(s.labels, pelvis) & {LABEL["lower torso"], LABEL["left thigh"], LABEL["right thigh"]}, \
            (s.scene.activity, pelvis, _near(s.labels, pelvis))
        head = s.joints2d[JOINT_NAMES.index("head")]
        assert _near(s.labels, head) & {LABEL["head"], LABEL["neck"]}, (s.scene.activity, head)
        uv = project_points(s.vertices, s.scene.focal, SIZE)
        rows, cols = np.nonzero(s.labels)
        assert cols.min() >= uv[:, 0].min() - 1.5 and cols.max() + 1 <= uv[:, 0].max() + 1.5
        assert rows.min() >= uv[:, 1].min() - 1.5 and rows.max() + 1 <= uv[:, 1].max() + 1.5
    assert checked >= 3, "too few non-truncated samples to check"


def test_same_seed_and_index_give_identical_bytes(renderer, samples):
    """A sample depends on (seed, index) only, not on what the renderer drew before."""
    again = renderer.render(SEED, 3)
    assert again.image.tobytes() == samples[3].image.tobytes()
    assert again.labels.tobytes() == samples[3].labels.tobytes()
    np.testing.assert_array_equal(again.joints3d, samples[3].joints3d)
    other = renderer.render(SEED + 1, 3)
    assert other.labels.tobytes() != samples[3].labels.tobytes()
    assert other.image.tobytes() != samples[3].image.tobytes()


def test_label_only_mode(renderer, samples):
    """rgb=False returns no image and the same scene; its labels equal the RGB sample's except where
    an occluder (RGB mode only) cleared them."""
    for i in (0, 1):
        lo = renderer.render(SEED, i, rgb=False)
        full = samples[i]
        assert lo.image is None
        assert lo.labels.shape == (SIZE, SIZE) and lo.labels.dtype == np.uint8
        np.testing.assert_array_equal(lo.joints3d, full.joints3d)
        np.testing.assert_array_equal(lo.scene.params.pose, full.scene.params.pose)
        differ = lo.labels != full.labels
        assert (full.labels[differ] == 0).all(), "RGB labels may only lose pixels (occluders), never change them"
        assert differ.mean() < 0.2


def test_composite_body_blends_only_the_outline():
    from training.synth.generator import composite_body

    mask = np.zeros((32, 32), bool)
    mask[8:24, 10:20] = True
    rgb = np.zeros((32, 32, 3), np.float32)
    rgb[mask] = (0.8, 0.6, 0.4)
    bg = np.full((32, 32, 3), 0.2, np.float32)
    out = composite_body(rgb, mask, bg)
    assert out.shape == (32, 32, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[12:20, 12:18], 0.8 * np.ones((8, 6, 1)) * [1, 0.75, 0.5])  # inside
    np.testing.assert_allclose(out[:5], 0.2)                                                  # far outside
    edge = out[16, 9:11, 0]  # just outside, just inside the left edge: between background and body
    assert (edge > 0.05).all() and (edge < 0.8).all()
