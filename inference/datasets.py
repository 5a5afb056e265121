"""Labelled sets in UP-3D's layout, the one reader and writer: the synthetic generator writes them
(`write_sample`, `write_splits`), training, evaluation and the app's dataset panel open them
(`list_cases`, `read_case`): ours, or a real UP-3D download, whose part maps are rendered from the
body pickles.

Per case NNNNN (5 digits):
    NNNNN_image.png        RGB crop (NNNNN_image.jpg is read too)
    NNNNN_body.pkl         pose (72), betas (10), trans, f, rt, t   (UP-3D convention, see inference/export.py)
    NNNNN_joints.npy       (3, 14) LSP joints: x, y, visibility (crop pixels)
    NNNNN_parts.png        12-part label map in NBF colours (ours; rendered for real UP-3D)
    NNNNN_silhouette.png   person mask (0/255), visible pixels
    NNNNN_joints3d.npy     (24, 3) SMPL joints in the OpenGL camera frame (ours)
train.txt / val.txt / test.txt list the case images (e.g. `/00012_image.png`), one per line (blank
lines and `#` comments are skipped; any of the case's file names, or the bare id, names it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.array_files import read_npy
from inference.file_writes import atomic_write
from inference.parts import colorize, decode_colors
from inference.types import BodyParams

SPLITS = ("test", "val", "train")
CASE_IMAGE_SUFFIXES = (".png", ".jpg")  # NAME_image.png|jpg of a case (any image a user opens: image_io)
_CASE_SUFFIXES = ("_image.png", "_image.jpg", "_body.pkl", "_parts.png", "_silhouette.png", "_joints.npy",
                  "_joints3d.npy", ".png", ".jpg")


@dataclass(frozen=True)
class Case:
    """One labelled case: image (H, W, 3) uint8 RGB, labels (H, W) uint8 0..12 (None when unknown),
    params in the crop camera (None without a body pickle), lsp (14, 3) x, y, visibility in crop pixels (None
    without a joints file: never zeros, which a fit would take for joints at the crop's corner), focal (px), id."""

    id: str
    image: np.ndarray
    labels: np.ndarray | None
    params: BodyParams | None
    lsp: np.ndarray | None
    focal: float
    problems: tuple[str, ...] = ()  # labels read as missing because they could not be read (`read_case` lenient)


def case_stem(folder: Path, index: int) -> Path:
    return Path(folder) / f"{index:05d}"


def write_png(path: Path, rgb: np.ndarray) -> None:
    """An RGB (H, W, 3), RGBA (H, W, 4) or grey (H, W) uint8 image as a PNG at `path` (`export.png_bytes`), whole
    or not at all."""
    from inference.export import png_bytes

    atomic_write(path, png_bytes(rgb), overwrite=True)  # whole or not at all, no temporary file left behind


def write_sample(folder: Path, index: int, sample) -> None:
    """Write one generator Sample (training/synth/generator.py) as a UP-3D case; the image goes last,
    so a case whose image exists is complete (resume skips it)."""
    from inference.export import save_params

    stem = case_stem(folder, index)
    save_params(str(stem) + "_body.pkl", sample.scene.params, sample.scene.focal, sample.scene.size, overwrite=True)
    np.save(str(stem) + "_joints.npy", sample.lsp2d.T.astype(np.float64))
    np.save(str(stem) + "_joints3d.npy", sample.joints3d.astype(np.float32))
    write_png(Path(str(stem) + "_parts.png"), colorize(sample.labels))
    write_png(Path(str(stem) + "_silhouette.png"), ((sample.labels > 0) * 255).astype(np.uint8))
    write_png(Path(str(stem) + "_image.png"), sample.image)


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


def entry_case_id(entry: str) -> str:
    """The case id of a split-list entry or file name ('/00012_image.png', '00012_body.pkl', '00012')."""
    name = Path(entry.strip().replace("\\", "/")).name
    for suffix in _CASE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def image_path(folder: Path, case_id: str) -> Path:
    """The case's image file (NNNNN_image.png, else .jpg; the .png name when neither exists)."""
    for ext in CASE_IMAGE_SUFFIXES:
        p = Path(folder) / f"{case_id}_image{ext}"
        if p.exists():
            return p
    return Path(folder) / f"{case_id}_image.png"


def is_dataset_folder(folder: str | Path) -> bool:
    """A folder in UP-3D layout: NNNNN_image.* files and body pickles, part maps or split lists."""
    p = Path(folder)
    if not p.is_dir():
        return False
    has_images = any(any(p.glob(f"*_image{ext}")) for ext in CASE_IMAGE_SUFFIXES)
    return has_images and (any(p.glob("*_body.pkl")) or any(p.glob("*_parts.png"))
                           or any((p / f"{s}.txt").is_file() for s in SPLITS))


def default_split(folder: Path) -> str | None:
    """The first split whose list exists (test, val, train), else None (all cases)."""
    return next((s for s in SPLITS if (Path(folder) / f"{s}.txt").is_file()), None)


def list_cases(folder: Path, split: str | None = "test") -> list[str]:
    """Case ids (e.g. '00012') of a split, in list order without repeats (all NNNNN_image.* files when
    the list is missing or split is None). An entry may name no case at all (`case_id_problem`)."""
    folder = Path(folder)
    lst = folder / f"{split}.txt" if split else None
    if lst is not None and lst.exists():
        lines = lst.read_text(errors="replace").splitlines()
        ids = [entry_case_id(x) for x in lines if x.strip() and not x.lstrip().startswith("#")]
    else:
        ids = sorted({entry_case_id(p.name) for ext in CASE_IMAGE_SUFFIXES for p in folder.glob(f"*_image{ext}")})
    return list(dict.fromkeys(ids))


def case_id_problem(folder: Path, case_id: str) -> str:
    """Why the entry `case_id` of a split list (`list_cases`) cannot name a case's files in `folder`, '' when it
    can: a NUL byte, characters that are no text (a binary file read as a list), or a name longer than the file
    system takes once a case file's suffix is added (NAME_MAX bytes of the folder, 255 when it cannot say). Such a
    name made every look for the case's files raise (ValueError, OSError) instead of finding them missing."""
    if "\0" in case_id:
        return "holds a NUL byte"
    if not case_id.isprintable() or "\ufffd" in case_id:  # (U+FFFD: bytes that did not decode)
        return "is not text"
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    longest = case_id + "_silhouette.png"  # the longest name a case's files have
    if len(os.fsencode(longest)) > limit:
        return f"is {len(os.fsencode(case_id))} bytes long, too long for its files' names on this file system"
    return ""


def read_part_labels(path: Path) -> np.ndarray:
    """A part-colour PNG (NBF colours) -> labels (H, W) uint8 (exact palette match, others 0)."""
    from inference.errors import ImageLoadError

    bgr = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageLoadError(f"{Path(path).name}: cannot read the part map")
    return decode_colors(np.ascontiguousarray(bgr[..., ::-1]))


def case_stamp(folder: Path, case_id: str) -> tuple:
    """(mtime_ns, size) of each of a case's files read by `read_case` (image, body pickle, part map, joints; None
    where absent): whether a case changed since it was read."""
    stem = str(Path(folder) / case_id)
    out = []
    for path in (image_path(folder, case_id), *(Path(stem + s) for s in ("_body.pkl", "_parts.png", "_joints.npy"))):
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def parts_to_render(folder: Path, case_id: str) -> bool:
    """A case whose part labels must be rendered from its body pickle (a real UP-3D case: a body pickle and no
    NNNNN_parts.png); `read_case` does so when given a renderer."""
    stem = str(Path(folder) / case_id)
    return Path(stem + "_body.pkl").exists() and not Path(stem + "_parts.png").exists()


def read_case(folder: Path, case_id: str, body_model=None, renderer=None, lenient: bool = False) -> Case:
    """Load a case. Part labels come from NNNNN_parts.png when present, else (a real UP-3D case) they
    are rendered from the body pickle with our part grouping (needs body_model and a MeshRenderer of its
    topology); params are None without a body pickle. Raises ImageLoadError / ParamsFileError (one
    line naming the file) for an unreadable image, part map or body pickle; with `lenient` (the app's
    Dataset tab: the image can still be predicted and shown) an unreadable part map, body pickle or joints
    file is read as missing and its message kept in `Case.problems`. A missing (or, lenient, unreadable) joints
    file gives lsp None."""
    from inference.errors import USER_ERRORS
    from inference.export import load_params_file
    from inference.image_io import load_image

    stem = str(Path(folder) / case_id)
    image = load_image(image_path(folder, case_id))
    problems: list[str] = []

    def label(read, path: Path):
        if not path.exists():
            return None
        if not lenient:
            return read(path)
        try:
            return read(path)
        except (*USER_ERRORS, OSError) as exc:  # (not any error: a bug in a reader keeps its traceback)
            problems.append(" ".join(str(exc).split()) or f"{path.name}: cannot be read")
            return None

    rec = label(lambda p: load_params_file(p, body_model), Path(stem + "_body.pkl"))
    params = rec.params if rec is not None else None
    focal = (rec.focal if rec is not None else None) or 5000.0
    labels = label(read_part_labels, Path(stem + "_parts.png"))
    if labels is not None:
        if labels.shape != image.shape[:2]:  # a part map saved at another size: onto the image's pixels
            labels = cv2.resize(labels, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    elif params is not None and body_model is not None and renderer is not None:
        from inference.render.cameras import PinholeCamera

        # real UP-3D: the body pickle's camera has its principal point at the image centre
        camera = PinholeCamera(focal, image.shape[1], image.shape[0])
        labels = renderer.labels(body_model.mesh(params).vertices, camera)
    lsp = label(_read_joints, Path(stem + "_joints.npy"))
    return Case(case_id, image, labels, params, lsp, float(focal), tuple(problems))


def _read_joints(path: Path) -> np.ndarray:
    """NNNNN_joints.npy (3, 14) of finite real numbers -> (14, 3) float32 (never unpickles: numpy's default);
    ParamsFileError, one line naming the file, otherwise."""
    from inference.errors import ParamsFileError
    from inference.read_problems import read_problem

    try:
        joints = read_npy(path)
    except (OSError, ValueError, EOFError) as exc:
        raise ParamsFileError(f"{path.name}: cannot read the joints ({read_problem(path, exc)})") from None
    if joints.shape != (3, 14):
        raise ParamsFileError(f"{path.name}: joints of shape {joints.shape}, expected (3, 14)")
    if joints.dtype.kind not in "iuf":
        raise ParamsFileError(f"{path.name}: joints of type {joints.dtype}, expected real numbers")
    if not np.isfinite(joints).all():  # (a NaN with confidence 0 still spoils the fits that read it: 0 * NaN)
        raise ParamsFileError(f"{path.name}: the joints hold NaN or inf")
    return joints.T.astype(np.float32)
