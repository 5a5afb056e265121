"""Training configs: one set of defaults (the CLI reads them), the stored layouts old and new."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict

import pytest

from cli.cmd_train import add_arguments, config_from_args
from training.config import FitConfig, LossWeights, SegConfig, config_from_dict


def _args(command: str, *argv: str):
    p = argparse.ArgumentParser()
    add_arguments(p, command)
    args = p.parse_args(["--data", "d", "--out", "o", *argv])
    args.command = command
    return args


@pytest.mark.parametrize("command, cls", [("train-seg", SegConfig), ("train-fit", FitConfig)])
def test_the_cli_defaults_are_the_configs(command, cls):
    assert config_from_args(_args(command)) == cls(data="d", out="o")


def test_a_seg_command_line_becomes_its_config():
    cfg = config_from_args(_args("train-seg", "--init", "runs/seg7/best.pt", "--keypoints", "--deep-limbs",
                                 "--arch", "segnet", "--width", "16", "--head", "shuffle", "--dice", "0.5",
                                 "--empty", "0.03", "--epochs", "8", "--batch-size", "16", "--lr", "3e-4",
                                 "--seed", "8", "--threads", "1", "--minutes", "112"))
    assert cfg == SegConfig(data="d", out="o", init="runs/seg7/best.pt", keypoints=True, deep_limbs=True,
                            empty=0.03, epochs=8, batch_size=16, lr=3e-4, seed=8, threads=1, minutes=112.0)
    assert cfg.kind == "seg"


def test_fit_options_map_onto_the_config():
    cfg = config_from_args(_args("train-fit", "--parts", "6", "--no-augment", "--loss-weights", '{"j2d": 0}',
                                 "--input", "rgb", "--share-3d", "0.2", "--share-seed", "3"))
    assert (cfg.n_parts, cfg.augment, cfg.input, cfg.share_3d, cfg.share_seed) == (6, False, "rgb", 0.2, 3)
    assert cfg.loss_weights == LossWeights(j2d=0.0)
    with pytest.raises(SystemExit):
        _args("train-fit", "--loss-weights", '{"nope": 1}')


@pytest.mark.parametrize("cfg", [SegConfig(data="d", out="o", keypoints=True, deep_limbs=True),
                                 FitConfig(data="d", out="o", loss_weights=LossWeights(lat=0.0), share_3d=0.5)])
def test_a_stored_config_reads_back(cfg):
    assert config_from_dict(json.loads(json.dumps(asdict(cfg)))) == cfg


def test_configs_stored_with_an_extra_dict_still_read():
    """The layout before the typed configs: task settings in "extra" (a seg run kept an unused body_model)."""
    seg = {"kind": "seg", "data": "data/cache/seg", "out": "runs/seg8", "seed": 8, "epochs": 8, "batch_size": 16,
           "lr": 3e-4, "weight_decay": 1e-4, "val_fraction": 0.05, "val_every": 1, "max_samples": 0, "threads": 1,
           "extra": {"body_model": None, "init": "runs/seg7/best.pt", "width": 16, "head": "shuffle", "dice": 0.5,
                     "empty": 0.03, "arch": "segnet", "pretrained": None, "keypoints": True, "minutes": 112.0,
                     "deep_limbs": True}}
    cfg = config_from_dict(seg)
    assert isinstance(cfg, SegConfig) and cfg.init == "runs/seg7/best.pt" and cfg.deep_limbs and cfg.minutes == 112
    fit = {"kind": "fit", "data": "c", "out": "r", "extra": {"n_parts": 6, "loss_weights": {"j2d": 0}, "res": 32,
                                                            "share_3d": 0.25, "body_model": None, "init": None}}
    cfg = config_from_dict(fit)
    assert isinstance(cfg, FitConfig) and cfg.n_parts == 6 and cfg.res == 32 and cfg.share_3d == 0.25
    assert cfg.loss_weights == LossWeights(j2d=0)


def test_loss_weights_nested_too_deeply_are_an_argument_error(capsys):
    """JSON nested beyond the decoder's depth is refused as any other bad --loss-weights (it was a RecursionError's
    traceback), and the message shows the start of the text, not all of it."""
    with pytest.raises(SystemExit) as exc:
        _args("train-fit", "--loss-weights", "[" * 20000 + "]" * 20000)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--loss-weights: not a JSON object of loss weights" in err and "nested too deeply to be read" in err
    assert "[" * 77 + "..." in err and len(err) < 2000
