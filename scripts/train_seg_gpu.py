"""Train the keypoint-conditioned segmentation network on a CUDA machine, end to end in minutes.

    # here (CPU): the data and the pretrained encoder, small enough to send (about 2.5 kB a sample)
    python -m training.cache --pack data/cache/seg --out data/pack --n 8000
    python scripts/convert_efficientnet_lite.py --no-classifier --half --out data/pretrained/efficientnet_lite0_half.pt
    # there (GPU): one command, checkpoints (half precision) and logs written to --out
    python scripts/train_seg_gpu.py --data data/pack --pretrained data/pretrained/efficientnet_lite0_half.pt \
        --out "$OUT" --minutes 7 --variant lite
    # several runs at once, one process each sharing the GPU: a wider net continued, under its own name
    python scripts/train_seg_gpu.py --data data/pack --out "$OUT" --minutes 7 --variant segnet \
        --init runs/seg9w32/best.pt --name w32
    # anywhere: a short CPU dry run of the same path (the tests run it)
    python scripts/train_seg_gpu.py --data data/pack --pretrained ... --out /tmp/dry --dry-run

The training itself is the project's one loop (`training/loop.py` with the task of `training/train_seg.py`);
this script only fixes the settings measured to suit a large GPU (batch 128, bf16 autocast, the whole set
on the device, a wall-clock budget that shortens the cosine schedule to fit) and writes the best
checkpoint in half precision under --out, with the run's log.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference.paths import RESOURCES  # noqa: E402

VARIANTS = {
    # ImageNet-pretrained EfficientNet-Lite0 U-Net reading the detector's limb maps
    "lite": dict(arch="lite", lr=1e-3),
    # the shipped compact U-Net, warm-started from the shipped weights (whose width and deep limb maps it takes)
    "segnet": dict(arch="segnet", lr=1e-3, init=str(RESOURCES / "weights" / "seg.pt")),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="cache or packed cache folder (training/cache.py)")
    ap.add_argument("--pretrained", default=None, help="converted encoder weights (variant lite)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="lite")
    ap.add_argument("--minutes", type=float, default=7.0, help="training wall-clock budget")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default=None, help="segnet: continue these weights instead of the shipped ones "
                    "(width and limb maps from the checkpoint)")
    ap.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the variant's)")
    ap.add_argument("--name", default=None, help="output name: OUT/seg_NAME.pt (default: the variant)")
    ap.add_argument("--dry-run", action="store_true", help="a few steps on the CPU on a few samples")
    a = ap.parse_args(argv)

    from training.config import SegConfig
    from training.loop import export_half, prepare_gpu
    from training.train_seg import train_seg

    v = dict(VARIANTS[a.variant])
    if a.init:
        if v["arch"] != "segnet":
            print("--init continues a segnet checkpoint: use --variant segnet")
            return 2
        v["init"] = a.init
    if a.lr is not None:
        v["lr"] = a.lr
    name = a.name or a.variant
    if not prepare_gpu(a.dry_run, "python main.py train-seg"):
        return 2
    if v["arch"] == "lite" and not a.pretrained:
        print("--pretrained is needed for the lite variant (scripts/convert_efficientnet_lite.py)")
        return 2
    if v.get("init"):  # the architecture of the weights it continues
        meta = torch.load(v["init"], map_location="cpu", weights_only=True)
        v = {**v, "width": int(meta.get("width", 16)), "deep_limbs": bool(meta.get("deep_limbs", False))}
    # the run folder lives only as long as the run: best.pt and its log are exported to --out (a fixed /tmp
    # name was left behind by every run, dry runs included, and two runs in one second shared it)
    work = tempfile.TemporaryDirectory(prefix=f"nbf_seg_{name}_")
    run_dir = Path(work.name) / "run"
    cfg = SegConfig(data=a.data, out=str(run_dir), seed=a.seed, epochs=1 if a.dry_run else 1000,
                    batch_size=4 if a.dry_run else a.batch_size, lr=v["lr"], val_every=1 if a.dry_run else 10,
                    max_samples=24 if a.dry_run else 0, threads=1 if a.dry_run else 0, init=v.get("init"),
                    minutes=0 if a.dry_run else a.minutes, arch=v["arch"], width=v.get("width", 16),
                    head="shuffle", dice=0.5, empty=0.03, keypoints=True, pretrained=a.pretrained,
                    deep_limbs=v.get("deep_limbs", False))
    t0 = time.time()
    with work:
        ck = export_half(train_seg(cfg), a.out / f"seg_{name}.pt")
    print(f"{name}: best val mIoU {ck['best']:.3f} after {ck['step']} steps, {time.time() - t0:.0f} s "
          f"-> {a.out / f'seg_{name}.pt'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
