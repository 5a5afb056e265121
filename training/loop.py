"""The training loop both stages share, and its machinery (seeds, torchrun/DDP, schedule, checkpoints).

`train(task)` runs one task (training/train_seg.py, training/train_fit.py): the task loads its data, builds
its network, computes a batch's loss and validates; the loop owns the rest, the same for both:

    set-up (torchrun/DDP, device, threads, seeds) -> the run in `out` to resume (refused with other settings)
    or the --init weights -> split -> network, AdamW -> warm start / resume
    -> epochs of seeded batches under a cosine schedule (shortened to fit `minutes`)
    -> validation every `val_every` epochs: latest.pt (with the optimiser, the schedule and the random streams) and
       best.pt, config.json beside

Resuming (`read_resume`, `train`): a run goes on from its latest.pt, written at the end of a validated epoch, exactly
as it would have gone on without the stop: latest.pt holds the schedule's length and every random stream the steps
draw from (python's, numpy's and torch's global generators and the task's own, `Task.generators`), restored after the
task's `begin`; on a CPU with one thread the weights are then bit for bit those of the run never stopped. What the
command given on a resume decides:
    * the run's own --epochs and --minutes (--threads and --bf16 may change): it goes on with its stored schedule,
      however it was set (a --minutes budget that cut it included); this invocation's budget may only shorten it
      further. A run whose schedule has ended, at its last epoch or at the step its budget cut it to, is finished:
      running its command again trains nothing and says so (exit 0, its files untouched).
    * another --epochs or --minutes re-plans the rest of the run from where it is: a cosine schedule over the new
      --epochs, shortened to fit this invocation's --minutes (the learning rate goes back up to the new schedule's
      value at the current step; the shipped seg8 was resumed this way, --minutes 112 then 68: MODEL_CARD.md). This
      is how a finished run goes on: a larger --epochs, or another --minutes for a run its budget ended.
    * under torchrun every process's random streams are stored (rank 0 writes them) and each restores its own; a
      resume with another number of processes, or from a latest.pt written before the streams were stored, restarts
      the streams from (--seed, rank, epoch) and says so: its random draws differ from an uninterrupted run's.
    * a step is one batch of every process, so the same epochs are fewer steps with more processes: a resume with
      another number of processes converts the step it goes on from into this run's steps (the same share of the
      epochs done; `carried_step`) and says so, and the rest of the run is re-planned from there (the cosine
      continues from where it was and ends near 0 at the last epoch).
"""
from __future__ import annotations

import io
import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.distributed as dist

from inference.file_writes import atomic_write, write_error_reason
from inference.integrity import DAMAGED, load_refusal, load_weights

from .config import KIND_COMMANDS, NOT_COMPARED, RESUMABLE, RunConfig, config_from_dict


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


def autocast(device: torch.device, bf16: bool):
    """The networks' passes under bfloat16 autocast when `bf16` (losses are taken in float32 after them). On a CPU
    with AMX a width-32 SegNet step of 16 crops takes 0.6 of the float32 time; without bfloat16 units it is
    slower than float32 (docs/segmentation.md, "bfloat16 on a CPU")."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bool(bf16))


def channels_last(net: torch.nn.Module) -> torch.nn.Module:
    """The network's convolution weights, and every 4D input of its forward, in channels-last memory order: oneDNN's
    convolutions run faster on it (one thread, with --bf16 on a CPU with AMX: 15-25 % less time per step of either
    network; in float32 on a CPU with AVX2 only, 3-29 % less per segmentation step and none per fitting step:
    `python scripts/bench_train_step.py [--bf16]`, docs/segmentation.md). The answers are the same to float rounding,
    and checkpoints load into a network of either order."""
    net.to(memory_format=torch.channels_last)

    def to_channels_last(_module, args):
        return tuple(a.contiguous(memory_format=torch.channels_last) if torch.is_tensor(a) and a.dim() == 4 else a
                     for a in args)

    net.register_forward_pre_hook(to_channels_last)
    return net


def cosine_lr(base: float, progress: float, warmup: float = 0.02) -> float:
    # lr 0 at progress 0 (the first update only starts AdamW's moments): kept, as another first step would change every
    # run's trajectory, and the shipped weights' commands (MODEL_CARD.md) are to go on giving theirs
    if progress < warmup:
        return base * progress / warmup
    p = (progress - warmup) / (1 - warmup)
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, p)))


class SaveError(OSError):
    """A checkpoint or config.json that could not be written (a full disk, no permission): one line naming the
    file; the previous file is left as it was and no temporary file behind."""


def save_checkpoint(out: Path, name: str, model: torch.nn.Module, opt, cfg: RunConfig, state: dict) -> Path:
    """Write out/name (model, optimiser, progress) and out/config.json, each whole or not at all. SaveError."""
    out.mkdir(parents=True, exist_ok=True)
    net = model.module if hasattr(model, "module") else model
    payload = {"model": net.state_dict(), "optimizer": opt.state_dict() if opt is not None else None,
               "config": asdict(cfg), **state}
    buf = io.BytesIO()  # serialised first: torch.save's own writer reports a full disk as a RuntimeError
    torch.save(payload, buf)  # without errno, after leaving its half-written file
    for path, data, what in ((out / name, buf.getvalue(), "the checkpoint"),
                             (out / "config.json", json.dumps(asdict(cfg), indent=2), "the run's settings")):
        try:
            atomic_write(path, data, overwrite=True)
        except OSError as exc:
            raise SaveError(f"cannot save {what} {path}: {write_error_reason(exc)}") from None
    return out / name


def prepare_gpu(dry_run: bool, cpu_command: str) -> bool:
    """For the GPU scripts: False (with a message naming cpu_command) when no CUDA device is there and this is
    not a dry run; else True, with TF32 matrix products and cuDNN's autotuner on where a device is."""
    if dry_run:
        return True
    if not torch.cuda.is_available():
        print(f"no CUDA device: use --dry-run on a CPU, or `{cpu_command}` for a CPU run")
        return False
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}", flush=True)
    return True


def to_half(ck: dict) -> dict:
    """A checkpoint as shipped and sent back: its floating-point weights in half precision, without the
    optimiser state (ck is changed in place and returned)."""
    ck.pop("optimizer", None)
    ck["model"] = {k: t.half() if t.is_floating_point() else t for k, t in ck["model"].items()}
    return ck


def export_half(best: Path, dest: Path) -> dict:
    """A run's best checkpoint -> dest in half precision, without the optimiser, with the run's log.txt beside
    it as dest's stem + "_log.txt" (what a GPU call sends back); returns the checkpoint."""
    ck = to_half(load_checkpoint(best))
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ck, dest)
    shutil.copy(Path(best).parent / "log.txt", dest.with_name(dest.stem + "_log.txt"))
    return ck


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train/val split of n cached samples: (train indices, val indices), each (k,) int64 sorted,
    at least one for validation."""
    perm = np.random.default_rng(seed).permutation(n)
    nv = max(1, int(n * val_fraction))
    return np.sort(perm[nv:]), np.sort(perm[:nv])


class Progress:
    """A tqdm bar on rank 0 (silent elsewhere), with a log file of postfix values."""

    def __init__(self, total: int, rank: int, desc: str, log: Path | None = None):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, disable=rank != 0, mininterval=5, dynamic_ncols=True)
        self.log = log if rank == 0 else None
        self.quiet = rank != 0  # (tqdm's write prints on a disabled bar too: every process said each line)
        self.t0 = time.time()

    def update(self, n: int, **values) -> None:
        self.bar.update(n)
        if values:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()}, refresh=False)

    def write(self, line: str) -> None:
        if self.quiet:
            return
        self.bar.write(line)
        if self.log is not None:
            with open(self.log, "a") as fh:
                fh.write(f"[{time.time() - self.t0:8.1f}s] {line}\n")

    def close(self) -> None:
        self.bar.close()

    def stop(self, exc: Exception | str) -> Exception | str:
        """Close the bar for a run that stops with `exc` (its message then gets a line of its own), and record the
        message (or the line `exc`) in the log; returns exc, to raise."""
        self.close()
        if self.log is not None:
            with open(self.log, "a") as fh:
                fh.write(f"[{time.time() - self.t0:8.1f}s] stopped: {exc}\n")
        return exc


class DivergedError(RuntimeError):
    """The training diverged: its loss, or the network's weights, became NaN or inf (a learning rate too high,
    NaN in the data). The run stops there; the checkpoints saved before are kept, never replaced by such weights
    (a best.pt full of NaN was saved with exit 0, and the loaders refused it only at the next step)."""


def non_finite_weights(net: torch.nn.Module) -> list[str]:
    """The names of the network's floating-point parameters and buffers holding NaN or inf."""
    return [k for k, t in net.state_dict().items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]


def _all_finite(loss: torch.Tensor, world: int) -> bool:
    """Whether `loss` (a scalar tensor) is finite on every process: under torchrun all of them stop together (one
    stopping alone would leave the others waiting in their next all-reduce)."""
    bad = (~torch.isfinite(loss.detach())).float().reshape(1)
    if world > 1:
        dist.all_reduce(bad, op=dist.ReduceOp.MAX)
    return not bool(bad.item())


def diverged(cfg: RunConfig, what: str, step: int, epoch: int, updated: bool = True) -> DivergedError:
    """The error for a run whose `what` ("the loss became nan") at `step` (epoch counted from 1): one line that
    says what to do and what is kept in cfg.out. `updated`: whether this process changed the weights before (if
    not, the learning rate played no part: the data or the starting weights hold NaN or inf). A lower --lr goes
    into a new --out: a run goes on only with its own settings, and the lr is one of them."""
    best = Path(cfg.out) / "best.pt"
    kept = f"{best} is kept (the last one with finite weights)" if best.is_file() else "no checkpoint was written"
    if not updated:  # train-fit's loss weights can overflow too ({"j2d": 1e308}: torch says "SVD did not converge")
        weights = ", or lower --loss-weights" if hasattr(cfg, "loss_weights") else ""
        return DivergedError(f"{what} at step {step} (epoch {epoch}), before any update: look for NaN or inf "
                             f"values in the data or the starting weights{weights}; {kept}")
    return DivergedError(f"{what} at step {step} (epoch {epoch}): the training diverged; train again with a lower "
                         f"--lr than {cfg.lr:g} into a new --out (or look for NaN or inf values in the data); {kept}")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, damaged, holding more than tensors and plain data, or made
    for another network (a one-line message naming the file)."""


def load_checkpoint(path: str | Path, device="cpu") -> dict:
    """A training checkpoint {'model': state dict, ...}, read with torch's weights_only loader: tensors and
    plain data only, so a file from elsewhere (an --init, a run folder) can run no code. CheckpointError."""
    path = Path(path)
    if path.is_dir():  # torch would say "no such file" of a folder that is there
        raise CheckpointError(f"{path} is a folder, not a checkpoint file: give one of the .pt files of a run "
                              f"(e.g. {path / 'best.pt'})")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        ck = load_weights(path, device)
    except Exception as exc:  # noqa: BLE001 - any damaged or foreign file
        raise CheckpointError(f"{path}: {load_refusal(exc, fallback=DAMAGED)}") from None
    if not isinstance(ck, dict) or not isinstance(ck.get("model"), dict):
        raise CheckpointError(f"{path}: not a training checkpoint (no 'model' weights in it)")
    return ck


def _load_weights(net: torch.nn.Module, weights: dict, what: str, fix: str = "") -> None:
    try:
        net.load_state_dict(weights)
    except (RuntimeError, KeyError) as exc:  # another architecture or other settings
        first = str(exc).strip().splitlines()
        detail = first[1].strip() if len(first) > 1 else first[0]
        if len(detail) > 200:  # torch lists every key: the first few say enough
            detail = detail[:200].rsplit(",", 1)[0] + ", ..."
        raise CheckpointError(f"{what} does not fit this network (other settings?): {detail}{fix}") from None


def _kind(ck: dict) -> str | None:
    """The kind of run a checkpoint comes from ("seg", "fit", ...; None when it does not say)."""
    stored = ck.get("config")
    return stored.get("kind") if isinstance(stored, dict) else None


def read_init(cfg: RunConfig, device) -> dict | None:
    """The checkpoint cfg.init (a warm start), None without one; CheckpointError for a file that does not load or
    comes from another kind of network."""
    if not cfg.init:
        return None
    ck = load_checkpoint(cfg.init, device)
    kind = _kind(ck)
    if kind and kind != cfg.kind:
        this = KIND_COMMANDS.get(cfg.kind, cfg.kind)
        raise CheckpointError(f"--init {cfg.init} is a {KIND_COMMANDS.get(kind, kind)} checkpoint (another "
                              f"network): {this} warm-starts from a {this} checkpoint")
    return ck


def _option(name: str) -> str:
    """The command-line option of a config field."""
    return {"n_parts": "--parts", "augment": "--no-augment"}.get(name, "--" + name.replace("_", "-"))


def _same(name: str, old, new) -> bool:
    folders = name in ("data", "backgrounds")  # the folders, however named
    if folders and isinstance(old, str) and isinstance(new, str):
        folders = [[os.path.abspath(f) for f in str(v).split(",")] for v in (old, new)]
        return old == new or folders[0] == folders[1]
    return old == new


def resume_changes(stored: RunConfig, cfg: RunConfig) -> tuple[list[str], list[str]]:
    """How `cfg` differs from the config of the run it would go on with: (settings it may not change, as
    "--lr 0.001 there, 0.5 now", settings it changes that a resume may, as "--epochs 1 -> 2")."""
    refused, allowed = [], []
    for f in fields(cfg):
        if not f.init or f.name in NOT_COMPARED:
            continue
        old, new = getattr(stored, f.name, None), getattr(cfg, f.name)
        if _same(f.name, old, new):
            continue
        if f.name in RESUMABLE:
            allowed.append(f"{_option(f.name)} {old!r} -> {new!r}")
        else:
            refused.append(f"{_option(f.name)} {old!r} there, {new!r} now")
    return refused, allowed


def read_resume(cfg: RunConfig, device) -> tuple[dict | None, RunConfig, list[str]]:
    """The run in cfg.out to go on with: (its latest.pt, the config to record from now on, the settings changed as
    "--epochs 1 -> 2"), or (None, cfg, []) when there is none. A run goes on only with its own settings, but for
    those a resume may change (config.RESUMABLE); the weights it started from (--init, --pretrained) stay in its
    record, whatever is given now (they are not read again). CheckpointError, before any data is read, for a
    latest.pt that does not load, another network's run or other settings."""
    ckpt = Path(cfg.out) / "latest.pt"
    if not ckpt.exists():
        return None, cfg, []
    fix = "remove it (the run then starts afresh) or use another --out"
    try:
        state = load_checkpoint(ckpt, device)
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}: {fix}") from None
    kind = _kind(state)
    if kind and kind != cfg.kind:
        raise CheckpointError(f"--out {cfg.out} holds a {KIND_COMMANDS.get(kind, kind)} run (another network's): "
                              f"use another --out")
    if not isinstance(state.get("config"), dict):  # (every checkpoint save_checkpoint writes has it)
        return state, cfg, []
    try:
        stored = config_from_dict(state["config"])
    except (TypeError, ValueError, KeyError) as exc:
        raise CheckpointError(f"{ckpt}: its settings do not read ({exc}): {fix}") from None
    refused, changed = resume_changes(stored, cfg)
    if refused:
        free = ", ".join(_option(n) for n in RESUMABLE)
        raise CheckpointError(f"--out {cfg.out} holds a run made with other settings ({'; '.join(refused)}): going "
                              f"on with it would train one network under two descriptions; use another --out (a run "
                              f"goes on with its own settings, only {free} may change)")
    done = int(state.get("epoch", 0))
    if cfg.epochs < done:  # going on would train nothing and still end with exit 0, as if it had trained
        raise CheckpointError(f"--out {cfg.out} holds a run that has trained {done} epochs: --epochs {cfg.epochs} "
                              f"would train nothing; give --epochs above {done} to go on with it, or another --out")
    kept = {n: getattr(stored, n) for n in NOT_COMPARED if n != "out" and hasattr(cfg, n)}
    return state, replace(cfg, **kept), changed


def start_or_resume(cfg: RunConfig, net: torch.nn.Module, opt, best: float, rank: int, init: dict | None,
                    state: dict | None, adapt_init=None) -> tuple[int, int, float]:
    """Warm-start from the --init weights `init` (passed through `adapt_init` when set) for a new run, or go on
    with the run's latest.pt `state` (read_resume; it wins over --init, as said). Returns (start epoch, step, best
    validation value). CheckpointError for weights that do not fit."""
    if state is None:
        if init is not None:  # warm start from another run's weights (fresh optimiser and schedule)
            try:
                init = adapt_init(init) if adapt_init else init
            except KeyError as exc:
                raise CheckpointError(f"--init {cfg.init} does not fit this network (other settings?): it has no "
                                      f"weight {exc}") from None
            except (ValueError, RuntimeError) as exc:
                raise CheckpointError(f"--init {cfg.init} does not fit this network (other settings?): {exc}") from None
            _load_weights(net, init, f"--init {cfg.init}")
        return 0, 0, best
    ckpt = Path(cfg.out) / "latest.pt"
    _load_weights(net, state["model"], f"{ckpt} (the run in --out, resumed)",
                  ": remove it (the run then starts afresh) or use another --out")
    opt.load_state_dict(state["optimizer"])
    if rank == 0:
        print(f"resumed from {ckpt} at epoch {state['epoch']}" + (" (--init not used: the run goes on from its "
                                                                  "own weights)" if cfg.init else ""))
    return state["epoch"], state["step"], state.get("best", best)


def written_by(state: dict) -> int | None:
    """The number of processes that trained the run of latest.pt `state` (None: a latest.pt written before the
    schedule was stored, which does not say)."""
    sched = state.get("schedule")
    world = sched.get("world") if isinstance(sched, dict) else None
    return world if isinstance(world, int) and world > 0 else None


def carried_step(step: int, n_train: int, batch_size: int, was: int, world: int) -> int:
    """The step of a run of `world` processes that has trained as much of the epochs as step `step` of `was`
    processes (each step takes batch_size samples a process from n_train): a step counts this run's batches, and
    the learning rate is the cosine of step / the schedule's length in this run's steps."""
    old, new = n_train // (batch_size * was), n_train // (batch_size * world)
    return round(step * new / max(1, old))


def stored_schedule(state: dict, cfg: RunConfig, world: int) -> dict | None:
    """The schedule a resumed run goes on with, {"total": its length in steps, "cut": whether a --minutes budget
    shortened it}, as its latest.pt stores it; None where the rest of the run is re-planned from --epochs: another
    --epochs or --minutes than the run's own, another number of processes (a step is another share of the data), or a
    latest.pt written before the schedule was stored."""
    sched, stored = state.get("schedule"), state.get("config")
    if not isinstance(sched, dict) or not isinstance(stored, dict) or sched.get("world") != world:
        return None
    if stored.get("epochs") != cfg.epochs or stored.get("minutes") != cfg.minutes:
        return None
    return sched


def finished(state: dict, cfg: RunConfig, world: int) -> str | None:
    """Why the run of latest.pt `state` has nothing left to train with the settings `cfg` (one line), or None: its
    schedule ended at its last epoch, or at the step its --minutes budget cut it to (and neither --epochs nor --minutes
    is changed now, which would re-plan the rest: `train`'s docstring)."""
    ckpt = Path(cfg.out) / "latest.pt"
    if int(state.get("epoch", 0)) >= cfg.epochs:
        return f"{ckpt}: the run has trained its {cfg.epochs} epochs: nothing to train (a larger --epochs goes on)"
    sched = stored_schedule(state, cfg, world)
    if sched is not None and sched.get("cut") and int(state.get("step", 0)) >= int(sched["total"]):
        return (f"{ckpt}: the run has finished: its {cfg.minutes:g} min budget (--minutes) ended its schedule at step "
                f"{state['step']}, epoch {state['epoch']} of {cfg.epochs}: nothing to train (another --minutes or a "
                f"larger --epochs goes on, on a schedule re-planned from this step)")
    return None


def _generators(task) -> list:
    """The task's own random generators (`Task.generators`; none for a task without the method)."""
    own = getattr(task, "generators", None)
    return list(own()) if own is not None else []


def _generator_kind(g) -> str:
    return "torch" if isinstance(g, torch.Generator) else "numpy"


def random_states(task) -> dict:
    """This process's random streams as they stand: python's, numpy's and torch's global generators (CUDA's on a
    GPU) and the task's own; plain data and tensors, for latest.pt (torch's weights_only loader reads them)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": random.getstate(), "numpy": (kind, keys.tolist(), int(pos), int(has_gauss), float(cached)),
            "torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
            "task": [(_generator_kind(g), g.get_state() if isinstance(g, torch.Generator) else g.bit_generator.state)
                     for g in _generators(task)]}


def gather_random_states(task, world: int) -> list[dict]:
    """Every process's `random_states`, by rank (a collective under torchrun: every process calls it)."""
    mine = random_states(task)
    if world == 1:
        return [mine]
    every = [None] * world
    dist.all_gather_object(every, mine)
    return every


def restore_random_states(saved, task) -> bool:
    """Set this process's random streams to `saved` (`random_states`); False, changing nothing, where they are not
    the task's (another number or kind of generators)."""
    own = _generators(task)
    if not isinstance(saved, dict) or not {"python", "numpy", "torch", "task"} <= saved.keys():
        return False
    try:
        kinds = [kind for kind, _ in saved["task"]]
    except (TypeError, ValueError):
        return False
    if kinds != [_generator_kind(g) for g in own]:
        return False
    random.setstate(tuple(saved["python"]))
    kind, keys, pos, has_gauss, cached = saved["numpy"]
    np.random.set_state((kind, np.asarray(keys, np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(saved["torch"].cpu())
    if saved.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(saved["cuda"].cpu())
    for g, (_, st) in zip(own, saved["task"]):
        if isinstance(g, torch.Generator):
            g.set_state(st.cpu())
        else:
            g.bit_generator.state = st
    return True


def reseed(task, seed: int, rank: int, epoch: int) -> None:
    """Restart this process's random streams, the global generators and the task's own, from (seed, rank, epoch):
    a resume without the stored streams (deterministic, but not the uninterrupted run's draws)."""
    own = _generators(task)
    words = np.random.SeedSequence([seed, rank, epoch]).generate_state(1 + len(own))
    seed_everything(int(words[0]))
    for g, w in zip(own, words[1:]):
        if isinstance(g, torch.Generator):
            g.manual_seed(int(w))
        else:
            g.bit_generator.state = type(g.bit_generator)(int(w)).state


def resume_streams(task, streams, cfg: RunConfig, rank: int, world: int, epoch: int) -> str | None:
    """Restore this process's random streams from latest.pt's `streams` (one `random_states` per rank), or restart
    them from (seed, rank, epoch) where it has none that fit; the note to show then (one line), else None."""
    ckpt = Path(cfg.out) / "latest.pt"
    if not isinstance(streams, list):
        why = f"{ckpt} holds no random states (written before they were stored)"
    elif len(streams) != world:
        why = f"{ckpt} holds the random states of {len(streams)} processes, this run has {world}"
    elif restore_random_states(streams[rank], task):
        return None
    else:
        why = f"{ckpt}'s random states are not this task's generators"
    reseed(task, cfg.seed, rank, epoch)
    return (f"{why}: the random stream restarts (from --seed, rank and epoch), so the random draws from here differ "
            f"from those of a run never stopped")


def epoch_batches(tr: np.ndarray, seed: int, epoch: int, rank: int, world: int, batch_size: int):
    """This rank's sorted index batches (batch_size,) of the training indices tr (N,) for one epoch (a seeded
    permutation shared by all ranks; the samples left over from whole steps are dropped)."""
    steps = len(tr) // (batch_size * world)
    perm = np.random.default_rng([seed, epoch]).permutation(tr)
    mine = perm[rank::world][: steps * batch_size]
    for s in range(steps):
        yield np.sort(mine[s * batch_size:(s + 1) * batch_size])


class Score(Protocol):
    """A validation result: stored as the checkpoint's "val" (dataclasses.asdict)."""

    @property
    def value(self) -> float:
        """The number that picks best.pt."""

    def describe(self) -> str:
        """For the log, e.g. "val mIoU 0.812"."""


class Losses(Protocol):
    """One batch's loss terms (scalar tensors); `total` is what is minimised."""

    total: torch.Tensor


class Task(Protocol):
    """What one training task supplies to `train`; the loop calls the methods in this order."""

    cfg: RunConfig
    name: str                  # progress label, e.g. "train-seg"
    higher_is_better: bool     # of Score.value

    def load(self, device: torch.device) -> int:
        """Read the cache (and what the task needs beside it); returns the number of samples N."""

    def build_net(self, device: torch.device) -> torch.nn.Module:
        """The network on `device`, initialised from the seeded global generator."""

    def adapt_init(self, state: dict) -> dict:
        """A warm start's state dict (cfg.init) made to fit this network (e.g. zero weights on new inputs)."""

    def begin(self, device: torch.device, rank: int, train_idx: np.ndarray) -> None:
        """Per-process state once the weights are in place: batch makers, generators seeded by rank; train_idx
        (N_train,) sorted sample indices (`split_indices`)."""

    def generators(self) -> list:
        """The random generators `begin` made and `loss` draws from (torch.Generator or numpy.random.Generator), in
        a fixed order: latest.pt stores their states and a resume restores them. Optional: a task without the
        method has none (it draws from the global generators alone, which the loop stores itself)."""

    def loss(self, model: torch.nn.Module, idx: np.ndarray) -> Losses:
        """The loss of one training batch of sample indices idx (B,) sorted; `model` may be DDP-wrapped."""

    def shown(self, losses: Losses) -> dict[str, float]:
        """Values for the progress bar."""

    def validate(self, net: torch.nn.Module, val_idx: np.ndarray) -> Score:
        """Score on the validation samples val_idx (N_val,) sorted (rank 0 only; `net` unwrapped)."""

    def meta(self) -> dict:
        """Checkpoint keys describing the network and its inputs (what loading it for inference needs)."""

    def carry(self, ck: dict) -> None:
        """The checkpoint the weights come from (the --init's, or latest.pt's on a resume), for what the task keeps
        of it in its own checkpoints through `meta` (train-seg: the test-time views). Optional."""

    def notes(self) -> list[str]:
        """Lines for the log about what `load` read (e.g. how many backgrounds), written once the run starts.
        Optional: a task without the method has none."""


# Steps timed for the wall-clock budget: after BUDGET_WARMUP steps (compilation, caches), over BUDGET_TIMED.
BUDGET_WARMUP, BUDGET_TIMED = 20, 40
BUDGET_KEPT = 0.04  # share of the budget kept for validations and checkpoints


def train(task: Task) -> Path:
    """Run (or resume) a task's training in cfg.out; returns the path of best.pt.

    Under torchrun each process trains its share of every batch (DistributedDataParallel); rank 0
    validates and writes the checkpoints. A resume goes on exactly as the run would have gone on unstopped; a run
    whose schedule has ended trains nothing; another --epochs or --minutes re-plans the rest of the schedule (the
    module's docstring)."""
    cfg = task.cfg
    rank, world = init_distributed()
    device = device_for(rank)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed + rank)
    out = Path(cfg.out)
    state, record, changed = read_resume(cfg, device)  # (the checkpoints before the data: a refusal costs no time)
    done = finished(state, cfg, world) if state is not None else None
    if done:  # (before the data is read; nothing is written)
        if rank == 0:
            print(done)
        if world > 1:
            dist.destroy_process_group()
        return out / "best.pt"
    sched = stored_schedule(state, cfg, world) if state is not None else None
    streams = state.get("random_states") if state is not None else None
    init = read_init(cfg, device) if state is None else None
    out.mkdir(parents=True, exist_ok=True)
    tr, va = split_indices(task.load(device), cfg.val_fraction, cfg.seed)
    if len(tr) < cfg.batch_size * world:  # no step at all: a "best" checkpoint would be the untrained network
        raise ValueError(f"the training split holds {len(tr)} samples, fewer than one batch of "
                         f"{cfg.batch_size * world}: a smaller --batch-size, or more data")
    net = task.build_net(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    worst = -math.inf if task.higher_is_better else math.inf
    weights = init["model"] if init is not None else None
    start_epoch, step, best = start_or_resume(cfg, net, opt, worst, rank, weights, state, task.adapt_init)
    source = state if state is not None else init  # the checkpoint the weights come from
    if source is not None and hasattr(task, "carry"):
        task.carry(source)
    was = written_by(state) if state is not None else None
    carried = step
    if start_epoch and was is not None and was != world:  # other steps: the schedule's position is converted
        step = carried_step(carried, len(tr), cfg.batch_size, was, world)
    del state, init, weights, source
    first_step = step  # (a loss that is NaN before this process's first update is no matter of the learning rate)
    channels_last(net)
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    task.begin(device, rank, tr)
    total = len(tr) // (cfg.batch_size * world) * cfg.epochs
    cut = False  # the budget has shortened the schedule: stop at `total`
    if sched is not None:  # a resume with the run's own --epochs and --minutes: its schedule goes on as it was
        total, cut = int(sched["total"]), bool(sched["cut"])
    prog = Progress(total, rank, task.name, out / "log.txt")
    prog.update(step)
    for line in getattr(task, "notes", list)():
        prog.write(line)
    if start_epoch:
        prog.write(f"resumed at epoch {start_epoch} step {carried}" + (f" ({', '.join(changed)})" if changed else ""))
        if was is not None and was != world:
            prog.write(f"{out / 'latest.pt'} was written by {was} process(es), this run has {world}: its step "
                       f"{carried} ({len(tr) // (cfg.batch_size * was)} steps an epoch there) is step {step} here "
                       f"({len(tr) // (cfg.batch_size * world)} steps an epoch)")
        if sched is None:
            prog.write(f"the schedule is re-planned from step {step}: a cosine over {total} steps (--epochs "
                       f"{cfg.epochs})" + (", shortened to fit the --minutes budget" if cfg.minutes else ""))
        note = resume_streams(task, streams, cfg, rank, world, start_epoch)
        if note:
            prog.write(note)  # (printed on rank 0, and in the log)
    budget = cfg.minutes * 60
    t0 = time.time()
    t_rate, s_rate = None, step
    epoch = start_epoch
    try:
        for epoch in range(start_epoch, cfg.epochs):
            if cut and step >= total:
                break
            for b in epoch_batches(tr, cfg.seed, epoch, rank, world, cfg.batch_size):
                if cut and step >= total:
                    break
                if budget and step - s_rate == BUDGET_WARMUP and t_rate is None:
                    t_rate = time.time()
                elif budget and t_rate is not None and step - s_rate == BUDGET_WARMUP + BUDGET_TIMED:
                    rate = BUDGET_TIMED / (time.time() - t_rate)   # steps/s
                    left = budget - BUDGET_KEPT * budget - (time.time() - t0)
                    total, cut = min(total, step + int(rate * left)), True
                    prog.write(f"{rate:.1f} steps/s: {total} steps fit the {cfg.minutes:g} min budget")
                for group in opt.param_groups:
                    group["lr"] = cosine_lr(cfg.lr, step / max(1, total))
                try:
                    losses = task.loss(model, b)
                except torch.linalg.LinAlgError:  # the fitting network's SVD on NaN weights: "SVD did not converge"
                    if non_finite_weights(net):
                        raise prog.stop(diverged(cfg, "the weights became NaN or inf", step, epoch + 1)) from None
                    raise
                if not _all_finite(losses.total, world):  # checked before the step: the weights stay finite
                    what = f"the loss became {float(losses.total.detach())}"
                    raise prog.stop(diverged(cfg, what, step + 1, epoch + 1, updated=step > first_step))
                opt.zero_grad(set_to_none=True)
                losses.total.backward()
                opt.step()
                step += 1
                prog.update(1, **task.shown(losses))
            last = epoch + 1 == cfg.epochs or (cut and step >= total)
            validating = (epoch + 1) % cfg.val_every == 0 or last
            if validating and non_finite_weights(net):  # a finite loss whose step overflowed: never saved (on every
                # process: their weights are the same, and they stop together)
                raise prog.stop(diverged(cfg, "the weights became NaN or inf", step, epoch + 1))
            if validating:
                score = task.validate(net, va) if rank == 0 else None
                # the streams as the next epoch starts: rank 0's after its validation, every process's (collective)
                streams = gather_random_states(task, world)
            if rank == 0 and validating:
                better = score.value > best if task.higher_is_better else score.value < best
                state = {"epoch": epoch + 1, "step": step, "best": score.value if better else best,
                         "val": asdict(score), **task.meta(), "elapsed_s": time.time() - t0}
                resume = {"schedule": {"total": total, "cut": cut, "world": world}, "random_states": streams}
                try:
                    if better:
                        best = score.value
                        save_checkpoint(out, "best.pt", net, None, record, state)
                    save_checkpoint(out, "latest.pt", net, opt, record, {**state, **resume})
                except SaveError:
                    prog.close()  # (the caller's message then gets a line of its own, not the bar's)
                    raise
                # logged once its checkpoints are saved: a run stopped before has this epoch to train again
                prog.write(f"epoch {epoch + 1}/{cfg.epochs} step {step} {score.describe()} "
                           f"({time.time() - t0:.0f}s)")
    except KeyboardInterrupt as exc:  # Ctrl+C, and SIGTERM (cli.main.Terminated): the log says where the run stopped
        how = "terminated" if type(exc).__name__ == "Terminated" else "interrupted"
        then = ("the same command goes on from latest.pt" if (out / "latest.pt").is_file() else
                "no checkpoint was written: the same command starts afresh")
        prog.stop(f"{how} at step {step} in epoch {epoch + 1}: {then}")
        raise
    prog.close()
    if world > 1:
        dist.destroy_process_group()
    return out / "best.pt"
