"""Shared training machinery: seeds, torchrun/DDP set-up, checkpoints with their config, progress."""
from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist


@dataclass
class RunConfig:
    """Everything that defines a training run; stored as config.json beside each checkpoint."""

    kind: str                     # "seg" or "fit"
    data: str                     # cache folder
    out: str                      # run folder
    seed: int = 0
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.05
    val_every: int = 1            # epochs
    max_samples: int = 0          # 0: all of the cache
    threads: int = 0              # torch threads per process (0: torch default)
    extra: dict = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def init_distributed() -> tuple[int, int]:
    """(rank, world size); initialises a gloo/nccl process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    rank = dist.get_rank() if dist.is_initialized() else 0
    return rank, world


def device_for(rank: int) -> torch.device:
    if torch.cuda.is_available():
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device("cpu")


def cosine_lr(base: float, progress: float, warmup: float = 0.02) -> float:
    if progress < warmup:
        return base * progress / warmup
    p = (progress - warmup) / (1 - warmup)
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, p)))


def save_checkpoint(out: Path, name: str, model: torch.nn.Module, opt, cfg: RunConfig, state: dict) -> Path:
    """Atomically write out/name (model, optimiser, progress) and out/config.json."""
    out.mkdir(parents=True, exist_ok=True)
    net = model.module if hasattr(model, "module") else model
    payload = {"model": net.state_dict(), "optimizer": opt.state_dict() if opt is not None else None,
               "config": asdict(cfg), **state}
    tmp = out / (name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, out / name)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    return out / name


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train/val split of n cached samples."""
    perm = np.random.default_rng(seed).permutation(n)
    nv = max(1, int(n * val_fraction))
    return np.sort(perm[nv:]), np.sort(perm[:nv])


class Progress:
    """A tqdm bar on rank 0 (silent elsewhere), with a log file of postfix values."""

    def __init__(self, total: int, rank: int, desc: str, log: Path | None = None):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, disable=rank != 0, mininterval=5, dynamic_ncols=True)
        self.log = log if rank == 0 else None
        self.t0 = time.time()

    def update(self, n: int, **values) -> None:
        self.bar.update(n)
        if values:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()}, refresh=False)

    def write(self, line: str) -> None:
        self.bar.write(line)
        if self.log is not None:
            with open(self.log, "a") as fh:
                fh.write(f"[{time.time() - self.t0:8.1f}s] {line}\n")

    def close(self) -> None:
        self.bar.close()


def start_or_resume(cfg: RunConfig, net: torch.nn.Module, opt, device, best: float, rank: int,
                    adapt_init=None) -> tuple[int, int, float]:
    """Warm-start from cfg.extra['init'] if given (its state dict passed through `adapt_init` when
    set), then resume from out/latest.pt if it exists. Returns (start epoch, step, best validation value)."""
    if cfg.extra.get("init"):  # warm start from another run's weights (fresh optimiser and schedule)
        init = torch.load(cfg.extra["init"], map_location=device, weights_only=False)["model"]
        net.load_state_dict(adapt_init(init) if adapt_init else init)
    ckpt = Path(cfg.out) / "latest.pt"
    if not ckpt.exists():
        return 0, 0, best
    state = torch.load(ckpt, map_location=device, weights_only=False)
    net.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    if rank == 0:
        print(f"resumed from {ckpt} at epoch {state['epoch']}")
    return state["epoch"], state["step"], state.get("best", best)


def epoch_batches(tr: np.ndarray, seed: int, epoch: int, rank: int, world: int, batch_size: int):
    """This rank's sorted index batches for one epoch (a seeded permutation shared by all ranks)."""
    steps = len(tr) // (batch_size * world)
    perm = np.random.default_rng([seed, epoch]).permutation(tr)
    mine = perm[rank::world][: steps * batch_size]
    for s in range(steps):
        yield np.sort(mine[s * batch_size:(s + 1) * batch_size])
