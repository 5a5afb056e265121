"""The 12 NBF parts on the embedded body model: labels, colours, and their left/right sense."""
from __future__ import annotations

import numpy as np
import pytest

from inference.body_model import EMBEDDED_MODEL
from inference.parts import (
    NUM_PARTS,
    PALETTE,
    PART_NAMES,
    colorize,
    colorize_rgba,
    decode_colors,
    face_part_labels,
    labels_from_probs,
    vertex_part_labels,
)


@pytest.fixture(scope="module")
def model_arrays():
    with np.load(EMBEDDED_MODEL) as z:
        return {k: z[k] for k in ("v_template", "weights", "f")}


@pytest.fixture(scope="module")
def labels(model_arrays):
    return vertex_part_labels(model_arrays["weights"])


def test_every_vertex_has_one_of_12_labels_and_every_part_has_vertices(model_arrays, labels):
    V = model_arrays["v_template"].shape[0]
    assert labels.shape == (V,) and labels.dtype.kind == "i"
    assert labels.min() >= 0 and labels.max() < NUM_PARTS
    counts = np.bincount(labels, minlength=NUM_PARTS)
    assert (counts > 50).all(), dict(zip(PART_NAMES, counts))


def test_parts_sit_where_their_names_say(model_arrays, labels):
    v = model_arrays["v_template"]  # T-pose, y up, subject's left at +x
    mean = {name: v[labels == k].mean(0) for k, name in enumerate(PART_NAMES)}
    for side, sign in (("left", 1), ("right", -1)):
        for part in ("forearm+hand", "upper arm", "thigh", "shin+foot"):
            assert sign * mean[f"{side} {part}"][0] > 0.05, (side, part)
        assert abs(mean[f"{side} forearm+hand"][0]) > abs(mean[f"{side} upper arm"][0])
        assert mean[f"{side} thigh"][1] > mean[f"{side} shin+foot"][1]
    assert mean["head"][1] > mean["neck"][1] > mean["upper torso"][1] > mean["lower torso"][1] > mean["left thigh"][1]


def test_face_labels_are_a_majority_of_their_vertices(model_arrays, labels):
    f = model_arrays["f"].astype(np.int64)
    fl = face_part_labels(f, labels)
    assert fl.shape == (len(f),)
    lab = labels[f]
    agree = (lab == fl[:, None]).sum(1)
    assert (agree >= 1).all()
    assert (agree[(lab[:, 0] == lab[:, 1]) | (lab[:, 1] == lab[:, 2]) | (lab[:, 0] == lab[:, 2])] >= 2).all()


def test_palette_is_nbf_and_colours_round_trip():
    assert PALETTE.shape == (13, 3) and PALETTE.dtype == np.uint8
    assert (PALETTE[0] == 0).all()
    assert tuple(PALETTE[1]) == (98, 255, 255) and tuple(PALETTE[12]) == (134, 126, 0)
    assert len({tuple(c) for c in PALETTE}) == 13
    lab = np.arange(13, dtype=np.uint8).repeat(3).reshape(3, 13)
    rgb = colorize(lab)
    assert rgb.shape == (3, 13, 3)
    np.testing.assert_array_equal(decode_colors(rgb), lab)
    off = rgb.copy()
    off[0, 5] = (1, 2, 3)  # not a palette colour -> background
    assert decode_colors(off)[0, 5] == 0


def test_overlay_colours_are_colorize_s_and_clear_on_the_background():
    for lab in (np.array([[0, 5, 12, 13, 200]], np.uint8), np.array([[-1, 0, 5, 12, 13]], np.int64)):
        rgba = colorize_rgba(lab)
        assert rgba.shape == (1, 5, 4) and rgba.dtype == np.uint8
        np.testing.assert_array_equal(rgba[..., :3], colorize(lab))
        np.testing.assert_array_equal(rgba[..., 3], np.where(np.clip(lab, 0, None) > 0, 255, 0))


def test_labels_from_probs_never_gives_an_absent_label():
    probs = np.array([[0.1, 0.6, 0.3] + [0.0] * 10,     # part 1 likeliest, 2 next
                      [0.5, 0.4, 0.1] + [0.0] * 10,     # background
                      [0.2, 0.0, 0.0] + [0.08] * 10],   # background: the likeliest class, not the body share, decides
                     np.float32)
    np.testing.assert_array_equal(labels_from_probs(probs), [1, 0, 0])
    np.testing.assert_array_equal(labels_from_probs(probs, (1,)), [2, 0, 0])  # still body: its next part
    # background second after an absent part: the pixel stays body (the network said "person" there)
    np.testing.assert_array_equal(labels_from_probs(np.array([[0.3, 0.5, 0.2] + [0.0] * 10]), (1,)), [2])
    with pytest.raises(ValueError):
        labels_from_probs(probs, (0,))
    assert labels_from_probs(probs[None], (1, 2)).shape == (1, 3)
