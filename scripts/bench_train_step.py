"""Seconds per training step of the two NBF networks on this machine's CPU, in the memory order the training loop
uses (`training.loop.channels_last`) and in PyTorch's default order, on random batches of the shipped shapes.

    OMP_NUM_THREADS=1 python scripts/bench_train_step.py [--threads 1] [--steps 12] [--bf16]

Segmentation network: SegNet width 32 with limb planes at every scale, a batch of 16 crops of 128 px (train-seg's
`--batch-size 16`). Fitting network: FitNet reading 13 part planes and 12 limb planes at 64 px and the keypoints as
numbers, a batch of 64 (train-fit's). A step is the forward pass in the number format training uses on a CPU
(`training.loop.autocast`: float32 by default, bfloat16 autocast with --bf16, as train-seg's and train-fit's --bf16),
a loss, the backward pass and an AdamW step; the median over the steps after three of warm-up is printed. On a CPU
without bfloat16 units (AMX, AVX512-BF16: `inference.nets.precision.cpu_has_bfloat16_units`) bfloat16 is emulated,
many times slower than float32: --bf16 says so there.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def step_seconds(make, inputs, steps: int, bf16: bool, channels_last: bool) -> float:
    """Median seconds per step (after 3 of warm-up) of the network `make()` on `inputs` (a list of tensors)."""
    import torch

    from training.loop import autocast
    from training.loop import channels_last as to_channels_last

    torch.manual_seed(0)
    net = make()
    if channels_last:
        to_channels_last(net)
    opt = torch.optim.AdamW(net.parameters(), 1e-4)
    times = []
    for _ in range(steps + 3):
        t = time.perf_counter()
        with autocast(torch.device("cpu"), bf16):
            out = net(*inputs)
        loss = sum(o.float().pow(2).mean() for o in (out if isinstance(out, tuple) else (out,)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t)
    rest = sorted(times[3:])
    return rest[len(rest) // 2]


def emulated_warning(bf16: bool) -> str | None:
    """The warning for bfloat16 passes on a CPU that only emulates bfloat16 (no AMX or AVX512-BF16); None otherwise."""
    from inference.nets.precision import cpu_has_bfloat16_units

    if not bf16 or cpu_has_bfloat16_units():
        return None
    return ("warning: this CPU has no bfloat16 units (AMX, AVX512-BF16): bfloat16 is emulated here, many times slower "
            "than float32, and train-seg and train-fit run in float32 on a CPU unless given --bf16")


def options(argv: list[str] | None = None) -> argparse.Namespace:
    from training.config import SegConfig, default
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=whole_number(1), default=1)
    ap.add_argument("--steps", type=whole_number(1), default=12, help="timed steps per case (after 3 of warm-up)")
    ap.add_argument("--bf16", action="store_true", default=default(SegConfig, "bf16"),
                    help="the passes under bfloat16 autocast, as training's --bf16 (default: float32, as training)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    import torch

    from inference.nets.fit_net import FitNet
    from inference.nets.seg_net import SegNet

    torch.set_num_threads(args.threads)
    cases = {
        "segmentation (16 x 128 px)": (lambda: SegNet(width=32, head="shuffle", limb_channels=12, deep_limbs=True),
                                       [torch.rand(16, 3, 128, 128), torch.rand(16, 12, 128, 128)]),
        "fitting (64 x 64 px)": (lambda: FitNet(in_channels=25, coords=True),
                                 [torch.rand(64, 25, 64, 64), torch.rand(64, 42)]),
    }
    warning = emulated_warning(args.bf16)
    if warning:
        print(warning, file=sys.stderr)
    kind = "bfloat16" if args.bf16 else "float32"
    print(f"{args.threads} thread(s), {kind} passes, median of {args.steps} steps")
    for name, (make, inputs) in cases.items():
        plain = step_seconds(make, inputs, args.steps, args.bf16, False)
        last = step_seconds(make, inputs, args.steps, args.bf16, True)
        print(f"{name}: {plain:.3f} s per step in the default order, {last:.3f} s channels-last "
              f"({last / plain - 1:+.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
