"""BVH (Biovision hierarchy) of fitted poses: SMPL's 24 joints, rest offsets of this body's shape.

HIERARCHY: ROOT pelvis and 23 JOINTs in SMPL's tree (`joints.JOINT_NAMES`), each OFFSET the joint's rest
position relative to its parent for the body's betas; the leaves (feet, head, hands) end in an End Site
that continues their bone by half its length. The root has 6 channels (Xposition Yposition Zposition
Zrotation Yrotation Xrotation), every other joint 3 (Zrotation Yrotation Xrotation): a joint's rotation
relative to its parent is R = Rz(z) Ry(y) Rx(x) (intrinsic, in the listed order, degrees), its SMPL
axis-angle pose. MOTION: one line per frame.

Units: centimetres (BVH tools such as Blender's importer and most retargeting tools expect them), y up,
the rest pose facing +z. The root position is the posed pelvis: the origin in the body-centred frame
(default), or its place in the OpenGL camera frame (`--frame camera`). BVH has no place for metadata, so
the frame is stated only here and in the CLI help.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .geometry import axis_angle_to_matrix, matrix_to_euler
from .rig import check_frame, frame_offset

CM_PER_M = 100.0


def bvh_text(names, parents, rest_joints: np.ndarray, poses: np.ndarray, root_positions: np.ndarray,
             frame_time: float = 1.0 / 30.0) -> str:
    """BVH text. names (J,), parents (J,) (-1 for the root, parents before children); rest_joints (J, 3)
    metres; poses (N, J*3) SMPL axis-angle; root_positions (N, 3) metres (the posed root)."""
    parents = [int(p) for p in parents]
    rest = np.asarray(rest_joints, np.float64) * CM_PER_M
    poses = np.asarray(poses, np.float64).reshape(-1, len(names), 3)
    roots = np.asarray(root_positions, np.float64).reshape(-1, 3) * CM_PER_M
    if len(roots) != len(poses):
        raise ValueError(f"{len(poses)} poses but {len(roots)} root positions")
    children = {j: [k for k, p in enumerate(parents) if p == j] for j in range(len(names))}
    lines: list[str] = ["HIERARCHY"]
    order: list[int] = []

    def num(v) -> str:
        # rounding noise around zero (1e-17 off an exact zero angle) is written as 0, not -0.000000
        return " ".join(f"{x:.6f}".replace("-0.000000", "0.000000") for x in v)

    def emit(j: int, depth: int) -> None:
        pad = "\t" * depth
        p = parents[j]
        order.append(j)
        if p < 0:
            lines.extend([f"{pad}ROOT {names[j]}", pad + "{", f"{pad}\tOFFSET {num((0.0, 0.0, 0.0))}",
                          f"{pad}\tCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation"])
        else:
            lines.extend([f"{pad}JOINT {names[j]}", pad + "{", f"{pad}\tOFFSET {num(rest[j] - rest[p])}",
                          f"{pad}\tCHANNELS 3 Zrotation Yrotation Xrotation"])
        for k in children[j]:
            emit(k, depth + 1)
        if not children[j]:
            bone = rest[j] - rest[p] if p >= 0 else np.array([0.0, 10.0, 0.0])
            lines.extend([f"{pad}\tEnd Site", pad + "\t{", f"{pad}\t\tOFFSET {num(0.5 * bone)}", pad + "\t}"])
        lines.append(pad + "}")

    for r in (j for j, p in enumerate(parents) if p < 0):
        emit(r, 0)
    angles = matrix_to_euler(axis_angle_to_matrix(poses), order="zyx")  # (N, J, 3) with R = Rz Ry Rx
    lines += ["MOTION", f"Frames: {len(poses)}", f"Frame Time: {frame_time:.6f}"]
    for n in range(len(poses)):
        row = []
        for j in order:
            if parents[j] < 0:
                row.append(num(roots[n]))
            row.append(num(angles[n, j]))
        lines.append(" ".join(row))
    return "\n".join(lines) + "\n"


def bvh_bytes(body_model, params_list, frame: str = "body", frame_time: float = 1.0 / 30.0) -> bytes:
    """BVH of one or more BodyParams (one frame each; the rest offsets from the first one's betas)."""
    from .joints import JOINT_NAMES

    check_frame(frame)
    params_list = list(params_list)
    if not params_list:
        raise ValueError("no poses to write")
    rest = np.asarray(body_model.rest_joints(np.asarray(params_list[0].betas, np.float32)), np.float64)
    roots = []
    for p in params_list:
        joints = np.asarray(body_model.mesh(p).joints, np.float64)
        roots.append(joints[0] - frame_offset(joints, frame))
    poses = np.stack([np.asarray(p.pose, np.float64) for p in params_list])
    return bvh_text(JOINT_NAMES, body_model.parents, rest, poses, np.stack(roots), frame_time).encode("ascii")


def export_bvh(path: str | Path, body_model, params, frame: str = "body", overwrite: bool = False) -> Path:
    """Write the BVH of `params` (one BodyParams, or a sequence of them: one frame each). Returns the path."""
    from .file_writes import atomic_write

    seq = params if isinstance(params, list | tuple) else [params]
    return atomic_write(path, bvh_bytes(body_model, seq, frame), overwrite)
