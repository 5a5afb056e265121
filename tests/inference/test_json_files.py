"""The one JSON reader (inference/json_files.py): a document nested beyond the decoder's depth is a ValueError like
any other malformed document, worded by read_problem; a byte-order mark is read; the parameter-file, manifest and
scene readers go through it."""
from __future__ import annotations

import json
import struct

import pytest

from inference.export import ParamsFileError, load_params
from inference.integrity import ModelFileError, read_manifest
from inference.json_files import NestedTooDeeply, parse_json, read_json
from inference.read_problems import read_problem
from inference.scene import scene_people

DEEP = "[" * 100000 + "]" * 100000


def test_nesting_too_deep_is_a_value_error():
    with pytest.raises(NestedTooDeeply) as exc:
        parse_json(DEEP)
    assert isinstance(exc.value, ValueError) and str(exc.value) == "nested too deeply to be read"
    with pytest.raises(ValueError):
        parse_json(DEEP.encode())


def test_documents_read_as_json_does(tmp_path):
    doc = {"pose": [0.5] * 72, "name": "Zoë", "n": None}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_json(path) == doc
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())  # (Notepad's byte-order mark)
    assert read_json(path) == doc
    assert parse_json(json.dumps(doc).encode("utf-16")) == doc


def test_read_problem_words_it(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    with pytest.raises(ValueError) as exc:
        read_json(path)
    assert read_problem(path, exc.value) == "nested too deeply to be read"


def test_the_readers_of_files_a_user_opens_go_through_it(tmp_path):
    params = tmp_path / "p.json"
    params.write_text('{"pose": ' + DEEP + "}")
    with pytest.raises(ParamsFileError, match="nested too deeply to be read"):
        load_params(params)
    (tmp_path / "models.json").write_text(DEEP)
    with pytest.raises(ModelFileError, match="nested too deeply to be read"):
        read_manifest(tmp_path)
    chunk = DEEP.encode()
    chunk += b" " * (-len(chunk) % 4)
    glb = tmp_path / "scene.glb"
    head = struct.pack("<4sII", b"glTF", 2, 20 + len(chunk)) + struct.pack("<I4s", len(chunk), b"JSON")
    glb.write_bytes(head + chunk)
    with pytest.raises(ValueError, match="scene.glb: its JSON is nested too deeply to be read"):
        scene_people(glb)
