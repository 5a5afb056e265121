"""scripts/bench_train_step.py times the number format training uses: float32 on a CPU unless --bf16, as train-seg and
train-fit, and a warning where bfloat16 would be emulated."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_train_step  # noqa: E402


def test_float32_by_default_as_training():
    """The benchmark ran bfloat16 autocast unless --fp32, while training on a CPU runs float32 unless --bf16."""
    from training.config import FitConfig, SegConfig, default

    assert bench_train_step.options([]).bf16 is False
    assert bench_train_step.options([]).bf16 == default(SegConfig, "bf16") == default(FitConfig, "bf16")
    assert bench_train_step.options(["--bf16"]).bf16 is True


def test_emulated_bfloat16_is_warned_about():
    """On a CPU without bfloat16 units bfloat16 steps took 11-18x the float32 time, without a word."""
    from inference.nets.precision import cpu_has_bfloat16_units

    assert bench_train_step.emulated_warning(False) is None
    warning = bench_train_step.emulated_warning(True)
    if cpu_has_bfloat16_units():
        assert warning is None
    else:
        assert warning.startswith("warning: this CPU has no bfloat16 units") and "emulated" in warning


@pytest.mark.parametrize("args", [["--steps", "0"], ["--threads", "0"]])
def test_counts_below_one_are_refused(args, capsys):
    """--steps 0 timed nothing and failed on an empty list; --threads 0 was handed to torch."""
    with pytest.raises(SystemExit) as stop:
        bench_train_step.options(args)
    assert stop.value.code == 2 and "must be 1 or more, not 0" in capsys.readouterr().err
