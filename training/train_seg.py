"""Train the segmentation network (stage 1) on pre-rendered synthetic RGB samples.

    python main.py train-seg --data data/cache/seg --out runs/seg --epochs 8
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inference.nets import SegNet
from inference.parts import MIRROR_LABELS
from inference.nets.seg_net import shuffle_head_from_bilinear

from .cache import load_cache
from .loop import (Progress, RunConfig, cosine_lr, device_for, epoch_batches, init_distributed, save_checkpoint,
                   seed_everything, split_indices, start_or_resume)
from .metrics import IoUAccumulator

FLIP_LUT = torch.as_tensor(MIRROR_LABELS)  # label values swapped by a horizontal flip


def augment_batch(img: torch.Tensor, lab: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random horizontal flips (with left/right part swap) and colour jitter. img (B, 3, R, R) float, lab (B, R, R)."""
    B = img.shape[0]
    flip = torch.rand(B, generator=g) < 0.5
    img = torch.where(flip[:, None, None, None], img.flip(-1), img)
    lab = torch.where(flip[:, None, None], FLIP_LUT[lab.flip(-1)], lab)
    gain = 1 + 0.2 * (torch.rand(B, 3, 1, 1, generator=g) - 0.5)
    bias = 0.1 * (torch.rand(B, 1, 1, 1, generator=g) - 0.5)
    return (img * gain + bias).clamp(0, 1), lab


def person_free_images(n: int, size: int, seed: int) -> np.ndarray:
    """(n, size, size, 3) uint8 RGB images without a person: synthetic backgrounds, occluder-like clutter
    and camera artefacts, deterministic for a seed. Their labels are all background; without them the
    network, which has only seen images with a person, finds body parts in an empty wall."""
    from .synth.appearance import add_occluders, camera_artefacts, sample_background

    out = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        rng = np.random.default_rng([seed, 7919, i])
        img = sample_background(size, rng)
        if rng.random() < 0.5:
            add_occluders(img, np.zeros((size, size), np.uint8), rng)
        out[i] = camera_artefacts(img, rng)
    return out


def mix_person_free(img: torch.Tensor, lab: torch.Tensor, empty: torch.Tensor, fraction: float,
                    g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace each sample of a batch (img (B, 3, R, R) float, lab (B, R, R)) with probability `fraction`
    by a random person-free image from `empty` (N, 3, R, R) float, labelled all background."""
    pick = torch.rand(img.shape[0], generator=g) < fraction
    if not bool(pick.any()):
        return img, lab
    src = torch.randint(len(empty), (int(pick.sum()),), generator=g)
    img, lab = img.clone(), lab.clone()
    img[pick], lab[pick] = empty[src], 0
    return img, lab


def class_weights(labels: np.ndarray) -> torch.Tensor:
    """Cross-entropy weights (13,) proportional to 1/sqrt(frequency), mean 1."""
    freq = np.bincount(labels[:2000].ravel(), minlength=13).astype(np.float64) + 1
    w = 1 / np.sqrt(freq / freq.sum())
    return torch.tensor(w / w.mean(), dtype=torch.float32)


def soft_dice_loss(logits: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
    """1 - mean over classes present in the batch of the soft Dice overlap; logits (B, C, R, R), lab (B, R, R).
    Pulls on thin parts that cross-entropy, dominated by background and torso pixels, neglects."""
    p = F.softmax(logits, 1)
    y = F.one_hot(lab, logits.shape[1]).permute(0, 3, 1, 2).to(p.dtype)
    inter = (p * y).sum((0, 2, 3))
    denom = p.sum((0, 2, 3)) + y.sum((0, 2, 3))
    present = y.sum((0, 2, 3)) > 0
    return 1 - (2 * inter[present] / denom[present].clamp_min(1e-6)).mean()


def evaluate_seg(net, data: dict, idx: np.ndarray, device, batch: int = 64) -> dict:
    """mIoU (13 classes) and per-class IoU over cached samples."""
    acc = IoUAccumulator(13)
    net.eval()
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = idx[s:s + batch]
            x = torch.as_tensor(data["images"][b]).permute(0, 3, 1, 2).float().div(255).to(device)
            acc.update(net(x).argmax(1).cpu().numpy(), data["labels"][b])
    net.train()
    return {"miou": float(acc.mean()), "per_class": [float(v) for v in acc.per_class()]}


def train_seg(cfg: RunConfig) -> Path:
    rank, world = init_distributed()
    device = device_for(rank)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed + rank)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_cache(cfg.data, cfg.max_samples or None, keys=("images", "labels"))
    tr, va = split_indices(len(data["labels"]), cfg.val_fraction, cfg.seed)
    head = str(cfg.extra.get("head", "bilinear"))
    net = SegNet(width=int(cfg.extra.get("width", 16)), head=head).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    def adapt(state: dict) -> dict:  # a bilinear-head run can warm-start a shuffle head
        return shuffle_head_from_bilinear(state) if head == "shuffle" and "head.weight" in state else state

    start_epoch, step, best = start_or_resume(cfg, net, opt, device, -1.0, rank, adapt)
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    cw = class_weights(data["labels"]).to(device)
    dice_w = float(cfg.extra.get("dice", 0.0))
    empty_frac = float(cfg.extra.get("empty", 0.0))
    res = int(data["images"].shape[1])
    empty = (torch.as_tensor(person_free_images(1000, res, cfg.seed)).permute(0, 3, 1, 2).float().div(255)
             if empty_frac > 0 else None)
    steps_per_epoch = len(tr) // (cfg.batch_size * world)
    total = steps_per_epoch * cfg.epochs
    prog = Progress(total, rank, "train-seg", out / "log.txt")
    prog.update(step)
    g = torch.Generator().manual_seed(cfg.seed * 1000 + rank)
    t0 = time.time()
    for epoch in range(start_epoch, cfg.epochs):
        for b in epoch_batches(tr, cfg.seed, epoch, rank, world, cfg.batch_size):
            img = torch.as_tensor(data["images"][b]).permute(0, 3, 1, 2).float().div(255)
            lab = torch.as_tensor(data["labels"][b]).long()
            if empty is not None:
                img, lab = mix_person_free(img, lab, empty, empty_frac, g)
            img, lab = augment_batch(img, lab, g)
            for group in opt.param_groups:
                group["lr"] = cosine_lr(cfg.lr, step / max(1, total))
            logits = model(img.to(device))
            lab = lab.to(device)
            loss = F.cross_entropy(logits, lab, weight=cw) + dice_w * soft_dice_loss(logits, lab)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            prog.update(1, loss=float(loss.detach()))
        if rank == 0 and ((epoch + 1) % cfg.val_every == 0 or epoch + 1 == cfg.epochs):
            m = evaluate_seg(net, data, va, device)
            prog.write(f"epoch {epoch + 1}/{cfg.epochs} step {step} val mIoU {m['miou']:.3f} ({time.time() - t0:.0f}s)")
            state = {"epoch": epoch + 1, "step": step, "best": max(best, m["miou"]), "val": m,
                     "res": int(data["images"].shape[1]), "width": int(cfg.extra.get("width", 16)), "head": head,
                     "elapsed_s": time.time() - t0}
            if m["miou"] > best:
                best = m["miou"]
                save_checkpoint(out, "best.pt", net, None, cfg, state)
            save_checkpoint(out, "latest.pt", net, opt, cfg, state)
    prog.close()
    if world > 1:
        torch.distributed.destroy_process_group()
    return out / "best.pt"
