"""End-to-end inference time per image: Predictor.predict on synthetic images (warm-up excluded), per stage
(detect, crop, segment, fit, body) and in total, on the CPU with this machine's torch threads and on the GPU
when torch sees one; then the test-time refinement.

    python scripts/bench_inference.py --n 20 --refine-n 5
    python scripts/bench_inference.py --random-weights     # untrained nets of the shipped architecture:
                                                           # timings only, before weights exist

Needs resources/weights/seg.pt and fit.pt (or --weights DIR); without them it says so and exits.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inference.openmp import shorten_openmp_spin  # noqa: E402

shorten_openmp_spin()  # as the app and the CLI do (cli.main.main)

SEED = 987654  # not a training seed
STAGES = ("detect", "crop", "segment", "fit", "body")


def random_weights(folder: Path) -> Path:
    """Untrained seg.pt (width 16, 128 px, shuffle head, 12 limb planes) / fit.pt (64 px, 12 limb planes) in the shipped
    format; the segmentation head is biased towards one part so that every image goes through all stages."""
    import torch

    from inference.nets import FitNet, SegNet

    torch.manual_seed(0)
    seg = SegNet(width=16, head="shuffle", limb_channels=12)
    with torch.no_grad():
        seg.head[0].bias[2 * 4:3 * 4] += 50.0  # the four sub-pixels of label 2
    torch.save({"model": seg.state_dict(), "res": 128, "width": 16, "head": "shuffle", "limb_channels": 12},
               folder / "seg.pt")
    torch.save({"model": FitNet(in_channels=13 + 12, res=64).state_dict(), "res": 64, "n_parts": 12,
                "limb_channels": 12}, folder / "fit.pt")
    return folder


def synthetic_images(n: int) -> list:
    from inference.body_model import BodyModel
    from training.synth.generator import SampleRenderer

    r = SampleRenderer(BodyModel())
    out = [r.render(SEED, i).image for i in range(n)]
    r.renderer.close()
    return out


def _ms(values: list[float]) -> str:
    return f"{statistics.mean(values) * 1000:8.1f} {statistics.median(values) * 1000:8.1f}"


def bench_device(device: str, weights: Path, images: list, warmup: int, refine_n: int, detect: str,
                 precision: str = "auto") -> None:
    import torch

    from inference.pipeline import PredictionError, Predictor

    pred = Predictor(weights_dir=weights, device=device, detect=detect, precision=precision)
    for w in pred.warnings:
        print(f"  note: {w}")
    print(f"device {pred.device}" + (f" ({torch.cuda.get_device_name()})" if pred.device.type == "cuda" else
                                     f", torch threads {torch.get_num_threads()}")
          + (f", detector on ({pred.detector.threads} threads)" if pred.detector is not None else ", detector off")
          + f", seg {pred.seg_res} px, fit {pred.fit_res} px, networks in {pred.precision}"
          + (f", animal check in {pred.detector.animals.precision}"
             if pred.detector is not None and pred.detector.animals is not None else ""))
    for img in images[:warmup]:
        try:
            pred.predict(img)
        except PredictionError:
            pass
    rows, failed = [], 0
    for img in images[warmup:]:
        t = time.perf_counter()
        try:
            p = pred.predict(img)
        except PredictionError:
            failed += 1
            continue
        wall = time.perf_counter() - t
        rows.append({**{s: getattr(p.timings, s) for s in STAGES}, "total": p.timings.total, "wall": wall})
    if not rows:
        print("  every image failed (no person found): nothing to time")
        return
    print(f"  {len(rows)} images timed ({failed} without a person), {warmup} warm-up excluded")
    print(f"  {'stage':<8} {'mean ms':>8} {'median':>8}")
    for key in (*STAGES, "total", "wall"):
        print(f"  {key:<8} {_ms([r[key] for r in rows])}")
    if refine_n > 0:
        pred.refine = True
        times = []
        for img in images[warmup:warmup + refine_n]:
            try:
                times.append(pred.predict(img).timings.refine)
            except PredictionError:
                pass
        if times:
            print(f"  {'refine':<8} {_ms(times)}   ({len(times)} images, on top of the total)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="images timed (after the warm-up)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--refine-n", type=int, default=5, help="images for the refinement figure (0: skip)")
    ap.add_argument("--weights", type=Path, default=None, help="folder with seg.pt and fit.pt (default: shipped)")
    ap.add_argument("--random-weights", action="store_true", help="untrained networks (timings only)")
    ap.add_argument("--detect", choices=("auto", "off"), default="auto", help="person detector (default: as the app)")
    ap.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                    help="the networks' number format, the detector's animal check included (default: as the app: "
                         "bfloat16 on a CPU with AMX)")
    ap.add_argument("--cpu-only", action="store_true", help="skip the GPU figures even when a GPU is there")
    a = ap.parse_args()
    from inference.nets.precision import for_process

    for_process(a.precision)  # before the shared detector is built: its animal check follows the flag too
    from inference.render.context import configure_gl

    configure_gl()
    import torch

    from inference.pipeline import WEIGHTS_DIR

    tmp = None
    if a.random_weights:
        tmp = tempfile.TemporaryDirectory()
        weights = random_weights(Path(tmp.name))
        print("UNTRAINED networks of the shipped architecture: timings only")
    else:
        weights = a.weights or WEIGHTS_DIR
        missing = [n for n in ("seg.pt", "fit.pt") if not (weights / n).exists()]
        if missing:
            print(f"skipped: no trained weights ({', '.join(str(weights / n) for n in missing)} missing); "
                  f"train them, pass --weights DIR, or time untrained networks with --random-weights")
            return
    print(f"{a.n} synthetic images of 256 px (seed {SEED}), {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.2f}, GOMP_SPINCOUNT {os.environ.get('GOMP_SPINCOUNT', 'unset')}")
    images = synthetic_images(a.n + a.warmup)
    bench_device("cpu", weights, images, a.warmup, a.refine_n, a.detect, a.precision)
    if torch.cuda.is_available() and not a.cpu_only:
        bench_device("cuda", weights, images, a.warmup, a.refine_n, a.detect)
    else:
        print("no GPU seen by torch: CPU figures only")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
