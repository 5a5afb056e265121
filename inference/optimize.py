"""Optimisation-based fitting of SMPL to image evidence (2D joints, part maps): NBF's test-time refinement
(`inference/refine.py`, from the network's answer). The SMPLify-style baseline of `main.py evaluate`
(`training/smplify.py`, from the mean pose, staged as SMPLify's paper) is its own driver: it shares this
module's robust 2D term (`geman_mcclure`) and the pose priors of `inference/pose_priors.py`.

Terms: robust (Geman-McClure) 2D joint reprojection; 3D bone directions (scale-free, from a detector's
world landmarks); a part-map term pulling each part's projected vertices onto that part's pixels (a
distance transform per part, sampled with grid_sample, so it is differentiable); a silhouette term
(projected vertices inside the mask, and the mask's core covered by some projected vertex: clothes and
hair are in the mask but not in the body, so its rim is not asked for); a Gaussian pose prior fitted to
the synthetic pose distribution; a shape prior with a wall at the body model's range; a penalty on
unnatural elbow/knee bending; a term keeping the result near the initial estimate.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .geometry import axis_angle_to_matrix, project_points
from .joints import HEAD_JOINT, LSP_FROM_SMPL
from .pose_priors import GaussianPosePrior, bend_penalty, default_pose_prior
from .types import BodyParams, BoneDirections

# |beta| beyond which the shape prior's wall (FitWeights.beta_wall) starts: the body model's betas are
# unit-variance (the synthetic people draw N(0, 1) clipped at +-3), and the app's sliders end at +-3
BETA_SOFT = 2.5


class Adam:
    """Adam over a few tensors, the same steps as torch.optim.Adam's default single-tensor update (no weight
    decay, no amsgrad). Here rather than torch.optim because that optimizer's first construction imports
    torch._dynamo (sympy, inductor, distributed: about 1.5 s and 1100 modules), which in the app holds the
    interpreter for 100-200 ms stretches and stalls the window during the first refined prediction."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps = list(params), lr, betas, eps
        self.steps = [0] * len(self.params)  # per tensor, counting the steps it had a gradient in
        self.m = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.v = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        b1, b2 = self.betas
        for i, (p, m, v) in enumerate(zip(self.params, self.m, self.v)):
            if p.grad is None:  # not in this step's loss: left as it is, like torch.optim
                continue
            self.steps[i] += 1
            step_size = self.lr / (1 - b1 ** self.steps[i])
            bias_correction2_sqrt = (1 - b2 ** self.steps[i]) ** 0.5
            g = p.grad
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.addcdiv_(m, (v.sqrt() / bias_correction2_sqrt).add_(self.eps), value=-step_size)


# Share of the body's mass at each SMPL joint (24,), from segment masses (trunk about half, head 7 %, each
# leg 15 %, each arm 5 %) split between the joints that bound each segment: the centre of mass as a joint mean.
COM_WEIGHTS = np.array([0.12, 0.05, 0.05, 0.10, 0.05, 0.05, 0.10, 0.02, 0.02, 0.10, 0.01, 0.01,
                        0.04, 0.0, 0.0, 0.06, 0.02, 0.02, 0.015, 0.015, 0.01, 0.01, 0.0, 0.0], np.float32)
COM_WEIGHTS = COM_WEIGHTS / COM_WEIGHTS.sum()
FEET = [7, 8, 10, 11]  # ankles and feet


@dataclass(frozen=True)
class FitWeights:
    """Weights of the optimisation terms, per stage (stages run in order, `iters` steps each)."""

    joints: float = 1.0
    parts: float = 0.0
    pose_prior: tuple[float, ...] = (4.0, 1.0, 0.3)
    shape_prior: float = 0.05
    bend: float = 0.5
    stay: float = 0.0
    # the person's mask and the body's projection should match: the body's vertices inside the mask, and
    # the mask's pixels at least `cover_margin` (fraction of the crop) inside its outline covered by the body,
    # weighted `cover` relative to the first (0 margin and cover 1: a two-sided chamfer)
    silhouette: float = 0.0
    cover: float = 1.0
    cover_margin: float = 0.0
    bones: float = 0.0        # 3D bone directions (1 - cosine, confidence-weighted, mean over the bones)
    beta_wall: float = 0.0    # squared excess of |beta| over BETA_SOFT
    balance: float = 0.0      # the body's centre of mass over its feet (horizontal offset, metres squared)
    fix_depth: bool = False  # keep the camera distance (weakly constrained at a fixed focal length of 5000 px)
    iters: int = 60
    lr: float = 0.03


@dataclass(frozen=True)
class FitResult:
    """What `fit_smpl` found: the fitted body, the last step's total loss and the seconds it took."""

    params: BodyParams
    loss: float
    seconds: float


def part_distance_fields(labels: np.ndarray, size: int) -> torch.Tensor:
    """(12, r, r) distance (in crop pixels of a `size` crop) from each pixel of the label map labels (r, r) 0..12 to
    the nearest pixel of each part."""
    r = labels.shape[0]
    out = np.zeros((12, r, r), np.float32)
    for k in range(12):
        mask = (labels == k + 1).astype(np.uint8)
        if mask.any():
            out[k] = cv2.distanceTransform(1 - mask, cv2.DIST_L2, 3) * (size / r)
        else:
            out[k] = 0.0  # part not seen: no evidence either way
    return torch.from_numpy(out)


def geman_mcclure(sq: torch.Tensor, sigma: float, scale: float = 1.0) -> torch.Tensor:
    """Geman-McClure of squared residuals sq (any shape, e.g. (B, J)), same shape: scale * sq / (sq + sigma^2), in
    [0, scale). scale 1 (the refinement's form) or sigma^2 (SMPLify's GMoF, saturating at sigma^2 in the residual's own
    units); `scale` multiplies before the division, as SMPLify's baseline has always rounded it."""
    return scale * sq / (sq + sigma ** 2)


def fit_smpl(body, init: BodyParams, focal: float, size: int, weights: FitWeights,
             joints2d: np.ndarray | None = None, conf: np.ndarray | None = None, labels: np.ndarray | None = None,
             prior: GaussianPosePrior | None = None, vertex_parts: np.ndarray | None = None, n_vertices: int = 800,
             cancel: Callable[[], bool] | None = None, seed: int = 0, silhouette: np.ndarray | None = None,
             photo_area: np.ndarray | None = None, fixed_joints: tuple[int, ...] = (),
             bones: BoneDirections | None = None, hidden_parts: tuple[int, ...] = (),
             fixed_betas: tuple[int, ...] = (), anchor: BodyParams | None = None) -> FitResult:
    """Optimise pose, shape and translation from `init`.

    joints2d (13, 2) LSP-order crop pixels with conf (13,), or (14, 2) / (14,) with the head last;
    labels (r, r) part map 0..12 on the crop; silhouette (S, S) bool, the person's mask on the crop;
    photo_area (S, S) bool, where the crop shows the photo (elsewhere the mask says nothing: a body part
    beyond the photo's edge is not outside the person); fixed_joints: SMPL joints (1..23) whose rotations
    stay as in `init`; bones: 3D bone directions in the camera frame (`weights.bones` > 0 uses them);
    hidden_parts: part labels (1..12) the photo does not show (occluded or cut off, with vertex_parts (V,), the
    body model's part index 0..11 of each vertex, given): their vertices need not lie inside the silhouette;
    fixed_betas: shape components (0..9) that stay as in `init`; anchor: the pose the `stay` term holds the body
    near and whose camera-facing vertices the part term samples (default `init`): two fits from different starts
    with one anchor minimise one objective, so their losses compare.
    Returns the fitted BodyParams with the last step's loss and the seconds taken (`FitResult`).
    """
    t0 = time.perf_counter()
    dev = body.device
    prior = prior or default_pose_prior()
    f32 = lambda a: torch.tensor(np.asarray(a, np.float32), device=dev)[None]  # noqa: E731
    go, bp, betas, txy = (f32(init.global_orient), f32(init.body_pose), f32(init.betas), f32(init.transl[:2]))
    tz = f32(init.transl[2:])
    anchor = init if anchor is None else anchor
    init_pose = torch.cat([f32(anchor.global_orient), f32(anchor.body_pose)], 1)  # (1, 72) the stay term's pose
    for t in (go, bp, betas, txy) + (() if weights.fix_depth else (tz,)):
        t.requires_grad_(True)
    if fixed_joints:  # no gradient, so no Adam step, for the fixed joints' rotations
        free = torch.ones(23, 3, device=dev)
        free[[j - 1 for j in fixed_joints]] = 0.0
        bp.register_hook(lambda g: g * free.view(1, 69))
    if fixed_betas:  # likewise for the fixed shape components
        free_b = torch.ones_like(betas)
        free_b[0, list(fixed_betas)] = 0.0
        betas.register_hook(lambda g: g * free_b)
    use_parts = labels is not None and weights.parts > 0
    use_sil = silhouette is not None and weights.silhouette > 0 and bool(np.any(silhouette))
    use_mesh = use_parts or use_sil
    rng = np.random.default_rng(seed)
    if use_sil:  # a fixed sample of mask pixels (crop pixel centres) to be covered
        to_crop = size / silhouette.shape[0]  # mask pixels -> crop pixels
        sil_u8 = np.asarray(silhouette, np.uint8)
        core = sil_u8 > 0
        if weights.cover_margin > 0:  # the mask's core: loose clothes and hair make its rim, not the body
            depth = cv2.distanceTransform(np.pad(sil_u8, 1), cv2.DIST_L2, 3)[1:-1, 1:-1] * to_crop
            deep = depth >= weights.cover_margin * size
            core = deep if deep.any() else core
        ys, xs = np.nonzero(core)
        pick = rng.choice(len(xs), min(400, len(xs)), replace=False)
        sil_pts = torch.as_tensor((np.stack([xs[pick], ys[pick]], 1).astype(np.float32) + 0.5) * to_crop, device=dev)
        outside = cv2.distanceTransform(1 - sil_u8, cv2.DIST_L2, 3) * to_crop
        sil_dist = torch.as_tensor(outside, device=dev)[None, None]          # (1, 1, S, S) crop pixels
        # a gate, read without interpolation: a fading distance at the photo's edge would push outwards
        area = np.ones_like(outside) if photo_area is None else np.asarray(photo_area, np.float32)
        sil_area = torch.as_tensor(area, device=dev)[None, None]
    sel = np.zeros(0, np.int64)
    if use_parts:
        # only vertices facing the camera in the initial estimate: hidden ones have no pixels to go to
        from .render.normals import vertex_normals

        facing = np.flatnonzero(vertex_normals(body.mesh(anchor).vertices, body.faces)[:, 2] > 0.1)
        sel = np.sort(rng.choice(facing, min(n_vertices, len(facing)), replace=False))
        dist = part_distance_fields(labels, size).to(dev)[None]        # (1, 12, r, r)
        vparts = torch.as_tensor(vertex_parts[sel], device=dev)
        seen = torch.as_tensor([(labels == k + 1).any() for k in range(12)], device=dev)[vparts]
    n_part_pts = len(sel)
    if use_sil:  # any vertex, seen or hidden, projects inside the body's outline
        extra = np.sort(rng.choice(body.num_vertices, min(n_vertices, body.num_vertices), replace=False))
        sel = np.concatenate([sel, extra])
        inside_w = torch.ones(len(extra), device=dev)
        if hidden_parts and vertex_parts is not None:
            hidden = np.isin(np.asarray(vertex_parts)[extra] + 1, hidden_parts)
            inside_w = torch.as_tensor((~hidden).astype(np.float32), device=dev)
    sel_t = torch.as_tensor(sel, device=dev)
    if joints2d is not None:
        j2d = f32(joints2d)[0]
        c = f32(conf if conf is not None else np.ones(len(joints2d)))[0]
    use_bones = bones is not None and weights.bones > 0 and float(np.sum(bones.conf)) > 0
    if use_bones:
        b_ends = torch.as_tensor(np.asarray(bones.ends), device=dev)                       # (K, 2, 2)
        b_dir = torch.as_tensor(np.asarray(bones.directions, np.float32), device=dev)      # (K, 3)
        b_conf = torch.as_tensor(np.asarray(bones.conf, np.float32), device=dev)           # (K,)
        b_conf = b_conf / len(b_conf)  # a mean over all bones: unseen bones weaken the term, not strengthen the rest
    com_w = torch.as_tensor(COM_WEIGHTS, device=dev)  # (24,)
    lsp = torch.as_tensor(LSP_FROM_SMPL + ((HEAD_JOINT,) if joints2d is not None and len(joints2d) == 14 else ()),
                          device=dev)
    loss = torch.zeros(())
    depth = [] if weights.fix_depth else [tz]
    for stage, w_pose in enumerate(weights.pose_prior):
        params = ([go, bp, betas, txy] if stage else [go, txy]) + depth  # first stage: camera and orientation
        tr = torch.cat([txy, tz], 1)
        opt = Adam(params, lr=weights.lr)
        # the camera stage moves only the camera and the orientation: the body's pose and shape enter it as
        # constants, so that the backward pass does not compute gradients nobody steps along
        bp_s, betas_s = (bp, betas) if stage else (bp.detach(), betas.detach())
        for _ in range(weights.iters):
            if cancel is not None and cancel():
                break
            opt.zero_grad()
            tr = torch.cat([txy, tz], 1)
            pose = torch.cat([go, bp_s], 1)                                          # (1, 72)
            rot = axis_angle_to_matrix(pose.view(1, 24, 3))
            if use_mesh:
                j, v = body.joints_and_points(rot, betas_s, sel_t)
                j, v = j + tr[:, None], v + tr[:, None]
            else:
                j = body.joints_rotmat(rot, betas_s) + tr[:, None]
            loss = w_pose * prior(bp_s).sum() + weights.shape_prior * (betas_s ** 2).sum()
            if weights.beta_wall > 0:
                loss = loss + weights.beta_wall * (F.relu(betas_s.abs() - BETA_SOFT) ** 2).sum()
            if weights.balance > 0:
                off = (com_w @ j[0, :24] - j[0, FEET].mean(0))[[0, 2]]             # camera x, z: horizontal
                loss = loss + weights.balance * (off ** 2).sum()
            if use_bones:
                ends = j[0][b_ends].mean(2)                                          # (K, 2, 3)
                d = F.normalize(ends[:, 1] - ends[:, 0], dim=-1)
                loss = loss + weights.bones * (b_conf * (1 - (d * b_dir).sum(-1))).sum()
            # knees and elbows should not bend backwards (SMPLify's exp penalty)
            loss = loss + weights.bend * bend_penalty(bp_s).sum() * 0.1
            if weights.stay > 0:
                loss = loss + weights.stay * ((pose - init_pose) ** 2).sum()
            if joints2d is not None and weights.joints > 0:
                p = project_points(j[0, lsp], focal, size)
                loss = loss + weights.joints * (c * geman_mcclure(((p - j2d) ** 2).sum(-1), size * 0.1)).sum()
            if use_sil:
                pv = project_points(v[0, n_part_pts:], focal, size)
                with torch.no_grad():  # the distance's gradient is the nearest vertex's alone, as through a min
                    nearest = torch.cdist(sil_pts, pv).argmin(1)
                near_sq = ((sil_pts - pv[nearest]) ** 2).sum(-1)                  # (m,) to the nearest vertex, squared
                grid = (pv / size * 2 - 1)[None, None]
                out = F.grid_sample(sil_dist, grid, align_corners=False, padding_mode="border")[0, 0, 0]  # (n,)
                out = out * F.grid_sample(sil_area, grid.detach(), mode="nearest", align_corners=False,
                                          padding_mode="zeros")[0, 0, 0] * inside_w  # 0 beyond the photo
                loss = loss + weights.silhouette * (weights.cover * (near_sq / size ** 2).mean()
                                                    + ((out / size) ** 2).mean()) * 100
            if use_parts:
                pv = project_points(v[0, :n_part_pts], focal, size)               # (n, 2)
                grid = (pv / size * 2 - 1)[None, None]                             # (1, 1, n, 2)
                d = F.grid_sample(dist, grid, align_corners=False, padding_mode="border")[0, :, 0]  # (12, n)
                dv = d.gather(0, vparts[None])[0]
                loss = loss + weights.parts * ((dv / size) ** 2 * seen).mean() * 100
            loss.backward()
            opt.step()
    params = BodyParams(go.detach()[0].cpu().numpy(), bp.detach()[0].cpu().numpy(),
                        betas.detach()[0].cpu().numpy(), torch.cat([txy, tz], 1).detach()[0].cpu().numpy())
    return FitResult(params, float(loss.detach()), time.perf_counter() - t0)
