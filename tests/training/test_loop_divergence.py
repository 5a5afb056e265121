"""training/loop.py: a run whose loss or weights become NaN or inf stops there with one line and exit 1, says what to
do, keeps the checkpoints saved before it and never saves such weights (a reviewer's sweep: `--lr 1e8` and a cache of
NaN images trained on to a best.pt full of NaN, exit 0, which evaluate and predict then refused as damaged)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from cli.main import main
from training.cache import build_cache

# 16 samples: 1 for validation, 15 to train, 3 steps of 4 an epoch
RUN = ("--epochs", "2", "--batch-size", "4", "--width", "4", "--threads", "1")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A tiny RGB cache: 16 samples in 2 shards at 64 px."""
    out = tmp_path_factory.mktemp("cache") / "rgb"
    build_cache(out, seed=5, n=16, rgb=True, res=64, workers=1, shard=8)
    return out


def _poison_loss(monkeypatch, from_call: int, how: str) -> None:
    """SegTask.loss from its `from_call`-th call (counted from 1) on: "nan" its total NaN (as NaN data or a learning
    rate far too high make it); "weights" its total finite but its gradient NaN, so that the step leaves NaN
    weights behind a finite loss (an overflow in the update)."""
    from training.train_seg import SegTask

    real, calls = SegTask.loss, []

    def loss(self, model, idx):
        calls.append(idx)
        losses = real(self, model, idx)
        if len(calls) < from_call:
            return losses
        if how == "nan":
            return replace(losses, total=losses.total * float("nan"))
        p = next(model.parameters())
        zero = (p.sum() - p.sum().detach()).abs().sqrt()  # 0, whose gradient is 0 * inf: NaN
        return replace(losses, total=losses.total + 0.0 * zero)

    monkeypatch.setattr(SegTask, "loss", loss)


def _last_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return err.replace("\r", "\n").strip().splitlines()[-1]


def _all_finite(path: Path) -> bool:
    ck = torch.load(path, map_location="cpu", weights_only=True)
    return all(bool(torch.isfinite(t).all()) for t in ck["model"].values() if t.is_floating_point())


def test_a_loss_that_becomes_nan_stops_the_run_and_keeps_the_last_good_checkpoint(cache, tmp_path, capsys,
                                                                                  monkeypatch):
    out = tmp_path / "run"
    _poison_loss(monkeypatch, 4, "nan")  # the first step of epoch 2
    assert main(["train-seg", "--data", str(cache), "--out", str(out), *RUN]) == 1
    assert _last_line(capsys) == (
        f"train-seg: the loss became nan at step 4 (epoch 2): the training diverged; train again with a lower --lr "
        f"than 0.001 into a new --out (or look for NaN or inf values in the data); {out / 'best.pt'} is kept (the "
        f"last one with finite weights)")
    for name in ("best.pt", "latest.pt"):  # epoch 1's, whole and finite
        assert _all_finite(out / name)
        assert torch.load(out / name, map_location="cpu", weights_only=True)["epoch"] == 1
    assert "stopped: the loss became nan at step 4" in (out / "log.txt").read_text()


def test_a_loss_that_is_nan_before_any_update_points_at_the_data(cache, tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    _poison_loss(monkeypatch, 1, "nan")
    assert main(["train-seg", "--data", str(cache), "--out", str(out), *RUN]) == 1
    assert _last_line(capsys) == ("train-seg: the loss became nan at step 1 (epoch 1), before any update: look for "
                                  "NaN or inf values in the data or the starting weights; no checkpoint was written")
    assert sorted(p.name for p in out.iterdir()) == ["log.txt"]


def test_weights_that_become_nan_behind_a_finite_loss_are_never_saved(cache, tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    _poison_loss(monkeypatch, 3, "weights")  # the last step of epoch 1, before its validation
    assert main(["train-seg", "--data", str(cache), "--out", str(out), *RUN]) == 1
    assert _last_line(capsys).startswith("train-seg: the weights became NaN or inf at step 3 (epoch 1): the training "
                                         "diverged; train again with a lower --lr than 0.001 into a new --out")
    assert not (out / "best.pt").exists() and not (out / "latest.pt").exists()


def test_a_loss_weight_that_overflows_is_said_to_be_one(cache, tmp_path, capsys):
    """train-fit with {"j2d": 1e308} (inf in float32) ended in "train-fit: SVD did not converge", exit 2."""
    out = tmp_path / "fit"
    assert main(["train-fit", "--data", str(cache), "--out", str(out), "--epochs", "1", "--batch-size", "4",
                 "--threads", "1", "--loss-weights", '{"j2d": 1e308}']) == 1
    assert _last_line(capsys) == ("train-fit: the loss became inf at step 1 (epoch 1), before any update: look for "
                                  "NaN or inf values in the data or the starting weights, or lower --loss-weights; "
                                  "no checkpoint was written")
