"""Seconds per person of the test-time refinement (`Predictor.refined_params`, inference.refine.refine_fit), on this
machine.

    python scripts/bench_refine.py                       # the people in resources/photos
    python scripts/bench_refine.py --synth data/synth_test --n 20

Each person is detected, segmented and fitted once (not timed); then the refinement alone runs
--repeat times and the median counts (one untimed warm-up call first). Real photos take the untrusted
path (the detector leads), the synthetic people mostly the trusted one. The refinement always runs on one torch
thread (`inference.refine.one_torch_thread`), so --threads (torch's threads, kept for the commands the docs give)
changes only the untimed detection and fits, not the figure; the first line says so. Prints one line per person and,
last, `refine_s_median=<x> refine_s_max=<y> people=<n> threads=<t>` (t: --threads, not the refinement's).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference.openmp import shorten_openmp_spin  # noqa: E402

shorten_openmp_spin()  # as the app and the CLI do (cli.main.main)

from inference.paths import RESOURCES  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=Path, nargs="*", default=None, help="default: resources/photos/*")
    ap.add_argument("--synth", type=Path, default=None, help="a synthetic set (main.py synth) instead of photos")
    ap.add_argument("--n", type=whole_number(1), default=20, help="synthetic cases")
    ap.add_argument("--repeat", type=whole_number(1), default=3, help="timed refinements per person (their median)")
    ap.add_argument("--threads", type=whole_number(1), default=2,
                    help="torch threads of the untimed detection and fits; the refinement runs on one regardless")
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    print(f"refinement on 1 torch thread (inference.refine.one_torch_thread), whatever --threads; detection and fits "
          f"on {a.threads}")
    from inference.crop import crop_for_box
    from inference.image_io import IMAGE_SUFFIXES
    from inference.pipeline import PredictionError, Predictor

    pred = Predictor(detect="on", refine=False)
    body = pred.body_model
    jobs = []  # (name, prediction): each prediction's own person
    if a.synth is not None:
        from inference.datasets import list_cases, read_case

        for cid in list_cases(a.synth, "test")[:a.n]:
            case = read_case(a.synth, cid, body)
            people = pred.detector.detect(case.image, max_people=1)
            if people:
                frame = crop_for_box(None, case.image.shape, pred.size)
                jobs.append((cid, pred.predict(case.image, crop=frame, found=people[0])))
    else:
        photos = a.photos or sorted(p for p in (RESOURCES / "photos").iterdir()
                                    if p.suffix.lower() in IMAGE_SUFFIXES)
        for path in photos:
            try:
                p = pred.predict(path)
            except PredictionError:
                continue  # no person: nothing to refine
            for k in range(len(p.people)):
                q = p if k == 0 else pred.predict(path, person=k)
                jobs.append((f"{path.name}#{k + 1}", q))
    times = []
    warm = True  # the first call allocates and picks kernels: once more, untimed
    for name, p in jobs:
        if warm:
            pred.refined_params(p)
            warm = False
        runs = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            pred.refined_params(p)
            runs.append(time.perf_counter() - t)
        times.append(statistics.median(runs))
        print(f"{name}: {times[-1]:.3f} s (part-map confidence {p.parts.confidence():.2f})")
    if not times:
        sys.exit("no person found to refine")
    print(f"refine_s_median={statistics.median(times):.3f} refine_s_max={max(times):.3f} people={len(times)} "
          f"threads={a.threads}")


if __name__ == "__main__":
    main()
