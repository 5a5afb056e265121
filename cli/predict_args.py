"""`predict`'s command line: its arguments and help, and the checks that turn a bad argument into a one-line
message before any model loads (`PredictInputError`); the input list expanded from files and folders, without the
tool's own outputs."""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

from cli.out_arg import make_out_folder
from inference.batch_log import RANK_LOGS
from inference.image_io import IMAGE_SUFFIXES  # the one list the app's reader accepts
from inference.predict_outputs import MESH_FORMATS, PNG_OUTPUTS

# a colliding stem's disambiguation (photo_jpg, _2, person _p1) at the end of an output name
SUFFIX_TAIL = r"(_(" + "|".join(x.lstrip(".") for x in IMAGE_SUFFIXES) + r"))?(_\d+)?(_p\d+)?$"


class PredictInputError(ValueError):
    """A command-line value or output folder that cannot be used (one-line message, exit 2)."""


# --------------------------------------------------------------------------- checks before the models load
def parse_mesh_formats(text: str) -> list[str]:
    """'obj, glb' -> ['obj', 'glb']; PredictInputError for an empty list or an unknown format."""
    formats = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in MESH_FORMATS]
    if bad or not formats:
        raise PredictInputError(f"--mesh-formats: {'unknown ' + ', '.join(bad) if bad else 'empty list'}; "
                                f"choose from {', '.join(MESH_FORMATS)}")
    return list(dict.fromkeys(formats))


def prepare_out(out: Path) -> None:
    """Create the output folder and make sure a file can be written there; PredictInputError otherwise."""
    why = make_out_folder(out)
    if why:
        raise PredictInputError(why)


def check_person(person: int) -> int:
    """--person N (counted from 1) as it is; PredictInputError for 0 or less."""
    if person < 1:
        raise PredictInputError(f"--person {person}: people are counted from 1 (1: the default person, 2: the "
                                "next, as in NAME_p2); earlier releases counted from 0, so their --person K is "
                                "now --person K+1")
    return person


def parse_box(values) -> tuple[float, float, float, float] | None:
    """--box's four numbers (x0, y0, x1, y1 photo pixels, as argparse read them) as a tuple, None without one;
    PredictInputError for a value that is not finite or corners out of order."""
    if values is None:
        return None
    text = " ".join(f"{v:g}" for v in values)
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise PredictInputError(f"--box {text}: give four finite numbers X0 Y0 X1 Y1 (photo pixels: the box's "
                                "top-left and bottom-right corners), e.g. --box 120 40 380 620")
    x0, y0, x1, y1 = (float(v) for v in values)
    if x1 <= x0 or y1 <= y0:
        raise PredictInputError(f"--box {text}: the second corner must lie right of and below the first "
                                "(X1 > X0, Y1 > Y0)")
    return x0, y0, x1, y1


def check_box_use(box, images: list[Path], all_people: bool, person: int, detect: str) -> None:
    """A --box applies to one person of one photo, found by the person detector: PredictInputError with several
    images, --all-people, --person or --detect off."""
    if box is None:
        return
    if detect == "off":
        raise PredictInputError("--box asks the person detector to look in the box; with --detect off there is "
                                "none (to fit a region as one person's crop, crop the photo and use --detect off)")
    if len(images) != 1:
        raise PredictInputError(f"--box is a place on one photo; {len(images)} images were given (run one image "
                                "with --box, the others without)")
    if all_people:
        raise PredictInputError("--box fits the one person in the box; --all-people fits everyone the search "
                                "finds: use one or the other")
    if person != 1:
        raise PredictInputError(f"--box picks the person by place, --person {person} by rank: use one or the other")


def check_weights(weights: Path | None) -> None:
    """--weights: a folder with seg.pt and fit.pt (None: the shipped ones); PredictInputError otherwise, in
    `evaluate --weights`'s words (`inference.weights_folder`: a training run's folder is said to be one, with how to
    package it)."""
    from inference.weights_folder import weights_folder_problem

    why = weights_folder_problem(weights)
    if why:
        raise PredictInputError(why)


def _same_folder(a: Path, b: Path | None) -> bool:
    try:
        return b is not None and b.exists() and a.resolve() == b.resolve()
    except OSError:
        return False


def _is_output_of(name: str, stems: set[str]) -> bool:
    """True when `name` is a file this command writes for one of the images `stems`
    (STEM[_N][_pK]_parts.png and the like)."""
    for suffix in PNG_OUTPUTS:
        if name.endswith(suffix):
            base = re.sub(SUFFIX_TAIL, "", name[: -len(suffix)])
            if base in stems or name[: -len(suffix)] in stems:
                return True
    return False


def _reason(exc: OSError) -> str:
    """Why a folder cannot be read, in plain words (no '[Errno N]')."""
    from inference.file_writes import write_error_reason

    return "no permission" if isinstance(exc, PermissionError) else write_error_reason(exc)


def missing_inputs(texts: list[str]) -> str:
    """'' or the message for the first input that is not there (nothing by that name, or a link to nothing) or that
    was typed as a folder (ending in a slash) and is a file: a usage error, refused before OUT is made, whatever the
    other inputs (a missing file was read as an image that failed, exit 1 with OUT and a summary row made for it,
    where a missing folder wrote nothing, exit 2). An input that cannot be looked at (below a folder without
    permission, a link loop) is left to the reader, which says why it cannot open it."""
    for text in texts:
        bare = text.rstrip("/" + os.sep) or text
        if text != bare and os.path.exists(bare) and not os.path.isdir(bare):
            return f"{text} is not a folder"
        try:
            os.stat(text)
        except FileNotFoundError:
            what = "is a link to a file that is not there" if os.path.islink(bare) else "does not exist"
            return f"{text} {what}"
        except NotADirectoryError:  # (a.jpg/b.jpg: a part of the path is a file)
            return f"{text} does not exist"
        except (OSError, ValueError):  # (no permission, a link loop; a NUL byte: the reader says why)
            pass
    return ""


def expand(paths: list[Path], out: Path | None = None, problems: list[str] | None = None,
           same: list[Path] | None = None) -> list[Path]:
    """Image files from files and folders (a folder: its images, sorted, not recursive), each file once.

    In the output folder `out`, the images this command wrote there (NAME_parts.png, ...) are not inputs. A folder
    that cannot be read (no permission to list it) adds a line to `problems` (one line each, no '[Errno N]') and
    gives no images: the caller says it, and stops when nothing else was found. An input that is the same file as an
    earlier one (a link, the folder given twice, another spelling of its path) is left out and added to `same`:
    the caller says how many (`same_file_note`).
    """
    found: list[Path] = []
    for p in paths:
        try:
            folder = p.is_dir()
        except OSError:  # (below a folder that cannot be entered) an image: the reader says why it cannot open it
            folder = False
        if not folder:
            found.append(p)
            continue
        try:
            images = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES and _is_file(q))
        except OSError as exc:  # (a traceback before: PermissionError from iterdir)
            if problems is not None:
                problems.append(f"cannot read the folder {p} ({_reason(exc)})")
            continue
        if _same_folder(p, out):
            stems = {q.stem for q in images}
            images = [q for q in images if not _is_output_of(q.name, stems - {q.stem})]
        found += images
    seen, unique = set(), []
    for p in found:
        try:
            key = p.resolve()
        except (OSError, RuntimeError):  # (RuntimeError: a symlink loop, before Python 3.13) read as named: the
            key = p                      # reader then says why it cannot open it
        if key not in seen:
            seen.add(key)
            unique.append(p)
        elif same is not None:
            same.append(p)
    return unique


def same_file_note(same: list[Path]) -> str:
    """'' or the note on the inputs `expand` left out as the same file as an earlier input (before, a folder of links
    gave fewer results than inputs without a word)."""
    if not same:
        return ""
    n = len(same)
    return (f"note: {n} input{'s are' if n > 1 else ' is'} the same file as an earlier input (a link or another "
            f"name: {_some(same)}): each file is predicted once")


def _is_file(q: Path) -> bool:
    """Whether a folder's entry is a file to read: an entry that cannot be looked at (a folder listed but not
    entered) counts as one, so that the reader names it with its reason rather than leaving it out unsaid."""
    try:
        return q.is_file()
    except OSError:
        return True


def _is_folder(q: Path) -> bool:
    try:
        return q.is_dir()
    except OSError:
        return False


def _broken_link(q: Path) -> bool:
    try:
        return q.is_symlink() and not q.exists()
    except OSError:
        return False


def subfolders_note(paths: list[Path], out: Path | None = None) -> str:
    """'' or a note naming what the input folders hold that `expand` leaves out unsaid: their subfolders, which it
    does not search (the output folder `out` and its rank logs left out), and links to images that are gone (a
    photo collection sorted into subfolders, or links into a drive not mounted, would else give fewer images
    without a word)."""
    subs, broken = [], []
    ours = [out, out / RANK_LOGS] if out is not None else []
    for p in paths:
        try:
            if p.is_dir():
                for q in sorted(p.iterdir()):
                    if _is_folder(q) and not any(_same_folder(q, o) for o in ours):
                        subs.append(q)
                    elif q.suffix.lower() in IMAGE_SUFFIXES and _broken_link(q):
                        broken.append(q)
        except OSError:  # (`expand` said why)
            pass
    notes = []
    if subs:
        notes.append(f"note: {len(subs)} subfolder{'s' * (len(subs) > 1)} not searched ({_some(subs)}): folders "
                     f"are read one level deep; give subfolders as inputs too to include their images")
    if broken:
        notes.append(f"note: {len(broken)} link{'s' * (len(broken) > 1)} to a file that is not there skipped "
                     f"({_some(broken)})")
    return "\n".join(notes)


def _some(paths: list[Path]) -> str:
    """The first three paths, and how many more."""
    return ", ".join(str(q) for q in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
