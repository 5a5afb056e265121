"""Synthetic data generation throughput: label maps alone and full RGB samples, in one process and with N
worker processes (multiprocessing spawn, each with its own SampleRenderer, as training/cache.py does).

    python scripts/bench_synth.py --n 200 --workers 2 --size 256

Figures are samples per second of wall time, start-up (imports, body model, GL context) excluded.
Other jobs on the machine share the cores: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 424242  # not a training seed; the samples are thrown away
_W: dict = {}


def _make_renderer(size: int):
    from inference.body_model import BodyModel
    from training.synth.generator import SampleRenderer

    return SampleRenderer(BodyModel(), size=size)


def _init_worker(size: int) -> None:
    from inference.render.context import configure_gl

    configure_gl()
    import torch

    torch.set_num_threads(1)
    _W["r"] = _make_renderer(size)


def _ready(_: int) -> int:
    time.sleep(0.3)  # keeps this worker busy so that every worker takes one and is known to be initialised
    return os.getpid()


def _render(job: tuple[int, bool]) -> int:
    i, rgb = job
    _W["r"].render(SEED, i, rgb=rgb)
    return i


def gl_renderer_name(r) -> str:
    """The OpenGL renderer string of a SampleRenderer's context (e.g. llvmpipe = software rendering)."""
    try:
        return r.renderer.gl_renderer()
    except Exception as exc:  # noqa: BLE001 - informative only
        return f"unknown ({type(exc).__name__})"


def bench_in_process(size: int, n: int) -> dict:
    """One process configured like a cache worker (one torch thread)."""
    import torch

    torch.set_num_threads(1)
    t = time.perf_counter()
    r = _make_renderer(size)
    start = time.perf_counter() - t
    r.render(SEED, 0, rgb=True)  # warm-up (first GL draw, caches)
    out = {"start_s": start, "gl": gl_renderer_name(r)}
    for rgb, key in ((False, "labels"), (True, "rgb")):
        t = time.perf_counter()
        for i in range(1, n + 1):
            r.render(SEED, i, rgb=rgb)
        out[key] = n / (time.perf_counter() - t)
    r.renderer.close()
    return out


def bench_pool(size: int, n: int, workers: int) -> dict:
    ctx = mp.get_context("spawn")
    t = time.perf_counter()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(size,)) as pool:
        pids = set(pool.map(_ready, range(workers), chunksize=1))
        start = time.perf_counter() - t
        out = {"start_s": start, "workers_seen": len(pids)}
        for rgb, key in ((False, "labels"), (True, "rgb")):
            jobs = [(i, rgb) for i in range(1, n + 1)]
            t = time.perf_counter()
            for _ in pool.imap_unordered(_render, jobs, chunksize=max(1, n // (8 * workers))):
                pass
            out[key] = n / (time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="samples per measurement")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the pool figures")
    ap.add_argument("--size", type=int, default=256, help="render size in pixels (the network crop is 256)")
    a = ap.parse_args()
    from inference.render.context import configure_gl

    backend = configure_gl()
    print(f"synthetic generation at {a.size} px, {a.n} samples per figure, GL backend {backend}, "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f} at start")
    one = bench_in_process(a.size, a.n)
    print(f"OpenGL renderer: {one['gl']}")
    print(f"1 process : labels {one['labels']:6.1f} samples/s   RGB {one['rgb']:6.1f} samples/s   "
          f"(start-up {one['start_s']:.1f} s)")
    if a.workers > 1:
        many = bench_pool(a.size, a.n, a.workers)
        print(f"{a.workers} processes: labels {many['labels']:6.1f} samples/s   RGB {many['rgb']:6.1f} samples/s   "
              f"(start-up {many['start_s']:.1f} s, {many['workers_seen']} workers seen; "
              f"speed-up labels x{many['labels'] / one['labels']:.2f}, RGB x{many['rgb'] / one['rgb']:.2f})")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
