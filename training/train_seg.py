"""Train the segmentation network (stage 1) on pre-rendered synthetic RGB samples.

    python main.py train-seg --data data/cache/seg --out runs/seg --epochs 8
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inference.keypoint_maps import NUM_LIMB_MAPS
from inference.nets import SegNet
from inference.nets.seg_net import LiteSegNet, add_missing, shuffle_head_from_bilinear, widen_stem

from .cache import load_cache
from .keypoint_sim import DetectorError
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
from .metrics import IoUAccumulator
from .seg_batches import SegBatcher


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


def evaluate_seg(net, batcher: SegBatcher, idx: np.ndarray, batch: int = 64, seed: int = 0) -> dict:
    """mIoU (13 classes) and per-class IoU over cached samples (limb maps, if any, simulated with a fixed seed)."""
    acc = IoUAccumulator(13)
    g = torch.Generator().manual_seed(seed)
    net.eval()
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = batcher.make(idx[s:s + batch], g, augment=False)
            acc.update(net(b.img, b.limbs).argmax(1).cpu().numpy(), b.labels.cpu().numpy())
    net.train()
    return {"miou": float(acc.mean()), "per_class": [float(v) for v in acc.per_class()]}


def build_net(arch: str, width: int, head: str, limbs: int, pretrained: str | None,
              deep_limbs: bool = False) -> torch.nn.Module:
    if arch == "lite":
        return LiteSegNet(limb_channels=limbs, pretrained=pretrained)
    return SegNet(width=width, head=head, limb_channels=limbs, deep_limbs=deep_limbs)


def train_seg(cfg: RunConfig) -> Path:
    rank, world = init_distributed()
    device = device_for(rank)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed + rank)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    x = cfg.extra
    use_limbs = bool(x.get("keypoints", False))
    data = load_cache(cfg.data, cfg.max_samples or None,
                      keys=("images", "labels", "joints2d") if use_limbs else ("images", "labels"))
    tr, va = split_indices(len(data["labels"]), cfg.val_fraction, cfg.seed)
    head, arch, width = str(x.get("head", "shuffle")), str(x.get("arch", "segnet")), int(x.get("width", 16))
    limbs = NUM_LIMB_MAPS if use_limbs else 0
    deep = bool(x.get("deep_limbs", False)) and limbs > 0
    net = build_net(arch, width, head, limbs, x.get("pretrained"), deep).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def adapt(state: dict) -> dict:  # warm starts: bilinear -> shuffle head, RGB-only -> limb planes
        if head == "shuffle" and "head.weight" in state:
            state = shuffle_head_from_bilinear(state)
        if limbs and "stem.0.weight" in state:
            state = widen_stem(state, "stem.0.weight", limbs)
        if deep:
            state = add_missing(state, net)
        return state

    start_epoch, step, best = start_or_resume(cfg, net, opt, device, -1.0, rank, adapt)
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    cw = class_weights(data["labels"]).to(device)
    dice_w = float(x.get("dice", 0.5))
    empty_frac = float(x.get("empty", 0.0))
    res = int(data["images"].shape[1])
    err = DetectorError.load() if use_limbs else None
    empty = person_free_images(1000, res, cfg.seed) if empty_frac > 0 else None
    batcher = SegBatcher(data, err, use_limbs, empty, empty_frac, device=device, seed=cfg.seed * 1000 + rank)
    steps_per_epoch = len(tr) // (cfg.batch_size * world)
    total = steps_per_epoch * cfg.epochs
    prog = Progress(total, rank, "train-seg", out / "log.txt")
    prog.update(step)
    g = torch.Generator().manual_seed(cfg.seed * 1000 + rank)
    amp = device.type == "cuda"
    budget = float(x.get("minutes", 0)) * 60  # a wall-clock budget: the schedule is shortened to fit it
    t0 = time.time()
    t_rate, s_rate = None, step
    for epoch in range(start_epoch, cfg.epochs):
        if step >= total:
            break
        for b in epoch_batches(tr, cfg.seed, epoch, rank, world, cfg.batch_size):
            if step >= total:
                break
            if budget and step - s_rate == 20 and t_rate is None:
                t_rate = time.time()
            elif budget and t_rate is not None and step - s_rate == 60:
                rate = 40 / (time.time() - t_rate)   # steps/s, measured after warm-up
                val_s = 0.04 * budget                 # kept for validations and checkpoints
                total = min(total, step + int(rate * (budget - val_s - (time.time() - t0))))
                prog.write(f"{rate:.1f} steps/s: {total} steps fit the {budget / 60:.1f} min budget")
            batch = batcher.make(b, g)
            for group in opt.param_groups:
                group["lr"] = cosine_lr(cfg.lr, step / max(1, total))
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                logits = model(batch.img, batch.limbs)
            logits = logits.float()
            loss = F.cross_entropy(logits, batch.labels, weight=cw) + dice_w * soft_dice_loss(logits, batch.labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            prog.update(1, loss=float(loss.detach()))
        last = epoch + 1 == cfg.epochs or step >= total
        if rank == 0 and ((epoch + 1) % cfg.val_every == 0 or last):
            m = evaluate_seg(net, batcher, va, seed=cfg.seed)
            prog.write(f"epoch {epoch + 1}/{cfg.epochs} step {step} val mIoU {m['miou']:.3f} ({time.time() - t0:.0f}s)")
            state = {"epoch": epoch + 1, "step": step, "best": max(best, m["miou"]), "val": m, "res": res,
                     "width": width, "head": head, "arch": arch, "limb_channels": limbs,
                     "deep_limbs": deep,
                     "elapsed_s": time.time() - t0}
            if m["miou"] > best:
                best = m["miou"]
                save_checkpoint(out, "best.pt", net, None, cfg, state)
            save_checkpoint(out, "latest.pt", net, opt, cfg, state)
    prog.close()
    if world > 1:
        torch.distributed.destroy_process_group()
    return out / "best.pt"
