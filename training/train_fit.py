"""Train the fitting network (stage 2) on ground-truth part maps from a pre-rendered cache.

    python main.py train-fit --data data/cache/fit --out runs/fit --epochs 30
    torchrun --nproc_per_node 2 main.py train-fit ...     # DistributedDataParallel (gloo on CPU)

The loop (schedule, DDP, checkpoints, resume) is training/loop.py's; this module is what is particular
to fitting: part-map (or RGB) inputs, the NBF losses, 3D joint errors.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import axis_angle_to_matrix
from inference.joints import MIRROR_JOINTS
from inference.keypoint_maps import MIRROR_KEYPOINTS, NUM_KEYPOINT_COORDS, NUM_LIMB_MAPS, keypoint_coords, limb_maps
from inference.nets import FitNet
from inference.parts import GROUPINGS

from .augment import corrupt_parts, one_hot
from .cache import KEYPOINT_KEYS, Cache, load_cache
from .config import FitConfig
from .keypoint_sim import DetectorError, gt_keypoints, simulate_keypoints
from .loop import autocast, train
from .losses import FitLosses, fit_losses
from .seg_batches import FLIP_LUT


def group_labels(labels: torch.Tensor, n_parts: int) -> torch.Tensor:
    """Map 12-part labels (B, H, W) onto a coarser grouping (1, 3, 6 parts) for the ablations; 12 unchanged."""
    if n_parts == 12:
        return labels
    lut = torch.zeros(13, dtype=torch.long)
    lut[1:] = torch.as_tensor(GROUPINGS[n_parts])
    return lut[labels.long()]


def fit_input(labels: torch.Tensor, n_parts: int = 12) -> torch.Tensor:
    """Network input (B, n_parts + 1, R, R) from label maps (B, R, R)."""
    return one_hot(group_labels(labels, n_parts), n_parts + 1)


def batch_input(data: Cache, b: np.ndarray, n_parts: int, rgb: bool, g: torch.Generator | None = None,
                err: DetectorError | None = None, kg: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Network input for cached samples b: one-hot part maps (optionally corrupted by g), or RGB images
    for the 'RGB directly' ablation; with `err`, the limb maps of detector keypoints simulated from the
    ground truth with that error (drawn from kg) are appended (B, 12, R, R). Returns (x, coords): the
    input and those keypoints as numbers (B, 42) (`keypoint_coords`); coords is None without `err` and
    for the RGB input."""
    if rgb:
        return torch.as_tensor(data.images[b]).permute(0, 3, 1, 2).float().div(255), None
    detected = None if data.keypoints is None else (data.keypoints[b], data.keypoint_conf[b])
    return parts_input(torch.as_tensor(data.labels[b]), data.joints2d[b], n_parts, g, err, kg, detected)


def parts_input(labels: torch.Tensor, joints2d: np.ndarray, n_parts: int, g: torch.Generator | None = None,
                err: DetectorError | None = None, kg: torch.Generator | None = None,
                detected: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """batch_input's part-map path for label maps (B, R, R) and SMPL joints (B, 24, 2) in crop pixels:
    (B, n_parts + 1, R, R), with `err` (B, n_parts + 1 + 12, R, R) and the keypoints as numbers (B, 42).
    `detected`: the keypoints the person detector gave on these samples' images, (B, 14, 2) crop pixels and
    confidences (B, 14) (a cache of the pipeline's own maps): they replace the simulated ones wherever they
    are finite (NaN rows: samples of caches without them)."""
    lab = labels
    if g is not None:
        lab = corrupt_parts(lab, g)
    x = fit_input(lab, n_parts)
    if err is None:
        return x, None
    j, v = simulate_keypoints(gt_keypoints(joints2d), err, kg, CROP_SIZE)
    if detected is not None:
        kp, conf = (torch.as_tensor(np.asarray(a, np.float32)) for a in detected)
        known = torch.isfinite(kp).all(-1).all(-1)  # (B,): the sample's detector keypoints were recorded
        j = torch.where(known[:, None, None], torch.nan_to_num(kp), j)
        v = torch.where(known[:, None], (conf > 0) & ((kp >= 0) & (kp <= CROP_SIZE)).all(-1), v)
    return torch.cat([x, limb_maps(j, v, x.shape[-1], CROP_SIZE)], 1), keypoint_coords(j, v, CROP_SIZE)


@dataclass(frozen=True)
class FitSamples:
    """A training batch's labels: label maps (B, R, R) uint8, SMPL joints in crop pixels (B, 24, 2), pose
    (B, 72) axis-angle, betas (B, 10), camera-frame joints (B, 24, 3) and translation (B, 3), OpenGL; from a
    cache of the pipeline's own maps also the detector's keypoints (B, 14, 2) crop pixels (NaN rows where
    the cache has none) and confidences (B, 14), else None."""

    labels: torch.Tensor
    joints2d: np.ndarray
    pose: torch.Tensor
    betas: torch.Tensor
    joints3d: torch.Tensor
    transl: torch.Tensor
    keypoints: np.ndarray | None = None
    keypoint_conf: np.ndarray | None = None

    @classmethod
    def of(cls, data: Cache, b: np.ndarray) -> FitSamples:
        """The labels of the cached samples b (B,) (indices into `data`)."""
        kp = None if data.keypoints is None else np.asarray(data.keypoints[b], np.float32)
        conf = None if data.keypoint_conf is None else np.asarray(data.keypoint_conf[b], np.float32)
        return cls(torch.as_tensor(data.labels[b]), np.asarray(data.joints2d[b], np.float32),
                   torch.as_tensor(data.pose[b]), torch.as_tensor(data.betas[b]),
                   torch.as_tensor(data.joints3d[b]), torch.as_tensor(data.transl[b]), kp, conf)

    @property
    def detected(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(keypoints, confidences) for `parts_input`, or None."""
        return None if self.keypoints is None else (self.keypoints, self.keypoint_conf)

    def mirrored(self, which: torch.Tensor) -> FitSamples:
        """The samples with `which` (B,) bool mirrored: the crop flipped about its vertical centre line,
        so the body is reflected through the camera's x = 0 plane and its left and right exchange
        (part labels, joints; a joint rotation R becomes S R S with S = diag(-1, 1, 1), in axis-angle
        (x, y, z) -> (x, -y, -z)). Betas are kept: the body model is left-right symmetric within about
        1 mm. joints2d x -> CROP_SIZE - x (pixel centres at i + 0.5)."""
        if not bool(which.any()):
            return self
        sw = list(MIRROR_JOINTS)
        lut = FLIP_LUT.to(torch.uint8)
        w = which.numpy()
        j2 = self.joints2d.copy()
        j2[w] = j2[w][:, sw] * np.float32([-1, 1]) + np.float32([CROP_SIZE, 0])
        pose = self.pose.view(-1, 24, 3).clone()
        pose[which] = pose[which][:, sw] * torch.tensor([1.0, -1.0, -1.0], dtype=pose.dtype)
        j3 = self.joints3d.clone()
        j3[which] = j3[which][:, sw] * torch.tensor([-1.0, 1.0, 1.0], dtype=j3.dtype)
        t = self.transl.clone()
        t[which] = t[which] * torch.tensor([-1.0, 1.0, 1.0], dtype=t.dtype)
        lab = torch.where(which[:, None, None], lut[self.labels.flip(-1).long()], self.labels)
        kp, conf = self.keypoints, self.keypoint_conf
        if kp is not None:  # the detector's keypoints mirror as the joints do (LSP's left and right exchange)
            kp, conf = kp.copy(), conf.copy()
            kp[w] = kp[w][:, MIRROR_KEYPOINTS] * np.float32([-1, 1]) + np.float32([CROP_SIZE, 0])
            conf[w] = conf[w][:, MIRROR_KEYPOINTS]
        return replace(self, labels=lab, joints2d=j2, pose=pose.view(-1, 72), joints3d=j3, transl=t,
                       keypoints=kp, keypoint_conf=conf)


def labelled_3d(n: int, share: float, seed: int = 0) -> np.ndarray:
    """(n,) bool: which cached samples keep their 3D labels when only `share` (0..1) of them have any.

    A fixed uniform draw per sample index (seeded by `seed` alone), thresholded at `share`: the same
    samples for every run, and a smaller share's samples are a subset of a larger share's."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share of 3D-labelled samples must be in [0, 1], got {share}")
    return np.random.default_rng([seed, 3]).random(n) < share


@dataclass(frozen=True)
class FitScore:
    """Validation of the fitting network: mean joint errors in mm, plain and after Procrustes alignment."""

    mpjpe_mm: float
    pa_mpjpe_mm: float

    @property
    def value(self) -> float:
        return self.pa_mpjpe_mm

    def describe(self) -> str:
        return f"val MPJPE {self.mpjpe_mm:.1f} mm PA-MPJPE {self.pa_mpjpe_mm:.1f} mm"


def evaluate_fit(net, body, data: Cache, idx: np.ndarray, device, n_parts: int = 12, batch: int = 256,
                 rgb: bool = False, err: DetectorError | None = None) -> FitScore:
    """Mean MPJPE / PA-MPJPE (mm) of the network on the cached part maps of samples idx (N,) (keypoints simulated
    with a fixed seed)."""
    from inference.metrics import mpjpe, pa_mpjpe

    net.eval()
    errs, pa = [], []
    kg = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = idx[s:s + batch]
            x, kp = batch_input(data, b, n_parts, rgb, None, err, kg)
            rot, betas, cam = net(x.to(device), None if kp is None else kp.to(device))
            j = body.joints_rotmat(rot, betas)
            gt = torch.as_tensor(data.joints3d[b]) - torch.as_tensor(data.transl[b])[:, None]
            errs.append(mpjpe(j.cpu().numpy(), gt.numpy()))
            pa.append(pa_mpjpe(j.cpu().numpy(), gt.numpy()))
    net.train()
    return FitScore(float(np.concatenate(errs).mean() * 1000), float(np.concatenate(pa).mean() * 1000))


class FitTask:
    """Fitting as training/loop.py's `train` drives it."""

    name = "train-fit"
    higher_is_better = False

    def __init__(self, cfg: FitConfig):
        self.cfg = cfg
        self.rgb = cfg.input == "rgb"

    def load(self, device: torch.device) -> int:
        c, rgb, res = self.cfg, self.rgb, self.cfg.res
        keys = ("labels", "pose", "betas", "transl", "joints3d", "joints2d", *KEYPOINT_KEYS)
        keys += ("images",) if rgb else ()
        data = load_cache(c.data, c.max_samples or None, keys=keys, res=None if rgb else res)
        if data.labels.shape[1] != res:
            lab = F.interpolate(torch.as_tensor(data.labels)[:, None].float(), size=(res, res), mode="nearest")
            data = replace(data, labels=lab[:, 0].to(torch.uint8).numpy())
        if rgb:
            if data.images is None:
                raise ValueError(f"{c.data} is a labels-only cache; the RGB input needs images")
            img = torch.as_tensor(data.images).permute(0, 3, 1, 2).float()
            img = F.interpolate(img, size=(res, res), mode="area").round().byte().permute(0, 2, 3, 1).numpy()
            data = replace(data, images=img)
        self.data = data
        self.has_3d = labelled_3d(len(data), c.share_3d, c.share_seed)
        self.body = BodyModel(c.body_model).to(device)
        self.err = DetectorError.load() if c.keypoints and not rgb else None
        self.limbs = NUM_LIMB_MAPS if self.err is not None else 0
        return len(data)

    def build_net(self, device: torch.device) -> torch.nn.Module:
        c = self.cfg
        net = FitNet(in_channels=(3 if self.rgb else c.n_parts + 1) + self.limbs, res=c.res, coords=c.coords)
        self.mlp_inputs = net.mlp[1].in_features
        return net.to(device)

    def adapt_init(self, state: dict) -> dict:
        """A warm start from a network without the new inputs gets zero weights on them (limb planes,
        keypoints as numbers), so it starts out answering exactly as its parent."""
        state = dict(state)
        w0 = state["features.0.weight"]
        if self.limbs and w0.shape[1] == self.cfg.n_parts + 1:
            state["features.0.weight"] = torch.cat([w0, w0.new_zeros(w0.shape[0], self.limbs, *w0.shape[2:])], 1)
        w1 = state["mlp.1.weight"]
        if self.cfg.coords and w1.shape[1] == self.mlp_inputs - NUM_KEYPOINT_COORDS:
            state["mlp.1.weight"] = torch.cat([w1, w1.new_zeros(w1.shape[0], NUM_KEYPOINT_COORDS)], 1)
        return state

    def begin(self, device: torch.device, rank: int, train_idx: np.ndarray) -> None:
        seed = self.cfg.seed * 1000 + rank
        self.device = device
        self.share_3d = float(self.has_3d[train_idx].mean())
        self.g = torch.Generator().manual_seed(seed)       # part map corruption
        self.kg = torch.Generator().manual_seed(seed + 1)  # simulated keypoints
        self.fg = torch.Generator().manual_seed(seed + 2)  # mirrored samples

    def generators(self) -> list[torch.Generator]:
        return [self.g, self.kg, self.fg]  # (stored in latest.pt, restored on a resume: training/loop.py)

    def loss(self, model: torch.nn.Module, idx: np.ndarray) -> FitLosses:
        c, data, dev = self.cfg, self.data, self.device
        s = FitSamples.of(data, idx)
        if self.rgb:
            x, kp = batch_input(data, idx, c.n_parts, True)
        else:
            if c.flip > 0:
                s = s.mirrored(torch.rand(len(idx), generator=self.fg) < c.flip)
            x, kp = parts_input(s.labels, s.joints2d, c.n_parts, self.g if c.augment else None, self.err, self.kg,
                                s.detected)
        rot_gt = axis_angle_to_matrix(s.pose.to(dev).view(-1, 24, 3))
        with autocast(dev, c.bf16):  # the network only: the body model and the losses stay in float32
            rot, betas, cam = model(x.to(dev), kp.to(dev) if kp is not None and c.coords else None)
        rot, betas, cam = rot.float(), betas.float(), cam.float()
        return fit_losses(self.body, rot, betas, cam, rot_gt, s.betas.to(dev), s.joints3d.to(dev),
                          torch.as_tensor(s.joints2d).to(dev), s.transl.to(dev), FOCAL, CROP_SIZE, c.loss_weights,
                          None if self.has_3d.all() else torch.as_tensor(self.has_3d[idx]))

    def shown(self, losses: FitLosses) -> dict[str, float]:
        return {"loss": float(losses.total.detach()), "j3d": float(losses.j3d.detach()) ** 0.5 * 1000}

    def validate(self, net: torch.nn.Module, val_idx: np.ndarray) -> FitScore:
        return evaluate_fit(net, self.body, self.data, val_idx, self.device, self.cfg.n_parts, rgb=self.rgb,
                            err=self.err)

    def meta(self) -> dict:
        c = self.cfg
        return {"body_model": self.body.fingerprint(), "n_parts": c.n_parts, "res": c.res,
                "input": "rgb" if self.rgb else "parts", "limb_channels": self.limbs, "coords": c.coords,
                "share_3d": self.share_3d}


def train_fit(cfg: FitConfig) -> Path:
    """Train (or resume) the fitting network in cfg.out; returns the path of best.pt."""
    return train(FitTask(cfg))
