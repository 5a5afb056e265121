"""training/loop.py: a run stopped and started again by the same command goes on from its latest.pt exactly as it would
have gone on unstopped (issue 18, "resumable"): the same weights bit for bit on a CPU with one thread, the same learning
rates after a --minutes budget cut the schedule; a run whose schedule has ended trains nothing when its command runs
again. Found by a review: a resume reseeded every random stream (the augmentation draws of the run never stopped were
not the resumed run's), recomputed a budget-cut schedule from --epochs (the learning rate jumped from near 0 back up),
and a run its budget had ended trained again, at each new run of its command."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

import training.loop as loop
from cli.main import main
from training.cache import build_cache
from training.config import SegConfig
from training.train_fit import FitTask
from training.train_seg import SegTask

# 32 labels-only samples: 1 for validation, 31 to train, 7 steps of 4 an epoch; --flip draws from the task's third
# generator, the part-map corruption from its first
FIT = ("--batch-size", "4", "--threads", "1", "--flip", "0.5")


@pytest.fixture(scope="module")
def fit_cache(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cache") / "fit"
    build_cache(out, seed=3, n=32, rgb=False, res=64, workers=1, shard=32)
    return out


@pytest.fixture(scope="module")
def rgb_cache(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cache") / "rgb"
    build_cache(out, seed=5, n=16, rgb=True, res=64, workers=1, shard=16)
    return out


class Stop(Exception):
    """The run stopped (Ctrl-C, a machine taken back) in the middle of an epoch."""


class Steps:
    """Counts the task's training steps (its loss calls), over all the runs of a test; once `n` is `stop_after`, the
    next one stops the run."""

    def __init__(self, monkeypatch, task: type):
        self.n, self.stop_after = 0, None
        real = task.loss

        def loss(task_self, model, idx):
            if self.stop_after is not None and self.n >= self.stop_after:
                raise Stop
            self.n += 1
            return real(task_self, model, idx)

        monkeypatch.setattr(task, "loss", loss)


def _weights(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)["model"]


def _same_weights(a: Path, b: Path) -> bool:
    wa, wb = _weights(a), _weights(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


def _stop(argv: list[str], steps: Steps, after: int) -> None:
    """Run argv, stopped in its step after+1."""
    steps.stop_after = steps.n + after
    with pytest.raises(Stop):
        main(argv)
    steps.stop_after = None


def _stopped_then_resumed(argv: list[str], steps: Steps, stop_after: int) -> None:
    _stop(argv, steps, stop_after)
    assert main(argv) == 0


def test_a_stopped_fit_run_resumed_ends_with_the_weights_of_the_run_never_stopped(fit_cache, tmp_path, monkeypatch,
                                                                                   capsys):
    steps = Steps(monkeypatch, FitTask)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    run = ["train-fit", "--data", str(fit_cache), "--epochs", "3", *FIT]
    assert main([*run, "--out", str(whole)]) == 0
    _stopped_then_resumed([*run, "--out", str(resumed)], steps, 9)  # in epoch 2: latest.pt is epoch 1's
    out = capsys.readouterr().out
    assert f"resumed from {resumed / 'latest.pt'} at epoch 1" in out and "random stream restarts" not in out
    for name in ("latest.pt", "best.pt"):
        assert _same_weights(whole / name, resumed / name), name
    assert "re-planned" not in (resumed / "log.txt").read_text()


def test_a_stopped_seg_run_validated_every_second_epoch_resumes_exactly(rgb_cache, tmp_path, monkeypatch):
    """val_every 2 (a config field: scripts/train_seg_gpu.py's): latest.pt is written at epochs 2 and 4 (and the
    last); a run stopped in epoch 4 goes on from epoch 2's."""
    steps = Steps(monkeypatch, SegTask)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"

    def run(out: Path) -> Path:
        return loop.train(SegTask(SegConfig(data=str(rgb_cache), out=str(out), epochs=5, val_every=2, batch_size=4,
                                            threads=1, width=4)))

    run(whole)
    steps.stop_after = steps.n + 11
    with pytest.raises(Stop):
        run(resumed)
    steps.stop_after = None
    run(resumed)
    assert "resumed at epoch 2 step 6" in (resumed / "log.txt").read_text()
    for name in ("latest.pt", "best.pt"):
        assert _same_weights(whole / name, resumed / name), name


class Clock:
    """time.time() of training/loop.py: 0.1 s a training step, so that a --minutes budget cuts at a known step."""

    def __init__(self, steps: Steps):
        self.steps = steps

    def time(self) -> float:
        return 0.1 * self.steps.n


@pytest.fixture
def budget(monkeypatch):
    """The fit task's steps counted on a clock of 0.1 s a step, the budget timed over steps 2-6 (10 steps/s) and the
    learning rates of the steps recorded; --minutes 0.0356 (2.05 s after 4 % kept, 1.45 s left at step 6) then cuts
    the 6 epochs (42 steps) to 20: the run ends in epoch 3."""
    steps = Steps(monkeypatch, FitTask)
    monkeypatch.setattr(loop, "time", Clock(steps))
    monkeypatch.setattr(loop, "BUDGET_WARMUP", 2)
    monkeypatch.setattr(loop, "BUDGET_TIMED", 4)
    lrs, real = [], loop.cosine_lr

    def cosine_lr(base, progress, *args):
        lrs.append(real(base, progress, *args))
        return lrs[-1]

    monkeypatch.setattr(loop, "cosine_lr", cosine_lr)
    return steps, lrs


BUDGET = ("--epochs", "6", "--minutes", "0.0356")


def test_a_budget_cut_run_resumed_goes_on_with_its_schedule(fit_cache, tmp_path, budget):
    steps, lrs = budget
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    run = ["train-fit", "--data", str(fit_cache), *BUDGET, *FIT]
    assert main([*run, "--out", str(whole)]) == 0
    ck = torch.load(whole / "latest.pt", weights_only=True)
    assert (ck["epoch"], ck["step"]) == (3, 20)  # cut to 20 steps of 42
    uninterrupted = list(lrs)
    assert len(uninterrupted) == 20 and uninterrupted[-1] < 0.02 * uninterrupted[10]
    lrs.clear()
    _stopped_then_resumed([*run, "--out", str(resumed)], steps, 9)  # in epoch 2, after the cut (at step 6)
    # (the stopped run set the learning rate of its 10th step before it stopped)
    assert lrs[10:] == uninterrupted[7:]  # the resumed run's steps 7..19: its learning rates go on, no jump
    assert lrs[10] == pytest.approx(loop.cosine_lr(1e-3, 7 / 20))
    assert torch.load(resumed / "latest.pt", weights_only=True)["step"] == 20
    for name in ("latest.pt", "best.pt"):
        assert _same_weights(whole / name, resumed / name), name


def test_a_finished_run_run_again_trains_nothing(fit_cache, tmp_path, budget, capsys):
    """Whether its budget ended it or its last epoch: the same command again trains nothing, writes nothing, says so
    in one line and exits 0; another --minutes or a larger --epochs goes on, on a schedule re-planned from there."""
    steps, lrs = budget
    cut, full = tmp_path / "cut", tmp_path / "full"
    run = ["train-fit", "--data", str(fit_cache), *FIT]
    assert main([*run, *BUDGET, "--out", str(cut)]) == 0
    assert main([*run, "--epochs", "1", "--out", str(full)]) == 0
    capsys.readouterr()
    for out, argv, line in (
        (cut, BUDGET, f"{cut / 'latest.pt'}: the run has finished: its 0.0356 min budget (--minutes) ended its "
                      f"schedule at step 20, epoch 3 of 6: nothing to train (another --minutes or a larger --epochs "
                      f"goes on, on a schedule re-planned from this step)"),
        (full, ("--epochs", "1"), f"{full / 'latest.pt'}: the run has trained its 1 epochs: nothing to train (a "
                                  f"larger --epochs goes on)"),
    ):
        files = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
        n = steps.n
        assert main([*run, *argv, "--out", str(out)]) == 0
        assert capsys.readouterr().out.splitlines() == [line, f"best checkpoint: {out / 'best.pt'}"]
        assert steps.n == n and {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == files
    lrs.clear()
    assert main([*run, "--epochs", "8", "--minutes", "0.0356", "--out", str(cut)]) == 0
    assert lrs[0] == pytest.approx(loop.cosine_lr(1e-3, 20 / 56))  # the cosine over 8 epochs, from step 20
    assert "the schedule is re-planned from step 20: a cosine over 56 steps (--epochs 8), shortened to fit the " \
           "--minutes budget" in (cut / "log.txt").read_text()
    ck = torch.load(cut / "latest.pt", weights_only=True)
    assert ck["step"] == 40 and ck["schedule"] == {"total": 40, "cut": True, "world": 1}  # cut again: 20 + 6 + 14


def test_a_latest_pt_without_random_states_resumes_and_says_the_stream_restarts(fit_cache, tmp_path, monkeypatch,
                                                                                capsys):
    """A latest.pt written before the random states were stored (or by another number of processes) still resumes:
    its streams restart from (--seed, rank, epoch), and the run says its draws differ from a run never stopped."""
    steps = Steps(monkeypatch, FitTask)
    run = ["train-fit", "--data", str(fit_cache), "--epochs", "2", *FIT]
    for case in ("old", "two processes"):
        out = tmp_path / case.replace(" ", "_")
        _stop([*run, "--out", str(out)], steps, 9)
        ck = torch.load(out / "latest.pt", weights_only=True)
        if case == "old":
            ck.pop("random_states", None), ck.pop("schedule", None)
            why = f"{out / 'latest.pt'} holds no random states (written before they were stored)"
        else:
            ck["random_states"] *= 2
            why = f"{out / 'latest.pt'} holds the random states of 2 processes, this run has 1"
        torch.save(ck, out / "latest.pt")
        capsys.readouterr()
        assert main([*run, "--out", str(out)]) == 0
        note = (f"{why}: the random stream restarts (from --seed, rank and epoch), so the random draws from here "
                f"differ from those of a run never stopped")
        assert capsys.readouterr().out.splitlines().count(note) == 1
        log = (out / "log.txt").read_text()
        assert note in log and ("the schedule is re-planned from step 7" in log) == (case == "old")
        ck = torch.load(out / "latest.pt", weights_only=True)
        assert (ck["epoch"], ck["step"]) == (2, 14) and all(torch.isfinite(t).all() for t in ck["model"].values())


def test_the_random_states_round_trip_and_refuse_other_generators():
    """What latest.pt holds reads back through torch's weights_only loader and sets every stream as it was; states of
    other generators than the task's change nothing."""
    import io
    import random

    import numpy as np

    class Task:
        def __init__(self):
            self.g, self.rng = torch.Generator().manual_seed(1), np.random.default_rng(2)

        def generators(self):
            return [self.g, self.rng]

    task = Task()
    buf = io.BytesIO()
    torch.save(loop.random_states(task), buf)

    def draws() -> list[float]:
        return [random.random(), float(np.random.rand()), torch.rand(1).item(),
                torch.rand(1, generator=task.g).item(), float(task.rng.random())]

    first = draws()
    buf.seek(0)
    assert loop.restore_random_states(torch.load(buf, weights_only=True), task)
    assert draws() == first
    saved, after = loop.random_states(task), draws()
    other = type("Other", (), {"generators": lambda self: [torch.Generator()]})()
    assert not loop.restore_random_states(saved, other) and not loop.restore_random_states(saved, object())
    assert draws() != after  # (nothing was set back)
