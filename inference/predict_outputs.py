"""Every file written for one prediction: the one exporter behind `main.py predict` and the app's "Run all".

Per image NAME: NAME_parts.png (the part map in the photo's own frame: same width and height as the
photo, palette colours, background black; class probabilities warped bilinearly from the crop, see
inference.crop.uncrop_parts), NAME_parts_crop.png (the network's map on its square crop),
NAME_parts_overlay.png (the parts over the photo), NAME_people.png (detected people), both at most 2048 px
across (the app's display size, `image_io.DISPLAY_MAX_SIDE`), NAME_overlay.png (the mesh through the
predicted camera, at most 1024 px), meshes (NAME.obj, NAME.ply, NAME.glb, the rigged NAME_skinned.glb
and the pose as NAME.bvh; body-centred unless frame="camera", see inference/export.py) and parameter
files (NAME.npz, NAME.json, NAME_body.pkl: the body with the input photo's own camera and its 24 SMPL +
14 LSP joints in photo pixels; see inference/export.py and inference/photo_camera.py).

The summary table's columns and its reading and writing are here too (summary.csv beside the outputs: one
row per image or person with its status, people, fit-quality numbers and seconds): `main.py predict` and the
app's "Run all" both log their rows and merge every log of the folder into it (inference/batch_log.py).

Pure Python (no Qt): the CLI calls it in its loop, the app in its batch worker thread.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.file_writes import name_from_text, name_to_text

MESH_FORMATS = ("obj", "ply", "glb", "skinned-glb", "bvh")  # what --mesh-formats and the app can write
DEFAULT_MESH_FORMATS = ("obj", "glb")  # predict's --mesh-formats default and the app's Run all until a user chooses
MESH_SUFFIX = {"skinned-glb": "_skinned.glb"}  # the file name ending of a mesh format (default: "." + format)
PNG_OUTPUTS = ("_parts.png", "_parts_crop.png", "_people.png", "_parts_overlay.png", "_overlay.png")
PARAM_OUTPUTS = (".npz", ".json", "_body.pkl")


def output_stems(images: list[Path]) -> list[str]:
    """One output name per image, all different: the file's stem, then (for a stem taken already, as with
    a/photo.jpg and b/photo.jpg, or x.jpg and x.png) the stem with the suffix (x_png), then _2, _3, ...
    A name of the form STEM_pN or STEM_scene with STEM another image's stem counts as taken: it is that
    image's person N or its scene (`predict --all-people` writes STEM_pN.* and STEM_scene.glb, which would be
    the same file as a STEM_scene image's own STEM_scene.glb), so a.png, a_p2.png and a_scene.png give a,
    a_p2_png and a_scene_png.

    The names are given out in the order of the files' paths, not of the list: a rerun that names the same
    photos in another order (`predict b/x.jpg a/x.jpg` after `predict a/x.jpg b/x.jpg`) finds each photo's
    outputs under its name again (given out in the list's order, every photo found the other's)."""
    from .paths import resolved

    bases = {p.stem.lower() for p in images}

    def person_of_another(name: str) -> bool:
        m = re.fullmatch(r"(.+)_(p\d+|scene)", name.lower())
        return m is not None and m[1] in bases

    taken: set[str] = set()
    stems: list[str] = [""] * len(images)
    for i in sorted(range(len(images)), key=lambda i: (resolved(images[i]), i)):
        p = images[i]
        candidates = [p.stem, f"{p.stem}_{p.suffix.lstrip('.').lower()}" if p.suffix else p.stem]
        name = next((c for c in candidates if c.lower() not in taken and not person_of_another(c)), None)
        k = 2
        while name is None:
            name = f"{p.stem}_{k}" if f"{p.stem}_{k}".lower() not in taken else None
            k += 1
        taken.add(name.lower())
        stems[i] = name
    return stems



def readable_photos(photos: list[Path]) -> tuple[list[tuple[Path, str, str]], list[str]]:
    """The photos that read (`image_io.readable_images`), each as (path, its name in a table, its output name),
    and the messages of those that do not. Names differ from one another: the file name and `output_stems`' name,
    or, for photos that share a file name (a/x.jpg and b/x.jpg), the path as given (both were x.jpg in a table,
    and one x.png, the second photo's picture written over the first's). For a script to name the unreadable
    photos before its models load. Each photo is decoded in full and let go before the next (the script decodes it
    again to predict): a file whose data is damaged can have a whole header and end marker, so only decoding finds
    it, and keeping the decoded photos for the prediction would hold a whole folder of them in memory at once."""
    from .image_io import readable_images

    skipped: list[str] = []
    good = {str(p) for p, _ in readable_images(photos, skipped)}
    shared = {n for n in (p.name for p in photos) if sum(q.name == n for q in photos) > 1}
    return ([(p, str(p) if p.name in shared else p.name, stem) for p, stem in zip(photos, output_stems(photos))
             if str(p) in good], skipped)

def output_paths(stem: Path, mesh_formats: list[str], people: bool = True) -> list[Path]:
    """Every file written for one image (output name `stem`, a path in the output folder)."""
    pngs = [s for s in PNG_OUTPUTS if people or s != "_people.png"]
    meshes = (MESH_SUFFIX.get(f, "." + f) for f in mesh_formats)
    return [Path(str(stem) + s) for s in (*pngs, *meshes, *PARAM_OUTPUTS)]


def is_complete(stem: Path, mesh_formats: list[str]) -> bool:
    """True when every output of one image is there (NAME_people.png only exists with detected people).

    Outputs are written all or nothing per output name, so a complete set is a finished output. With several
    people (`predict --all-people`) each person has its own name (NAME_pN), written in person order; whether
    every person's set is there (an interrupted image, an earlier run without --all-people, a file deleted)
    `inference.predict_resume.finished` checks with the rank logs' count of the image's people."""
    return all(q.is_file() for q in output_paths(stem, mesh_formats, people=False))


def remove_quietly(paths: list[Path]) -> None:
    for p in paths:
        try:
            Path(p).unlink()
        except OSError:
            pass


def write_outputs(p, stem: Path, mesh_formats: list[str], renderer, body_name: str, overwrite: bool,
                  body_model=None, frame: str = "body") -> list[Path]:
    """Write every output of one prediction `p` (see the module docstring) under the name `stem`.

    renderer: an inference.render.renderer.MeshRenderer of the body's topology (draws NAME_overlay.png), or None
    where no offscreen OpenGL works (`inference.render.context.offscreen_problem`): NAME_overlay.png is then the
    photo with a line saying the mesh was not drawn (the set stays complete, so that a rerun skips the image;
    `--overwrite` on a machine that draws replaces it).
    Meshes and BVH in `frame` ("body": posed pelvis at the origin, or "camera"); skinned-glb and bvh need
    the `body_model`.

    The parameter files carry the photo's camera (`inference.photo_camera.photo_camera_for`); with the
    `body_model` also the photo-pixel joints (the LSP head top needs its vertices).

    All or nothing: if any write fails or the run is interrupted (Ctrl+C, SIGTERM), the files already
    written for this image are removed again and the error is raised. Each file's write and its record for
    that clean-up are one step that the signals wait for (`inference.deferred_signals`): a file finished but
    not yet recorded could not be removed. Returns the paths written.
    """
    from inference.crop import uncrop_parts
    from inference.deferred_signals import deferred_signals
    from inference.export import png_bytes, save_params
    from inference.file_writes import atomic_write
    from inference.image_io import display_copy
    from inference.parts import colorize
    from inference.photo_camera import photo_camera_for
    from inference.render.overlay import mesh_overlay, parts_overlay

    written: list[Path] = []

    def record(write, *args, **kwargs):
        with deferred_signals():
            written.append(write(*args, **kwargs))

    def png(suffix, rgb):
        data = png_bytes(rgb)  # encoding stays interruptible
        record(atomic_write, str(stem) + suffix, data, overwrite)

    try:
        full = uncrop_parts(p.parts, p.crop, p.image.shape, photo=p.image)  # the part map in the photo's frame
        png("_parts.png", colorize(full))
        # the crop's map as the segmentation painted it, which the fitting network read (a half-length person's
        # unseen legs included: `unseen_legs`); the photo-frame map above is the one a user sees
        png("_parts_crop.png", colorize(p.parts.painted().labels))
        # the pictures to look at, at most the app's display size across (image_io.DISPLAY_MAX_SIDE): at 48
        # megapixels each was a 30 MB PNG and seconds to encode; the part map above keeps the photo's own size
        shown, scale = display_copy(p.image)
        if p.people:
            from inference.detect.draw import draw_people

            png("_people.png", draw_people(shown, p.people, fitted=p.person, set_aside=p.set_aside, scale=scale))
        png("_parts_overlay.png", parts_overlay(shown, full))
        png("_overlay.png", mesh_overlay(renderer, p) if renderer is not None else not_drawn(shown))
        for fmt in mesh_formats:
            record(write_mesh, stem, fmt, p.params, p.mesh, body_model, overwrite, frame)
        photo = photo_camera_for(p, body_model=body_model)
        for suffix in PARAM_OUTPUTS:
            record(save_params, str(stem) + suffix, p.params, p.camera.focal, p.camera.size, body_name,
                   overwrite, photo=photo)
    except BaseException:
        remove_quietly(written)
        raise
    return written


def not_drawn(photo: np.ndarray) -> np.ndarray:
    """The (H, W, 3) uint8 photo with a dark band at the top that says the mesh was not drawn over it (no offscreen
    OpenGL here): NAME_overlay.png in its place."""
    import cv2

    out = np.array(photo, np.uint8, copy=True)
    h, w = out.shape[:2]
    text = "mesh not drawn: no offscreen OpenGL here (see the README's set-up)"
    scale = max(0.3, min(1.0, w / 1100))
    band = int(34 * scale) + 6
    out[:band] = (out[:band] * 0.25).astype(np.uint8)
    cv2.putText(out, text, (6, band - 10), cv2.FONT_HERSHEY_SIMPLEX, scale * 0.8, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def write_mesh(stem: Path, fmt: str, params, mesh, body_model, overwrite: bool, frame: str = "body") -> Path:
    """Write the body `mesh` (its BodyMesh, of `params`) as mesh format `fmt` (MESH_FORMATS) under the output name
    `stem` in `frame` (see `write_outputs`); returns the path. skinned-glb and bvh need the `body_model`."""
    from inference.export import export, export_mesh
    from inference.rig import frame_offset

    name = mesh_path(stem, fmt)
    if fmt in ("skinned-glb", "bvh"):
        if body_model is None:
            raise ValueError(f"{fmt} export needs the body model")
        return export(name, params, body_model, overwrite=overwrite, frame=frame, skinned=fmt == "skinned-glb")
    v = np.asarray(mesh.vertices, np.float64) - frame_offset(mesh.joints, frame)
    return export_mesh(name, v.astype(np.float32) if frame == "body" else mesh.vertices, mesh.faces,
                       overwrite=overwrite, frame=frame)


def missing_meshes(stem: Path, mesh_formats: list[str]) -> list[str]:
    """The formats of `mesh_formats` whose file is not there for the output name `stem` (a path)."""
    return [f for f in mesh_formats if not mesh_path(stem, f).is_file()]


def siblings_frame(stem: Path) -> str | None:
    """The frame of reference ("body" | "camera") that the mesh files already there for the output name `stem`
    state (`inference.export.stated_frame`), when they state one and agree; None otherwise."""
    from inference.export import stated_frame

    frames = {stated_frame(mesh_path(stem, f)) for f in MESH_FORMATS if mesh_path(stem, f).is_file()} - {None}
    return frames.pop() if len(frames) == 1 else None


def mesh_path(stem: Path, fmt: str) -> Path:
    """The file of mesh format `fmt` for the output name `stem` (a path): STEM.obj, STEM_skinned.glb, ..."""
    return Path(str(stem) + MESH_SUFFIX.get(fmt, "." + fmt))


def write_meshes_from_params(stem: Path, mesh_formats: list[str], body_model, frame: str = "body") -> list[Path]:
    """Write the mesh formats `mesh_formats` of the output name `stem` from its parameter file STEM.npz, no network
    run: the body `BodyModel.mesh(load_params(...))` is the one the fit wrote (`load_params`). All or nothing, as
    `write_outputs`; returns the paths written. Raises ParamsFileError for an unreadable STEM.npz, OSError."""
    from inference.deferred_signals import deferred_signals
    from inference.export import load_params

    params = load_params(Path(f"{stem}.npz"), body_model)
    mesh = body_model.mesh(params)
    written: list[Path] = []
    try:
        for fmt in mesh_formats:
            with deferred_signals():
                written.append(write_mesh(stem, fmt, params, mesh, body_model, False, frame))
    except BaseException:
        remove_quietly(written)
        raise
    return written


# ----------------------------------------------------------------------------- the summary table
SUMMARY = "summary.csv"
# one row per output (an image, or one person of it): where it came from, what happened, its fit quality;
# person: the number of the person fitted, counted from 1 as NAME_pN and the app's "Person N of M" (empty:
# no person detected, the whole image fitted)
SUMMARY_COLUMNS = ("index", "image", "output", "status", "message", "person", "people", "seconds",
                   "verdict", "agreement", "pck", "mask_iou", "mask_inside")
SUMMARY_STATUSES = ("done", "skipped", "no person", "error", "pending")
# A table or log whose header lacks this column was begun by a release that counted people from 0 (before the
# summary's mask_inside column came, at the same time as counting from 1): its person numbers are read + 1.
ONE_BASED_MARK = "mask_inside"


def _number(x: float | None, digits: int = 3) -> str:
    if x is None or math.isnan(x):
        return ""
    return f"{x:.{digits}f}"


_WHOLE = re.compile(r"-?[0-9]+")


def _integer(text: str | None) -> int | None:
    """A cell's whole number ('3', '-1'): the one reading of the index, person and people cells (batch_log's Holder
    takes its person from here too). None for '' or anything but ASCII digits ('²' is a digit to str.isdigit, not to
    int; int() would also take ' 3' and '1_0')."""
    return int(text) if text and _WHOLE.fullmatch(text) else None


def _real(text: str | None) -> float | None:
    """A cell's number ('0.742'); None for '', 'nan' or what does not read as one."""
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        return None
    return None if math.isnan(x) else x


# A cell that begins with one of these is a formula to a spreadsheet (Excel, LibreOffice: "=HYPERLINK(...)" in a
# photo's name runs when summary.csv is opened): such a text cell is written after a "'" (OWASP's advice for CSV
# injection), which spreadsheets show as text, and read back without it (`csv_text_cell`, `csv_text_read`).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text_cell(text: str) -> str:
    """A text cell (a name, a message) as written: after a "'" when it would begin a formula, or when it begins with
    "'"s before such a start (so that reading strips exactly the one added)."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def csv_text_read(cell: str) -> str:
    """`csv_text_cell` undone: a cell that begins with "'"s before a formula's start loses one. A table written
    before the quote was added holds such names bare, and reads as it is."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS) else cell


@dataclass(frozen=True, slots=True)
class QualityCells:
    """The summary's fit-quality columns of one fit (`quality_cells`): the verdict ('good', 'doubtful', 'bad',
    'unknown', or 'unknown (ErrorName)' when the assessment failed; '' when not assessed) and the numbers of an
    inference.fit_quality.FitQuality, None where not measured (an empty cell). Written with 3 decimals."""

    verdict: str = ""
    agreement: float | None = None
    pck: float | None = None
    mask_iou: float | None = None
    mask_inside: float | None = None


def quality_cells(prediction, quality=None) -> QualityCells:
    """The summary's fit-quality columns of a Prediction: from `quality` (its inference.fit_quality.FitQuality) when
    already assessed, else assessed here; a number that cannot be measured (NaN) is left empty, and a failed
    assessment only says so in the verdict."""
    if quality is None:
        try:
            from inference.fit_quality import assess

            quality = assess(prediction)
        except Exception as exc:  # noqa: BLE001 - the numbers are extras; a failure must not fail the image
            return QualityCells(verdict=f"unknown ({type(exc).__name__})")
    return QualityCells(quality.verdict, *(None if math.isnan(x) else float(x) for x in
                                           (quality.agreement, quality.pck, quality.mask_iou, quality.mask_inside)))


@dataclass(frozen=True, kw_only=True, slots=True)
class SummaryRow:
    """One row of the summary table or of a batch log (inference/batch_log.py): one output (an image, or one
    person of it).

    index: the image's place among the run's inputs (None: not an input of the run that merged the table);
    image: its path as logged ('' when none); output: the output name (NAME, NAME_pN); status: one of
    SUMMARY_STATUSES; message: why it failed, or notes; person: the person fitted, counted from 1 (None: no person
    detected, the whole image fitted); people: how many people the image holds (None: not known); seconds: the
    time it took; quality: the fit-quality columns; rank, finished_at: who logged the row (a CLI rank's number,
    "app") and when (ISO time; '' for a row adopted from an older table). Cells that do not read as their type
    read as empty."""

    output: str
    status: str
    index: int | None = None
    image: str = ""
    message: str = ""
    person: int | None = None
    people: int | None = None
    seconds: float | None = None
    quality: QualityCells = QualityCells()
    rank: str = ""
    finished_at: str = ""

    @classmethod
    def from_csv(cls, cells: Mapping[str | None, str | None], first_person: int = 1) -> SummaryRow:
        """The row of a csv.DictReader's `cells` (columns missing or short read as empty; the image and output
        names as `name_from_text` reads them; a text cell kept from spreadsheets' formulas as `csv_text_read` reads
        it).
        `first_person`: the person number the table counts from (0 in one an earlier release began:
        `read_summary`)."""
        get = cells.get  # (a resume reads every row of a folder's logs several times: no per-cell closures)
        person = _integer(get("person"))
        quality = QualityCells(get("verdict") or "", _real(get("agreement")), _real(get("pck")),
                               _real(get("mask_iou")), _real(get("mask_inside")))
        return cls(output=name_from_text(csv_text_read(get("output") or "")), status=get("status") or "",
                   index=_integer(get("index")), image=name_from_text(csv_text_read(get("image") or "")),
                   message=csv_text_read(get("message") or ""),
                   person=None if person is None else person - first_person + 1, people=_integer(get("people")),
                   seconds=_real(get("seconds")), quality=quality, rank=get("rank") or "",
                   finished_at=get("finished_at") or "")

    def to_csv(self) -> dict[str, str]:
        """{column: cell} of every column (SUMMARY_COLUMNS, then rank and finished_at): None as an empty cell,
        seconds and the quality numbers with 3 decimals, the image and output names as the file system's bytes
        (`name_to_text`: the same under any locale), a name or message that would begin a formula after a "'"
        (`csv_text_cell`)."""
        q = self.quality

        def whole(n: int | None) -> str:
            return "" if n is None else str(n)

        return {"index": whole(self.index), "image": csv_text_cell(name_to_text(self.image)),
                "output": csv_text_cell(name_to_text(self.output)), "status": self.status,
                "message": csv_text_cell(self.message),
                "person": whole(self.person), "people": whole(self.people), "seconds": _number(self.seconds),
                "verdict": q.verdict, "agreement": _number(q.agreement), "pck": _number(q.pck),
                "mask_iou": _number(q.mask_iou), "mask_inside": _number(q.mask_inside), "rank": self.rank,
                "finished_at": self.finished_at}


def write_summary(path: Path, rows: list[SummaryRow], columns: tuple[str, ...] = SUMMARY_COLUMNS) -> Path:
    """Write the table (a header, then `rows` in order, the cells of `columns`) as CSV to `path` at once (a reader
    never sees half a table); returns the path."""
    import csv
    import io

    from inference.file_writes import atomic_write

    # Each row is written with the terminator "\r\n", so that the writer quotes a cell holding a carriage return (a
    # name with one: with "\n" alone it went bare, and a reader ended the row there), and ends in "\n" in the file.
    row = io.StringIO()
    w = csv.DictWriter(row, columns, extrasaction="ignore", lineterminator="\r\n")
    lines = []
    for cells in (dict(zip(columns, columns)), *(r.to_csv() for r in rows)):
        row.seek(0)
        row.truncate()
        w.writerow(cells)
        lines.append(row.getvalue()[:-2] + "\n")
    return atomic_write(path, "".join(lines), overwrite=True)


def read_summary(path: Path) -> list[SummaryRow]:
    """The rows of a summary table or batch log written before, people counted from 1 (a table an older release
    began counted from 0: ONE_BASED_MARK); [] when there is none or it cannot be read. Rows without an output or
    a status are left out."""
    import csv

    from inference.file_writes import TEXT_ERRORS

    try:  # (a photo's name that is not UTF-8 read back as it was written: `TEXT_ERRORS`)
        with open(path, newline="", encoding="utf-8", errors=TEXT_ERRORS) as fh:
            reader = csv.DictReader(fh)
            first = 1 if ONE_BASED_MARK in (reader.fieldnames or ()) else 0
            return [SummaryRow.from_csv(r, first) for r in reader if r.get("output") and r.get("status")]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
