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
from inference.nets import FitNet
from inference.parts import GROUPINGS

from .augment import corrupt_parts, one_hot
from .cache import load_cache
from .loop import (Progress, RunConfig, cosine_lr, device_for, epoch_batches, init_distributed, save_checkpoint,
                   seed_everything, split_indices, start_or_resume)
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


def batch_input(data: dict, b: np.ndarray, n_parts: int, rgb: bool, g: torch.Generator | None = None) -> torch.Tensor:
    """Network input for cached samples b: one-hot part maps (optionally corrupted by g), or RGB images
    for the 'RGB directly' ablation."""
    if rgb:
        return torch.as_tensor(data["images"][b]).permute(0, 3, 1, 2).float().div(255)
    lab = torch.as_tensor(data["labels"][b])
    if g is not None:
        lab = corrupt_parts(lab, g)
    return fit_input(lab, n_parts)


def evaluate_fit(net, body, data: dict, idx: np.ndarray, device, n_parts: int = 12, batch: int = 256,
                 rgb: bool = False) -> dict:
    """Mean MPJPE / PA-MPJPE (mm) of the network on cached GT part maps."""
    from .metrics import mpjpe, pa_mpjpe

    net.eval()
    errs, pa = [], []
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = idx[s:s + batch]
            rot, betas, cam = net(batch_input(data, b, n_parts, rgb).to(device))
            j = body.joints_rotmat(rot, betas)
            gt = torch.as_tensor(data["joints3d"][b]) - torch.as_tensor(data["transl"][b])[:, None]
            errs.append(mpjpe(j.cpu().numpy(), gt.numpy()))
            pa.append(pa_mpjpe(j.cpu().numpy(), gt.numpy()))
    net.train()
    return {"mpjpe_mm": float(np.concatenate(errs).mean() * 1000), "pa_mpjpe_mm": float(np.concatenate(pa).mean() * 1000)}


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
    body = BodyModel(cfg.extra.get("body_model")).to(device)
    net = FitNet(in_channels=3 if rgb else n_parts + 1, res=res).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    start_epoch, step, best = start_or_resume(cfg, net, opt, device, float("inf"), rank)
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    steps_per_epoch = len(tr) // (cfg.batch_size * world)
    total = steps_per_epoch * cfg.epochs
    prog = Progress(total, rank, "train-fit", out / "log.txt")
    prog.update(step)
    g = torch.Generator().manual_seed(cfg.seed * 1000 + rank)
    t0 = time.time()
    for epoch in range(start_epoch, cfg.epochs):
        for b in epoch_batches(tr, cfg.seed, epoch, rank, world, cfg.batch_size):
            x = batch_input(data, b, n_parts, rgb, g if augment else None).to(device)
            pose = torch.as_tensor(data["pose"][b]).to(device)
            rot_gt = axis_angle_to_matrix(pose.view(-1, 24, 3))
            for group in opt.param_groups:
                group["lr"] = cosine_lr(cfg.lr, step / max(1, total))
            rot, betas, cam = model(x)
            losses = fit_losses(body, rot, betas, cam, rot_gt, torch.as_tensor(data["betas"][b]).to(device),
                                torch.as_tensor(data["joints3d"][b]).to(device),
                                torch.as_tensor(data["joints2d"][b]).to(device),
                                torch.as_tensor(data["transl"][b]).to(device), FOCAL, CROP_SIZE, w)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            opt.step()
            step += 1
            prog.update(1, loss=float(losses["total"].detach()), j3d=float(losses["j3d"].detach()) ** 0.5 * 1000)
        if rank == 0 and ((epoch + 1) % cfg.val_every == 0 or epoch + 1 == cfg.epochs):
            m = evaluate_fit(net, body, data, va, device, n_parts, rgb=rgb)
            prog.write(f"epoch {epoch + 1}/{cfg.epochs} step {step} val MPJPE {m['mpjpe_mm']:.1f} mm "
                       f"PA-MPJPE {m['pa_mpjpe_mm']:.1f} mm ({time.time() - t0:.0f}s)")
            state = {"epoch": epoch + 1, "step": step, "best": min(best, m["pa_mpjpe_mm"]), "val": m,
                     "body_model": body.fingerprint(), "n_parts": n_parts, "res": res, "input": "rgb" if rgb else "parts",
                     "elapsed_s": time.time() - t0}
            if m["pa_mpjpe_mm"] < best:
                best = m["pa_mpjpe_mm"]
                save_checkpoint(out, "best.pt", net, None, cfg, state)
            save_checkpoint(out, "latest.pt", net, opt, cfg, state)
    prog.close()
    if world > 1:
        torch.distributed.destroy_process_group()
    return out / "best.pt"
