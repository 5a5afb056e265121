"""Atomic file writes: every file the project writes for a user (exports, `predict`'s outputs, scenes, the
Dataset tab's tables) goes through `atomic_write`, so a failed or interrupted write leaves either the whole file or
nothing, and never replaces an existing file unless asked."""
from __future__ import annotations

import errno
import functools
import os
import tempfile
from pathlib import Path

from .deferred_signals import deferred_signals

# atomic_write's temporary file is named ".NAME.XXXXXXXX.tmp": this many bytes longer than NAME
TEMPORARY_EXTRA = len("..") + 8 + len(".tmp")

# How text files the project writes and reads back (summary.csv, the batch logs) encode a file name that is not
# UTF-8 (read by Python as surrogate escapes, os.fsdecode): as the file system's own bytes, so that the name read
# back is the file's name again (the logs' rows are matched to the inputs by their file names). `name_to_text` and
# `name_from_text` make that hold under a file-system encoding other than UTF-8 too.
TEXT_ERRORS = "surrogateescape"


def name_to_text(name: str) -> str:
    """A file name or path (as Python holds it, os.fsdecode) as the text files hold it: the file system's bytes
    read as UTF-8 (`TEXT_ERRORS` for those that are not), whatever the file-system encoding. Under an ASCII or
    Latin-1 one (PYTHONUTF8=0 LC_ALL=C, a legacy locale) Python holds 'Müller' as other characters than UTF-8 reads
    from its bytes: written as they were, a finished photo's row never matched its input again. Under UTF-8 it is
    `name` itself. A text the file-system encoding cannot hold (no name read from this file system) is kept."""
    try:
        return os.fsencode(name).decode("utf-8", TEXT_ERRORS)
    except UnicodeEncodeError:
        return name


def name_from_text(text: str) -> str:
    """`name_to_text` undone: a file name or path read from a text file, as Python holds the file's name."""
    try:
        return os.fsdecode(text.encode("utf-8", TEXT_ERRORS))
    except UnicodeEncodeError:  # (a lone surrogate no UTF-8 file held)
        return text


def name_too_long(folder: str | Path, names) -> str | None:
    """The first of the file `names` (str) that `atomic_write` cannot create in `folder`: its temporary file's name
    would exceed the file system's longest name (NAME_MAX bytes, 255 on most; 255 when the folder cannot say), or
    None. Asked before any work, so that a photo named at length fails with its own message, not a traceback."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    return next((n for n in names if len(os.fsencode(n)) + TEMPORARY_EXTRA > limit), None)


def atomic_write(path: str | Path, data: bytes | str, overwrite: bool = False) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and os.replace.

    Raises FileExistsError when `path` exists and overwrite is False (checked again at the final
    move when the filesystem supports hard links). The folder must exist: FileNotFoundError when it does not,
    NotADirectoryError when it is a file (both with a message for the user, no errno). Returns the path.
    A new file's mode is what open() would give it (0o666 less the umask: 0600 under umask 077); a file replaced
    keeps its own mode, as one overwritten in place by open() does.
    Ctrl+C or SIGTERM during the write takes effect when it is over (`inference.deferred_signals`): no
    temporary file is left behind, and the file is either complete or absent. Text is written as UTF-8, a file
    name that is not UTF-8 in it (Python's surrogate escapes, as `name_to_text` gives them) as the bytes the file
    system holds (`TEXT_ERRORS`): a photo named so in an old archive made every write of summary.csv fail.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8", TEXT_ERRORS)
    if not path.parent.is_dir():  # (else the temporary file's name would be the one reported missing)
        raise _no_folder_error(path)
    if path.is_dir():  # (before the exists check: "replace it?" would be asked of a folder)
        raise IsADirectoryError(errno.EISDIR, "a folder has this name", str(path))
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists (use overwrite to replace it)")
    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o666 & ~_umask()
    with deferred_signals():  # an interruption between creating the temporary file and its clean-up
        try:                  # would leave it behind
            return _write_and_move(path, data, overwrite, mode)
        except FileExistsError:
            raise
        except OSError as exc:  # about the temporary file: said of the user's file, whose name they know
            if exc.errno == errno.ENOENT and not path.parent.is_dir():  # the folder went away after the check
                raise _no_folder_error(path) from None
            if exc.errno is not None and exc.filename and Path(exc.filename).name.startswith(f".{path.name}."):
                raise type(exc)(exc.errno, exc.strerror, str(path)) from None
            raise


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (/proc/self/status, Linux 4.7 and later):
    os.umask can only be read by setting it, process-wide, and a file another thread creates in that moment would
    get the value set. Elsewhere it is read that way once (`_umask_once`) and kept."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _umask_once()


@functools.cache
def _umask_once() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _no_folder_error(path: Path) -> OSError:
    """Why `path`'s folder cannot take the file, naming the part of the path to fix: FileNotFoundError when the
    folder does not exist, NotADirectoryError when it (or a folder above it) is a file. Made with a message and no
    errno, so that describe_os_error and write_error_reason show the message as it is."""
    for above in path.parents:
        if above.exists():
            if not above.is_dir():
                return NotADirectoryError(f"cannot write {path}: {above} is a file, not a folder")
            break
    return FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")


# The user's words for the file errors they can meet (no errno, no class name)
_WHY = {errno.EACCES: "no permission to write there", errno.EPERM: "not permitted there",
        errno.ENOENT: "no such file or folder", errno.EISDIR: "a folder has this name",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.ENAMETOOLONG: "the name is longer than the file system takes", errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only", errno.EDQUOT: "the disk quota is used up",
        errno.EEXIST: "a file has this name"}


def write_error_reason(exc: BaseException) -> str:
    """Why writing a file failed, in the user's words, without the file's name (the caller names what it was
    writing): "the disk is full" for ENOSPC; the message itself for an error made with one and no errno (e.g.
    atomic_write's missing folder) or one that is not an OSError."""
    if not isinstance(exc, OSError) or exc.errno is None:
        return str(exc)
    return _WHY.get(exc.errno, (exc.strerror or str(exc)).lower())


def describe_os_error(exc: OSError) -> str:
    """One line for a user about a failed file operation: the file (a long path shortened) and why, in words; the
    message itself for an OSError made with one (no errno: e.g. atomic_write's missing folder)."""
    if exc.errno is None:
        return str(exc)
    why = write_error_reason(exc)
    name = str(exc.filename) if exc.filename else ""
    if len(name) > 100:
        name = f"{name[:60]}...{name[-30:]}"
    return f"{name}: {why}" if name else why


def _write_and_move(path: Path, data: bytes, overwrite: bool, mode: int) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # TEMPORARY_EXTRA
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # (mkstemp's file is 0600 while it is written)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:  # no-clobber move: a hard link fails if the name was taken meanwhile
                os.link(tmp, path)
                os.unlink(tmp)
            except FileExistsError:
                raise FileExistsError(f"{path} exists (use overwrite to replace it)") from None
            except OSError:  # no hard links here (some network/FUSE filesystems)
                if path.exists():
                    raise FileExistsError(f"{path} exists (use overwrite to replace it)") from None
                os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


class FolderBusy(OSError):
    """Another process holds the folder's run lock (`lock_folder`); the message names it for the user."""


def lock_folder(folder: Path, name: str = ".run.lock"):
    """Hold FOLDER/name locked for this process (the returned open file: closing it, or the process ending, lets go)
    so that a second run writing into the same folder is refused rather than interleaving its files with this one's
    (two training runs into one --out would leave one's best.pt beside the other's latest.pt). The file keeps
    the holder's process id, which the refusal names. FolderBusy when another process holds it; None where this
    system has no file locks (the run goes on unguarded). `unlock_folder` lets go and removes the file."""
    try:
        import fcntl
    except ImportError:
        return None
    path = Path(folder) / name
    for _ in range(8):
        try:
            fh = open(path, "a+")
        except OSError:  # (a lock file another user left, not ours to write): unguarded
            return None
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            raise FolderBusy(f"another run is writing into {folder}" + (f" (process {holder})" if holder else "")
                             + ": wait for it to end, or give another folder") from None
        except OSError:  # a file system without locks (some network mounts)
            fh.close()
            return None
        try:  # the file locked is still the one at `path` (not one a run ending at that moment has just removed)
            if os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino:
                break
        except OSError:
            pass
        fh.close()
    else:
        return None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def unlock_folder(lock) -> None:
    """Let go of `lock_folder`'s lock and remove its file (the folder keeps only what the run wrote)."""
    try:
        os.unlink(lock.name)
    except OSError:
        pass
    lock.close()
