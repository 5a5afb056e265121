from __future__ import annotations

import os

import pytest

from inference.file_writes import TEMPORARY_EXTRA, atomic_write, name_too_long


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
