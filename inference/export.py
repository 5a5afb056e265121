"""Export a posed body: meshes (OBJ, PLY, GLB) and parameters (.npz, .json, UP-3D `_body.pkl`).

Meshes are written with vertices in the order of the body model (trimesh with process=False;
OBJ by a small writer here, see `obj_bytes`), so a file reloads vertex for vertex. `export` writes them
in a frame of reference (`inference.rig.FRAMES`): body-centred (the posed pelvis at the origin, axes of
the OpenGL camera frame: y up, metres; the default, for 3D tools) or the OpenGL camera frame (looking
down -z, y up); the file says which (OBJ and PLY in a comment, GLB in asset.extras). `export_mesh` writes
the vertices it is given (frame=None: no statement, except OBJ's default header).

Animation exports (by `export` too): a skinned GLB (`skinned=True`; inference/export_gltf.py: the SMPL
skeleton, skin weights and the fitted pose as joint rotations) and BVH (.bvh; inference/export_bvh.py).

Parameter files hold pose (72,), betas (10,), transl (3,) in the OpenGL crop camera frame, the focal
length (pixels), the crop size (pixels) and the body model's name. `load_params` reads them back
(and UP-3D / NBF `_body.pkl` files) so that `BodyModel.mesh` gives identical vertices.

With a photo camera (`inference.photo_camera.PhotoCamera`, written by `main.py predict` and the app's
parameter export) they also describe the input photo:
    .npz / .json: photo_focal (pixels), photo_principal_point (cx, cy) = (W/2, H/2), photo_width,
        photo_height, photo_transl (3,) (OpenGL, the body's translation in the photo camera: the
        body SMPL(pose, betas) + photo_transl projects to u = cx + f x/(-z), v = cy - f y/(-z)),
        joints2d (24, 2) the SMPL joints and lsp2d (14, 2) the LSP joints (`joints.LSP_NAMES`)
        in photo pixels (x right, y down, origin at the top-left corner of the top-left pixel);
        photo_crop_box (4,) x0, y0, x1, y1: the square the networks read, in photo pixels (it may reach
        beyond the photo; NAME_parts_crop.png is this square).
    _body.pkl: f, rt, t are the photo camera (so the mesh projects onto the person in the photo about
        the photo's centre); the crop camera is kept as crop_f, crop_t, crop_size; image_size (W, H),
        joints2d, lsp2d as above, crop_box as photo_crop_box. The reader takes the crop camera when the file
        has one.

UP-3D `_body.pkl` convention (OpenCV camera: looking down +z, y down):
    p_cv = R(rt) @ (SMPL(pose, betas) + trans) + t,   pixels = f * p_cv[:2] / p_cv[2] + image centre.
Our OpenGL camera frame is p_gl = D @ p_cv with D = diag(1, -1, -1), and we pose the body as
p_gl = SMPL(pose, betas) + transl. We write trans = 0, rt = [pi, 0, 0] (Rodrigues of D) and
t = D @ transl = (tx, -ty, -tz), so p_cv = D @ (p + transl) (transl: the photo camera's when there is
one, crop_t = D @ the crop camera's). Any other rt is folded into the global orientation when reading
(that needs the rest pelvis of the body model).

Every write goes to a temporary file in the destination folder and is moved into place with
os.replace, so a failed export leaves nothing behind; an existing file is only replaced with
overwrite=True (FileExistsError otherwise).
"""
from __future__ import annotations

import io
import json
import math
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import array_files, safe_pickle
from .camera import CROP_SIZE, FOCAL, GL_FROM_CV
from .errors import ExportFormatError, ParamsFileError
from .file_writes import atomic_write
from .json_files import parse_json, read_json
from .photo_camera import PhotoCamera
from .read_problems import read_problem
from .types import NUM_BETAS, BodyParams

MESH_SUFFIXES = (".obj", ".ply", ".glb")
PARAM_SUFFIXES = (".npz", ".json", ".pkl")
ANIMATION_SUFFIXES = (".bvh",)
SUFFIXES = MESH_SUFFIXES + PARAM_SUFFIXES + ANIMATION_SUFFIXES
JSON_FORMAT = "nbf-studio body params"


@dataclass(frozen=True)
class ParamsRecord:
    """What a parameter file holds.

    params: the body (transl (3,) in the OpenGL camera frame; zeros when the file has none);
    transl_given: whether the file had a translation; focal (pixels) and size (crop pixels) of
    the camera when the file records them (a `_body.pkl` records f only, or crop_f and crop_size);
    body_model: the name of the body model the parameters were made with ("" when unknown); photo: the
    photo camera with the photo-pixel joints when the file records one (its crop_transl is params.transl;
    joints2d / lsp2d None when absent), else None; notes: one line each on what the body model could not take.
    """

    params: BodyParams
    transl_given: bool
    focal: float | None
    size: int | None
    body_model: str
    photo: PhotoCamera | None = None
    notes: tuple[str, ...] = ()  # what reading the file left out, for the user (e.g. betas past the tenth)


# --------------------------------------------------------------------------- part maps
def png_bytes(rgb: np.ndarray) -> bytes:
    """An RGB image (H, W, 3) uint8 (RGBA (H, W, 4), grey (H, W)) as PNG bytes."""
    import cv2

    rgb = np.ascontiguousarray(rgb, np.uint8)
    swap = {3: cv2.COLOR_RGB2BGR, 4: cv2.COLOR_RGBA2BGRA}.get(rgb.shape[2]) if rgb.ndim == 3 else None
    ok, buf = cv2.imencode(".png", rgb if swap is None else cv2.cvtColor(rgb, swap))
    if not ok:
        raise ValueError(f"cannot encode an image of shape {np.shape(rgb)} as PNG")
    return buf.tobytes()


def export_parts(path: str | Path, parts, crop, photo: np.ndarray, overwrite: bool = False) -> Path:
    """Write the part map in the photo's own frame: a PNG of the photo's width and height (photo (H, W, 3) uint8
    RGB), aligned with it, in the parts palette (inference/parts.py PALETTE, background black).

    parts: a PartMap on the crop `crop`; its probabilities are warped into the photo, follow its edges and the
    argmax is taken there (`inference.crop.uncrop_parts`), as `predict` writes NAME_parts.png; pixels outside
    the crop are background.
    """
    from .crop import uncrop_parts
    from .parts import colorize

    labels = uncrop_parts(parts, crop, np.shape(photo), photo=photo)
    return atomic_write(path, png_bytes(colorize(labels)), overwrite)


# --------------------------------------------------------------------------- meshes
def _check_mesh(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(vertices, np.float32)
    f = np.asarray(faces, np.int64)
    if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3:
        raise ValueError(f"expected vertices (V, 3) and faces (F, 3), got {v.shape} and {f.shape}")
    if not np.isfinite(v).all():
        raise ValueError("vertices contain NaN or inf")
    if f.size and (f.min() < 0 or f.max() >= len(v)):
        raise ValueError(f"faces index outside 0..{len(v) - 1}")
    return v, f


def _trimesh(v: np.ndarray, f: np.ndarray, colors: np.ndarray | None):
    import trimesh

    kw = {}
    if colors is not None:
        c = np.asarray(colors)
        if c.dtype.kind == "f":
            c = np.clip(np.round(c * 255), 0, 255)
        c = c.astype(np.uint8)
        kw["vertex_colors"] = np.broadcast_to(c, (len(v), c.shape[-1])).copy()
    return trimesh.Trimesh(vertices=v, faces=f, process=False, **kw)


def obj_bytes(header: str, objects: Sequence[tuple[str | None, np.ndarray]], faces: np.ndarray) -> bytes:
    """Wavefront OBJ, positions and triangles only: the comment line `header`, then per (name, vertices (V, 3)) of
    `objects` an `o name` line (none for None), its vertices and the triangles `faces` (F, 3) (0-based, the same
    for every object) numbered on after the objects before it. The body's and the photo's scene's OBJ writer.

    Written here rather than by trimesh's OBJ exporter, which prints a fixed number of decimals
    and so loses float32 values (tiny or small coordinates); `%.9g` round-trips any float32.
    """
    lines = [f"# {header}"]
    base = 1
    for name, v in objects:
        if name is not None:
            lines.append(f"o {name}")
        lines += [f"v {x:.9g} {y:.9g} {z:.9g}" for x, y, z in np.asarray(v).tolist()]
        lines += [f"f {a} {b} {c}" for a, b, c in (np.asarray(faces) + base).tolist()]
        base += len(v)
    return ("\n".join(lines) + "\n").encode("ascii")


def _obj_bytes(v: np.ndarray, f: np.ndarray, colors: np.ndarray | None) -> bytes:
    """One body as OBJ (`obj_bytes`; colours are not written)."""
    return obj_bytes("NBF Studio body mesh: OpenGL camera frame, metres", [(None, v)], f)


def _ply_bytes(v: np.ndarray, f: np.ndarray, colors: np.ndarray | None) -> bytes:
    return _trimesh(v, f, colors).export(file_type="ply")


def _glb_bytes(v: np.ndarray, f: np.ndarray, colors: np.ndarray | None) -> bytes:
    return _trimesh(v, f, colors).export(file_type="glb")


# suffix -> (vertices (V, 3) float32, faces (F, 3) int64, colours or None) -> file bytes
MESH_EXPORTERS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray | None], bytes]] = {
    ".obj": _obj_bytes,
    ".ply": _ply_bytes,
    ".glb": _glb_bytes,
}


STATEMENT = b"NBF Studio body mesh, frame: "  # an OBJ's first line and a PLY comment begin so, then the frame


def _state_frame(suffix: str, data: bytes, frame: str) -> bytes:
    """The file bytes with a statement of the frame of reference: OBJ's header line, a PLY comment, or
    GLB asset.extras {"frame", "frame_description"}."""
    from .rig import FRAME_TEXT, check_frame

    text = STATEMENT + f"{check_frame(frame)} ({FRAME_TEXT[frame]})".encode("ascii")
    if suffix == ".obj":
        return b"# " + text + data[data.index(b"\n"):]
    if suffix == ".ply":
        end = data.index(b"\n", data.index(b"format ")) + 1
        return data[:end] + b"comment " + text + b"\n" + data[end:]
    if suffix == ".glb":
        from .export_gltf import with_asset_extras

        return with_asset_extras(data, {"frame": frame, "frame_description": FRAME_TEXT[frame]})
    return data


STATED_HEAD = 4096  # an OBJ's first line and a PLY's header lie within this many bytes (`_state_frame`)


def stated_frame(path: str | Path) -> str | None:
    """The frame of reference ("body" | "camera") an NBF mesh file states (`_state_frame`: OBJ, PLY, a GLB's
    asset.extras, the rigged GLB's too); None for a file that states none (a BVH, another tool's mesh), one that
    does not read, or is not there. Reads the file's head only (a GLB's JSON chunk)."""
    from .rig import FRAMES

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as fh:
            head = fh.read(STATED_HEAD if suffix != ".glb" else 20)
            if suffix == ".glb":
                from .export_gltf import glb_json_length

                _, n = glb_json_length(head)
                if n > 64 * 1024 * 1024:  # (an NBF file's JSON is a few kB; a damaged length is not read)
                    return None
                extras = (parse_json(fh.read(n)).get("asset") or {}).get("extras") or {}
                frame = extras.get("frame") if isinstance(extras, dict) else None
                return frame if frame in FRAMES else None
    except (OSError, ValueError, AttributeError):  # (AttributeError: a JSON chunk that is not an object)
        return None
    prefix = {".obj": b"# ", ".ply": b"comment "}.get(suffix)
    if prefix is None:
        return None
    lines = head.split(b"\n")[:1] if suffix == ".obj" else head.split(b"end_header")[0].split(b"\n")
    stated = [ln[len(prefix + STATEMENT):] for ln in lines if ln.startswith(prefix + STATEMENT)]
    frame = stated[0].split(b" ", 1)[0].decode("ascii", "replace") if stated else None
    return frame if frame in FRAMES else None


def export_mesh(path: str | Path, vertices: np.ndarray, faces: np.ndarray,
                vertex_colors: np.ndarray | None = None, overwrite: bool = False, frame: str | None = None) -> Path:
    """Write a mesh as OBJ, PLY or GLB (by the suffix of `path`), vertex order kept.

    vertices (V, 3) metres; faces (F, 3) indices; vertex_colors (V, 3|4) or (3|4,) uint8 or floats
    in [0, 1] (PLY and GLB only); frame: the frame of reference the vertices are in ("body" | "camera"),
    stated in the file (None: not stated). Returns the path.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MESH_EXPORTERS:
        raise ExportFormatError(f"cannot export a mesh as {suffix or 'a file without suffix'!r} "
                         f"({path}); use one of {', '.join(MESH_EXPORTERS)}")
    v, f = _check_mesh(vertices, faces)
    data = MESH_EXPORTERS[suffix](v, f, vertex_colors)
    return atomic_write(path, data if frame is None else _state_frame(suffix, data, frame), overwrite)


# --------------------------------------------------------------------------- parameters
def _rodrigues(rvec: np.ndarray) -> np.ndarray:
    from .geometry import axis_angle_to_matrix

    return np.asarray(axis_angle_to_matrix(np.asarray(rvec, np.float64).reshape(3)), np.float64)


@dataclass(frozen=True)
class PklCamera:
    """A _body.pkl's camera as UP-3D writes it (OpenCV frame, the body posed with trans = 0): rt (3,) float64, the
    Rodrigues rotation; t (3,) float64, the translation."""

    rt: np.ndarray
    t: np.ndarray


def body_pkl_camera(transl: np.ndarray) -> PklCamera:
    """UP-3D camera for a body at OpenGL `transl` (3,) posed with trans = 0.

    rt = [pi, 0, 0] (Rodrigues of diag(1, -1, -1)), t = diag(1, -1, -1) @ transl = (tx, -ty, -tz).
    """
    t = GL_FROM_CV @ np.asarray(transl, np.float64).reshape(3)
    return PklCamera(np.array([math.pi, 0.0, 0.0]), t)


def _photo_fields(photo: PhotoCamera | None) -> dict:
    """The photo camera as plain values (empty without one): the .npz / .json keys."""
    if photo is None:
        return {}
    out = {"photo_focal": float(photo.focal), "photo_principal_point": [float(x) for x in photo.principal_point],
           "photo_width": int(photo.width), "photo_height": int(photo.height),
           "photo_transl": [float(x) for x in np.asarray(photo.transl, np.float64)]}
    if photo.joints2d is not None:
        out["joints2d"] = np.asarray(photo.joints2d, np.float64).round(6).tolist()
    if photo.lsp2d is not None:
        out["lsp2d"] = np.asarray(photo.lsp2d, np.float64).round(6).tolist()
    if photo.crop_box is not None:
        out["photo_crop_box"] = [float(x) for x in np.asarray(photo.crop_box, np.float64)]
    return out


def _npz_bytes(rec: ParamsRecord) -> bytes:
    p = rec.params
    buf = io.BytesIO()
    photo = {k: (np.int64(v) if isinstance(v, int) else np.asarray(v, np.float64))
             for k, v in _photo_fields(rec.photo).items()}
    np.savez(buf, pose=p.pose, betas=np.asarray(p.betas, np.float32), transl=np.asarray(p.transl, np.float32),
             focal=np.float64(rec.focal), crop_size=np.int64(rec.size), body_model=np.str_(rec.body_model), **photo)
    return buf.getvalue()


def _json_bytes(rec: ParamsRecord) -> bytes:
    p = rec.params
    doc = {
        "format": JSON_FORMAT, "version": 1,
        "camera": "OpenGL camera frame (looking down -z, y up); transl in metres; focal and crop_size in pixels",
        "pose": [float(x) for x in p.pose], "betas": [float(x) for x in np.asarray(p.betas, np.float32)],
        "transl": [float(x) for x in np.asarray(p.transl, np.float32)],
        "focal": float(rec.focal), "crop_size": int(rec.size), "body_model": rec.body_model,
    }
    if rec.photo is not None:
        doc["photo_camera"] = ("the input photo: photo_focal (pixels), principal point at the photo's centre; "
                               "the body posed with photo_transl (OpenGL, metres) projects to "
                               "u = cx + f x/(-z), v = cy - f y/(-z); joints2d (24 SMPL) and lsp2d (14 LSP) "
                               "in photo pixels")
        doc.update(_photo_fields(rec.photo))
    return (json.dumps(doc, indent=1) + "\n").encode("utf-8")


def _pkl_bytes(rec: ParamsRecord) -> bytes:
    p = rec.params
    photo = rec.photo
    camera = body_pkl_camera(p.transl if photo is None else photo.transl)
    doc = {
        "pose": p.pose.astype(np.float64), "betas": np.asarray(p.betas, np.float64),
        "trans": np.zeros(3), "f": float(rec.focal if photo is None else photo.focal), "rt": camera.rt,
        "t": camera.t,
    }
    if rec.body_model:  # a key beside UP-3D's (their readers ignore it): which model the betas shape
        doc["body_model"] = str(rec.body_model)
    if photo is not None:  # the photo camera above; the crop camera (same rt and trans) beside it
        doc.update(crop_f=float(rec.focal), crop_t=body_pkl_camera(p.transl).t, crop_size=int(rec.size),
                   image_size=np.array([photo.width, photo.height], np.int64))
        if photo.joints2d is not None:
            doc["joints2d"] = np.asarray(photo.joints2d, np.float64)
        if photo.lsp2d is not None:
            doc["lsp2d"] = np.asarray(photo.lsp2d, np.float64)
        if photo.crop_box is not None:
            doc["crop_box"] = np.asarray(photo.crop_box, np.float64)
    return pickle.dumps(doc, protocol=2)


PARAM_WRITERS: dict[str, Callable[[ParamsRecord], bytes]] = {
    ".npz": _npz_bytes,
    ".json": _json_bytes,
    ".pkl": _pkl_bytes,
}


def save_params(path: str | Path, params: BodyParams, focal: float = FOCAL, size: int = CROP_SIZE,
                body_model: str = "", overwrite: bool = False, photo: PhotoCamera | None = None) -> Path:
    """Write parameters as .npz, .json or UP-3D `_body.pkl` (by suffix). Returns the path.

    params: pose (72,) = global_orient + body_pose, betas (10,), transl (3,) in the OpenGL camera
    frame; focal in pixels for a `size` x `size` crop; body_model: a name to record;
    photo: the input photo's camera for this body (`inference.photo_camera.photo_camera`; its
    crop_transl must be params.transl), written as described in the module docstring.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PARAM_WRITERS:
        raise ExportFormatError(f"cannot save parameters as {suffix or 'a file without suffix'!r} ({path}); "
                         f"use .npz, .json or _body.pkl")
    if photo is not None and not np.allclose(photo.crop_transl, params.transl, atol=1e-6):
        raise ValueError("the photo camera was made for another body translation than the parameters'")
    rec = ParamsRecord(params, True, float(focal), int(size), str(body_model), photo)
    return atomic_write(path, PARAM_WRITERS[suffix](rec), overwrite)


def export(path: str | Path, params: BodyParams, body_model, focal: float = FOCAL, size: int = CROP_SIZE,
           vertex_colors: np.ndarray | None = None, overwrite: bool = False, frame: str = "body",
           skinned: bool = False, photo: PhotoCamera | None = None) -> Path:
    """Export a body by the suffix of `path`: a posed mesh (.obj/.ply/.glb, through
    `body_model.mesh(params)`; .glb with skinned=True: the rigged body, inference/export_gltf.py), its
    pose as BVH (.bvh) or its parameters (.npz/.json/_body.pkl, always in the camera frame).
    frame: "body" (posed pelvis at the origin) or "camera" (OpenGL camera frame) for meshes and BVH.
    photo: the input photo's camera for this body (parameter files only, through `save_params` as
    `main.py predict` writes it; e.g. the one a predicted parameter file recorded). vertex_colors: as
    `export_mesh`'s, (V, 3|4) or (3|4,), for meshes. Returns the path."""
    from .rig import check_frame, frame_offset

    suffix = Path(path).suffix.lower()
    check_frame(frame)
    if skinned and suffix != ".glb":
        raise ExportFormatError(f"a skinned export is a .glb file, not {Path(path).name!r}")
    if skinned:
        from .export_gltf import export_skinned_glb

        return export_skinned_glb(path, body_model, params, frame, vertex_colors, overwrite)
    if suffix == ".bvh":
        from .export_bvh import export_bvh

        return export_bvh(path, body_model, params, frame, overwrite)
    if suffix in MESH_EXPORTERS:
        mesh = body_model.mesh(params)
        v = np.asarray(mesh.vertices, np.float64) - frame_offset(mesh.joints, frame)
        return export_mesh(path, v.astype(np.float32) if frame == "body" else mesh.vertices, mesh.faces,
                           vertex_colors, overwrite, frame)
    if suffix in PARAM_WRITERS:
        return save_params(path, params, focal, size, body_model.name, overwrite, photo=photo)
    raise ExportFormatError(f"cannot export {Path(path).name!r}: use a file ending in {', '.join(SUFFIXES)} "
                     f"(parameters as _body.pkl)")


# --------------------------------------------------------------------------- reading parameters
# The largest magnitude a parameter may have (angles in radians, betas, metres, pixels): bodies are posed in float32,
# where 1e39 is inf. Far above what a person or camera needs: the photo camera of a person filling a 50,000 px
# panorama has a focal near 1e6 px (NBF's 5000 px lens on a 256 px crop, scaled to the crop's side in the photo)
VALUE_LIMIT = 1e9


def _array(value, what: str, path: Path, sizes: tuple[int, ...] | None) -> np.ndarray:
    """`value` as a flat float64 array with one of `sizes` values (any size when None)."""
    if isinstance(value, safe_pickle.ChumpyStandIn):
        try:
            value = value.to_array()
        except ValueError as exc:
            raise ParamsFileError(f"{path}: {what}: {exc}") from None
    try:
        kind = np.asarray(value).dtype.kind
    except (TypeError, ValueError, RecursionError):  # numpy's "inhomogeneous shape", "maximum number of dimension"
        raise ParamsFileError(f"{path}: {what} is not an array of numbers: its lists differ in length or are nested "
                              "too deeply") from None
    if kind == "c":  # (the cast to float64 would drop the imaginary part with only a warning)
        raise ParamsFileError(f"{path}: {what} holds complex numbers, not real ones")
    if kind not in "fiu":  # numpy would read "5000" and true as numbers, and a null as NaN
        raise ParamsFileError(f"{path}: {what} is not numeric (text, a true/false or an empty value in it)")
    a = np.asarray(value, np.float64).ravel()
    if sizes is not None and a.size not in sizes:
        raise ParamsFileError(f"{path}: {what} has {a.size} values, expected {' or '.join(map(str, sizes))}")
    if not np.isfinite(a).all():
        raise ParamsFileError(f"{path}: {what} contains NaN or inf")
    if (np.abs(a) > VALUE_LIMIT).any():
        raise ParamsFileError(f"{path}: {what} holds a value beyond +-{VALUE_LIMIT:g} "
                              f"({a[np.argmax(np.abs(a))]:g}), far outside any body or camera")
    return a


def _read_json(path: Path) -> dict:
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise ParamsFileError(f"{path}: expected a JSON object with pose, betas, transl")
    return doc


def _read_pkl(path: Path) -> dict:
    with open(path, "rb") as fh:
        doc = safe_pickle.load(fh)  # plain data only (inference.safe_pickle): no code runs
    if not isinstance(doc, dict):
        raise ParamsFileError(f"{path}: holds a {type(doc).__name__}, "
                              "expected a dict with pose, betas, trans, f, rt, t")
    return doc


PARAM_READERS: dict[str, Callable[[Path], dict]] = {".npz": array_files.read_npz, ".json": _read_json,
                                                     ".pkl": _read_pkl}


def _pose_from(doc: dict, path: Path) -> np.ndarray:
    if "pose" in doc:
        return _array(doc["pose"], "pose", path, (72,))
    if "global_orient" in doc and "body_pose" in doc:
        return np.concatenate([_array(doc["global_orient"], "global_orient", path, (3,)),
                               _array(doc["body_pose"], "body_pose", path, (69,))])
    raise ParamsFileError(f"{path}: no pose (expected 'pose' (72) or 'global_orient' (3) + 'body_pose' (69))")


# camera values that count pixels: whole numbers (a crop_size of 2.5 was read as 2)
WHOLE_VALUES = ("crop_size", "photo_width", "photo_height")


def _scalar(doc: dict, key: str, path: Path) -> float | None:
    """A camera value (a focal length, a crop or photo size): positive (and whole for WHOLE_VALUES), or the file
    is refused (a focal of 0 rendered a blank picture and was written back as it was)."""
    if key not in doc or doc[key] is None:
        return None
    a = _array(doc[key], key, path, (1, 2))  # some files store f as (fx, fy)
    if a[0] <= 0:
        raise ParamsFileError(f"{path}: {key} must be positive, not {a[0]:g}")
    if key in WHOLE_VALUES and a[0] != round(a[0]):
        raise ParamsFileError(f"{path}: {key} counts pixels: a whole number, not {a[0]:g}")
    return float(a[0])


# The keys that place the body and its camera, by layout (`_layout`): UP-3D's (OpenCV camera; predict's
# NAME_body.pkl adds its crop camera and photo size) and NBF's (.npz / .json: OpenGL camera, the photo camera beside)
UP3D_KEYS = ("trans", "t", "rt", "f", "crop_t", "crop_f", "image_size")
NBF_KEYS = ("transl", "focal", "photo_focal", "photo_transl", "photo_width", "photo_height")


def _layout(doc: dict, path: Path, suffix: str) -> str:
    """"up3d" or "nbf": the layout of the keys a parameter file holds, whichever file kind holds them (a UP-3D fit
    saved as .npz was read as NBF's, its t, rt, f ignored: upside down, without a word; a .pkl with NBF's transl
    and focal lost them alike); by the file kind when it holds neither. Keys of both: ParamsFileError naming them,
    as which of them places the body is not for the reader to guess."""
    up, nbf = [k for k in UP3D_KEYS if k in doc], [k for k in NBF_KEYS if k in doc]
    if up and nbf:
        raise ParamsFileError(f"{path}: holds the camera keys of two layouts, NBF's {', '.join(nbf)} and UP-3D's "
                              f"{', '.join(up)}: keep one set (NBF: transl, focal; UP-3D: trans, f, rt, t)")
    if up or nbf:
        return "up3d" if up else "nbf"
    return "up3d" if suffix == ".pkl" else "nbf"


def load_params_file(path: str | Path, body_model=None) -> ParamsRecord:
    """Read a parameter file (.npz, .json, or UP-3D/NBF `_body.pkl`) -> ParamsRecord.

    The keys are read by their layout, whichever file kind holds them (`_layout`): UP-3D's (trans, f, rt, t, as in
    a `_body.pkl`) or NBF's (transl, focal, as in .npz / .json); a file with keys of both is refused.
    Betas beyond 10 are dropped (said in `notes`), fewer are zero-padded, none (or null) is the mean shape
    (said in `notes`). For a file in UP-3D's layout whose camera rotation
    rt is not [pi, 0, 0] the rotation is folded into the global orientation, which needs the rest
    pelvis of `body_model` (the embedded model when None). A file with the photo camera (see the
    module docstring) gives the body in its crop camera (crop_t / transl, crop_f / focal) as params,
    and the photo camera as `photo`. Raises ParamsFileError (one line, naming the file) for anything
    unreadable.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():  # said as a folder, not as a file of an unknown kind (its suffix is '')
        raise ParamsFileError(f"{path} is a folder; give a parameter file (.npz, .json or _body.pkl)")
    if suffix not in PARAM_READERS:
        raise ParamsFileError(f"{path}: unknown parameter file kind {suffix!r}; use .npz, .json or _body.pkl")
    if not path.is_file():
        raise ParamsFileError(f"parameter file not found: {path}" if not path.exists()
                              else f"parameter path is not a file: {path}")
    try:
        doc = PARAM_READERS[suffix](path)
    except ParamsFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoding failure becomes one line naming the file
        raise ParamsFileError(f"cannot read parameters from {path}: {read_problem(path, exc)}") from None
    pose = _pose_from(doc, path)
    # a pose without a shape (another tool's pose file) is the mean shape, as --betas' default promises; said
    betas_all = _array(doc["betas"], "betas", path, None) if doc.get("betas") is not None else np.zeros(0)
    betas = np.zeros(NUM_BETAS)
    betas[: min(NUM_BETAS, betas_all.size)] = betas_all[:NUM_BETAS]
    extra = np.abs(betas_all[NUM_BETAS:])
    notes = ((f"{path.name} holds {betas_all.size} betas; the body model has {NUM_BETAS} shape components, so betas "
              f"{NUM_BETAS + 1}-{betas_all.size} (up to {extra.max():.3g}) are left out",)
             if extra.size and extra.max() > 1e-6 else ())
    if doc.get("betas") is None:
        notes = (f"{path.name} holds no betas: the body has the mean shape (betas 0)",)
    name = doc.get("body_model", "")
    try:  # (an .npz holds the name as a 0-d array of text)
        name = str(np.asarray(name)) if name is not None else ""
    except (TypeError, ValueError, RecursionError):  # (lists of unequal lengths, or nested too deeply)
        raise ParamsFileError(f"{path}: body_model is not the name of a body model") from None

    if _layout(doc, path, suffix) == "up3d":
        if "crop_t" in doc:  # ours with the photo camera: the body in the crop camera (same rt, trans)
            crop = dict(doc, t=doc["crop_t"])
            params, given = _from_body_pkl(crop, pose, betas, path, body_model)
            size = _scalar(doc, "crop_size", path)
            photo = _photo_from_pkl(doc, pose, betas, params, path, body_model)
            return ParamsRecord(params, given, _scalar(doc, "crop_f", path), None if size is None else int(size),
                                name, photo, notes=notes)
        params, given = _from_body_pkl(doc, pose, betas, path, body_model)
        return ParamsRecord(params, given, _scalar(doc, "f", path), None, name, notes=notes)
    transl = _array(doc["transl"], "transl", path, (3,)) if "transl" in doc else None
    size = _scalar(doc, "crop_size", path)
    params = BodyParams.from_pose(pose, betas, transl)
    focal = _scalar(doc, "focal", path)
    photo = None
    if "photo_focal" in doc and transl is not None:
        photo = _photo_from_nbf(doc, transl, focal, size, path)
    return ParamsRecord(params, transl is not None, focal, None if size is None else int(size), name, photo,
                        notes=notes)


def _photo_from_nbf(doc: dict, crop_transl: np.ndarray, crop_focal: float | None, crop_size: float | None,
                    path: Path) -> PhotoCamera:
    """The photo camera of an .npz / .json file that has a photo_focal key; crop_transl (3,) the body's translation
    in the crop camera. Every field the writers and the app's placement read must be there and not null:
    ParamsFileError naming the missing field otherwise. The principal point is the photo's centre, from its size,
    whatever the file says."""
    pf = _scalar(doc, "photo_focal", path)
    if pf is None:
        raise ParamsFileError(f"{path}: photo_focal is empty: the photo camera needs its focal length (pixels)")
    wh = (_scalar(doc, "photo_width", path), _scalar(doc, "photo_height", path))
    if None in wh:
        raise ParamsFileError(f"{path}: photo_focal without photo_width and photo_height")
    if doc.get("photo_transl") is None:  # said as missing, not as "not numeric"
        raise ParamsFileError(f"{path}: photo_focal without photo_transl (the body's place in the photo camera)")
    if crop_focal is None:  # (the crop camera the photo camera was made from: the app places the body with it)
        raise ParamsFileError(f"{path}: photo_focal without focal (the crop camera's focal length, pixels)")
    return PhotoCamera(pf, int(wh[0]), int(wh[1]), _array(doc["photo_transl"], "photo_transl", path, (3,)),
                       crop_transl.copy(), crop_focal, None if crop_size is None else int(crop_size),
                       _points(doc, "joints2d", path, 24), _points(doc, "lsp2d", path, 14),
                       _box(doc, "photo_crop_box", path))


def _box(doc: dict, key: str, path: Path) -> np.ndarray | None:
    """(4,) float64 x0, y0, x1, y1 under `key`, or None when absent (files written before stop 55)."""
    if key not in doc or doc[key] is None:
        return None
    return _array(doc[key], key, path, (4,))


def _points(doc: dict, key: str, path: Path, n: int) -> np.ndarray | None:
    """(n, 2) float64 points under `key`, or None when absent."""
    if key not in doc or doc[key] is None:
        return None
    return _array(doc[key], key, path, (2 * n,)).reshape(n, 2)


def _photo_from_pkl(doc: dict, pose: np.ndarray, betas: np.ndarray, crop_params: BodyParams, path: Path,
                    body_model) -> PhotoCamera | None:
    """The photo camera of one of our `_body.pkl` files (f, rt, t beside crop_f, crop_t), None without image_size.
    With image_size, f, t and crop_f must be there and not null (the writers read each): ParamsFileError naming
    them otherwise."""
    if "image_size" not in doc:
        return None
    f, crop_f = _scalar(doc, "f", path), _scalar(doc, "crop_f", path)
    if f is None or crop_f is None or doc.get("t") is None:  # (no t: the photo camera at the body's origin)
        missing = [k for k, v in (("f", f), ("t", doc.get("t")), ("crop_f", crop_f)) if v is None]
        raise ParamsFileError(f"{path}: image_size (the photo camera) without {' and '.join(missing)}")
    photo_params, _ = _from_body_pkl(doc, pose, betas, path, body_model)
    w, h = _array(doc["image_size"], "image_size", path, (2,))
    size = _scalar(doc, "crop_size", path)
    return PhotoCamera(f, int(w), int(h), np.asarray(photo_params.transl, np.float64),
                       np.asarray(crop_params.transl, np.float64), crop_f, None if size is None else int(size),
                       _points(doc, "joints2d", path, 24), _points(doc, "lsp2d", path, 14), _box(doc, "crop_box", path))


def _from_body_pkl(doc: dict, pose: np.ndarray, betas: np.ndarray, path: Path, body_model):
    """UP-3D camera -> OpenGL transl (and global orientation when rt is not [pi, 0, 0])."""
    trans = _array(doc["trans"], "trans", path, (3,)) if "trans" in doc else np.zeros(3)
    given = "t" in doc or "trans" in doc
    t = _array(doc["t"], "t", path, (3,)) if "t" in doc else np.zeros(3)
    rt = _array(doc["rt"], "rt", path, (3,)) if "rt" in doc else np.array([math.pi, 0.0, 0.0])
    M = GL_FROM_CV @ _rodrigues(rt)  # body-frame rotation seen in the OpenGL camera frame
    if np.allclose(M, np.eye(3), atol=1e-6):
        transl = trans + GL_FROM_CV @ t
        return BodyParams.from_pose(pose, betas, transl), given
    # p_gl = M (R_go (u - J0) + J0 + trans) + D t  ==  (M R_go)(u - J0) + J0 + transl'
    from .geometry import matrix_to_axis_angle

    if body_model is None:
        from .body_model import BodyModel

        body_model = BodyModel()
    J0 = np.asarray(body_model.rest_joints(betas.astype(np.float32))[0], np.float64)
    go = np.asarray(matrix_to_axis_angle(M @ _rodrigues(pose[:3])), np.float64)
    transl = M @ (J0 + trans) - J0 + GL_FROM_CV @ t
    return BodyParams.from_pose(np.concatenate([go, pose[3:]]), betas, transl), given


def load_params(path: str | Path, body_model=None) -> BodyParams:
    """BodyParams (pose (72) split, betas (10), transl (3) OpenGL camera frame) from .npz/.json/_body.pkl.

    The inverse of `save_params`: `BodyModel.mesh(load_params(p))` reproduces the saved body's
    vertices exactly. See `load_params_file` for the focal length and the other fields.
    """
    return load_params_file(path, body_model).params
