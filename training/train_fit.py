"""Train the fitting network (stage 2) on ground-truth part maps from a pre-rendered cache.

    python main.py train-fit --data data/cache/fit --out runs/fit --epochs 30
    torchrun --nproc_per_node 2 main.py train-fit ...     # DistributedDataParallel (gloo on CPU)
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import axis_angle_to_matrix
from inference.keypoint_maps import NUM_LIMB_MAPS, limb_maps
from inference.nets import FitNet
from inference.parts import GROUPINGS

from .augment import corrupt_parts, one_hot
from .cache import load_cache
from .keypoint_sim import DetectorError, gt_keypoints, simulate_keypoints
from .loop import (
    Progress,
    RunConfig,
    cosine_lr,
    device_for,
    epoch_batches,
    init_distributed,
    save_checkpoint,
    seed_everything,
    split_indices,
    start_or_resume,
)
from .losses import LossWeights, fit_losses


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


def batch_input(data: dict, b: np.ndarray, n_parts: int, rgb: bool, g: torch.Generator | None = None,
                err: DetectorError | None = None, kg: torch.Generator | None = None) -> torch.Tensor:
    """Network input for cached samples b: one-hot part maps (optionally corrupted by g), or RGB images
    for the 'RGB directly' ablation; with `err`, the limb maps of detector keypoints simulated from the
    ground truth with that error (drawn from kg) are appended (B, 12, R, R)."""
    if rgb:
        return torch.as_tensor(data["images"][b]).permute(0, 3, 1, 2).float().div(255)
    lab = torch.as_tensor(data["labels"][b])
    if g is not None:
        lab = corrupt_parts(lab, g)
    x = fit_input(lab, n_parts)
    if err is None:
        return x
    j, v = simulate_keypoints(gt_keypoints(data["joints2d"][b]), err, kg, CROP_SIZE)
    return torch.cat([x, limb_maps(j, v, x.shape[-1], CROP_SIZE)], 1)


def labelled_3d(n: int, share: float, seed: int = 0) -> np.ndarray:
    """(n,) bool: which cached samples keep their 3D labels when only `share` (0..1) of them have any.

    A fixed uniform draw per sample index (seeded by `seed` alone), thresholded at `share`: the same
    samples for every run, and a smaller share's samples are a subset of a larger share's."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share of 3D-labelled samples must be in [0, 1], got {share}")
    return np.random.default_rng([seed, 3]).random(n) < share


def evaluate_fit(net, body, data: dict, idx: np.ndarray, device, n_parts: int = 12, batch: int = 256,
                 rgb: bool = False, err: DetectorError | None = None) -> dict:
    """Mean MPJPE / PA-MPJPE (mm) of the network on cached part maps (keypoints simulated with a fixed seed)."""
    from .metrics import mpjpe, pa_mpjpe

    net.eval()
    errs, pa = [], []
    kg = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = idx[s:s + batch]
            rot, betas, cam = net(batch_input(data, b, n_parts, rgb, None, err, kg).to(device))
            j = body.joints_rotmat(rot, betas)
            gt = torch.as_tensor(data["joints3d"][b]) - torch.as_tensor(data["transl"][b])[:, None]
            errs.append(mpjpe(j.cpu().numpy(), gt.numpy()))
            pa.append(pa_mpjpe(j.cpu().numpy(), gt.numpy()))
    net.train()
    return {"mpjpe_mm": float(np.concatenate(errs).mean() * 1000),
            "pa_mpjpe_mm": float(np.concatenate(pa).mean() * 1000)}


def train_fit(cfg: RunConfig) -> Path:
    rank, world = init_distributed()
    device = device_for(rank)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed + rank)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    n_parts = int(cfg.extra.get("n_parts", 12))
    w = LossWeights(**cfg.extra.get("loss_weights", {}))
    augment = bool(cfg.extra.get("augment", True))
    res = int(cfg.extra.get("res", 64))
    rgb = cfg.extra.get("input", "parts") == "rgb"

    keys = ("labels", "pose", "betas", "transl", "joints3d", "joints2d") + (("images",) if rgb else ())
    data = load_cache(cfg.data, cfg.max_samples or None, keys=keys, res=None if rgb else res)
    if data["labels"].shape[1] != res:
        lab = torch.as_tensor(data["labels"])[:, None].float()
        data["labels"] = F.interpolate(lab, size=(res, res), mode="nearest")[:, 0].to(torch.uint8).numpy()
    if rgb:
        if "images" not in data:
            raise ValueError(f"{cfg.data} is a labels-only cache; the RGB input needs images")
        img = torch.as_tensor(data["images"]).permute(0, 3, 1, 2).float()
        data["images"] = F.interpolate(img, size=(res, res), mode="area").round().byte().permute(0, 2, 3, 1).numpy()
    tr, va = split_indices(len(data["pose"]), cfg.val_fraction, cfg.seed)
    has_3d = labelled_3d(len(data["pose"]), float(cfg.extra.get("share_3d", 1.0)), int(cfg.extra.get("share_seed", 0)))
    body = BodyModel(cfg.extra.get("body_model")).to(device)
    err = DetectorError.load() if cfg.extra.get("keypoints") and not rgb else None
    limbs = NUM_LIMB_MAPS if err is not None else 0
    net = FitNet(in_channels=(3 if rgb else n_parts + 1) + limbs, res=res).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def adapt(state: dict) -> dict:  # a parts-only warm start gets zero weights on the limb planes
        w0 = state["features.0.weight"]
        if limbs and w0.shape[1] == n_parts + 1:
            state = dict(state)
            state["features.0.weight"] = torch.cat([w0, w0.new_zeros(w0.shape[0], limbs, *w0.shape[2:])], 1)
        return state

    start_epoch, step, best = start_or_resume(cfg, net, opt, device, float("inf"), rank, adapt)
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    steps_per_epoch = len(tr) // (cfg.batch_size * world)
    total = steps_per_epoch * cfg.epochs
    prog = Progress(total, rank, "train-fit", out / "log.txt")
    prog.update(step)
    g = torch.Generator().manual_seed(cfg.seed * 1000 + rank)
    kg = torch.Generator().manual_seed(cfg.seed * 1000 + rank + 1)
    t0 = time.time()
    for epoch in range(start_epoch, cfg.epochs):
        for b in epoch_batches(tr, cfg.seed, epoch, rank, world, cfg.batch_size):
            x = batch_input(data, b, n_parts, rgb, g if augment else None, err, kg).to(device)
            pose = torch.as_tensor(data["pose"][b]).to(device)
            rot_gt = axis_angle_to_matrix(pose.view(-1, 24, 3))
            for group in opt.param_groups:
                group["lr"] = cosine_lr(cfg.lr, step / max(1, total))
            rot, betas, cam = model(x)
            losses = fit_losses(body, rot, betas, cam, rot_gt, torch.as_tensor(data["betas"][b]).to(device),
                                torch.as_tensor(data["joints3d"][b]).to(device),
                                torch.as_tensor(data["joints2d"][b]).to(device),
                                torch.as_tensor(data["transl"][b]).to(device), FOCAL, CROP_SIZE, w,
                                None if has_3d.all() else torch.as_tensor(has_3d[b]))
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            opt.step()
            step += 1
            prog.update(1, loss=float(losses["total"].detach()), j3d=float(losses["j3d"].detach()) ** 0.5 * 1000)
        if rank == 0 and ((epoch + 1) % cfg.val_every == 0 or epoch + 1 == cfg.epochs):
            m = evaluate_fit(net, body, data, va, device, n_parts, rgb=rgb, err=err)
            prog.write(f"epoch {epoch + 1}/{cfg.epochs} step {step} val MPJPE {m['mpjpe_mm']:.1f} mm "
                       f"PA-MPJPE {m['pa_mpjpe_mm']:.1f} mm ({time.time() - t0:.0f}s)")
            state = {"epoch": epoch + 1, "step": step, "best": min(best, m["pa_mpjpe_mm"]), "val": m,
                     "body_model": body.fingerprint(), "n_parts": n_parts, "res": res,
                     "input": "rgb" if rgb else "parts", "limb_channels": limbs,
                     "share_3d": float(has_3d[tr].mean()),
                     "elapsed_s": time.time() - t0}
            if m["pa_mpjpe_mm"] < best:
                best = m["pa_mpjpe_mm"]
                save_checkpoint(out, "best.pt", net, None, cfg, state)
            save_checkpoint(out, "latest.pt", net, opt, cfg, state)
    prog.close()
    if world > 1:
        torch.distributed.destroy_process_group()
    return out / "best.pt"
