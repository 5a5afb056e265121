"""Pre-rendered training caches: shards of synthetic samples as packed arrays (fast to train from on a CPU).

    python -m training.cache --out data/cache/fit --seed 1 --n 40000 --labels-only --workers 2

A packed shard `pack_SSSSS.npz` (`python -m training.cache --pack SRC --out DST --n N`) holds the
segmentation keys only, images as WebP and label maps as PNG (about 2.4 kB a sample instead of 66 kB:
what a GPU machine can be sent); `load_cache` decodes it into the same arrays.

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
import sys
import time
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import cv2
import numpy as np

from inference.array_files import OWN_FILES, read_npz
from inference.read_problems import NPZ_ERRORS, read_problem

from .set_settings import refusal, seed_type, whole_number, write_record

_WORKER = {}


@dataclass(frozen=True)
class Cache:
    """N cached samples as arrays; a key not loaded is None.

    labels (N, R, R) uint8; images (N, R, R, 3) uint8 RGB; pose (N, 72) axis-angle; betas (N, 10);
    transl (N, 3); joints3d (N, 24, 3) camera frame; joints2d (N, 24, 2) pixels of the CROP_SIZE crop.
    A cache of the pipeline's own part maps (`training.pipeline_parts`) also holds the person detector's 14
    keypoints it read, keypoints (N, 14, 2) crop pixels, and their confidences keypoint_conf (N, 14) (0:
    missing; all 0 where it found nobody); loaded beside caches without them, those samples get NaN keypoints
    (simulated in training).
    """

    labels: np.ndarray | None = None
    images: np.ndarray | None = None
    pose: np.ndarray | None = None
    betas: np.ndarray | None = None
    transl: np.ndarray | None = None
    joints3d: np.ndarray | None = None
    joints2d: np.ndarray | None = None
    keypoints: np.ndarray | None = None
    keypoint_conf: np.ndarray | None = None

    def keys(self) -> tuple[str, ...]:
        """The names of the arrays loaded."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def __len__(self) -> int:
        names = self.keys()
        return len(getattr(self, names[0])) if names else 0


CACHE_KEYS = tuple(f.name for f in fields(Cache))
KEYPOINT_KEYS = ("keypoints", "keypoint_conf")  # only in caches of the pipeline's own maps


def _init_worker(size: int):
    from inference.render.context import configure_gl

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
    write_shard(out, {k: np.stack(v) for k, v in acc.items() if v})
    return n


def write_shard(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save a shard's arrays under a temporary name, then rename: an interrupted build never leaves a
    half-written shard that a resumed one would skip."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


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


PACKED_KEYS = ("images", "labels", "joints2d")


def _encode_all(arrays: np.ndarray, ext: str, params: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, ...) -> (bytes (M,) uint8, offsets (N + 1,) int64)."""
    bufs = []
    for a in arrays:
        ok, b = cv2.imencode(ext, a[..., ::-1] if a.ndim == 3 else a, params)
        if not ok:
            raise OSError(f"cannot encode {ext}")
        bufs.append(b.ravel())
    offsets = np.cumsum([0] + [len(b) for b in bufs]).astype(np.int64)
    return np.concatenate(bufs), offsets


def _decode_all(blob: np.ndarray, offsets: np.ndarray, colour: bool) -> np.ndarray:
    flag = cv2.IMREAD_COLOR if colour else cv2.IMREAD_UNCHANGED
    out = [cv2.imdecode(blob[offsets[i]:offsets[i + 1]], flag) for i in range(len(offsets) - 1)]
    return np.stack([o[..., ::-1] for o in out] if colour else out)


def pack_cache(src: Path | str, out_dir: Path, n: int, quality: int = 80, shard: int = 1000) -> None:
    """The first n samples of a cache -> packed shards (images WebP at `quality`, labels PNG, joints2d).
    ValueError (`pack_problem`, one line) for a labels-only cache."""
    why = pack_problem(Path(src))
    if why:
        raise ValueError(why)
    data = load_cache(src, n, keys=PACKED_KEYS)
    out_dir.mkdir(parents=True, exist_ok=True)
    for k, start in enumerate(range(0, len(data), shard)):
        sl = slice(start, start + shard)
        img, img_off = _encode_all(data.images[sl], ".webp", [cv2.IMWRITE_WEBP_QUALITY, quality])
        lab, lab_off = _encode_all(data.labels[sl], ".png", [cv2.IMWRITE_PNG_COMPRESSION, 9])
        np.savez(out_dir / f"pack_{k:05d}.npz", images_webp=img, images_offsets=img_off, labels_png=lab,
                 labels_offsets=lab_off, joints2d=data.joints2d[sl].astype(np.float32))


def pack_problem(src: Path) -> str:
    """Why the cache folder `src` (one with shards: `data_problem`) cannot be packed ('' when it can): a packed
    shard holds images, and a cache made with --labels-only has none. Read from the first shard's archive
    directory only (a mix of both kinds is refused by `load_cache`, and so is a folder without shards)."""
    files = shard_files(src)
    if not files:
        return ""
    try:
        held = shard_arrays(files[0])
    except OSError as exc:  # a cut-short shard: `unreadable_shard`'s one line
        return str(exc)
    if "images" in held:
        return ""
    return (f"--pack {src} holds labels only (a cache made with --labels-only): packing needs the images; make a "
            f"cache with images first: python -m training.cache --out DIR --n N (without --labels-only)")


def _shard_arrays(keys: tuple[str, ...] | None) -> set[str] | None:
    """The arrays of a shard to read for `keys` (None: all), raw or packed: a packed shard's encoded images and
    labels only when asked for, its (small) offsets always, which tell the two layouts apart."""
    if keys is None:
        return None
    wanted = {*keys, "joints2d", "images_offsets", "labels_offsets"}
    wanted |= {"images_webp"} if "images" in keys else set()
    return wanted | ({"labels_png"} if "labels" in keys else set())


def drop_if_made_empty(out: Path, made: bool) -> None:
    """Remove the output folder `out` when this run `made` it and it is still empty: a build that fails before
    writing anything leaves no empty folder (a folder that was there before is never removed)."""
    try:
        if made and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
    except OSError:  # gone, or not ours to remove: nothing to tidy
        pass


def data_problem(folder: Path, what: str) -> str:
    """Why the cache folder `folder` cannot be read ('' when it holds shards); `what` names the cache it should be
    and the command that makes it."""
    if not folder.is_dir():
        return f"--data {folder}: no such folder ({what})" if not folder.exists() else \
            f"--data {folder} is a file, not a cache folder ({what})"
    if not shard_files(folder):
        return f"--data {folder}: no shards in it ({what})"
    return ""


def shard_files(folder: Path | str) -> list[str]:
    """The shards of one cache folder in the order they are read (raw, then packed; a half-written .tmp.npz left
    out)."""
    return [f for pat in ("shard_*.npz", "pack_*.npz") for f in sorted(glob.glob(str(Path(folder) / pat)))
            if not f.endswith(".tmp.npz")]


def unreadable_shard(path: str | Path, exc: BaseException) -> OSError:
    """The error for a shard that cannot be read: one line naming the file and saying how to mend it (a cut-short
    file, from a full disk or an interrupted copy, otherwise ends a run in zipfile's traceback, which names none)."""
    return OSError(f"cannot read the shard {path} ({read_problem(path, exc)}): remove it and make it again (a rerun "
                   f"of `python -m training.cache` renders the shards that are missing)")


def shard_arrays(path: str | Path) -> set[str]:
    """The cache arrays (CACHE_KEYS names) a shard holds, raw or packed, from the archive's directory alone (fast:
    what a run needs is known before any is read). OSError (`unreadable_shard`) for a file that is not a whole
    .npz archive."""
    try:
        with zipfile.ZipFile(path) as z:
            names = {n[:-len(".npy")] for n in z.namelist() if n.endswith(".npy")}
    except NPZ_ERRORS as exc:
        raise unreadable_shard(path, exc) from None
    if "labels_offsets" in names:  # packed: images and labels encoded
        names |= {"images"} if "images_webp" in names else set()
        names |= {"labels"} if "labels_png" in names else set()
    return names & set(CACHE_KEYS)


def _read_shard(f: str, keys: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    try:
        z = read_npz(f, _shard_arrays(keys), max_bytes=OWN_FILES)
    except NPZ_ERRORS as exc:
        raise unreadable_shard(f, exc) from None
    if "labels_offsets" not in z:
        return {k: v for k, v in z.items() if keys is None or k in keys}
    out = {"joints2d": z["joints2d"]}
    if keys is None or "images" in keys:
        out["images"] = _decode_all(z["images_webp"], z["images_offsets"], True)
    if keys is None or "labels" in keys:
        out["labels"] = _decode_all(z["labels_png"], z["labels_offsets"], False)
    return out


# Each array's shape past the sample axis (None: the resolution R, the same in one shard's labels and images).
SHARD_SHAPES = {"labels": (None, None), "images": (None, None, 3), "pose": (72,), "betas": (10,), "transl": (3,),
                "joints3d": (24, 3), "joints2d": (24, 2), "keypoints": (14, 2), "keypoint_conf": (14,)}


def bad_shard(z: dict[str, np.ndarray]) -> str:
    """Why a read shard's arrays cannot be trained on ('' when they can): arrays of different lengths, a shape not in
    SHARD_SHAPES, labels that are not part indices 0..NUM_CLASSES-1 (found here, with the shard named, instead of
    as an IndexError deep in a batch or a concatenation error that names no file)."""
    from inference.parts import NUM_CLASSES

    lengths = {k: len(a) if a.ndim else 0 for k, a in z.items()}
    if len(set(lengths.values())) > 1:
        return f"its arrays hold different numbers of samples ({', '.join(f'{k} {n}' for k, n in lengths.items())})"
    sides = set()
    for k, a in z.items():
        want = SHARD_SHAPES.get(k)
        if want is None:
            continue
        if a.ndim != 1 + len(want) or any(w is not None and w != s for w, s in zip(want, a.shape[1:])):
            return f"{k} has the shape {a.shape}, not (N, {', '.join('R' if w is None else str(w) for w in want)})"
        sides |= {s for w, s in zip(want, a.shape[1:]) if w is None}
    if len(sides) > 1:
        return f"its images and labels are not square maps of one size ({sorted(sides)})"
    labels = z.get("labels")
    if labels is not None and labels.size:
        if labels.dtype.kind not in "ui" or labels.min() < 0 or labels.max() >= NUM_CLASSES:
            return (f"its labels are not part indices 0 to {NUM_CLASSES - 1} ({labels.dtype}, "
                    f"{labels.min()} to {labels.max()})")
    return ""


def _checked_shard(f: str, keys: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    """`_read_shard`, refused with the shard named (ValueError) when `bad_shard` finds it unfit."""
    z = _read_shard(f, keys)
    why = bad_shard(z)
    if why:
        raise ValueError(f"the shard {f}: {why}: remove it and make it again with `python -m training.cache`")
    return z


def load_cache(folder: Path | str, max_samples: int | None = None, keys: tuple[str, ...] | None = None,
               res: int | None = None) -> Cache:
    """Concatenate all shards of a cache folder (or of several, comma-separated) into arrays
    (see module docstring); only `keys` when given; label maps resized (nearest) to `res` when given."""
    files = [f for d in str(folder).split(",") for f in shard_files(d)]
    if not files:
        raise FileNotFoundError(f"no shards in {folder}")
    parts: dict[str, list] = {}
    sizes: list[int] = []
    first: dict[str, tuple[str, tuple]] = {}  # key -> (the first shard, its shape past N): all shards must agree
    for f in files:
        z = _checked_shard(f, keys)
        n = len(next(iter(z.values())))
        for k, a in z.items():
            if (keys is not None and k not in keys) or k not in CACHE_KEYS:
                continue
            if k == "labels" and res is not None and a.shape[1] != res:
                a = np.stack([cv2.resize(x, (res, res), interpolation=cv2.INTER_NEAREST) for x in a])
            was, shape = first.setdefault(k, (f, a.shape[1:]))
            if shape != a.shape[1:]:
                raise ValueError(f"the shard {f}: its {k} are {a.shape[1:]} a sample, those of {was} {shape}: "
                                 f"a cache's shards are made at one --res (make them again, or train on one cache)")
            parts.setdefault(k, [None] * len(sizes) if k in KEYPOINT_KEYS else []).append(a)
        for k in KEYPOINT_KEYS:  # shards without detector keypoints (padded below when others have them)
            if k in parts and len(parts[k]) == len(sizes):
                parts[k].append(None)
        sizes.append(n)
        if max_samples and sum(sizes) >= max_samples:
            break
    for k, got in parts.items():  # (else a key of some shards only, concatenated, would pair with others' rows)
        if k not in KEYPOINT_KEYS and len(got) != len(sizes):
            raise ValueError(f"{folder}: {len(sizes) - len(got)} of its {len(sizes)} shards hold no {k} (a "
                             f"labels-only cache beside one with images?)")
    for k, fill in zip(KEYPOINT_KEYS, (np.nan, 0.0)):
        if k in parts:
            shape = next(a.shape[1:] for a in parts[k] if a is not None)
            parts[k] = [np.full((n, *shape), fill, np.float32) if a is None else a.astype(np.float32)
                        for a, n in zip(parts[k], sizes)]
    return Cache(**{k: np.concatenate(v)[:max_samples] for k, v in parts.items()})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=seed_type, default=0,
                    help="seed of the rendered samples (default %(default)s)")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--res", type=int, default=128,
                    help="side of the stored images and part maps in px, the networks' input (the render is at the "
                         "crop size and resized; default %(default)s)")
    ap.add_argument("--labels-only", action="store_true",
                    help="store no images: part maps and bodies only, what train-fit reads (smaller, faster)")
    # as `main.py synth --workers`: more processes than cores render no faster, and each holds a renderer
    cores = os.cpu_count() or 1
    ap.add_argument("--workers", type=whole_number(1, maximum=cores, why_most="the CPU cores here"), default=2,
                    help=f"rendering processes (1 to the {cores} CPU cores here; default %(default)s)")
    ap.add_argument("--shard", type=whole_number(1), default=500,
                    help="samples per shard file (a shard that is there is skipped: an interrupted build resumes; "
                         "default %(default)s)")
    ap.add_argument("--pack", type=Path, default=None, help="pack the first --n samples of this cache into --out")
    ap.add_argument("--quality", type=int, default=80, help="WebP quality of packed images")
    a = ap.parse_args(argv)
    made = not a.out.exists()
    try:
        if a.pack is not None:
            why = data_problem(a.pack, "a cache of `python -m training.cache`").replace("--data", "--pack", 1)
            why = why or pack_problem(a.pack)
            if why:
                print(f"error: {why}", file=sys.stderr)
                return 2
            pack_cache(a.pack, a.out, a.n, a.quality)
            return 0
        settings = {"seed": a.seed, "res": a.res, "rgb": not a.labels_only, "shard": a.shard}
        why = refusal(a.out, "cache.json", settings, a.n, "samples", held=0)  # a smaller --n only renders nothing
        if why:
            raise SystemExit(f"error: {why}")
        build_cache(a.out, a.seed, a.n, not a.labels_only, a.res, a.workers, a.shard)
        write_record(a.out, "cache.json", settings, a.n)
        print(f"{a.n} samples in {a.out}")
        return 0
    finally:  # a build stopped or failed before its first shard leaves no empty --out (Ctrl+C included)
        drop_if_made_empty(a.out, made)


if __name__ == "__main__":
    raise SystemExit(main())
