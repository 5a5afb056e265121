"""The typed results of inference/types.py: a person's silhouette kept as the window that holds it."""
import re

import numpy as np
import pytest

from inference.types import Silhouette


def _blob(shape=(60, 80)) -> np.ndarray:
    m = np.zeros(shape, np.float32)
    m[10:30, 20:45] = 0.8
    m[30, 44] = 0.1  # a faint edge pixel belongs to the window too
    return m


def test_a_silhouette_keeps_the_window_of_its_values_and_gives_the_same_mask_back():
    m = _blob()
    s = Silhouette.of(m)
    assert s.bounds == (20, 10, 45, 31) and s.shape == (60, 80) and s.nbytes == 25 * 21 * 4
    np.testing.assert_array_equal(s.full(), m)
    np.testing.assert_array_equal(s.window(15, 5, 50, 40), m[5:40, 15:50])
    # a window reaching beyond the photo reads zeros there
    w = s.window(-5, -5, 90, 70)
    assert w.shape == (75, 95) and w.sum() == m.sum()
    np.testing.assert_array_equal(w[5:65, 5:85], m)
    # a window that misses it, an empty silhouette
    assert not s.window(50, 40, 60, 50).any()
    empty = Silhouette.of(np.zeros((60, 80), np.float32))
    assert empty.values.size == 0 and not empty.full().any() and empty.full().shape == (60, 80)


def test_a_silhouette_on_a_sub_image_and_filtered_values():
    m = _blob()
    s = Silhouette.of(m)
    sub = s.crop_of(30, 0, 40, 50)  # the photo's columns 30..69, rows 0..49
    assert sub.shape == (50, 40)
    np.testing.assert_array_equal(sub.full(), m[0:50, 30:70])
    assert not s.crop_of(60, 40, 20, 20).full().any()
    half = s.with_values(np.where(s.values > 0.5, s.values, 0))  # the faint pixel cleared: the window shrinks
    assert half.bounds == (20, 10, 45, 30)
    np.testing.assert_array_equal(half.full(), np.where(m > 0.5, m, 0))
    assert Silhouette.of(m[5:40], 0, 5, (60, 80)).bounds == s.bounds  # a part of a photo, placed in it


@pytest.mark.parametrize("x, y, size", [(-1, 0, (2, 2)), (79, 0, (2, 2)), (0, 59, (2, 2))])
def test_a_window_outside_its_photo_is_refused(x, y, size):
    with pytest.raises(ValueError, match="does not fit"):
        Silhouette(np.ones(size, np.float32), x, y, (60, 80))


@pytest.mark.parametrize("field, value, said", [
    ("betas", np.zeros(5, np.float32), "BodyParams.betas must have shape (10,), not (5,)"),
    ("body_pose", np.zeros(72, np.float32), "(BodyParams.from_pose takes a (72,) pose)"),
    ("global_orient", [0.0, 0.0], "BodyParams.global_orient must have shape (3,), not (2,)"),
    ("transl", np.zeros((1, 3)), "BodyParams.transl must have shape (3,), not (1, 3)"),
])
def test_parameters_of_the_wrong_size_are_refused_by_name(field, value, said):
    """sweep127: 5 betas or a (72,) pose as body_pose failed only inside the body model, as a torch einsum error."""
    from dataclasses import replace

    from inference.types import BodyParams

    with pytest.raises(ValueError, match=re.escape(said)):
        replace(BodyParams.zeros(), **{field: value})
