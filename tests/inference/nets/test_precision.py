"""The networks' number format (inference/nets/precision.py)."""
import os

import pytest
import torch
from torch import nn

from inference.nets.precision import ENV, InPrecision, cpu_has_bfloat16_units, resolve_precision

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_auto_follows_the_cpu_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert resolve_precision("auto", CPU) == ("bfloat16" if cpu_has_bfloat16_units() else "float32")
    monkeypatch.setenv(ENV, "float32")
    assert resolve_precision("auto", CPU) == "float32"
    monkeypatch.setenv(ENV, " BFloat16 ")
    assert resolve_precision("auto", CPU) == "bfloat16"
    assert resolve_precision("float32", CPU) == "float32"  # a word given outright wins over the environment
    monkeypatch.setenv(ENV, "half")
    with pytest.raises(ValueError, match=ENV):
        resolve_precision("auto", CPU)


def test_a_command_sets_the_process_format_for_every_auto(monkeypatch):
    """`for_process` (a command's --precision) makes its word what "auto" means from then on, the detector's animal
    check included; "auto" leaves the environment alone; other words are refused."""
    from inference.nets.precision import for_process

    monkeypatch.setenv(ENV, "bfloat16")  # (monkeypatch puts the environment back afterwards)
    for_process("float32")
    assert os.environ[ENV] == "float32" and resolve_precision("auto", torch.device("cpu")) == "float32"
    for_process("auto")
    assert os.environ[ENV] == "float32"
    with pytest.raises(ValueError):
        for_process("half")
    assert os.environ[ENV] == "float32"


def test_bfloat16_is_a_cpu_format_and_other_words_are_refused(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert resolve_precision("bfloat16", CUDA) == "float32"
    with pytest.raises(ValueError, match="float32 or bfloat16"):
        resolve_precision("fp16", CPU)


def test_a_network_in_bfloat16_gives_float32_answers_close_to_float32():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 4, 3, padding=1)).eval()
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        exact, low = InPrecision(net, "float32")(x), InPrecision(net, "bfloat16")(x)
    assert torch.equal(exact, net(x))
    assert low.dtype == torch.float32 and not torch.equal(low, exact)  # it ran in bfloat16 ...
    assert (low - exact).abs().max() < 0.02 * exact.abs().max()        # ... to bfloat16's precision


def test_lowered_weights_answer_as_autocast_does_and_keep_buffers():
    from inference.nets.fit_net import FitNet
    from inference.nets.precision import lower_weights

    torch.manual_seed(0)
    net = FitNet(in_channels=13, res=64).eval()
    nn.init.normal_(net.out.weight, std=0.01)
    x = torch.rand(2, 13, 64, 64)
    with torch.no_grad():
        before = InPrecision(net, "bfloat16")(x)
        lower_weights(net, "bfloat16")
        after = InPrecision(net, "bfloat16")(x)
    assert net.out.weight.dtype == torch.bfloat16 and net.mean_params.dtype == torch.float32
    assert all(torch.equal(a, b) for a, b in zip(before, after))
    assert lower_weights(FitNet(in_channels=13, res=64), "float32").out.weight.dtype == torch.float32


@pytest.mark.parametrize("caps, units", [({"amx_bf16": True, "avx512_bf16": True}, True),
                                         ({"amx_bf16": False, "avx512_bf16": True}, True),  # AMD Zen 4 (stop 74)
                                         ({"amx_bf16": False, "avx512_bf16": False}, False), ({}, False)])
def test_bfloat16_units_are_amx_or_avx512_bf16(monkeypatch, caps, units):
    """The CPUs that multiply bfloat16 in hardware: AMX, and AVX512-BF16's dot products, on which the test split's
    figures matched float32's and the networks ran about 1.5 times faster (docs/results.md); not plain AVX-512."""
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: caps)
    assert cpu_has_bfloat16_units() is units
