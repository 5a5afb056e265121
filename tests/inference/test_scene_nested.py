"""A scene GLB in --out whose JSON is nested beyond the JSON reader's depth: a ValueError in words (its callers, the
resume of predict, take a ValueError as a file that is not one of our scenes), not a RecursionError's traceback."""
from __future__ import annotations

import struct

import pytest

from inference.scene import load_scene, scene_people

DEEP = 100_000


@pytest.mark.parametrize("read", [scene_people, load_scene])
def test_a_scene_nested_too_deeply_is_a_value_error_in_words(tmp_path, read):
    doc = b'{"nodes": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    doc += b" " * (-len(doc) % 4)
    path = tmp_path / "photo_people.glb"
    path.write_bytes(struct.pack("<4sII", b"glTF", 2, 20 + len(doc)) + struct.pack("<I4s", len(doc), b"JSON") + doc)
    with pytest.raises(ValueError) as info:
        read(path)
    assert str(info.value) == "photo_people.glb: its JSON is nested too deeply to be read"
