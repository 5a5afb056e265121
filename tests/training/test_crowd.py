"""Synthetic crowds (training/synth/crowd.py): several people per frame with consistent ground truth, the
folder layout written and read back, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from training.synth.crowd import CrowdRenderer, frame_indices, match_people, read_frame, write_frame


@pytest.fixture(scope="module")
def renderer():
    r = CrowdRenderer(width=640, height=400, people=(5, 6), heights=(50, 300))
    yield r
    r.single.renderer.close()


@pytest.fixture(scope="module")
def frames(renderer):
    return [renderer.render(3, i) for i in range(3)]


def test_people_sizes_and_visibility_are_consistent(frames):
    for f in frames:
        P = f.people
        n = len(f)
        assert 5 <= n <= 6 and f.image.shape == (400, 640, 3) and f.image.dtype == np.uint8
        assert P["pose"].shape == (n, 72) and P["betas"].shape == (n, 10) and P["joints3d"].shape == (n, 24, 3)
        assert (np.diff(P["height"]) >= 0).all()  # far (small) people drawn first
        assert (P["height"] >= 50 - 1).all() and (P["height"] <= 300 + 1).all()
        assert np.allclose(P["height"], P["full_box"][:, 3] - P["full_box"][:, 1], atol=1e-3)
        assert (P["visible"] <= P["in_frame"] + 1e-3).all() and (P["in_frame"] <= 1).all()
        for k in range(n):
            ys, xs = np.nonzero(f.ids == k + 1)
            if len(xs) == 0:
                assert P["visible"][k] == 0
                continue
            # the visible box is the box of the person's pixels in the id map, inside the whole body's box
            assert np.allclose(P["box"][k], [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
            fb = P["full_box"][k]
            assert fb[0] - 1 <= xs.min() and xs.max() <= fb[2] + 1 and fb[1] - 1 <= ys.min() and ys.max() <= fb[3] + 1
            # the projected head top and the lowest joint lie near the top and bottom of the whole body's box
            lsp = P["lsp2d"][k]
            assert abs(lsp[:, 1].min() - fb[1]) < 0.12 * P["height"][k]
            assert abs(lsp[:, 1].max() - fb[3]) < 0.2 * P["height"][k]  # a runner lifts a foot
    every = np.concatenate([f.people["in_frame"] for f in frames])
    assert (every < 0.98).any()  # some people cut by the frame ...
    vis = np.concatenate([f.people["visible"] / np.maximum(f.people["in_frame"], 1e-6) for f in frames])
    assert (vis < 0.95).any()  # ... and some hidden in part behind others


def test_frames_are_deterministic_and_round_trip(tmp_path, renderer, frames):
    again = renderer.render(3, 1)
    np.testing.assert_array_equal(again.image, frames[1].image)
    write_frame(tmp_path, 1, frames[1])
    assert frame_indices(tmp_path) == [1]
    back = read_frame(tmp_path, 1)
    np.testing.assert_array_equal(back.image, frames[1].image)
    np.testing.assert_array_equal(back.ids, frames[1].ids)
    for key, value in frames[1].people.items():
        np.testing.assert_array_equal(back.people[key], value)


def test_matching_is_one_to_one(frames):
    f = frames[0]
    P = f.people
    boxes = P["box"][P["visible"] > 0.3]
    m = match_people(P, f.image.shape, np.concatenate([boxes, boxes[:1] + 1, [[0, 0, 5, 5]]]))
    assert (m[: len(boxes)] >= 0).all() and m[len(boxes)] == -1 and m[-1] == -1  # a duplicate is left over
    assert len(set(m[m >= 0].tolist())) == len(boxes)


def test_inside_keeps_every_body_in_the_frame_and_otherwise_draws_the_same_people(renderer):
    """CrowdRenderer(inside=True) (`synth-crowd --inside`): every whole body's box lies in the frame and every
    body is wholly there; the people (pose, shape, height) are those of the same (seed, index) without it."""
    plain = [renderer.render(11, i) for i in range(4)]
    assert any((g.people["in_frame"] < 0.9).any() for g in plain)  # (without it, some are cut by an edge)
    renderer.inside = True  # (the module's renderer: a second EGL renderer in one process is not wanted)
    try:
        for i, g in enumerate(plain):
            f = renderer.render(11, i)
            fb = f.people["full_box"]
            assert (fb[:, :2] >= -1).all() and (fb[:, 2] <= 641).all() and (fb[:, 3] <= 401).all(), fb
            assert (f.people["in_frame"] > 0.97).all() and f.people["head_in_frame"].all()
            assert np.array_equal(f.people["pose"], g.people["pose"])
            assert np.allclose(f.people["height"], g.people["height"])
    finally:
        renderer.inside = False
