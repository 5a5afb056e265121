"""A fitting-network cache of the pipeline's own part maps and detector keypoints.

    python -m training.cache --out data/cache/pipe8 --seed 8 --n 10000 --res 256 --workers 2
    python -m training.pipeline_parts --data data/cache/pipe8 --out data/cache/fit_pipe8 [--part 0/2 & --part 1/2]

`training.predicted_parts` runs the segmentation network alone, with keypoints simulated from the ground truth;
at test time the fitting network reads what the whole pipeline makes of an image instead: the person detector's
keypoints (with its misses and left/right confusions) and the part map the segmentation draws from them,
restricted to the detector's silhouette. This runs that pipeline (`training.evaluate.run_network`, as `main.py
evaluate` does: the image is the crop) over an RGB cache rendered at the full crop size and keeps, per sample,
the part map at the segmentation's resolution, the detector's 14 keypoints in crop pixels with their
confidences (0: missing; all 0 when it found nobody), and the ground truth copied from the source. Shards mirror the
source's and are skipped when they exist, so an interrupted run resumes. `train-fit --data` reads such a cache
beside the others; where a sample has detector keypoints they replace the simulated ones.
"""
from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

import numpy as np

from inference.camera import CROP_SIZE

from .cache import _read_shard, data_problem, drop_if_made_empty, write_shard

COPY = ("pose", "betas", "transl", "joints3d", "joints2d")


def pipeline_shard(pred, images: np.ndarray) -> dict[str, np.ndarray]:
    """The pipeline on images (N, CROP_SIZE, CROP_SIZE, 3) uint8: labels (N, R, R) uint8 at the segmentation's
    resolution, keypoints (N, 14, 2) float32 crop pixels, keypoint_conf (N, 14) (all 0: nobody detected)."""
    from .evaluate import run_network

    labels, kps, confs = [], [], []
    for image in images:
        run = run_network(pred, np.ascontiguousarray(image))
        labels.append(run.prediction.parts.painted().labels.astype(np.uint8))  # what the fit reads
        if run.joints2d is None:  # nobody found: no keypoints at all, as the network then reads at test time
            kps.append(np.zeros((14, 2), np.float32))
            confs.append(np.zeros(14, np.float32))
        else:
            kps.append(np.asarray(run.joints2d, np.float32))
            confs.append(np.asarray(run.conf, np.float32))
    return {"labels": np.stack(labels), "keypoints": np.stack(kps), "keypoint_conf": np.stack(confs)}


def build(data: Path, out: Path, weights: Path | None = None, limit: int = 0, part: tuple[int, int] = (0, 1)
          ) -> int:
    """Write out/shard_*.npz for data's shards (at most `limit` shards when > 0; with part (i, n) every n-th
    from the i-th, so that n processes share the work); returns the samples written. ValueError (one line) for a
    data folder without shards, shards of another size, weights that do not load (another network's checkpoint, a
    run folder) or no person detector; what is found before the first shard is found before `out` is made."""
    from inference.pipeline import PredictionError

    from .evaluate import detecting_predictor

    made_by = f"an RGB cache: python -m training.cache --res {CROP_SIZE}"
    why = data_problem(Path(data), made_by)
    files = sorted(f for f in glob.glob(str(data / "shard_*.npz")) if not f.endswith(".tmp.npz"))
    if why or not files:  # (packed shards hold no bodies to copy)
        raise ValueError(why or f"--data {data}: no shard_*.npz in it ({made_by})")
    if limit:
        files = files[:limit]
    files = files[part[0]::part[1]]
    try:
        pred = detecting_predictor("detect", weights_dir=weights)
    except PredictionError as exc:
        raise ValueError(f"--weights {weights or 'the shipped'}: {exc}") from None
    if pred.detector is None:
        raise ValueError("the person detector is needed: its keypoints are what this cache records")
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for f in files:
        dst = out / Path(f).name
        if dst.exists():
            continue
        t = time.perf_counter()
        z = _read_shard(f, ("images", *COPY))
        if "images" not in z or z["images"].shape[1] != CROP_SIZE:
            raise ValueError(f"{f}: needs images at {CROP_SIZE} px (python -m training.cache --res {CROP_SIZE})")
        arrays = pipeline_shard(pred, z["images"])
        arrays.update({k: z[k] for k in COPY})
        write_shard(dst, arrays)
        n = len(arrays["labels"])
        written += n
        found = int((arrays["keypoint_conf"] > 0).any(1).sum())
        print(f"{dst.name}: {n} maps, a person detected on {found}, {time.perf_counter() - t:.0f} s", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help=f"RGB cache rendered at {CROP_SIZE} px")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=None, help="folder of seg.pt / fit.pt (default: the shipped)")
    ap.add_argument("--limit", type=int, default=0, help="first N shards only")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--part", default="0/1", help="I/N: every N-th shard from the I-th (N processes share the work)")
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    i, n = (int(v) for v in a.part.split("/"))
    made = not a.out.exists()
    try:
        build(a.data, a.out, a.weights, a.limit, (i, n))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:  # a run that failed before its first shard leaves no empty --out
        drop_if_made_empty(a.out, made)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
