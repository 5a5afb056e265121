"""A parameter file shown as a result: the body of a .npz / .json / _body.pkl (inference/export.py) as a
Prediction, on the photo it was made from when that can be found, so that the app shows, edits and exports
it like a fitted body. No network runs: the part map is empty and `Prediction.params_file` names the file.

The photo of NAME.npz, NAME.json or NAME_body.pkl (`photo_candidates`, in order): the image that the
summary.csv beside it names for the output NAME (`main.py predict` and the app's "Run all" write one,
inference/predict_outputs.py), then an image beside it named after the output: NAME.png / .jpg / ... (the
photo's stem, as `predict` names its outputs), the image of a person's NAME_pN (`--all-people`) or of a
suffixed name x_png (x.jpg and x.png in one run), and UP-3D's NAME_image.png beside NAME_body.pkl.

The crop camera the app works in is recovered from the file's photo camera (`crop_from_photo`, the inverse
of inference.photo_camera.photo_camera), so the body projects onto the photo as it did when it was fitted
and an export writes the same photo camera again. A file without a photo camera shows its body on a blank
square canvas (`canvas_for`); a UP-3D `_body.pkl` (f, t about the photo's centre) can also be shown on its
photo (`centred_crop`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .camera import CROP_SIZE, FOCAL
from .image_io import IMAGE_SUFFIXES
from .photo_camera import PhotoCamera
from .types import BodyMesh, Camera, Crop, PartMap, Prediction, Timings

CANVAS_GREY = 64  # the blank photo of a file whose photo was not found (the body is drawn over it)
MAX_CANVAS = 2048  # the largest square canvas a body without a recorded image size is framed in
_PERSON = re.compile(r"(.+)_p\d+$")  # NAME_pN: person N of the image NAME (predict --all-people)


def output_name(path: str | Path) -> str:
    """The output name of a parameter file: NAME of NAME.npz, NAME.json and NAME_body.pkl."""
    p = Path(path)
    stem = p.stem
    if p.suffix.lower() == ".pkl" and stem.lower().endswith("_body"):
        stem = stem[: -len("_body")]
    return stem


def _summary_photo(folder: Path, name: str) -> list[Path]:
    """The image summary.csv in `folder` names for the output `name` (the row that wrote its files, where one
    did: a photo refused the name while another's fit is there has a row too), as written or relative to the
    folder."""
    from .predict_outputs import SUMMARY, read_summary

    rows = [r for r in read_summary(folder / SUMMARY) if r.output == name and r.image]
    rows = [r for r in rows if r.status == "done"] or rows
    if not rows:
        return []
    image = Path(rows[-1].image)
    return [image] if image.is_absolute() else [folder / image, image, folder / image.name]


def photo_candidates(path: str | Path) -> list[Path]:
    """Where the photo of a parameter file may be, most likely first (see the module docstring)."""
    p = Path(path)
    name = output_name(p)
    stems = [name]
    m = _PERSON.fullmatch(name)
    if m:
        stems.append(m[1])
    base, _, ext = name.rpartition("_")
    suffixed = f".{ext.lower()}" if base and f".{ext.lower()}" in IMAGE_SUFFIXES else ""
    beside = [p.parent / (s + x) for s in stems for x in (*IMAGE_SUFFIXES, *(x.upper() for x in IMAGE_SUFFIXES))]
    if suffixed:
        beside += [p.parent / (base + suffixed), p.parent / (base + suffixed.upper())]
    beside += [p.parent / f"{name}_image{x}" for x in (".png", ".jpg")]  # UP-3D: 00001_body.pkl, 00001_image.png
    return _summary_photo(p.parent, name) + beside


def find_photo(path: str | Path) -> Path | None:
    """The first of `photo_candidates` that is a file (None: no photo found)."""
    for c in photo_candidates(path):
        try:
            if c.is_file():
                return c
        except OSError:
            continue
    return None


def crop_from_photo(photo: PhotoCamera, crop_size: int, root_depth: float) -> tuple[Crop, Camera]:
    """The crop and crop camera a photo camera was made from (inference.photo_camera.photo_camera inverted).

    With the recorded crop box: the box is the crop. Without (files written before it was): the crop's scale
    is crop focal / photo focal, and its centre is the photo's centre moved by the shift the photo camera gave
    the body, transl_photo - transl = (dx d0 / F, -dy d0 / F, 0) with d0 = `root_depth` (m, the posed pelvis'
    depth in the crop camera, > 0).
    """
    size = int(photo.crop_size or crop_size)
    camera = Camera(float(photo.crop_focal), size)
    if photo.crop_box is not None:
        x0, y0, x1, _ = (float(v) for v in photo.crop_box)
        return Crop(np.array([x0, y0], np.float32), size / (x1 - x0), size), camera
    scale = float(photo.crop_focal) / float(photo.focal)  # crop px per photo px
    shift = np.asarray(photo.transl, np.float64) - np.asarray(photo.crop_transl, np.float64)
    delta = np.array([shift[0], -shift[1]]) * float(photo.focal) / float(root_depth)
    centre = photo.principal_point + delta
    return Crop((centre - size / 2.0 / scale).astype(np.float32), scale, size), camera


def centred_crop(focal: float, width: int, height: int) -> tuple[Crop, Camera]:
    """A crop camera that is the photo camera itself (focal px, principal point at the photo's centre): a
    square crop of the photo's long side, one crop pixel per photo pixel (UP-3D's `_body.pkl` camera)."""
    size = int(max(width, height))
    offset = np.array([width / 2.0 - size / 2.0, height / 2.0 - size / 2.0], np.float32)
    return Crop(offset, 1.0, size), Camera(float(focal), size)


def canvas_for(mesh: BodyMesh, focal: float, size: int | None) -> int:
    """The side (px) of the square canvas that shows a body with no photo: the recorded crop size, else the
    square about the principal point that holds the body's projection with a margin (64..MAX_CANVAS)."""
    if size:
        return int(size)
    v = np.asarray(mesh.vertices, np.float64)
    half = float(np.max(np.abs(focal * v[:, :2] / np.maximum(-v[:, 2:3], 1e-6))))
    return int(np.clip(np.ceil(2.2 * half), 64, MAX_CANVAS))


def blank_photo(height: int, width: int) -> np.ndarray:
    """(height, width, 3) uint8 grey, read-only and without memory of its own (a broadcast view): the photo's
    stand-in when it was not found (only its shape is read)."""
    return np.broadcast_to(np.uint8(CANVAS_GREY), (int(height), int(width), 3))


@dataclass(frozen=True)
class PhotoPlacement:
    """How a parameter file's body sits on an image: the crop and crop camera, the image (H, W, 3) uint8 (the
    photo, or a blank stand-in), and whether it is the photo."""

    crop: Crop
    camera: Camera
    image: np.ndarray
    on_photo: bool


def place(record, mesh: BodyMesh, photo: np.ndarray | None, pkl_camera: bool = False) -> PhotoPlacement:
    """Put the body of `record` (inference.export.ParamsRecord, posed as `mesh`) on `photo` ((H, W, 3) uint8 or
    None), or on a blank stand-in of the recorded photo's size, or (no photo camera) on a blank square canvas.
    pkl_camera: the record's camera is a UP-3D photo camera (f, t about the photo's centre), usable with a photo
    of any size. The photo must have the recorded size (the caller checks: `photo_size_note`)."""
    rec_photo = record.photo
    if rec_photo is not None:
        crop, camera = crop_from_photo(rec_photo, record.size or CROP_SIZE, -float(mesh.joints[0, 2]))
        image = photo if photo is not None else blank_photo(rec_photo.height, rec_photo.width)
        return PhotoPlacement(crop, camera, image, photo is not None)
    focal = float(record.focal or FOCAL)
    if photo is not None and pkl_camera:
        crop, camera = centred_crop(focal, photo.shape[1], photo.shape[0])
        return PhotoPlacement(crop, camera, photo, True)
    side = canvas_for(mesh, focal, record.size)
    return PhotoPlacement(Crop(np.zeros(2, np.float32), 1.0, side), Camera(focal, side), blank_photo(side, side), False)


def photo_size_note(record, photo_path: Path, shape: tuple[int, ...], pkl_camera: bool = False) -> str:
    """Why the photo found cannot carry the body ('' when it can): a photo of another size than the recorded
    one, or a file that records no photo camera."""
    if record.photo is None:
        return "" if pkl_camera else f"{photo_path.name} is beside it, but the file records no photo camera"
    w, h = int(shape[1]), int(shape[0])
    if (w, h) != (int(record.photo.width), int(record.photo.height)):
        return (f"{photo_path.name} is {w} x {h}, the parameters were made for a {record.photo.width} x "
                f"{record.photo.height} photo")
    return ""


def as_prediction(record, mesh: BodyMesh, placement: PhotoPlacement, source: str, params_file: str) -> Prediction:
    """The Prediction of a parameter file's body: params and mesh in the crop camera of `placement`, an empty
    part map on the crop, no people, no timings; `params_file` marks it as read, not predicted."""
    from .geometry import project_points

    s = int(placement.camera.size)
    return Prediction(image=placement.image, crop=placement.crop, crop_image=np.zeros((s, s, 3), np.uint8),
                      parts=PartMap(np.zeros((s, s), np.uint8)), params=record.params, mesh=mesh,
                      camera=placement.camera, timings=Timings(),
                      joints2d=np.asarray(project_points(mesh.joints, placement.camera.focal, placement.camera.size),
                                          np.float32),
                      source=source, people=(), person=-1, searched=False, params_file=str(params_file))
