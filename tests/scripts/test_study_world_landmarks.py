"""scripts/study_world_landmarks.py: bone directions of the body model's joints and the angle between bone sets."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from study_world_landmarks import bone_angles, smpl_bones  # noqa: E402


def test_bones_of_a_standing_body_point_the_right_way():
    from inference.body_model import BodyModel
    from inference.types import BodyParams

    body = BodyModel()
    bones = smpl_bones(body.mesh(BodyParams.zeros()).joints)
    assert bones.shape == (11, 3)
    assert np.allclose(np.linalg.norm(bones, axis=1), 1.0, atol=1e-6)
    assert bones[0, 1] < -0.9 and bones[2, 1] < -0.9   # thigh and shin point down
    assert bones[8, 1] > 0.9 and bones[4, 0] > 0.9     # the spine points up; the arms (T pose) sideways
    assert bone_angles(bones, bones) < 0.1
    assert abs(bone_angles(bones, -bones) - 180.0) < 0.1
