"""The skeleton of one posed body for the animation exports (skinned glTF, BVH): joints, bind mesh, weights.

SMPL's 24 joints (`joints.JOINT_NAMES`, parents `SMPL_PARENTS`) with rest positions for the body's
shape; the fitted pose as one rotation per joint, relative to its parent (SMPL's axis-angle pose); each
vertex bound to its 4 strongest joints, weights renormalised to sum to 1 (what glTF's JOINTS_0/WEIGHTS_0
and most engines hold).

Frames (metres, y up, x right, as in inference/types.py):
    "body":   the camera frame moved so that the posed pelvis is at the origin (rotation kept: a person
              standing upright in the photo stands upright, facing +z);
    "camera": the OpenGL camera frame of the prediction (camera at the origin looking down -z).

Bind mesh: the rest mesh that linear blend skinning with the 4-weight skin and the fitted pose carries
exactly onto the body model's posed vertices. It is found by inverting that skinning per vertex, so it
holds the shaped rest mesh plus whatever the 4-weight skin and SMPL's pose correctives (when the model
has them) add for this pose: a re-posed file reproduces `BodyModel.mesh(params)` to float precision. Where a
twist of about 180 degrees collapses a vertex's skinning (`BIND_MIN_STRETCH`) the shaped rest vertex is kept
instead: the inverse would throw it far off.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import axis_angle_to_matrix

FRAMES = ("body", "camera")
# smallest singular value of a vertex's blended skinning rotation below which its bind vertex is the shaped rest
# vertex, not the inverse of the skinning: every preset and random pose (0.5 rad per angle) keeps it above 0.58,
# a hip turned 3 rad or a neck rolled 180 degrees takes it to 0.0002
BIND_MIN_STRETCH = 0.3
FRAME_TEXT = {
    "body": "body-centred: the posed pelvis at the origin, axes of the OpenGL camera frame "
            "(x right, y up, z towards the camera), metres",
    "camera": "OpenGL camera frame of the photo's crop camera (camera at the origin looking down -z, y up), "
              "metres",
}


def check_frame(frame: str) -> str:
    if frame not in FRAMES:
        raise ValueError(f"unknown frame {frame!r}; use one of {', '.join(FRAMES)}")
    return frame


def frame_offset(joints: np.ndarray, frame: str) -> np.ndarray:
    """(3,) float64 metres to subtract from camera-frame points for `frame`: the posed pelvis, joints[0] of the posed
    joints (J, 3) (body), or zeros (camera)."""
    return np.asarray(joints, np.float64)[0].copy() if check_frame(frame) == "body" else np.zeros(3)


@dataclass(frozen=True)
class Rig:
    """One posed body as a skeleton and a skin (float64 unless stated; J = 24 joints, V vertices).

    names (J,), parents (J,) (-1 for the pelvis); rest_joints (J, 3) joint positions of the bind pose, pelvis
    at the origin; local_rotations (J, 3, 3) the pose, each joint relative to its parent (the pelvis: its
    global orientation); root_position (3,) where the pelvis goes in `frame`; bind_vertices (V, 3) in the
    bind pose (pelvis at the origin); faces (F, 3); joints4 (V, 4) int and weights4 (V, 4) the skin;
    frame "body" | "camera".
    """

    names: tuple[str, ...]
    parents: np.ndarray
    rest_joints: np.ndarray
    local_rotations: np.ndarray
    root_position: np.ndarray
    bind_vertices: np.ndarray
    faces: np.ndarray
    joints4: np.ndarray
    weights4: np.ndarray
    frame: str

    def world_transforms(self) -> np.ndarray:
        """(J, 4, 4) posed joint transforms (forward kinematics) in `frame`."""
        G = np.zeros((len(self.parents), 4, 4))
        for j, p in enumerate(self.parents):
            L = np.eye(4)
            L[:3, :3] = self.local_rotations[j]
            L[:3, 3] = self.root_position if p < 0 else self.rest_joints[j] - self.rest_joints[p]
            G[j] = L if p < 0 else G[p] @ L
        return G

    def skinning_matrices(self) -> np.ndarray:
        """(J, 4, 4) posed transform @ inverse bind matrix per joint."""
        S = self.world_transforms().copy()
        S[:, :3, 3] -= (S[:, :3, :3] @ self.rest_joints[..., None])[..., 0]
        return S


def top4(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 4 strongest joints per vertex (V, 4) and their weights renormalised to sum to 1 (V, 4)."""
    w = np.asarray(weights, np.float64)
    idx = np.argsort(-w, axis=1, kind="stable")[:, :4]
    w4 = np.take_along_axis(w, idx, 1)
    w4 = np.where(w4 > 1e-6, w4, 0.0)
    w4 /= w4.sum(1, keepdims=True)
    idx = np.where(w4 > 0, idx, 0)  # unused slots: joint 0 with weight 0 (glTF's convention)
    return idx.astype(np.int64), w4


def blend(S: np.ndarray, joints4: np.ndarray, weights4: np.ndarray) -> np.ndarray:
    """Per-vertex skinning matrices (V, 4, 4) = sum_k w_k S[j_k], from the joints' matrices S (J, 4, 4), each
    vertex's joints joints4 (V, 4) int and weights weights4 (V, 4)."""
    return np.einsum("vk,vkab->vab", weights4, S[joints4])


def build_rig(body_model, params, frame: str = "body") -> Rig:
    """The Rig of `params` (BodyParams) posed by `body_model` (inference.body_model.BodyModel)."""
    from .joints import JOINT_NAMES

    check_frame(frame)
    mesh = body_model.mesh(params)
    rest = np.asarray(body_model.rest_joints(np.asarray(params.betas, np.float32)), np.float64)
    posed_joints = np.asarray(mesh.joints, np.float64)
    offset = frame_offset(posed_joints, frame)
    posed = np.asarray(mesh.vertices, np.float64) - offset
    R = axis_angle_to_matrix(np.asarray(params.pose, np.float64).reshape(24, 3))
    joints4, weights4 = top4(body_model.weights)
    rig = Rig(tuple(JOINT_NAMES), np.asarray(body_model.parents, np.int64), rest - rest[0], R,
              posed_joints[0] - offset, np.zeros_like(posed), np.asarray(body_model.faces, np.int64),
              joints4, weights4, frame)
    # bind mesh: invert the 4-weight skinning of the model's posed vertices, vertex by vertex
    A = blend(rig.skinning_matrices(), joints4, weights4)
    bind = np.linalg.solve(A[:, :3, :3], (posed - A[:, :3, 3])[..., None])[..., 0]
    # where the vertex's joints turn near-opposite ways the blend all but collapses (a twist of about 180 degrees:
    # its smallest stretch under BIND_MIN_STRETCH) and the inverse throws the vertex far off; there the shaped rest
    # vertex stands, so resetting the rig shows no spike (the pose collapses it as any engine's skinning does)
    weak = np.linalg.svd(A[:, :3, :3], compute_uv=False)[:, 2] < BIND_MIN_STRETCH
    if weak.any():
        shaped = body_model.mesh(type(params).from_pose(np.zeros(72), params.betas, np.zeros(3))).vertices
        bind[weak] = np.asarray(shaped, np.float64)[weak] - rest[0]
    return Rig(**{**rig.__dict__, "bind_vertices": bind})


def skin(rig: Rig) -> np.ndarray:
    """(V, 3) the bind mesh posed by the rig's skeleton (what a glTF viewer shows)."""
    A = blend(rig.skinning_matrices(), rig.joints4, rig.weights4)
    return (A[:, :3, :3] @ rig.bind_vertices[..., None])[..., 0] + A[:, :3, 3]
