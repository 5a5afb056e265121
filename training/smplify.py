"""SMPLify (Bogo et al., ECCV 2016) as the model-based column of NBF's comparison: fit the body model to
2D joints alone, with a Gaussian-mixture pose prior (training/pose_gmm.py, 8 components fitted to the
project's pose sampler), a bend prior on elbows and knees, a shape prior, and staged optimisation:

1. camera and global orientation from the torso joints (hips, shoulders, neck), the depth started from
   the ratio of the body's 3D torso length to the 2D one, from several global-orientation starts (a body
   seen from the front and from the back project to almost the same torso; every start is carried on
   and the one with the lowest final objective is kept);
2. body pose with the pose-prior (and bend-prior) weight annealed from strong to weak;
3. shape (betas) with pose and camera, at the last prior weight.

All starts run as one batch (B = number of starts) through torch autograd and the project's body
model (inference/body_model.py, joints by forward kinematics, the head-top vertex by skinning one vertex).

    from training.smplify import SMPLify
    found = SMPLify(body).fit(joints2d, conf, focal, size)  # found.params, found.loss, ...
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from inference.geometry import axis_angle_to_matrix, project_points
from inference.joints import LSP_FROM_SMPL, head_top_vertex
from inference.optimize import geman_mcclure
from inference.pose_priors import PoseGMM, bend_penalty
from inference.types import BodyParams

TORSO_LSP = (2, 3, 8, 9, 12)  # R hip, L hip, R shoulder, L shoulder, neck
REF_SIZE = 256.0  # data term in pixels of a 256-pixel crop, whatever the crop size


@dataclass(frozen=True)
class SMPLifyResult:
    """What `SMPLify.fit` found: the kept start's body, its final objective, every start's final objective (in
    `SMPLifyConfig.orient_starts_deg` order), the kept start's global orientation in degrees, and the seconds the
    fit took."""

    params: BodyParams
    loss: float
    losses: tuple[float, ...]
    start_deg: float
    seconds: float


@dataclass(frozen=True)
class SMPLifyConfig:
    """Weights and schedule. The data term is sum_j conf_j * GMoF(|r_j|^2) in pixels of a 256-px crop
    (Geman-McClure, sigma px); the pose prior is the GMM's negative log-likelihood."""

    orient_starts_deg: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)  # yaw about the camera's y axis
    pose_prior: tuple[float, ...] = (40.0, 10.0, 2.5, 0.6)             # stage 2, annealed
    shape_prior: float = 5.0                                          # stage 3, times |betas|^2
    bend: float = 3.0            # times the pose-prior weight of the stage, times sum exp(-sign * angle)
    sigma: float = 50.0          # Geman-McClure scale, pixels at 256 px
    iters_camera: int = 60
    iters_pose: int = 60         # per annealing step
    iters_shape: int = 80
    # Adam's steps are per parameter, so the starts in one batch stay independent problems; it fits the
    # tuning bodies better than L-BFGS, batched or not (measurements in resources/weights/MODEL_CARD.md)
    optimizer: str = "adam"      # "adam" or "lbfgs"
    lr_adam: float = 0.02
    # all starts as one batch; with L-BFGS, a batch shares one line search and one stopping test
    batch_starts: bool = True


class SMPLify:
    """Staged SMPLify fitter for one body model. `fit` takes LSP joints (13 or 14, the 14th the head top)."""

    def __init__(self, body, gmm: PoseGMM | None = None, config: SMPLifyConfig = SMPLifyConfig()):
        self.body = body
        self.gmm = gmm or PoseGMM(device=body.device)
        self.cfg = config
        self.head_top = torch.as_tensor([head_top_vertex(body)], device=body.device)
        self.lsp = torch.as_tensor(LSP_FROM_SMPL, device=body.device)
        zero = BodyParams.from_pose(np.zeros(72), np.zeros(10))
        j = body.mesh(zero.with_(body_pose=self.gmm.mean_pose())).joints
        lsp = j[list(LSP_FROM_SMPL)]
        # 3D torso length of the mean body in the prior's mean pose: mid-shoulders to mid-hips (m)
        self.torso_3d = float(np.linalg.norm((lsp[8] + lsp[9]) / 2 - (lsp[2] + lsp[3]) / 2))
        self.torso_centre = ((lsp[8] + lsp[9] + lsp[2] + lsp[3]) / 4).astype(np.float32)  # rel. to the root (3,)

    # ------------------------------------------------------------------ pieces
    def _lsp_points(self, go: torch.Tensor, bp: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor,
                    with_head: bool) -> torch.Tensor:
        """(B, 13 or 14, 3) camera-frame LSP joints for go (B, 3), bp (B, 69), betas (B, 10), transl (B, 3)."""
        B = go.shape[0]
        rot = axis_angle_to_matrix(torch.cat([go, bp], 1).view(B, 24, 3))
        if with_head:
            j, v = self.body.joints_and_points(rot, betas, self.head_top)
            pts = torch.cat([j[:, self.lsp], v], 1)
        else:
            pts = self.body.joints_rotmat(rot, betas)[:, self.lsp]
        return pts + transl[:, None]

    def _data(self, pts: torch.Tensor, x2d: torch.Tensor, conf: torch.Tensor, focal: float, size: int,
              joints: torch.Tensor | None = None) -> torch.Tensor:
        """(B,) robust reprojection error; pts (B, J, 3), x2d (J, 2), conf (J,); `joints` restricts J."""
        p = project_points(pts, focal, size)
        r2 = ((p - x2d) ** 2).sum(-1) * (REF_SIZE / size) ** 2                      # (B, J) px^2
        rho = geman_mcclure(r2, self.cfg.sigma, scale=self.cfg.sigma ** 2) * conf
        return rho[:, joints].sum(1) if joints is not None else rho.sum(1)

    def _run(self, params: list[torch.Tensor], closure_loss, iters: int) -> None:
        """Minimise closure_loss() -> (B,) summed over the batch (the starts are independent problems)."""
        if iters <= 0:
            return
        if self.cfg.optimizer == "lbfgs":
            opt = torch.optim.LBFGS(params, lr=1.0, max_iter=iters, line_search_fn="strong_wolfe",
                                    tolerance_grad=1e-7, tolerance_change=1e-9, history_size=20)

            def closure():
                opt.zero_grad()
                loss = closure_loss().sum()
                loss.backward()
                return loss

            opt.step(closure)
        else:
            opt = torch.optim.Adam(params, lr=self.cfg.lr_adam)
            for _ in range(iters):
                opt.zero_grad()
                closure_loss().sum().backward()
                opt.step()

    # ------------------------------------------------------------------ the fit
    def initial_translation(self, x2d: np.ndarray, conf: np.ndarray, focal: float, size: int) -> np.ndarray:
        """(3,) root translation (metres, crop camera) placing the mean body's torso on the 2D torso of the LSP-order
        keypoints x2d (13+, 2) crop px with conf (13+,): depth from the ratio of the 3D torso length to the 2D one
        (SMPLify's similar triangles), x, y from the torso's 2D centre."""
        hips, shoulders = x2d[[2, 3]].mean(0), x2d[[8, 9]].mean(0)
        ok = conf[[2, 3, 8, 9]].min() > 0
        l2d = float(np.linalg.norm(shoulders - hips)) if ok else 0.0
        if l2d < 1e-3:  # torso not seen: the body's height at a third of the crop
            l2d = size / 3
        depth = focal * self.torso_3d / l2d
        c = (hips + shoulders) / 2 if ok else x2d[conf > 0].mean(0) if np.any(conf > 0) else np.full(2, size / 2)
        x = (c[0] - size / 2) * depth / focal
        y = -(c[1] - size / 2) * depth / focal
        return np.array([x - self.torso_centre[0], y - self.torso_centre[1], -depth], np.float32)

    def fit(self, joints2d: np.ndarray, conf: np.ndarray | None, focal: float, size: int) -> SMPLifyResult:
        """joints2d (13, 2) or (14, 2) LSP-order crop pixels (the 14th: head top), conf (J,) or None: the best
        start's fit."""
        t0 = time.perf_counter()
        x2d_np = np.asarray(joints2d, np.float32)[:, :2]
        conf_np = np.ones(len(x2d_np), np.float32) if conf is None else np.asarray(conf, np.float32)
        n = 14 if len(x2d_np) >= 14 else 13
        x2d_np, conf_np = x2d_np[:n], conf_np[:n]
        starts = self.cfg.orient_starts_deg
        groups = [starts] if self.cfg.batch_starts else [(s,) for s in starts]
        results = [self._fit_starts(x2d_np, conf_np, focal, size, g) for g in groups]
        params = [p for r in results for p in r[0]]
        losses = [float(v) for r in results for v in r[1]]
        k = int(np.argmin(losses))
        return SMPLifyResult(params[k], losses[k], tuple(losses), float(starts[k]), time.perf_counter() - t0)

    def _fit_starts(self, x2d_np: np.ndarray, conf_np: np.ndarray, focal: float, size: int,
                    starts_deg: tuple[float, ...]) -> tuple[list[BodyParams], np.ndarray]:
        """All stages from the given yaw starts as one batch (B = len(starts_deg)); x2d_np (J, 2), conf_np (J,).
        Returns each start's BodyParams and final objective (B,)."""
        cfg, dev = self.cfg, self.body.device
        with_head = len(x2d_np) == 14
        x2d, c = torch.as_tensor(x2d_np, device=dev), torch.as_tensor(conf_np, device=dev)
        B = len(starts_deg)
        yaw = torch.as_tensor(np.radians(starts_deg), dtype=torch.float32, device=dev)
        go = torch.stack([torch.zeros_like(yaw), yaw, torch.zeros_like(yaw)], 1).clone()
        bp = torch.as_tensor(self.gmm.mean_pose(), device=dev).expand(B, 69).clone()
        betas = torch.zeros(B, 10, device=dev)
        t_init = self.initial_translation(x2d_np, conf_np, focal, size)
        # translation as (x, y) and the inverse depth scaled to ~1: all parameters of similar magnitude
        txy = torch.as_tensor(t_init[:2], device=dev).expand(B, 2).clone()
        d0 = float(-t_init[2])
        inv_d = torch.ones(B, 1, device=dev)

        def transl() -> torch.Tensor:
            return torch.cat([txy, -d0 / inv_d.clamp_min(0.05)], 1)

        torso = torch.as_tensor(TORSO_LSP, device=dev)

        def loss_camera() -> torch.Tensor:
            pts = self._lsp_points(go, bp, betas, transl(), False)
            return self._data(pts, x2d[:13], c[:13], focal, size, torso)

        for t in (go, txy, inv_d):
            t.requires_grad_(True)
        self._run([go, txy, inv_d], loss_camera, cfg.iters_camera)

        def objective(w_pose: float, w_shape: float) -> torch.Tensor:
            pts = self._lsp_points(go, bp, betas, transl(), with_head)
            return (self._data(pts, x2d, c, focal, size) + w_pose * self.gmm(bp)
                    + cfg.bend * w_pose * bend_penalty(bp) + w_shape * (betas ** 2).sum(1))

        bp.requires_grad_(True)
        for w in cfg.pose_prior:
            self._run([go, bp, txy, inv_d], lambda w=w: objective(w, 1e3), cfg.iters_pose)
        betas.requires_grad_(True)
        w_last = cfg.pose_prior[-1]
        self._run([go, bp, betas, txy, inv_d], lambda: objective(w_last, cfg.shape_prior), cfg.iters_shape)
        with torch.no_grad():
            final = objective(w_last, cfg.shape_prior).cpu().numpy()
            tr = transl().cpu().numpy()
        out = [BodyParams(go[k].detach().cpu().numpy(), bp[k].detach().cpu().numpy(),
                          betas[k].detach().cpu().numpy(), tr[k]) for k in range(B)]
        return out, final
