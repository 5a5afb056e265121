"""The LSP joint tables by the joints' names: LSP's 14 joints are, in order, R ankle, R knee, R hip, L hip, L knee,
L ankle, R wrist, R elbow, R shoulder, L shoulder, L elbow, L wrist, neck, head top (Johnson & Everingham 2010),
and the first 13 are the SMPL joints of those names (the subject's left and right)."""
from __future__ import annotations

import numpy as np

from inference.joints import HEAD_JOINT, JOINT_NAMES, LSP_FROM_SMPL, LSP_NAMES, MIRROR_JOINTS

LSP_AS_SMPL = ("right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "right_wrist",
               "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist", "neck")
LSP_SHORT = ("r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "r_wrist", "r_elbow", "r_shoulder",
             "l_shoulder", "l_elbow", "l_wrist", "neck", "head_top")


def test_lsp_from_smpl_picks_the_joints_of_lsps_names():
    assert tuple(JOINT_NAMES[i] for i in LSP_FROM_SMPL) == LSP_AS_SMPL


def test_lsp_names_are_lsps_order():
    assert tuple(LSP_NAMES) == LSP_SHORT
    short = {"r": "right", "l": "left"}
    for name, smpl in zip(LSP_NAMES[:13], (JOINT_NAMES[i] for i in LSP_FROM_SMPL)):
        side, _, joint = name.partition("_")
        assert (f"{short[side]}_{joint}" if side in short else name) == smpl


def test_the_head_joint_and_the_mirror_by_name():
    assert JOINT_NAMES[HEAD_JOINT] == "head"
    for j, name in enumerate(JOINT_NAMES):
        other = name.replace("left", "#").replace("right", "left").replace("#", "right")
        assert JOINT_NAMES[MIRROR_JOINTS[j]] == other, name
    assert np.array_equal(np.asarray(MIRROR_JOINTS)[list(MIRROR_JOINTS)], np.arange(24))
