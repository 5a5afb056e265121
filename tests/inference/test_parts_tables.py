"""The part tables against answers that do not come from them: the left/right exchange of a mirror derived from the
part names, each vertex's side in the T-pose (SMPL's +x is the subject's left), the neck between the collarbones,
and the renderer's face labels as the majority of each triangle's vertex labels, counted here."""
from __future__ import annotations

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.joints import JOINT_NAMES
from inference.parts import MIRROR_LABELS, PART_NAMES, vertex_part_labels
from inference.types import BodyParams


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def t_pose(model):
    return model.mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10)))


def _other_side(name: str) -> str:
    return name.replace("left", "#").replace("right", "left").replace("#", "right")


def test_mirror_labels_exchange_every_left_part_with_its_right_part():
    assert len(MIRROR_LABELS) == 1 + len(PART_NAMES) and MIRROR_LABELS[0] == 0  # background stays
    sided = 0
    for i, name in enumerate(PART_NAMES):
        if "left" in name or "right" in name:
            sided += 1
            assert MIRROR_LABELS[1 + i] == 1 + PART_NAMES.index(_other_side(name)), name
        else:
            assert MIRROR_LABELS[1 + i] == 1 + i, name
    assert sided == 8  # forearm+hand, upper arm, thigh, shin+foot on each side
    # written out: head 1, upper torso 2, neck 7, lower torso 8 stay; 3<->10, 4<->9, 5<->6, 11<->12
    np.testing.assert_array_equal(MIRROR_LABELS, [0, 1, 2, 10, 9, 6, 5, 7, 8, 4, 3, 12, 11])


def test_every_vertex_of_a_sided_part_is_on_that_side_in_the_t_pose(model, t_pose):
    lab = vertex_part_labels(model.weights)
    x = np.asarray(t_pose.vertices)[:, 0]
    for i, name in enumerate(PART_NAMES):
        xs = x[lab == i]
        assert len(xs) > 100, name
        if name.startswith("left"):
            assert xs.min() > 0, (name, xs.min())
        elif name.startswith("right"):
            assert xs.max() < 0, (name, xs.max())
    # the mesh is left/right symmetric: each left part has as many vertices as its right part
    for i, name in enumerate(PART_NAMES):
        if name.startswith("left"):
            assert (lab == i).sum() == (lab == PART_NAMES.index(_other_side(name))).sum(), name


def test_the_ankles_and_feet_are_in_their_own_sides_shin_part(model, t_pose):
    """The vertices most weighted to each ankle or foot joint belong to that side's shin+foot."""
    lab = vertex_part_labels(model.weights)
    strongest = np.asarray(model.weights).argmax(1)
    for joint, part in (("left_ankle", "left shin+foot"), ("right_ankle", "right shin+foot"),
                        ("left_foot", "left shin+foot"), ("right_foot", "right shin+foot"),
                        ("left_knee", "left shin+foot"), ("right_knee", "right shin+foot")):
        ids = strongest == JOINT_NAMES.index(joint)
        assert ids.sum() > 20, joint
        assert (lab[ids] == PART_NAMES.index(part)).mean() > 0.95, joint


def test_the_neck_sits_between_the_collarbones_and_above_them(model, t_pose):
    """The neck part is the neck, not the collarbones: above the collar joints and within half the shoulders'
    width of the midline (the collars belong to the upper torso)."""
    lab = vertex_part_labels(model.weights)
    v, j = np.asarray(t_pose.vertices), np.asarray(t_pose.joints)
    neck = v[lab == PART_NAMES.index("neck")]
    collar_y = j[[JOINT_NAMES.index("left_collar"), JOINT_NAMES.index("right_collar")], 1].max()
    half_shoulders = abs(j[JOINT_NAMES.index("left_shoulder"), 0] - j[JOINT_NAMES.index("right_shoulder"), 0]) / 2
    assert len(neck) > 50
    assert neck[:, 1].min() > collar_y
    assert np.abs(neck[:, 0]).max() < half_shoulders
    strongest = np.asarray(model.weights).argmax(1)
    for joint in ("left_collar", "right_collar"):
        ids = strongest == JOINT_NAMES.index(joint)
        assert ids.sum() > 20 and (lab[ids] == PART_NAMES.index("upper torso")).all(), joint


def test_the_renderers_face_labels_are_the_majority_of_their_vertices(model):
    from inference.render.renderer import MeshRenderer

    r = MeshRenderer(model.faces, model.weights)
    vl = vertex_part_labels(model.weights)
    faces = np.asarray(model.faces)
    want = []
    for a, b, c in vl[faces]:
        # two or three equal labels: that one; three different: the first vertex's
        want.append(b if b == c else a)
    want = np.array(want)
    np.testing.assert_array_equal(r.face_labels, want)
    # on this mesh some triangles' first vertex is outvoted by the other two
    assert (vl[faces[:, 0]] != want).sum() > 10
