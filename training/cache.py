"""Pre-rendered training caches: shards of synthetic samples as packed arrays (fast to train from on a CPU).

    python -m training.cache --out data/cache/fit --seed 1 --n 40000 --labels-only --workers 2

A shard `shard_SSSSS.npz` holds samples [start, start + shard) of (seed, index) and is
skipped when it exists, so an interrupted build resumes. Arrays per shard:
    labels (N, R, R) uint8, images (N, R, R, 3) uint8 (unless labels-only), pose (N, 72),
    betas (N, 10), transl (N, 3), joints3d (N, 24, 3), joints2d (N, 24, 2) in crop pixels of the
    full CROP_SIZE crop; R = --res (network resolution).
"""
from __future__ import annotations

import argparse
import glob
import multiprocessing as mp
import os
import time
from pathlib import Path

import cv2
import numpy as np

_WORKER = {}


def _init_worker(size: int):
    from inference.gl import configure_gl

    configure_gl()
    import torch

    torch.set_num_threads(1)
    from inference.body_model import BodyModel
    from training.synth.generator import SampleRenderer

    _WORKER["r"] = SampleRenderer(BodyModel(), size=size)


def _render_shard(job):
    out, seed, start, n, rgb, res = job
    r = _WORKER["r"]
    keys = ("labels", "images", "pose", "betas", "transl", "joints3d", "joints2d")
    acc = {k: [] for k in keys}
    for i in range(start, start + n):
        s = r.render(seed, i, rgb=rgb)
        acc["labels"].append(cv2.resize(s.labels, (res, res), interpolation=cv2.INTER_NEAREST))
        if rgb:
            acc["images"].append(cv2.resize(s.image, (res, res), interpolation=cv2.INTER_AREA))
        acc["pose"].append(s.scene.params.pose)
        acc["betas"].append(s.scene.params.betas)
        acc["transl"].append(s.scene.params.transl)
        acc["joints3d"].append(s.joints3d)
        acc["joints2d"].append(s.joints2d)
    arrays = {k: np.stack(v) for k, v in acc.items() if v}
    tmp = out.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, out)
    return n


def build_cache(out_dir: Path, seed: int, n: int, rgb: bool, res: int, workers: int = 2, shard: int = 500) -> None:
    """Render samples [0, n) of `seed` at the crop size into shards (network resolution `res`)."""
    from inference.camera import CROP_SIZE

    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for start in range(0, n, shard):
        path = out_dir / f"shard_{start // shard:05d}.npz"
        if not path.exists():
            jobs.append((path, seed, start, min(shard, n - start), rgb, res))
    if not jobs:
        return
    t0, done = time.time(), 0
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(CROP_SIZE,)) as pool:
        for k in pool.imap_unordered(_render_shard, jobs):
            done += k
            print(f"{done}/{sum(j[3] for j in jobs)} samples, {done / (time.time() - t0):.1f}/s", flush=True)


def load_cache(folder: Path | str, max_samples: int | None = None, keys: tuple[str, ...] | None = None,
               res: int | None = None) -> dict[str, np.ndarray]:
    """Concatenate all shards of a cache folder (or of several, comma-separated) into arrays
    (see module docstring); only `keys` when given; label maps resized (nearest) to `res` when given."""
    folders = [Path(f) for f in str(folder).split(",")]
    files = [f for d in folders for f in sorted(glob.glob(str(d / "shard_*.npz"))) if not f.endswith(".tmp.npz")]
    if not files:
        raise FileNotFoundError(f"no shards in {folder}")
    parts: dict[str, list] = {}
    total = 0
    for f in files:
        with np.load(f) as z:
            for k in z.files:
                if keys is not None and k not in keys:
                    continue
                a = z[k]
                if k == "labels" and res is not None and a.shape[1] != res:
                    a = np.stack([cv2.resize(x, (res, res), interpolation=cv2.INTER_NEAREST) for x in a])
                parts.setdefault(k, []).append(a)
            total += len(z["pose"])
        if max_samples and total >= max_samples:
            break
    return {k: np.concatenate(v)[:max_samples] for k, v in parts.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--res", type=int, default=128)
    ap.add_argument("--labels-only", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shard", type=int, default=500)
    a = ap.parse_args()
    build_cache(a.out, a.seed, a.n, not a.labels_only, a.res, a.workers, a.shard)


if __name__ == "__main__":
    main()
