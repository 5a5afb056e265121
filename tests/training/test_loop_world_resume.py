"""training/loop.py: a resume with another number of processes converts the step it goes on from into this run's
steps (a step is one batch of every process: the same epochs are fewer steps with more processes), so the cosine goes
on from where it was and ends near 0; the log says where a run stopped by Ctrl+C or SIGTERM, and an epoch's line is
written once its checkpoints are; train-seg keeps the test-time views of the checkpoint it started from.

Found by a sweep: a run of 1 process resumed by 2 kept its step count of 1 process, beyond the re-planned schedule's
end, and trained its last epochs at lr 0 (no weight moved); 2 -> 1 stopped with the lr at 30 % of its peak."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

import training.loop as loop
from cli.main import Terminated, main
from training.cache import build_cache
from training.train_fit import FitTask

# 32 labels-only samples: 1 for validation, 31 to train: 7 steps of 4 an epoch with 1 process, 3 with 2
FIT = ("--batch-size", "4", "--threads", "1")
STEPS_AN_EPOCH = {1: 7, 2: 3}


@pytest.fixture(scope="module")
def fit_cache(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cache") / "fit"
    build_cache(out, seed=3, n=32, rgb=False, res=64, workers=1, shard=32)
    return out


def _as_processes(monkeypatch, world: int) -> None:
    """The loop believes it is one of `world` processes, rank 0 (torchrun's collectives stand-ins: each process
    would hold the same values): it trains rank 0's share of every batch, as under torchrun."""
    monkeypatch.setattr(loop, "init_distributed", lambda: (0, world))
    if world > 1:
        monkeypatch.setattr(torch.nn.parallel, "DistributedDataParallel", lambda net: net)
        monkeypatch.setattr(loop.dist, "all_reduce", lambda tensor, op=None: None)
        monkeypatch.setattr(loop.dist, "destroy_process_group", lambda: None)

        def all_gather_object(every, mine):
            every[:] = [mine] * len(every)

        monkeypatch.setattr(loop.dist, "all_gather_object", all_gather_object)


def _parameters(path: Path) -> dict[str, torch.Tensor]:
    """The checkpoint's trained weights (its buffers left out: BatchNorm's running statistics move at any learning
    rate, the fitting network's mean parameters never)."""
    model = torch.load(path, map_location="cpu", weights_only=True)["model"]
    return {k: v for k, v in model.items() if k.endswith((".weight", ".bias"))}


@pytest.mark.parametrize("was, now", [(1, 2), (2, 1)])
def test_a_resume_with_another_number_of_processes_goes_on_with_the_schedule_where_it_was(fit_cache, tmp_path,
                                                                                          monkeypatch, was, now):
    out = tmp_path / "run"
    run = ["train-fit", "--data", str(fit_cache), "--out", str(out), *FIT]
    with monkeypatch.context() as m:
        _as_processes(m, was)
        assert main([*run, "--epochs", "2"]) == 0
    half = _parameters(out / "latest.pt")
    carried = 2 * STEPS_AN_EPOCH[was]
    _as_processes(monkeypatch, now)
    assert main([*run, "--epochs", "4"]) == 0
    ck = torch.load(out / "latest.pt", map_location="cpu", weights_only=True)
    total = 4 * STEPS_AN_EPOCH[now]
    assert (ck["epoch"], ck["step"]) == (4, total) and ck["schedule"]["total"] == total
    lr = ck["optimizer"]["param_groups"][0]["lr"]  # that of the last step: the cosine's end, as unstopped
    assert lr == pytest.approx(loop.cosine_lr(1e-3, (total - 1) / total)) and lr < 0.05 * 1e-3
    moved = [k for k, v in _parameters(out / "latest.pt").items() if not torch.equal(v, half[k])]
    assert len(moved) == len(half), "the resumed epochs trained"
    log = (out / "log.txt").read_text()
    assert (f"{out / 'latest.pt'} was written by {was} process(es), this run has {now}: its step {carried} "
            f"({STEPS_AN_EPOCH[was]} steps an epoch there) is step {2 * STEPS_AN_EPOCH[now]} here "
            f"({STEPS_AN_EPOCH[now]} steps an epoch)") in log
    assert f"the schedule is re-planned from step {2 * STEPS_AN_EPOCH[now]}: a cosine over {total} steps" in log


def test_the_step_carried_keeps_the_share_of_the_epochs_done():
    assert loop.carried_step(76, 38, 2, 1, 2) == 36  # the sweep's run: 19 steps an epoch, then 9
    assert loop.carried_step(36, 38, 2, 2, 1) == 76
    assert loop.carried_step(14, 31, 4, 1, 1) == 14


class Interrupt:
    """Raise `exc` in the loss of training step `at` (counted from 1 over the test)."""

    def __init__(self, monkeypatch, exc: type[BaseException], at: int):
        self.n = 0
        real = FitTask.loss

        def loss(task_self, model, idx):
            self.n += 1
            if self.n == at:
                raise exc()
            return real(task_self, model, idx)

        monkeypatch.setattr(FitTask, "loss", loss)


@pytest.mark.parametrize("exc, status, word", [(KeyboardInterrupt, 130, "interrupted"),
                                               (Terminated, 143, "terminated")])
def test_an_interruption_is_logged_with_where_the_run_stopped(fit_cache, tmp_path, monkeypatch, exc, status, word):
    out = tmp_path / "run"
    Interrupt(monkeypatch, exc, at=10)  # in epoch 2: latest.pt is epoch 1's (step 7)
    assert main(["train-fit", "--data", str(fit_cache), "--out", str(out), "--epochs", "3", *FIT]) == status
    last = (out / "log.txt").read_text().splitlines()[-1]
    assert last.endswith(f"stopped: {word} at step 9 in epoch 2: the same command goes on from latest.pt"), last


def test_an_epoch_is_logged_once_its_checkpoint_is_saved(fit_cache, tmp_path, monkeypatch):
    """Ctrl+C while epoch 2's latest.pt is written: the log has no line of an epoch the resume trains again (the run
    goes on from epoch 1's latest.pt), so after the resume each epoch has one line."""
    out = tmp_path / "run"
    run = ["train-fit", "--data", str(fit_cache), "--out", str(out), "--epochs", "3", *FIT]
    real = loop.save_checkpoint

    def save_checkpoint(folder, name, model, opt, cfg, state):
        if name == "latest.pt" and state["epoch"] == 2:
            raise KeyboardInterrupt
        return real(folder, name, model, opt, cfg, state)

    with monkeypatch.context() as m:
        m.setattr(loop, "save_checkpoint", save_checkpoint)
        assert main(run) == 130
    log = (out / "log.txt").read_text()
    assert "epoch 1/3 step 7" in log and "epoch 2/3" not in log, log
    assert main(run) == 0
    log = (out / "log.txt").read_text()
    assert [log.count(f"epoch {e}/3 step {7 * e} ") for e in (1, 2, 3)] == [1, 1, 1], log


def _fake_rgb_cache(folder: Path, n: int = 12, res: int = 32) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    folder.mkdir()
    np.savez(folder / "shard_00000.npz", images=rng.integers(0, 255, (n, res, res, 3), dtype=np.uint8),
             labels=rng.integers(0, 13, (n, res, res), dtype=np.uint8), pose=rng.normal(size=(n, 72)),
             betas=rng.normal(size=(n, 10)), transl=rng.normal(size=(n, 3)), joints3d=rng.normal(size=(n, 24, 3)),
             joints2d=rng.normal(size=(n, 24, 2)))
    return folder


def test_train_seg_keeps_the_test_time_views_of_its_init(tmp_path):
    """A continuation of a network packaged to be read with 2 views (test_shifts []) is read with 2 views too: its
    checkpoints carry the --init's test_shifts, a resumed run's too."""
    data = _fake_rgb_cache(tmp_path / "rgb")
    seg = ["train-seg", "--data", str(data), "--batch-size", "4", "--threads", "1", "--width", "4"]
    assert main([*seg, "--out", str(tmp_path / "first"), "--epochs", "1"]) == 0
    ck = torch.load(tmp_path / "first" / "best.pt", weights_only=True)
    assert "test_shifts" not in ck  # a network trained from scratch says nothing: read with the default views
    ck["test_shifts"] = []
    torch.save(ck, tmp_path / "init.pt")
    run = [*seg, "--out", str(tmp_path / "next"), "--init", str(tmp_path / "init.pt")]
    assert main([*run, "--epochs", "1"]) == 0
    for name in ("best.pt", "latest.pt"):
        assert torch.load(tmp_path / "next" / name, weights_only=True)["test_shifts"] == [], name
    assert main([*run, "--epochs", "2"]) == 0  # resumed from its latest.pt
    assert torch.load(tmp_path / "next" / "latest.pt", weights_only=True)["test_shifts"] == []
