"""The number format the networks run in: bfloat16 on CPUs that multiply it in hardware, float32 elsewhere.

Intel CPUs with AMX (Sapphire Rapids and later, the machines this project is built on) multiply bfloat16 matrices
in hardware: the segmentation network's two views take about 12 ms instead of 20 and the fitting network's ten
about 4 ms instead of 6 (2 threads; docs/results.md, "bfloat16 on CPUs with AMX"). CPUs with AVX512-BF16 (AMD Zen 4
and later, Intel Cooper Lake) have bfloat16 dot-product instructions: on an AMD EPYC the segmentation
took 19 ms instead of 31 and the fit 11 instead of 16 (one thread, fastest of ten), with the test split's PA-MPJPE,
mIoU and detections as in float32 (docs/results.md, "bfloat16 on CPUs with AVX512-BF16"). Elsewhere bfloat16 is
emulated and slower than float32, so "auto" asks the CPU. The convolutions' and linear layers' weights are held in
bfloat16 (`lower_weights`), torch's autocast runs those layers in bfloat16 (`InPrecision`) and everything after the
network (softmax, rotations, averaging) runs in float32, as with training's `--bf16`. On CUDA the networks stay float32
(fast enough, and the measurements were made on the CPU).

The person detector's wide-shot proposer stays float32 although bfloat16 runs it about three times faster: its
decisions sit on thresholds chosen in float32, and in bfloat16 it found a figure printed on a shirt and lost two
people in the background of the 41 real photos (docs/results.md). Its animal check (ImageNet's classifier, one
pass per person found) follows "auto": its land-mammal shares moved by a few hundredths and every verdict measured
stayed the same (docs/crowds.md, "Every person checked for animals").

`NBF_PRECISION=float32` (or bfloat16) in the environment decides "auto" for every Predictor a process makes, and
for the shared detector's animal check: the evaluation scripts then measure either format without a flag of their
own. The commands' `--precision` sets it for their process (`for_process`), so the flag covers the check too.
"""
from __future__ import annotations

import os

import torch
from torch import nn

PRECISIONS = ("auto", "float32", "bfloat16")
ENV = "NBF_PRECISION"


def cpu_has_bfloat16_units() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AMX, or AVX512-BF16's dot products), where bfloat16 pays."""
    try:
        caps = torch.cpu.get_capabilities()
        return bool(caps.get("amx_bf16", False) or caps.get("avx512_bf16", False))
    except Exception:  # noqa: BLE001 - an old or unusual torch build: assume not
        return False


def _known(precision: str) -> str:
    """precision itself when it is one of PRECISIONS; ValueError naming them otherwise."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be auto, float32 or bfloat16, not {precision!r}")
    return precision


def resolve_precision(precision: str, device: torch.device) -> str:
    """"float32" or "bfloat16" for a requested precision (PRECISIONS) on `device`; ValueError for another word.
    "auto": the environment's NBF_PRECISION if set, else bfloat16 on a CPU with bfloat16 units (AMX, AVX512-BF16) and
    float32 otherwise.
    bfloat16 is a CPU format here: on another device it is float32."""
    if _known(precision) == "auto":
        precision = os.environ.get(ENV, "auto").strip().lower() or "auto"
        if precision not in PRECISIONS:
            raise ValueError(f"{ENV} must be float32, bfloat16 or auto, not {os.environ.get(ENV)!r}")
        if precision == "auto":
            precision = "bfloat16" if cpu_has_bfloat16_units() else "float32"
    return precision if device.type == "cpu" else "float32"


def for_process(precision: str) -> None:
    """Make `precision` (float32 or bfloat16) what "auto" means in this process from now on, by setting NBF_PRECISION:
    the person detector, shared by the process and built once, runs its animal check in it as the Predictor runs
    its networks. "auto" leaves the environment as it is; ValueError for a word not in PRECISIONS."""
    if _known(precision) != "auto":
        os.environ[ENV] = precision


def lower_weights(net: nn.Module, precision: str) -> nn.Module:
    """For "bfloat16", the weights of net's convolutions and linear layers converted to bfloat16 in place (autocast
    would convert them again at every call: 67 copies, about 2 ms of the segmentation network's 12); buffers, and
    so FitNet's mean parameters, stay float32. The network must then run under `InPrecision(net, "bfloat16")`.
    Returns net; "float32" leaves it as it is."""
    if precision == "bfloat16":
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                m.to(torch.bfloat16)
    return net


class InPrecision(nn.Module):
    """A network run in the given precision: its forward pass under the CPU's bfloat16 autocast (for "bfloat16"),
    every output tensor widened back to float32. Holds the network, adds no weights."""

    def __init__(self, net: nn.Module, precision: str):
        super().__init__()
        self.net, self.bf16 = net, precision == "bfloat16"

    def forward(self, *args):
        if not self.bf16:
            return self.net(*args)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = self.net(*args)
        return tuple(o.float() for o in out) if isinstance(out, tuple) else out.float()
