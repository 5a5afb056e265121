"""Train the fitting network on a CUDA machine from a compact pack of part maps, end to end in minutes.

    # here (CPU): ground-truth and predicted 64 px part maps of the same people, with their labels, packed
    # small enough to send (about 0.7 kB a person for both maps)
    python scripts/train_fit_gpu.py --pack data/cache/seg,data/cache/fit_pred_g27 --n 24000 --out .gpu/fitpack
    # there (GPU): one command; the best checkpoint (half precision) and the log written to --out
    python scripts/train_fit_gpu.py --data .gpu/fitpack --out "$OUT" --minutes 7 --init resources/weights/fit.pt
    # anywhere: a short CPU dry run of the same path (the tests run it)
    python scripts/train_fit_gpu.py --data .gpu/fitpack --out /tmp/dry --dry-run

The pack is this script's own transport format and nothing else reads it: at the start of a run it is
unpacked into an ordinary cache folder (training/cache.py) holding the ground-truth maps, then the predicted
maps, each with the person's labels, and the project's one loop trains on that (`training/train_fit.py`, the
settings of the shipped fit10: keypoints as limb maps and numbers, half the samples mirrored). The pack keeps
the pose, betas and keypoints in half precision (errors under 0.002 rad, 0.002 and 0.06 px) and the 3D joints
as offsets from the translation in half precision (under 1 mm), the translation in single precision.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIT_RES = 64    # the fitting network's input resolution (FitConfig.res)
SHARD = 4000


def pack(sources: str, n: int, out: Path) -> None:
    """The first n people of a ground-truth cache and of its predicted-maps cache -> out/fitpack_*.npz."""
    from training.cache import load_cache

    gt_dir, pred_dir = sources.split(",")
    keys = ("labels", "pose", "betas", "transl", "joints3d", "joints2d")
    gt = load_cache(gt_dir, n, keys=keys, res=FIT_RES)
    pred = load_cache(pred_dir, n, keys=("labels", "joints2d"), res=FIT_RES)
    if len(gt) != len(pred) or not np.allclose(gt.joints2d, pred.joints2d):
        raise ValueError("the two caches do not hold the same people in the same order")
    out.mkdir(parents=True, exist_ok=True)
    for k, s in enumerate(range(0, len(gt), SHARD)):
        sl = slice(s, s + SHARD)
        np.savez_compressed(out / f"fitpack_{k:05d}.npz", labels_gt=gt.labels[sl], labels_pred=pred.labels[sl],
                            pose=gt.pose[sl].astype(np.float16), betas=gt.betas[sl].astype(np.float16),
                            transl=gt.transl[sl].astype(np.float32),
                            joints3d_rel=(gt.joints3d[sl] - gt.transl[sl, None]).astype(np.float16),
                            joints2d=gt.joints2d[sl].astype(np.float16))
    print(f"packed {len(gt)} people into {out}")


def unpack(src: Path, out: Path, max_people: int = 0) -> int:
    """out/shard_*.npz of an ordinary cache: first every ground-truth map, then every predicted one."""
    files = sorted(src.glob("fitpack_*.npz"))
    if not files:
        raise FileNotFoundError(f"no fitpack_*.npz in {src}")
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for which in ("gt", "pred"):
        for f in files:
            with np.load(f) as z:
                m = len(z["pose"]) if not max_people else min(len(z["pose"]), max_people)
                transl = z["transl"][:m]
                np.savez(out / f"shard_{which}_{f.stem}.npz", labels=z[f"labels_{which}"][:m],
                         pose=z["pose"][:m].astype(np.float32), betas=z["betas"][:m].astype(np.float32),
                         transl=transl, joints3d=z["joints3d_rel"][:m].astype(np.float32) + transl[:, None],
                         joints2d=z["joints2d"][:m].astype(np.float32))
                total += m
            if max_people:
                break
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pack", default=None, help="GT_CACHE,PRED_CACHE: write the pack to --out and stop")
    ap.add_argument("--n", type=int, default=24000, help="--pack: people to pack")
    ap.add_argument("--data", type=Path, help="the pack to train on")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=7.0, help="training wall-clock budget")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--init", default=str(ROOT / "resources" / "weights" / "fit.pt"), help="weights to continue")
    ap.add_argument("--name", default="fit", help="output name: OUT/NAME.pt")
    ap.add_argument("--dry-run", action="store_true", help="a few steps on the CPU on a few samples")
    a = ap.parse_args(argv)
    if a.pack:
        pack(a.pack, a.n, a.out)
        return 0
    if a.data is None:
        ap.error("--data is needed to train")

    from training.config import FitConfig
    from training.loop import export_half, prepare_gpu
    from training.train_fit import train_fit

    if not prepare_gpu(a.dry_run, "python main.py train-fit"):
        return 2
    # the unpacked cache and the run folder live only as long as the run (fixed /tmp names were left behind
    # by every run, dry runs included); best.pt and its log are exported to --out
    work = tempfile.TemporaryDirectory(prefix=f"nbf_fit_{a.name}_")
    cache = Path(work.name) / "cache"
    t0 = time.time()
    n = unpack(a.data, cache, max_people=12 if a.dry_run else 0)
    print(f"unpacked {n} maps in {time.time() - t0:.0f} s", flush=True)
    run_dir = Path(work.name) / "run"
    cfg = FitConfig(data=str(cache), out=str(run_dir), seed=a.seed, epochs=1 if a.dry_run else 1000,
                    batch_size=4 if a.dry_run else a.batch_size, lr=a.lr, val_every=1,
                    val_fraction=0.25 if a.dry_run else 0.05, threads=1 if a.dry_run else 0, init=a.init,
                    minutes=0 if a.dry_run else a.minutes, keypoints=True, coords=True, flip=0.5)
    with work:
        ck = export_half(train_fit(cfg), a.out / f"{a.name}.pt")
    print(f"{a.name}: best val {ck['best']:.2f} after {ck['step']} steps, {time.time() - t0:.0f} s "
          f"-> {a.out / f'{a.name}.pt'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
