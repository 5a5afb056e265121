"""The guided filter that moves the photo-frame part map's borders onto the photo's edges."""
from __future__ import annotations

import numpy as np
import pytest

from inference.guided_filter import guided_filter


def _edge_photo(h: int = 40, w: int = 60, edge: int = 27) -> np.ndarray:
    """(h, w, 3) float32: dark left of column `edge`, light right of it (a colour edge between edge - 1 and edge)."""
    g = np.full((h, w, 3), 0.2, np.float32)
    g[:, edge:] = (0.8, 0.7, 0.9)
    return g


def test_a_linear_function_of_the_guide_is_kept():
    """Where src is exactly a linear function of the guide's colour (any window's least-squares fit), the filter
    returns it (eps small), and a constant stays that constant."""
    rng = np.random.default_rng(0)
    guide = rng.random((30, 40, 3), dtype=np.float32)
    coef = np.array([[0.3, -0.2], [0.1, 0.5], [-0.4, 0.2]], np.float32)
    src = guide @ coef + np.array([0.1, 0.6], np.float32)
    np.testing.assert_allclose(guided_filter(guide, src, 2, 1e-6), src, atol=2e-3)
    const = np.full((30, 40, 3), 0.25, np.float32)
    np.testing.assert_allclose(guided_filter(guide, const, 3, 1e-3), const, atol=1e-5)


def test_a_soft_border_moves_onto_the_photos_edge():
    """Two classes trading probability over 8 pixels, crossing 2 pixels left of the photo's colour edge (as a part
    map warped from network pixels of 4 photo pixels): after the filter they cross at the edge (the argmax flips
    between columns 26 and 27) and the ramp is a step there."""
    guide = _edge_photo()
    u = np.arange(60, dtype=np.float32) + 0.5
    p = np.clip((u - 21.0) / 8.0, 0.0, 1.0)  # class 1 passes 0.5 at x = 25
    src = np.stack([np.broadcast_to(1 - p, (40, 60)), np.broadcast_to(p, (40, 60))], -1).astype(np.float32)
    assert int(np.nonzero(src[20].argmax(-1) == 1)[0].min()) == 25
    out = guided_filter(guide, src, 4, 1e-3)
    assert out.shape == src.shape and out.dtype == np.float32
    assert int(np.nonzero(out[20].argmax(-1) == 1)[0].min()) == 27
    assert out[20, 27, 1] - out[20, 26, 1] > 0.4 > src[20, 27, 1] - src[20, 26, 1]
    # without an edge in the photo the border stays where the probabilities put it
    flat = guided_filter(np.full_like(guide, 0.5), src, 4, 1e-3)
    assert int(np.nonzero(flat[20].argmax(-1) == 1)[0].min()) == 25


def test_eps_must_be_positive():
    """A flat window's colour covariance is singular: eps keeps it invertible (0 would give inf and NaN)."""
    flat = np.full((10, 10, 3), 0.5, np.float32)
    src = np.random.default_rng(1).random((10, 10, 2), dtype=np.float32)
    for eps in (0.0, -1e-3, float("nan")):
        with pytest.raises(ValueError, match="eps"):
            guided_filter(flat, src, 2, eps)
    assert np.isfinite(guided_filter(flat, src, 2, 1e-6)).all()
