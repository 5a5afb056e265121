"""How good BlazePose's 3D world landmarks are on synthetic people, against the network's fit.

    OMP_NUM_THREADS=1 python scripts/study_world_landmarks.py data/synth_tune2 --limit 200
    OMP_NUM_THREADS=1 python scripts/study_world_landmarks.py data/synth_test --blend


For each test image (the whole image as the crop, the detector run on it, as `main.py evaluate` does) with a
detected person: PA-MPJPE over the twelve limb joints both know (hips, knees, ankles, shoulders, elbows, wrists:
SMPL joints 1, 2, 4, 5, 7, 8, 16-21 and BlazePose landmarks 23-28, 11-16) of the world landmarks (metres, the
NBF camera's axes) and of the network's fit, and the mean angle between each one's eleven bones
(`person_inputs.WORLD_BONES`) and the true ones in the camera frame. Decides how far refinement should follow
the landmarks where the network is trusted (docs/real_photos.md, "Measured and not shipped (stop 33)").

`--blend` also asks how much a 3D fusion of the two could gain, before any network is trained to read the
landmarks (stop 71): the landmarks' twelve joints, similarity-aligned onto the network's, mixed into them with a
weight w for every joint (w from 0 to 1), with one weight per joint fitted by least squares on the even-numbered
people and scored on the odd ones, and the per-person best w (an oracle that sees the truth).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SMPL_LIMB_JOINTS = [1, 2, 4, 5, 7, 8, 16, 17, 18, 19, 20, 21]
BLAZEPOSE_LIMB_JOINTS = [23, 24, 25, 26, 27, 28, 11, 12, 13, 14, 15, 16]


def bone_angles(a: np.ndarray, b: np.ndarray) -> float:
    """Mean angle (degrees) between unit bone directions a and b (K, 3)."""
    return float(np.degrees(np.arccos(np.clip((a * b).sum(1), -1.0, 1.0))).mean())


def smpl_bones(joints: np.ndarray) -> np.ndarray:
    """(11, 3) unit directions of WORLD_BONES on SMPL joints (24, 3)."""
    from inference.detect.person_inputs import WORLD_BONES

    d = np.array([joints[list(b[1])].mean(0) - joints[list(b[0])].mean(0) for b in WORLD_BONES])
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def blend(net: np.ndarray, world: np.ndarray, w) -> np.ndarray:
    """net, world (B, 12, 3) joints; w a scalar or (12,) weights -> (B, 12, 3): the world landmarks,
    similarity-aligned onto the network's joints person by person, mixed in with weight w."""
    from inference.metrics import batch_similarity_procrustes

    aligned = batch_similarity_procrustes(world, net)[0]
    return net + np.reshape(np.asarray(w, np.float64), (-1, 1)) * (aligned - net)


def joint_weights(net: np.ndarray, world: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(12,) least-squares weights in [0, 1] per joint for `blend`, from people (B, 12, 3) whose truth is known
    (the truth similarity-aligned onto the network's joints, the frame the blend works in)."""
    from inference.metrics import batch_similarity_procrustes

    aligned = batch_similarity_procrustes(world, net)[0]
    target = batch_similarity_procrustes(truth, net)[0]
    d, t = (aligned - net).transpose(1, 0, 2).reshape(12, -1), (target - net).transpose(1, 0, 2).reshape(12, -1)
    return np.clip((d * t).sum(1) / np.maximum((d * d).sum(1), 1e-12), 0.0, 1.0)


def blend_report(net: np.ndarray, world: np.ndarray, truth: np.ndarray) -> list[str]:
    """Lines of PA-MPJPE (mm over the twelve joints) for `blend` at fixed weights, at per-joint weights fitted on
    the even-numbered people and scored on the odd ones, and for the per-person best weight (an oracle)."""
    from inference.metrics import pa_mpjpe

    ws = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)
    err = {w: pa_mpjpe(blend(net, world, w), truth) * 1000 for w in ws}
    lines = ["fixed weight w: " + ", ".join(f"{w:g}: {e.mean():.1f} mm" for w, e in err.items())]
    even, odd = slice(0, None, 2), slice(1, None, 2)
    wj = joint_weights(net[even], world[even], truth[even])
    fused = pa_mpjpe(blend(net[odd], world[odd], wj), truth[odd]) * 1000
    lines.append(f"per-joint weights fitted on {len(net[even])} people ({', '.join(f'{w:.2f}' for w in wj)}): on the "
                 f"other {len(fused)} {fused.mean():.1f} mm against the network's {err[0.0][odd].mean():.1f}")
    lines.append(f"oracle, the best fixed weight per person: {np.min(np.stack(list(err.values())), 0).mean():.1f} mm")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a synthetic folder (main.py synth)")
    ap.add_argument("--limit", type=int, default=0, help="first N test cases only")
    ap.add_argument("--blend", action="store_true", help="also the gain of mixing the landmarks into the fit")
    args = ap.parse_args(argv)
    import torch

    from inference.datasets import list_cases, read_case
    from inference.detect.person_inputs import world_bones
    from inference.metrics import pa_mpjpe
    from training.evaluate import detecting_predictor, run_network

    torch.set_num_threads(1)
    pred = detecting_predictor("detect")
    if pred.detector is None:
        return 2
    body = pred.body_model
    rows, joints = [], []
    for cid in list_cases(args.data, "test")[: args.limit or None]:
        case = read_case(args.data, cid, body)
        run = run_network(pred, case.image)
        if run.person is None or run.person.world is None:
            continue
        gt, net = body.mesh(case.params).joints, body.mesh(run.prediction.params).joints
        world = np.asarray(run.person.world, np.float64) * np.array([1.0, -1.0, -1.0])  # y up, z to the viewer
        truth = gt[SMPL_LIMB_JOINTS][None]
        joints.append((net[SMPL_LIMB_JOINTS], world[BLAZEPOSE_LIMB_JOINTS], gt[SMPL_LIMB_JOINTS]))
        rows.append((pa_mpjpe(world[BLAZEPOSE_LIMB_JOINTS][None], truth)[0] * 1000,
                     pa_mpjpe(net[SMPL_LIMB_JOINTS][None], truth)[0] * 1000,
                     bone_angles(world_bones(run.person).directions, smpl_bones(gt)),
                     bone_angles(smpl_bones(net), smpl_bones(gt))))
    if not rows:
        print("no detected person with world landmarks")
        return 1
    r = np.array(rows)
    print(f"{len(r)} detected people of {args.data}")
    print(f"PA-MPJPE over 12 limb joints: world landmarks {r[:, 0].mean():.1f} mm (median {np.median(r[:, 0]):.1f}), "
          f"the network's fit {r[:, 1].mean():.1f} (median {np.median(r[:, 1]):.1f}); the landmarks better on "
          f"{np.mean(r[:, 0] < r[:, 1]):.0%} of the people")
    print(f"bone directions, mean angle to the truth: world landmarks {r[:, 2].mean():.1f} deg, "
          f"network {r[:, 3].mean():.1f}")
    if args.blend:
        net, world, truth = (np.array(x, np.float64) for x in zip(*joints))
        print("\n".join(blend_report(net, world, truth)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
