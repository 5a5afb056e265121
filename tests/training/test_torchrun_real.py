"""training/loop.py under torchrun for real: two processes on gloo (CPU), started by the documented command
(training/train_fit.py: `torchrun --nproc_per_node 2 main.py train-fit ...`), and the run resumed by one process.

Nothing in the run is replaced: the process group, DistributedDataParallel's gradient averaging, the all-reduce of the
finite check and the gathering of every rank's random streams are torch's own (tests/training/test_loop_world_resume.py
fakes them to test the resume's arithmetic)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from training import loop
from training.cache import build_cache
from training.config import config_from_dict
from training.train_fit import FitTask

ROOT = Path(__file__).resolve().parents[2]
TORCHRUN = Path(sys.executable).parent / "torchrun"
TIMEOUT_S = 180  # a run takes 5-10 s on 2 cores; the limit is for a hung rendezvous or collective

# 16 labels-only samples: 1 for validation, 15 to train. A step is one batch of 4 from every process: 15 // (4 * 2) = 1
# step an epoch with 2 processes, 15 // 4 = 3 with 1.
N, BATCH = 16, 4
STEPS_AN_EPOCH = {1: 3, 2: 1}


def _run(cmd: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`cmd` from the repository root, one thread a process, outside any torchrun environment of the caller. A
    command past TIMEOUT_S is stopped with its whole process group (torchrun's ranks too) and fails the test."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    env.update(OMP_NUM_THREADS="1", TMPDIR=str(tmp_path))  # (torchrun leaves a torchelastic_* folder in TMPDIR)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} ran past {TIMEOUT_S} s:\n{out[-3000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _latest(out: Path) -> dict:
    return torch.load(out / "latest.pt", map_location="cpu", weights_only=True)


@dataclass(frozen=True)
class RankStep:
    """One process's first training step: its batch of sample indices (B,) and its gradient, one tensor per
    parameter of the network, in the network's order."""

    batch: np.ndarray
    grads: list[torch.Tensor]


def _first_steps(ck: dict, world: int) -> list[RankStep]:
    """Each rank's first step, by rank, as each process of the run of latest.pt `ck` took it: its global generator
    seeded by rank, then drawn from by its own network's initialisation (for the dropout masks); rank 0's weights
    (DistributedDataParallel sends them to every process); its task's generators and its share of epoch 0."""
    cfg, cpu = config_from_dict(ck["config"]), torch.device("cpu")
    steps, weights = [], None
    for rank in range(world):
        loop.seed_everything(cfg.seed + rank)
        task = FitTask(cfg)
        tr, _ = loop.split_indices(task.load(cpu), cfg.val_fraction, cfg.seed)
        net = task.build_net(cpu)
        if weights is None:
            weights = net.state_dict()
        net.load_state_dict(weights)
        loop.channels_last(net)
        task.begin(cpu, rank, tr)
        batch = next(loop.epoch_batches(tr, cfg.seed, 0, rank, world, cfg.batch_size))
        task.loss(net, batch).total.backward()
        steps.append(RankStep(batch, [p.grad for p in net.parameters()]))
    return steps


@pytest.mark.slow
def test_two_processes_train_and_one_goes_on_from_their_checkpoint(tmp_path):
    if not TORCHRUN.is_file():
        pytest.skip(f"no torchrun beside the interpreter ({TORCHRUN}): torch's launcher is not installed")
    data, out = tmp_path / "cache", tmp_path / "run"
    build_cache(data, seed=3, n=N, rgb=False, res=64, workers=1, shard=N)
    fit = ["main.py", "train-fit", "--data", str(data), "--out", str(out), "--batch-size", str(BATCH),
           "--threads", "1"]

    two = _run([str(TORCHRUN), "--standalone", "--nproc_per_node", "2", *fit, "--epochs", "1"], tmp_path)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    assert two.stdout.count("best checkpoint: ") == 1, two.stdout  # rank 0 says where, once
    assert f"best checkpoint: {out / 'best.pt'}" in two.stdout
    assert (out / "best.pt").is_file() and (out / "config.json").is_file()
    ck = _latest(out)
    assert (ck["epoch"], ck["step"]) == (1, STEPS_AN_EPOCH[2])  # each step took a batch from each of 2 processes
    assert ck["schedule"] == {"total": STEPS_AN_EPOCH[2], "cut": False, "world": 2}
    # every rank's random streams, gathered to rank 0: seeded by rank, they differ only where the ranks differ
    streams = ck["random_states"]
    assert len(streams) == 2
    assert not torch.equal(streams[0]["torch"], streams[1]["torch"])
    assert not torch.equal(streams[0]["task"][0][1], streams[1]["task"][0][1])
    assert "epoch 1/1 step 1 " in (out / "log.txt").read_text()
    # the one step's gradient was the mean of the two ranks' gradients, each of its own samples: at lr 0 (the
    # schedule's first step) AdamW's first moment holds it, times 1 - beta1
    beta1 = ck["optimizer"]["param_groups"][0]["betas"][0]
    moments = [st["exp_avg"] / (1 - beta1) for _, st in sorted(ck["optimizer"]["state"].items())]
    ranks = _first_steps(ck, 2)
    assert not set(ranks[0].batch) & set(ranks[1].batch), [r.batch for r in ranks]
    for k, moment in enumerate(moments):
        mean = (ranks[0].grads[k] + ranks[1].grads[k]) / 2
        torch.testing.assert_close(moment, mean, rtol=1e-4, atol=1e-4 * float(mean.abs().max()))
    assert not all(torch.allclose(m, g, rtol=0.01, atol=0) for m, g in zip(moments, ranks[0].grads)), \
        "the step is rank 0's alone"

    one = _run([sys.executable, *fit, "--epochs", "2"], tmp_path)
    assert one.returncode == 0, one.stdout[-3000:] + one.stderr[-3000:]
    assert f"resumed from {out / 'latest.pt'} at epoch 1" in one.stdout
    ck = _latest(out)
    total = 2 * STEPS_AN_EPOCH[1]
    assert (ck["epoch"], ck["step"]) == (2, total)
    assert ck["schedule"] == {"total": total, "cut": False, "world": 1} and len(ck["random_states"]) == 1
    log = (out / "log.txt").read_text()
    assert (f"{out / 'latest.pt'} was written by 2 process(es), this run has 1: its step 1 (1 steps an epoch there) "
            f"is step {STEPS_AN_EPOCH[1]} here ({STEPS_AN_EPOCH[1]} steps an epoch)") in log, log
    assert f"{out / 'latest.pt'} holds the random states of 2 processes, this run has 1" in log, log
    assert f"epoch 2/2 step {total} " in log, log
