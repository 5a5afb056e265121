from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from inference.file_writes import TEMPORARY_EXTRA, atomic_write, describe_os_error, name_too_long, write_error_reason


def test_writes_bytes_and_text_and_refuses_to_clobber(tmp_path):
    path = tmp_path / "a.txt"
    assert atomic_write(path, "één") == path
    assert path.read_bytes() == "één".encode()
    with pytest.raises(FileExistsError, match="exists"):
        atomic_write(path, b"other")
    assert path.read_text(encoding="utf-8") == "één"
    atomic_write(path, b"other", overwrite=True)
    assert path.read_bytes() == b"other"
    assert os.listdir(tmp_path) == ["a.txt"]  # no temporary file left


def test_replacing_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "p.bin"
    path.write_bytes(b"x")
    os.chmod(path, 0o600)
    atomic_write(path, b"y", overwrite=True)
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.fixture
def set_umask():
    """Set the process's umask for one test (`set_umask(0o077)`); the one before is back after it."""
    before = os.umask(0o022)
    os.umask(before)
    yield os.umask
    os.umask(before)


@pytest.mark.parametrize("mask", [0o077, 0o027, 0o000], ids=["077", "027", "000"])
def test_a_new_file_follows_the_umask_as_open_would(tmp_path, set_umask, mask):
    """Every output was 0644 whatever the umask, while the folders and logs beside it followed it: a user with
    umask 077 got photos and body parameters readable by everyone, a group folder under 002 files the group could
    not write."""
    set_umask(mask)
    atomic_write(tmp_path / "new.obj", "v 0 0 0\n")
    with open(tmp_path / "by_open.obj", "w") as fh:
        fh.write("v 0 0 0\n")
    assert (tmp_path / "new.obj").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "new.obj").stat().st_mode & 0o777 == (tmp_path / "by_open.obj").stat().st_mode & 0o777


@pytest.mark.parametrize(("mask", "kept"), [(0o000, 0o600), (0o077, 0o664)], ids=["000-600", "077-664"])
def test_a_replaced_file_keeps_its_mode_whatever_the_umask(tmp_path, set_umask, mask, kept):
    """As open() overwriting a file in place: the file's own mode, not the umask's."""
    path = tmp_path / "summary.csv"
    path.write_bytes(b"old")
    os.chmod(path, kept)
    set_umask(mask)
    atomic_write(path, b"new", overwrite=True)
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == kept


def test_a_missing_folder_is_named_and_a_failed_move_leaves_nothing(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write(tmp_path / "nowhere" / "a.txt", b"x")

    def full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "link", full)
    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(tmp_path / "b.txt", b"x")
    assert os.listdir(tmp_path) == []


def test_without_hard_links_the_move_still_refuses_a_name_taken_meanwhile(tmp_path, monkeypatch):
    path = tmp_path / "c.txt"

    def no_links(src, dst):  # a filesystem without hard links, and another writer taking the name first
        path.write_bytes(b"theirs")
        raise OSError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(FileExistsError):
        atomic_write(path, b"ours")
    assert path.read_bytes() == b"theirs"
    assert os.listdir(tmp_path) == ["c.txt"]


def test_a_name_the_file_system_cannot_take_is_found_before_writing(tmp_path):
    """255 bytes is the longest name on most file systems, and atomic_write's temporary file is longer than the
    name it makes: a name that fits only without that room is refused too (helper-79: a photo named at length
    ended `predict` in a traceback)."""
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    fits, over = "a" * (limit - TEMPORARY_EXTRA), "b" * (limit - TEMPORARY_EXTRA + 1)
    assert name_too_long(tmp_path, ["short.png", fits]) is None
    atomic_write(tmp_path / fits, b"x")
    assert name_too_long(tmp_path, ["short.png", over, "c" * 300]) == over
    with pytest.raises(OSError):
        atomic_write(tmp_path / over, b"x")
    assert name_too_long(tmp_path, ["\u00fc" * 130]) is not None  # bytes, not characters: 260 in UTF-8


def test_a_failed_write_names_the_users_file_in_words(tmp_path, monkeypatch):
    """helper-80: the app's banner said "PermissionError: [Errno 13] Permission denied: '/sys/.a.json.68dd2qlj.tmp'"
    (the hidden temporary file's name), and a folder named like the export was first offered for replacing."""
    import errno
    import tempfile

    monkeypatch.chdir(tmp_path)  # names relative to it: shown whole however long $TMPDIR makes tmp_path
    folder = Path("a.obj")
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic_write(folder, b"x")  # not FileExistsError: nothing to ask the user about
    assert describe_os_error(info.value) == "a.obj: a folder has this name"

    def refused(dir, prefix, suffix):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, prefix + "k2j4h5g6" + suffix))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    target = Path("a.json")
    with pytest.raises(PermissionError) as info:
        atomic_write(target, b"x")
    assert info.value.filename == str(target)
    assert describe_os_error(info.value) == "a.json: no permission to write there"
    monkeypatch.undo()
    long = tmp_path / ("n" * 300 + ".obj")
    with pytest.raises(OSError) as info:
        atomic_write(long, b"x")
    text = describe_os_error(info.value)
    assert text.endswith("the name is longer than the file system takes") and len(text) < 160
    assert describe_os_error(FileNotFoundError("cannot write x: the folder y does not exist")) == \
        "cannot write x: the folder y does not exist"


def test_write_error_reason_says_why_without_the_file():
    """The CLI and the app's folder batch name the file they were writing themselves and add this reason:
    the same words as describe_os_error, never an errno or a class name."""
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/out/a.npz")
    assert write_error_reason(full) == "the disk is full"
    assert describe_os_error(full) == "/out/a.npz: the disk is full"
    assert write_error_reason(OSError(errno.EIO, os.strerror(errno.EIO))) == os.strerror(errno.EIO).lower()
    assert write_error_reason(FileNotFoundError("cannot write x: the folder y does not exist")) == (
        "cannot write x: the folder y does not exist")
    assert write_error_reason(ValueError("bad scene")) == "bad scene"


def test_a_folder_that_is_a_file_or_went_away_is_said_so(tmp_path, monkeypatch):
    """A path through a file (afile/x.obj) said that the folder afile does not exist; a folder removed after the
    check said "[Errno 2] No such file or directory" of the hidden temporary file."""
    import tempfile

    (tmp_path / "afile").write_text("x")
    for target in (tmp_path / "afile" / "x.obj", tmp_path / "afile" / "sub" / "x.obj"):
        with pytest.raises(NotADirectoryError) as info:
            atomic_write(target, b"x")
        assert describe_os_error(info.value) == f"cannot write {target}: {tmp_path / 'afile'} is a file, not a folder"
    folder = tmp_path / "gone"
    folder.mkdir()
    mkstemp = tempfile.mkstemp

    def folder_removed_first(**kwargs):  # the user deletes the folder between the check and the write
        folder.rmdir()
        return mkstemp(**kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", folder_removed_first)
    with pytest.raises(FileNotFoundError) as info:
        atomic_write(folder / "x.obj", b"x")
    assert describe_os_error(info.value) == f"cannot write {folder / 'x.obj'}: the folder {folder} does not exist"
