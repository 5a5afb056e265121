"""`main.py render`: render a body from pose/shape to PNG (shaded views and part-label maps).

    python main.py render --preset walk --out walk.png --views front,side
    python main.py render --pose fit_body.pkl --out fit.png
    python main.py render --pose 0,0,0,...(72 numbers) --betas=-1,0.5 --out b.png

The body options (--pose/--preset, --betas, --transl, --focal, --body-model) and
`resolve_body` are shared with `main.py export`. Heavy imports (torch, smplx, pyrender) happen
in `run`, after `inference.render.context.configure_gl()`, so `--help` stays fast.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cli.out_arg import home_expanded, make_out_folder, out_path
from inference.camera import CROP_SIZE, FOCAL
from inference.export import PARAM_SUFFIXES, VALUE_LIMIT, png_bytes
from inference.file_writes import write_error_reason
from inference.poses import PRESET_NAMES

VIEWS = ("front", "side", "back")
# The shortest --focal (pixels of the crop): a field of view near 180 degrees, where the framed body is a few pixels
# (0.001 rendered an empty picture); the longest is VALUE_LIMIT, as for a parameter file's focal (1e300 ended in a
# traceback or wrote an inf translation that the program's own reader then refused).
MIN_FOCAL = 1.0
# Shape values (betas, in standard deviations of the body model's shape space): the app's sliders span +-3
# (app/pose_edit.py BETA_RANGE); past BETA_NOTE the body is a caricature (said), past BETA_LIMIT no body at all
# (refused: --betas=1e8 wrote a body 7,758 km tall)
BETA_NOTE = 5.0
BETA_LIMIT = 100.0


class CliInputError(ValueError):
    """A command-line value that cannot be used (one-line message)."""


@dataclass
class BodySpec:
    """A resolved body: the model, its parameters (OpenGL camera frame), and the crop camera
    (`focal` pixels for a `crop_size` px crop)."""

    model: object  # inference.body_model.BodyModel
    params: object  # inference.types.BodyParams
    focal: float
    crop_size: int
    photo: object = None  # inference.photo_camera.PhotoCamera the parameter file recorded for this body, or None
    photo_note: str = ""  # why the parameter file's photo camera was left out ("" when it was not)
    model_note: str = ""  # that the --pose or --betas file was fitted with another body model than the one shown


# --------------------------------------------------------------------------- shared options
def add_body_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose a body (used by render and export)."""
    g = parser.add_argument_group("body")
    src = g.add_mutually_exclusive_group()
    src.add_argument("--pose", metavar="P",
                     help="a parameter file (.npz, .json or UP-3D _body.pkl; its betas, translation and "
                          "focal come along) or 72 comma-separated axis-angle values (69 = body pose "
                          "without the global orientation). Default: the T-pose")
    src.add_argument("--preset", choices=PRESET_NAMES, help="a named pose instead of --pose")
    g.add_argument("--betas", metavar="B",
                   help="a parameter file or up to 10 comma-separated shape values, decimals with a point "
                        "(write --betas=-1,0.5 when the first is negative). Default: the pose file's, else 0")
    g.add_argument("--transl", metavar="X,Y,Z",
                   help="body translation in metres, OpenGL camera frame (z < 0 in front of the camera). "
                        "Default: the pose file's, else centred and framed to fill the crop")
    g.add_argument("--focal", type=float, metavar="F",
                   help=f"focal length in pixels of a {CROP_SIZE}-px crop, {MIN_FOCAL:g} to {VALUE_LIMIT:g}. Default: "
                        f"the pose file's, else {FOCAL:g}")
    g.add_argument("--body-model", metavar="PATH", type=home_expanded,
                   help="a real SMPL model file (.pkl or .npz); default: the embedded NBF-anny model")


# Between two values: a comma (spaces around it allowed) or spaces alone
_SEPARATOR = re.compile(r"\s*,\s*|\s+")
DECIMAL_HINT = "a comma separates values: write decimals with a point, as 1.5"


def parse_numbers(text: str, what: str, sizes: tuple[int, ...] | None = None) -> np.ndarray:
    """'1,2,3' or '1 2 3' -> float64 array (N,); CliInputError unless the count is one of `sizes`.

    Commas and spaces both separate values (documented), so a decimal comma is read as two values ('1,5' is 1 and
    5: the values read are shown, `betas_read_as`). Text that separates values by commas in one place and by spaces
    alone in another ('1,5 0,3', decimal commas between spaces) is refused: no reading of it is safe."""
    body = text.strip()
    separators = _SEPARATOR.findall(body)
    if any("," in sep for sep in separators) and any("," not in sep for sep in separators):
        raise CliInputError(f"{what} {text!r}: both commas and spaces between values: use commas or spaces "
                            f"between values, and a point for decimals (1.5)")
    parts = [p for p in _SEPARATOR.split(body) if p]
    hint = f" ({DECIMAL_HINT})" if "," in text else ""
    try:
        values = np.array([float(p) for p in parts], np.float64)
    except ValueError:
        raise CliInputError(f"{what}: expected comma-separated numbers or a parameter file, got {text!r}{hint}"
                            ) from None
    if sizes is not None and values.size not in sizes:
        counts = (f"{min(sizes)} to {max(sizes)}" if len(sizes) > 2 and len(sizes) == max(sizes) - min(sizes) + 1
                  else " or ".join(map(str, sizes)))
        raise CliInputError(f"{what}: expected {counts} numbers, got {values.size or 'none'}{hint}")
    if not np.isfinite(values).all():
        raise CliInputError(f"{what}: contains NaN or inf")
    if (np.abs(values) > VALUE_LIMIT).any():
        raise CliInputError(f"{what}: {values[np.argmax(np.abs(values))]:g} is beyond +-{VALUE_LIMIT:g}, far outside "
                            f"any body or camera")
    return values


def betas_read_as(text: str, values: np.ndarray) -> str:
    """The line that shows how --betas `text` was read, e.g. "--betas 1,5 is read as 2 values: 1, 5 (...)": under a
    decimal-comma habit "1,5" means 1.5, which commas as separators read as two values; the body came out wrong
    without a word. Said when a comma stands between two digits and no value has a decimal point (`resolve_body`:
    "-1,0.5" is plain), once the body is resolved."""
    count = f"{values.size} value{'s' if values.size != 1 else ''}"
    return (f"--betas {text} is read as {count}: {', '.join(f'{v:g}' for v in values)} "
            f"({DECIMAL_HINT})")


def check_focal(focal: float) -> float:
    """--focal as it is (pixels of a CROP_SIZE crop); CliInputError for NaN, inf or a value outside
    MIN_FOCAL..VALUE_LIMIT."""
    if not (np.isfinite(focal) and MIN_FOCAL <= focal <= VALUE_LIMIT):
        raise CliInputError(f"--focal {focal:g}: a focal length is {MIN_FOCAL:g} to {VALUE_LIMIT:g} pixels of the "
                            f"{CROP_SIZE}-px crop (NBF's camera: {FOCAL:g})")
    return float(focal)


def _is_number_list(text: str) -> bool:
    """True when `text` is one or more numbers separated by commas or spaces."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    try:
        return bool(parts) and all(isinstance(float(p), float) for p in parts)
    except ValueError:
        return False


def _is_file_arg(text: str) -> bool:
    """True when a --pose/--betas value names a parameter file rather than a list of numbers.

    Numbers are recognised by their form first, so 72 values are never looked up as a path (an
    over-long file name is an OS error); a name the OS refuses is not a file either (write ./NAME for
    a parameter file whose name is a number). An empty value is no file (Path("") is the current folder)."""
    if not text.strip():
        return False
    if Path(text).suffix.lower() in PARAM_SUFFIXES or "/" in text or os.sep in text:
        return True
    if _is_number_list(text):
        return False
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def resolve_body(args: argparse.Namespace) -> BodySpec:
    """Body model and parameters from the body options.

    Raises BodyModelError (bad --body-model), ParamsFileError (bad parameter file) or
    CliInputError (bad numbers), each with a one-line message.
    """
    from inference.body_model import BodyModel
    from inference.camera import framing_translation
    from inference.export import load_params_file
    from inference.poses import preset_pose
    from inference.types import BodyParams

    # numbers first (cheap, and errors before the model loads), then the model, then files
    pose, betas, transl = np.zeros(72), None, None
    betas_read = None  # the --betas numbers as given (N,), for `betas_read_as`
    focal, crop_size = FOCAL, CROP_SIZE
    pose_file = args.pose if args.pose is not None and _is_file_arg(args.pose) else None
    betas_file = args.betas if args.betas is not None and _is_file_arg(args.betas) else None
    if args.pose is not None and pose_file is None:
        values = parse_numbers(args.pose, "--pose", (72, 69))
        pose = values if values.size == 72 else np.concatenate([np.zeros(3), values])
    elif args.preset is not None:
        pose = preset_pose(args.preset)
    if args.betas is not None and betas_file is None:
        betas_read = parse_numbers(args.betas, "--betas", tuple(range(1, 11)))
        betas = np.zeros(10)
        betas[: betas_read.size] = betas_read
    if args.transl is not None:
        transl = parse_numbers(args.transl, "--transl", (3,))
    if args.focal is not None:
        check_focal(args.focal)

    model = BodyModel(args.body_model) if args.body_model is not None else BodyModel()
    photo, posed = None, None  # posed: the --pose file's record (the body-model note speaks of that file)
    shape_note = ""  # the --betas file's body-model note
    betas_from = "--betas" if betas is not None else ""  # where the betas came from, for `check_betas`
    if pose_file is not None:
        posed = load_params_file(pose_file, model)
        for line in posed.notes if betas is None and betas_file is None else ():  # (notes speak of its betas)
            print(f"note: {line}", file=sys.stderr)
        photo = posed.photo
        pose = posed.params.pose
        if betas is None:
            betas, betas_from = posed.params.betas, str(pose_file)
        if transl is None and posed.transl_given:
            transl = posed.params.transl
        if posed.focal is not None:
            focal, crop_size = posed.focal, posed.size or CROP_SIZE
    if betas_file is not None:
        shaped = load_params_file(betas_file, model)
        for line in shaped.notes:
            print(f"note: {line}", file=sys.stderr)
        betas, betas_from = shaped.params.betas, str(betas_file)
        if shaped.body_model not in ("", model.name):  # (betas are coordinates in one model's shape space)
            shape_note = (f"{betas_file} was fitted with the body model {shaped.body_model!r}; its shape is shown "
                          f"on {model.name!r}")
    if betas is None:
        betas = np.zeros(10)
    check_betas(betas, betas_from)
    if args.focal is not None:
        focal, crop_size = float(args.focal), CROP_SIZE
    if transl is None:
        rest = model.mesh(BodyParams.from_pose(pose, betas)).vertices
        transl = framing_translation(rest, focal, crop_size)
    changed = [o for o, v in (("--betas", args.betas), ("--transl", args.transl), ("--focal", args.focal))
               if v is not None]
    note = model_note = ""
    other_model = posed is not None and posed.body_model not in ("", model.name)
    if other_model:
        what = "pose and shape are" if betas_from == str(pose_file) else "pose is"
        model_note = (f"{pose_file} was fitted with the body model {posed.body_model!r}; its {what} shown on "
                      f"{model.name!r}")
    if photo is not None and (changed or other_model):
        # the photo camera's translation and photo-pixel joints were solved for the file's body and crop
        # camera: with another shape, place or focal they would describe a body that is not there
        why = ", ".join(changed) + " changed the body" if changed else \
            f"it was fitted with the body model {posed.body_model!r}, not {model.name!r}"
        note = f"the photo camera of {pose_file} is left out: {why}"
        photo = None
    model_note = "; ".join(n for n in (model_note, shape_note) if n)
    if betas_read is not None and re.search(r"\d,\d", args.betas) and "." not in args.betas:
        print(f"note: {betas_read_as(args.betas, betas_read)}", file=sys.stderr)
    return BodySpec(model, BodyParams.from_pose(pose, betas, transl), float(focal), int(crop_size), photo, note,
                    model_note)


def check_betas(betas: np.ndarray, source: str) -> None:
    """Betas (10,) as they are; a note on stderr for a shape beyond +-BETA_NOTE, CliInputError beyond +-BETA_LIMIT
    (VALUE_LIMIT alone let --betas=1e8 through: a body 7,758 km tall, without a word). `source`: where they came
    from (--betas or a file), named in the message; '' for none given."""
    if not source:
        return
    k = int(np.argmax(np.abs(betas)))
    value = float(betas[k])
    if abs(value) > BETA_LIMIT:
        raise CliInputError(f"{source}: beta {k + 1} is {value:g}; a shape value is at most +-{BETA_LIMIT:g} (the "
                            f"app's sliders go to +-3), beyond that it is no human body")
    if abs(value) > BETA_NOTE:
        print(f"note: {source}: beta {k + 1} is {value:g}, an extreme shape (beyond +-{BETA_NOTE:g}; the app's "
              f"sliders go to +-3)", file=sys.stderr)


def report_error(exc: Exception) -> int:
    """Print a one-line error for bad input (model, parameter file, numbers) and return exit code 2.
    (An output that already exists is exit code 1.)"""
    print(f"error: {exc}", file=sys.stderr)
    return 2


def prepare_out_file(out: Path, names=()) -> None:
    """Create the folder of the output file `out` and make sure a file can be written there, before anything is
    rendered; CliInputError (exit 2, as `predict` does for its --out) otherwise: a parent that is a file
    (fake.jpg/x.obj) or a folder nobody may write (/proc) would else end in a traceback at the first write, and so
    would a name longer than the file system takes (`out`'s, or one of the other file `names` written beside it)."""
    from inference.file_writes import name_too_long

    folder = out.parent
    longest = name_too_long(folder, [out.name, *names])  # (first: asking whether such a path is a folder fails too)
    if longest:
        raise CliInputError(f"--out: the file name {longest} is longer than the file system takes; give a shorter one")
    if out.is_dir():
        raise CliInputError(f"--out {out} is a folder; give a file name")
    # (a folder named as another output, X_labels.png, was called an existing file to --overwrite; with
    # --overwrite the run then stopped half-written at it)
    taken = [folder / n for n in names if n != out.name and (folder / n).is_dir()]
    if taken:
        raise CliInputError(f"--out {out}: {taken[0]} is a folder where an output file goes: remove it, or give "
                            f"another --out")
    why = make_out_folder(folder, f"--out {out}: its folder {folder}")
    if why:
        raise CliInputError(why)


# --------------------------------------------------------------------------- render
def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.epilog = ("Writes OUT (shaded: RGBA, or RGB with --background white or black) and OUT_labels.png "
                     "(NBF part colours on black) for the front view, and OUT_side/OUT_back(_labels).png for the "
                     "other views. Front is the crop camera; side looks at the subject's left, back from behind.")
    add_body_arguments(parser)
    o = parser.add_argument_group("output")
    o.add_argument("--out", required=True, type=out_path, metavar="X.png", help="shaded front view (PNG)")
    o.add_argument("--size", type=int, default=CROP_SIZE, help=f"image size in pixels (default {CROP_SIZE})")
    o.add_argument("--views", default="front", metavar="V[,V]",
                   help=f"comma-separated views from {', '.join(VIEWS)} (default front)")
    o.add_argument("--background", choices=("transparent", "white", "black"), default="transparent",
                   help="background of the shaded views (label maps always use black)")
    o.add_argument("--no-labels", action="store_true", help="skip the part-label maps")
    o.add_argument("--overwrite", action="store_true", help="replace existing files")


def output_paths(out: Path, views: list[str], labels: bool = True) -> list[tuple[str, str, Path]]:
    """[(view, 'shaded'|'labels', path)] for `out` (X.png): X.png, X_labels.png, X_side.png, ..."""
    paths = []
    for view in views:
        stem = out.stem if view == "front" else f"{out.stem}_{view}"
        paths.append((view, "shaded", out.with_name(stem + ".png")))
        if labels:
            paths.append((view, "labels", out.with_name(stem + "_labels.png")))
    return paths


def _background(rgba: np.ndarray, background: str) -> np.ndarray:
    if background == "transparent":
        return rgba
    from inference.render.overlay import blend_rgba

    return blend_rgba(255.0 if background == "white" else 0.0, rgba)


def render_views(spec: BodySpec, size: int, views: list[str], labels: bool = True,
                 background: str = "transparent") -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
    """({(view, 'shaded'|'labels'): image}, the views in which no pixel of the body shows) with shaded
    (size, size, 4|3) and labels (size, size, 3) uint8."""
    from inference.camera import focal_for_size
    from inference.parts import colorize
    from inference.render.cameras import OrbitCamera, PinholeCamera, view_pose
    from inference.render.renderer import MeshRenderer

    mesh = spec.model.mesh(spec.params)
    renderer = MeshRenderer(spec.model.faces, spec.model.weights)
    try:
        out, empty = {}, []
        for view in views:
            if view == "front":
                camera = PinholeCamera(focal_for_size(size, spec.focal, spec.crop_size), size, size)
            else:
                camera = OrbitCamera(view_pose(mesh.vertices, view), size, size)
            rgba = renderer.shaded(mesh.vertices, camera)  # (size, size, 4): alpha 0 where the body is not
            if not rgba[..., 3].any():
                empty.append(view)
            out[(view, "shaded")] = _background(rgba, background)
            if labels:
                out[(view, "labels")] = colorize(renderer.labels(mesh.vertices, camera))
        return out, empty
    finally:
        renderer.close()


def parse_views(text: str) -> list[str]:
    views = [v for v in re.split(r"[,\s]+", text.strip().lower()) if v]
    bad = [v for v in views if v not in VIEWS]
    if bad or not views:
        what = f"unknown {', '.join(bad)}" if bad else "none given"
        raise CliInputError(f"--views: {what}; choose from {', '.join(VIEWS)}")
    return list(dict.fromkeys(views))


def run(args: argparse.Namespace) -> int:
    from inference.render.context import offscreen_problem

    problem = offscreen_problem()  # (before pyrender is imported: it chooses the backend)
    if problem:  # nothing to draw with: one line, not a traceback
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from inference.body_model import BodyModelError
    from inference.errors import ParamsFileError
    from inference.file_writes import atomic_write

    try:
        views = parse_views(args.views)
        if args.out.suffix.lower() != ".png":
            raise CliInputError(f"--out must be a .png file, got {args.out}")
        if not 16 <= args.size <= 4096:
            raise CliInputError(f"--size must be 16..4096, got {args.size}")
        spec = resolve_body(args)
        z = float(spec.params.transl[2])
        if z >= 0:  # behind the camera (or in it): nothing to see, and pyrender refuses the depth range
            raise CliInputError(f"the body's translation has z = {z:g} (--transl or the --pose file): a body in "
                                f"front of the camera has z < 0")
        prepare_out_file(args.out, [q.name for _, _, q in output_paths(args.out, views, not args.no_labels)])
    except (BodyModelError, ParamsFileError, CliInputError) as exc:
        return report_error(exc)
    if spec.model_note:  # (the shape seen is the file's betas on another model's shape space)
        print(f"note: {spec.model_note}", file=sys.stderr)
    paths = output_paths(args.out, views, not args.no_labels)
    existing = [str(p) for _, _, p in paths if p.exists()]
    if existing and not args.overwrite:
        print(f"error: {', '.join(existing)} exist(s); pass --overwrite to replace", file=sys.stderr)
        return 1
    images, empty = render_views(spec, args.size, views, not args.no_labels, args.background)
    if empty:  # (the images are written all the same: what was asked for, and a check that it is so)
        print(f"note: the body is not in the {' and '.join(empty)} view (an empty image): look at --transl and "
              f"--focal, or the --pose file's", file=sys.stderr)
    for view, kind, path in paths:
        try:
            atomic_write(path, png_bytes(images[(view, kind)]), overwrite=args.overwrite)
        except OSError as exc:  # checked writable above: a full disk or the like (exit 1, as predict's)
            print(f"error: cannot write {path}: {write_error_reason(exc)}", file=sys.stderr)
            return 1
        print(path)
    return 0
