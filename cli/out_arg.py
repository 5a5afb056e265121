"""The --out argument of the commands that write files: a path, never the empty string (which Path reads as the
current folder, so that `--out ""` or an unset shell variable would write there without a word); the folder made
and checked before any work, with the photos of the scripts that evaluate photos into it (`out_folder_and_photos`),
and their results written there at the end (`write_tables`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def out_path(text: str) -> Path:
    """argparse type of --out: Path(text), a leading `~` expanded (`home_expanded`); an empty or blank text, and a
    path the file system cannot hold (a part or the whole too long: `too_long`), are refused (exit 2 with the
    message)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give the folder or file to write (an unset shell variable?)")
    path = home_expanded(text)
    why = too_long(path)
    if why:
        raise argparse.ArgumentTypeError(why)
    return path


def in_path(text: str) -> Path:
    """argparse type of a folder or file a command reads (evaluate's DATA, --weights): Path(text), a leading `~`
    expanded (`home_expanded`), an empty or blank text refused (exit 2): Path("") is the current folder, which
    `evaluate ""` evaluated ("no cases found in .")."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give the folder to read (an unset shell variable?)")
    return home_expanded(text)


def home_expanded(text: str) -> Path:
    """Path(text) with a leading `~` or `~user` expanded, as the shell would and as the app's Settings dialog does.
    The shell leaves `~` alone after `=` (`--out=~/x` arrives as the text "~/x"), and a path taken as it is made a
    folder named "~" in the current folder (which a later `rm -rf ~` would take for the home folder). A `~` that
    cannot be expanded (no such user, no home folder known) is refused: it names no folder the user meant."""
    path = Path(text)
    if not text.startswith("~"):
        return path
    try:
        return path.expanduser()
    except RuntimeError:
        raise argparse.ArgumentTypeError(
            f"{text}: the ~ cannot be expanded here (no such user, or no home folder known): write the whole path"
        ) from None


def path_exists(text: str) -> bool:
    """Path(text).exists(), False for a name the OS refuses (too long, NUL bytes) instead of an error."""
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def drop_if_empty(out: Path, made: bool) -> None:
    """Remove the --out folder `out` when this run `made` it and it is still empty: a run that fails leaves no
    empty folder behind (call it on every way out of a failed run, a traceback's included)."""
    try:
        if made and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
    except OSError:  # (gone, or not ours to remove: nothing to tidy)
        pass


def too_long(path: Path) -> str:
    """Why the file system cannot hold `path` ('' when it can): a part longer than NAME_MAX bytes (of the deepest
    existing folder above it; 255 when none says, as `inference.file_writes.name_too_long` assumes), or the whole
    longer than PATH_MAX (4096 bytes). Asked before anything is made: Path.exists() and is_dir() raise for such a
    path (ENAMETOOLONG) where the commands asked whether --out was a folder (a traceback), and a mkdir with parents
    left the folders above the long part behind."""
    import os

    size = len(os.fsencode(str(path)))
    if size >= 4096:
        return (f"{_shortened(str(path))} is {size} bytes long, "
                f"longer than a path may be (4096 bytes): give a shorter one")
    folder, limit = Path(path.anchor or "."), 255
    for part in path.parts[1 if path.anchor else 0:]:
        try:
            if folder.is_dir():  # (a folder not there yet is made on the file system of the last one that is)
                limit = os.pathconf(folder, "PC_NAME_MAX")
        except (OSError, ValueError):
            pass
        if len(os.fsencode(part)) > limit:
            return (f"the name {_shortened(part)} is {len(os.fsencode(part))} bytes long, longer than the file "
                    f"system takes ({limit} bytes): give a shorter one")
        folder = folder / part
    return ""


def _shortened(text: str) -> str:
    """A long name as its first 40 and last 20 characters (a 300-character name would fill the message)."""
    return text if len(text) <= 70 else f"{text[:40]}...{text[-20:]}"


def make_out_folder(out: Path, said: str | None = None) -> str:
    """Create the output folder `out` (and its parents) and make sure a file can be written there: '' when done,
    else why not, one line for the user (a file in the way, a read-only or pseudo file system, no permission),
    about `said` (default "--out OUT"; e.g. "--out FILE: its folder F" for an output file's folder)."""
    import os
    import tempfile

    from inference.file_writes import write_error_reason

    said = f"--out {out}" if said is None else said
    why = too_long(out)  # (--out's argparse type asks it too: this is for the other callers)
    if why:
        return f"{said}: {why}"
    if out.exists() and not out.is_dir():
        return f"{said} is a file, not a folder"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{said}: a file is in the way of this folder"
    except NotADirectoryError:
        return f"{said}: a part of this path is a file, not a folder"
    except OSError as exc:
        return f"{said}: cannot create the folder ({write_error_reason(exc)})"
    try:  # the way atomic_write writes: a temporary file beside the output
        fd, probe = tempfile.mkstemp(dir=out, prefix=".nbf-write-test.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"{said}: cannot write there ({write_error_reason(exc)})"
    return ""


def out_folder_and_photos(out: Path, photos: list[Path]) -> tuple[list[tuple[Path, str, str]], int]:
    """The start of a script that evaluates `photos` into the folder --out `out`, before its models load: make the
    folder (`make_out_folder`: a file in the way was a traceback after the models loaded), then read the photos
    (`inference.predict_outputs.readable_photos`), each that does not read named on stderr ("left out: ...").
    Returns (the readable photos, each (path, its name in a table, its output name), 0), or ([], exit status) with
    the error on stderr: 2 when the folder cannot be used, 1 when no photo reads (and nothing is written: an empty
    table would go over the folder's results)."""
    from inference.predict_outputs import readable_photos

    why = make_out_folder(out)
    if why:
        print(f"error: {why}", file=sys.stderr)
        return [], 2
    readable, skipped = readable_photos(photos)
    for message in skipped:
        print(f"left out: {message}", file=sys.stderr)
    if not readable:
        print(f"error: none of the {len(photos)} photos could be read: nothing to evaluate", file=sys.stderr)
        return [], 1
    return readable, 0


def write_tables(folder: Path, name: str, rows, text: str) -> int:
    """The end of a script that evaluates photos: NAME.json (`rows`, JSON) and NAME.md (`text`) in `folder`, each
    written whole or not at all (`atomic_write`), the JSON first so that a table is never newer than its data.
    Returns 0, or 1 with the error on stderr."""
    import json

    from inference.file_writes import atomic_write, describe_os_error

    try:
        atomic_write(folder / f"{name}.json", json.dumps(rows, indent=1), overwrite=True)
        atomic_write(folder / f"{name}.md", text, overwrite=True)
    except OSError as exc:
        print(f"error: cannot write the results: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    return 0
