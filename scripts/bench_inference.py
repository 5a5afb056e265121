"""End-to-end inference time per image: Predictor.predict on synthetic images (warm-up excluded), per stage
(detect, crop, segment, fit, body) and in total, on the CPU with this machine's torch threads and on the GPU
when torch sees one; then the test-time refinement.

    python scripts/bench_inference.py --n 20 --refine-n 5
    python scripts/bench_inference.py --random-weights     # untrained nets of the shipped architecture:
                                                           # timings only

Needs resources/weights/seg.pt and fit.pt (or --weights DIR); without the shipped ones it says so and exits (0). A
--weights DIR without them, or weights that do not load, is one line and exit 2 before any work; exit 1 when no
image could be timed. --random-weights builds the networks the shipped checkpoints record (their architecture keys:
SEG_KEYS, FIT_KEYS) with untrained values, so it needs the shipped files too; the networks' passes cost what the
shipped ones' do, but the steps after them work on an unlike part map (one part over the whole crop), so its segment
and total figures are not the shipped model's. Images where no person is found are
counted and their times printed apart ("N without a person, X s each"): they are not in the stage figures.
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


# the checkpoint keys that decide a network's architecture and its input (what `Predictor` reads to build it)
SEG_KEYS = ("res", "arch", "width", "head", "limb_channels", "deep_limbs")
FIT_KEYS = ("res", "n_parts", "input", "limb_channels", "coords")


def shipped_architecture(weights: Path) -> tuple[dict, dict]:
    """The architecture keys (SEG_KEYS, FIT_KEYS) that `weights`/seg.pt and fit.pt record, those they hold;
    PredictionError (one line) when a file is missing or does not load."""
    import torch

    from inference.pipeline import load_weights

    seg = load_weights(weights / "seg.pt", torch.device("cpu"))
    fit = load_weights(weights / "fit.pt", torch.device("cpu"))
    return ({k: seg[k] for k in SEG_KEYS if k in seg}, {k: fit[k] for k in FIT_KEYS if k in fit})


def random_weights(folder: Path, shipped: Path) -> Path:
    """Untrained seg.pt / fit.pt in `folder` of the architecture the checkpoints in `shipped` record (their SEG_KEYS
    and FIT_KEYS, saved again with the fake weights), built as `Predictor` builds them; the segmentation head's
    bias favours one part so that every image goes through all stages."""
    import torch

    from inference.nets import FitNet, SegNet

    seg_keys, fit_keys = shipped_architecture(shipped)
    torch.manual_seed(0)
    seg = SegNet.for_checkpoint(seg_keys)
    last = [m for m in seg.modules() if isinstance(m, torch.nn.Conv2d)][-1]  # the logits: 13 labels (x4 sub-pixels)
    per_label = last.out_channels // 13
    with torch.no_grad():
        last.bias[2 * per_label:3 * per_label] += 50.0  # label 2
    torch.save({"model": seg.state_dict(), **seg_keys}, folder / "seg.pt")
    fit = FitNet(in_channels=int(fit_keys.get("n_parts", 12)) + 1 + int(fit_keys.get("limb_channels", 0)),
                 res=int(fit_keys.get("res", 64)), coords=bool(fit_keys.get("coords", False)))
    torch.save({"model": fit.state_dict(), **fit_keys}, folder / "fit.pt")
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


def bench_device(pred, images: list, warmup: int, refine_n: int) -> int:
    """Times `pred` on `images` (the first `warmup` untimed) and prints the figures; the number of images timed."""
    import torch

    from inference.pipeline import PredictionError

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
    rows, failed = [], []  # failed: seconds of each image where no person was found
    for img in images[warmup:]:
        t = time.perf_counter()
        try:
            p = pred.predict(img)
        except PredictionError:
            failed.append(time.perf_counter() - t)
            continue
        wall = time.perf_counter() - t
        rows.append({**{s: getattr(p.timings, s) for s in STAGES}, "total": p.timings.total, "wall": wall})
    if failed:  # the slowest images (every search route tried): apart, so the stage figures stay per found person
        print(f"  {len(failed)} without a person, {statistics.mean(failed):.2f} s each"
              + (f" (mean; the slowest {max(failed):.2f} s)" if len(failed) > 1 else "") + ", not in the figures")
    if not rows:
        print(f"error: on {pred.device} every image failed (no person found): nothing to time", file=sys.stderr)
        return 0
    print(f"  {len(rows)} images timed, {warmup} warm-up excluded")
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
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    from cli.cmd_evaluate import EvaluateInputError, check_weights
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # (a count below 1 timed nothing and said "every image failed (no person found)", exit 0)
    ap.add_argument("--n", type=whole_number(1), default=20, help="images timed (after the warm-up)")
    ap.add_argument("--warmup", type=whole_number(0), default=2)
    ap.add_argument("--refine-n", type=whole_number(0), default=5, help="images for the refinement figure (0: skip)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--weights", type=Path, default=None, help="folder with seg.pt and fit.pt (default: shipped)")
    which.add_argument("--random-weights", action="store_true", help="untrained networks (timings only)")
    ap.add_argument("--detect", choices=("auto", "off"), default="auto", help="person detector (default: as the app)")
    ap.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                    help="the networks' number format, the detector's animal check included (default: as the app: "
                         "bfloat16 on a CPU with AMX or AVX512-BF16)")
    ap.add_argument("--cpu-only", action="store_true", help="skip the GPU figures even when a GPU is there")
    a = ap.parse_args(argv)
    if a.weights is not None:
        try:  # a missing folder was "skipped" (exit 0), a folder without seg.pt and fit.pt too
            check_weights(a.weights)
        except EvaluateInputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    from inference.nets.precision import for_process

    for_process(a.precision)  # before the shared detector is built: its animal check follows the flag too
    from inference.render.context import configure_gl

    configure_gl()
    import torch

    from inference.pipeline import WEIGHTS_DIR, PredictionError, Predictor

    tmp = None
    if a.random_weights:
        tmp = tempfile.TemporaryDirectory()
        try:
            weights = random_weights(Path(tmp.name), WEIGHTS_DIR)
        except PredictionError as exc:  # the architecture is read from the shipped checkpoints
            print(f"error: --random-weights builds the shipped architecture: {exc}", file=sys.stderr)
            return 2
        print("UNTRAINED networks of the shipped architecture: timings only")
    else:
        weights = a.weights or WEIGHTS_DIR
        missing = [n for n in ("seg.pt", "fit.pt") if not (weights / n).exists()]
        if missing:  # (the shipped weights, before they exist: the docstring's "says so and exits")
            print(f"skipped: no trained weights ({', '.join(str(weights / n) for n in missing)} missing); "
                  "train them or pass --weights DIR")
            return 0
    try:  # before the images are rendered: weights that do not load were a traceback after that work
        cpu = Predictor(weights_dir=weights, device="cpu", detect=a.detect, precision=a.precision)
    except PredictionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if a.weights is not None else 1
    print(f"{a.n} synthetic images of 256 px (seed {SEED}), {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.2f}, GOMP_SPINCOUNT {os.environ.get('GOMP_SPINCOUNT', 'unset')}")
    images = synthetic_images(a.n + a.warmup)
    timed = [bench_device(cpu, images, a.warmup, a.refine_n)]
    if torch.cuda.is_available() and not a.cpu_only:
        try:
            gpu = Predictor(weights_dir=weights, device="cuda", detect=a.detect)
            timed.append(bench_device(gpu, images, a.warmup, a.refine_n))
        except PredictionError as exc:
            print(f"error: cuda: {exc}", file=sys.stderr)
            timed.append(0)
    else:
        print("no GPU seen by torch: CPU figures only")
    if tmp is not None:
        tmp.cleanup()
    return 0 if all(timed) else 1


if __name__ == "__main__":
    sys.exit(main())
