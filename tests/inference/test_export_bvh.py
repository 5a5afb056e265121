"""BVH: a parser written here reads the hierarchy and the motion back; the joint rotations round-trip
within 0.1 degree and forward kinematics of the file puts the joints where the body model does."""
from __future__ import annotations

import re

import numpy as np
import pytest

from inference import export as ex
from inference.body_model import SMPL_PARENTS, BodyModel
from inference.export_bvh import bvh_bytes
from inference.geometry import axis_angle_to_matrix
from inference.joints import JOINT_NAMES
from inference.poses import preset_pose
from inference.types import BodyParams


@pytest.fixture(scope="module")
def model() -> BodyModel:
    return BodyModel()


def body(name: str, seed: int = 5) -> BodyParams:
    rng = np.random.default_rng(seed)
    pose = preset_pose(name) + rng.normal(0, 0.3, 72).astype(np.float32)
    return BodyParams.from_pose(pose, rng.normal(0, 1, 10), [0.3, -0.2, -12.0])


def axis_rotation(axis: str, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    return {"X": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
            "Y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            "Z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])}[axis]


def parse_bvh(text: str):
    """-> joints [(name, parent index, offset (3,), channels [str])], frames (N, C) floats, frame time."""
    head, motion = text.split("MOTION")
    tokens = head.split()
    joints, stack, i = [], [], 0
    pending_end = False
    while i < len(tokens):
        t = tokens[i]
        if t in ("ROOT", "JOINT"):
            joints.append([tokens[i + 1], stack[-1] if stack else -1, None, []])
            i += 2
        elif t == "End":
            pending_end = True
            i += 2
        elif t == "{":
            stack.append(-2 if pending_end else len(joints) - 1)
            pending_end = False
            i += 1
        elif t == "}":
            stack.pop()
            i += 1
        elif t == "OFFSET":
            if stack[-1] != -2:
                joints[stack[-1]][2] = np.array([float(x) for x in tokens[i + 1:i + 4]])
            i += 4
        elif t == "CHANNELS":
            n = int(tokens[i + 1])
            joints[stack[-1]][3] = tokens[i + 2:i + 2 + n]
            i += 2 + n
        else:
            i += 1
    lines = [ln for ln in motion.strip().splitlines() if ln.strip()]
    n = int(re.match(r"Frames:\s*(\d+)", lines[0]).group(1))
    frame_time = float(re.match(r"Frame Time:\s*(\S+)", lines[1]).group(1))
    frames = np.array([[float(x) for x in ln.split()] for ln in lines[2:]])
    assert frames.shape[0] == n
    return [tuple(j) for j in joints], frames, frame_time


def smpl_order(joints, R):
    """The parsed joints (file order: depth first) and their rotations in SMPL order, parents as SMPL indices."""
    names = [j[0] for j in joints]
    order = [names.index(n) for n in JOINT_NAMES]
    js = [(joints[k][0], -1 if joints[k][1] < 0 else JOINT_NAMES.index(names[joints[k][1]]), joints[k][2],
           joints[k][3]) for k in order]
    return js, R[order]


def joint_state(joints, row):
    """Per joint (file order): local rotation (3, 3), and the root position, from one motion row."""
    k, rot, pos = 0, [], None
    for _name, _parent, _offset, channels in joints:
        R = np.eye(3)
        for ch in channels:
            v = row[k]
            k += 1
            if ch.endswith("rotation"):
                R = R @ axis_rotation(ch[0], v)
            elif ch == "Xposition":
                pos = np.array([v, row[k], row[k + 1]])
        rot.append(R)
    return np.stack(rot), pos


@pytest.mark.parametrize("pose", ["walk", "sit", "wave"])
def test_rotations_round_trip_within_a_tenth_of_a_degree(model, pose):
    params = body(pose)
    joints, frames, _ = parse_bvh(bvh_bytes(model, [params]).decode())
    assert sorted(j[0] for j in joints) == sorted(JOINT_NAMES)
    assert frames.shape == (1, 6 + 23 * 3)
    joints, R = smpl_order(joints, joint_state(joints, frames[0])[0])
    assert [j[1] for j in joints] == list(SMPL_PARENTS)
    want = axis_angle_to_matrix(params.pose.reshape(24, 3))
    cos = (np.einsum("jab,jab->j", R, want) - 1) / 2
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 0.1


@pytest.mark.parametrize("frame", ["body", "camera"])
def test_offsets_and_forward_kinematics_match_the_body_model(model, frame):
    params = body("walk")
    joints, frames, _ = parse_bvh(bvh_bytes(model, [params], frame).decode())
    R, root = joint_state(joints, frames[0])
    joints, R = smpl_order(joints, R)
    rest = model.rest_joints(params.betas)
    for j, (_name, p, offset, _ch) in enumerate(joints):
        np.testing.assert_allclose(offset / 100, np.zeros(3) if p < 0 else rest[j] - rest[p], atol=1e-6)
    G, t = [None] * 24, [None] * 24
    for j, (_name, p, offset, _ch) in enumerate(joints):
        G[j] = R[j] if p < 0 else G[p] @ R[j]
        t[j] = root / 100 if p < 0 else t[p] + G[p] @ (offset / 100)
    posed = model.mesh(params).joints
    want = posed - (posed[0] if frame == "body" else 0)
    np.testing.assert_allclose(np.stack(t), want, atol=5e-5)


def test_several_frames_and_cli_route(tmp_path, model):
    seq = [body("walk", 1), body("sit", 2), body("wave", 3)]
    joints, frames, ft = parse_bvh(bvh_bytes(model, seq).decode())
    assert frames.shape == (3, 75) and ft > 0
    path = ex.export(tmp_path / "walk.bvh", seq[0], model)
    joints, frames, _ = parse_bvh(path.read_text())
    assert len(joints) == 24 and frames.shape == (1, 75)
    with pytest.raises(FileExistsError):
        ex.export(tmp_path / "walk.bvh", seq[0], model)
