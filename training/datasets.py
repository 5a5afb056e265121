"""Labelled sets in UP-3D's layout: the synthetic generator writes them, `read_case` opens them
(ours, or a real UP-3D download, whose part maps are rendered from the body pickles).

Per case NNNNN (5 digits):
    NNNNN_image.png        RGB crop
    NNNNN_body.pkl         pose (72), betas (10), trans, f, rt, t   (UP-3D convention, see inference/export.py)
    NNNNN_joints.npy       (3, 14) LSP joints: x, y, visibility (crop pixels)
    NNNNN_parts.png        12-part label map in NBF colours (ours; rendered for real UP-3D)
    NNNNN_silhouette.png   person mask (0/255), visible pixels
    NNNNN_joints3d.npy     (24, 3) SMPL joints in the OpenGL camera frame (ours)
train.txt / val.txt / test.txt list the case images (e.g. `/00012_image.png`), one per line.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.parts import colorize, decode_colors
from inference.types import BodyParams


@dataclass(frozen=True)
class Case:
    """One labelled case: image (H, W, 3) uint8 RGB, labels (H, W) uint8 0..12 (None when unknown),
    params in the crop camera, lsp (14, 3), focal (px), id."""

    id: str
    image: np.ndarray
    labels: np.ndarray | None
    params: BodyParams
    lsp: np.ndarray
    focal: float


def case_stem(folder: Path, index: int) -> Path:
    return Path(folder) / f"{index:05d}"


def _write_png(path: Path, rgb: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", rgb[..., ::-1] if rgb.ndim == 3 else rgb)
    if not ok:
        raise OSError(f"cannot encode {path}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.tobytes())
    os.replace(tmp, path)


def write_sample(folder: Path, index: int, sample) -> None:
    """Write one generator Sample (training/synth/generator.py) as a UP-3D case; the image goes last,
    so a case whose image exists is complete (resume skips it)."""
    from inference.export import save_params

    stem = case_stem(folder, index)
    save_params(str(stem) + "_body.pkl", sample.scene.params, sample.scene.focal, sample.scene.size, overwrite=True)
    np.save(str(stem) + "_joints.npy", sample.lsp2d.T.astype(np.float64))
    np.save(str(stem) + "_joints3d.npy", sample.joints3d.astype(np.float32))
    _write_png(Path(str(stem) + "_parts.png"), colorize(sample.labels))
    _write_png(Path(str(stem) + "_silhouette.png"), ((sample.labels > 0) * 255).astype(np.uint8))
    _write_png(Path(str(stem) + "_image.png"), sample.image)


def write_splits(folder: Path, n: int, split: str | None = None) -> None:
    """train/val/test lists: all cases in `split` if given, else 80/10/10 by index."""
    names = [f"/{i:05d}_image.png" for i in range(n)]
    if split:
        lists = {"train": [], "val": [], "test": []}
        lists[split] = names
    else:
        a, b = int(0.8 * n), int(0.9 * n)
        lists = {"train": names[:a], "val": names[a:b], "test": names[b:]}
    for k, v in lists.items():
        (Path(folder) / f"{k}.txt").write_text("".join(x + "\n" for x in v))


def list_cases(folder: Path, split: str | None = "test") -> list[str]:
    """Case ids (e.g. '00012') of a split (all *_image.png when the list is missing or split is None)."""
    folder = Path(folder)
    lst = folder / f"{split}.txt" if split else None
    if lst is not None and lst.exists():
        ids = [Path(line.strip()).name[:-len("_image.png")] for line in lst.read_text().splitlines() if line.strip()]
    else:
        ids = sorted(p.name[:-len("_image.png")] for p in folder.glob("*_image.png"))
    return ids


def read_case(folder: Path, case_id: str, body_model=None, renderer=None) -> Case:
    """Load a case. Part labels come from NNNNN_parts.png when present, else (a real UP-3D case) they
    are rendered from the body pickle with our part grouping (needs body_model and a Renderer of the
    image size)."""
    from inference.export import load_params_file
    from inference.image_io import load_image

    stem = str(Path(folder) / case_id)
    image = load_image(stem + "_image.png")
    rec = load_params_file(stem + "_body.pkl", body_model)
    focal = rec.focal or 5000.0
    parts = Path(stem + "_parts.png")
    labels = None
    if parts.exists():
        bgr = cv2.imread(str(parts), cv2.IMREAD_COLOR)
        labels = decode_colors(bgr[..., ::-1])
    elif body_model is not None and renderer is not None:
        # real UP-3D: the body pickle's camera has its principal point at the image centre
        renderer.resize(image.shape[1], image.shape[0])
        renderer.set_crop_camera(focal, center=(image.shape[1] / 2, image.shape[0] / 2))
        labels = renderer.render_labels(body_model.mesh(rec.params).vertices)
    jp = Path(stem + "_joints.npy")
    lsp = np.load(jp).T.astype(np.float32) if jp.exists() else np.zeros((14, 3), np.float32)
    return Case(case_id, image, labels, rec.params, lsp, float(focal))
