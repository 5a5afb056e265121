"""Parameter files and meshes whose data is nested in ways numpy or the JSON reader cannot take: lists of unequal
lengths, lists nested beyond numpy's 64 dimensions, JSON nested beyond the reader's depth. Each is one line naming the
file (a ParamsFileError), or for a mesh's stated frame no frame, never numpy's or the JSON reader's traceback."""
from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest

from inference import export as ex

DEEP = 100_000  # levels of nesting: far beyond the JSON reader's depth (the recursion limit)


def _nested(depth: int):
    value = 1.0
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(("key", "value"), [
    ("pose", [1, [2, 3]]),  # lists of unequal lengths
    ("pose", _nested(100)),  # over numpy's 64 dimensions
    ("betas", [[0.0] * 5, [0.0] * 4]),
    ("transl", [0.0, 0.0, [1.0]]),
    ("focal", [5000, [1]]),
])
@pytest.mark.parametrize("suffix", [".json", "_body.pkl"])
def test_a_ragged_or_deep_list_is_refused_in_words(tmp_path, key, value, suffix):
    """`export --pose`, `render --pose`, the app's parameter files and `evaluate`'s _body.pkl cases (numpy's
    ValueError came through as a traceback)."""
    if suffix == "_body.pkl":  # (a pickle in UP-3D's layout: trans and f)
        key = {"transl": "trans", "focal": "f"}.get(key, key)
    doc = {"pose": [0.0] * 72, "betas": [0.0] * 10, key: value}
    path = tmp_path / f"x{suffix}"
    path.write_bytes(json.dumps(doc).encode() if suffix == ".json" else pickle.dumps(doc))
    with pytest.raises(ex.ParamsFileError) as info:
        ex.load_params_file(path)
    assert str(info.value) == (f"{path}: {key} is not an array of numbers: its lists differ in length or are nested "
                               "too deeply")


def test_a_complex_value_is_still_refused_as_complex(tmp_path):
    path = tmp_path / "c.npz"
    np.savez(path, pose=np.zeros(72, np.complex128), betas=np.zeros(10))
    with pytest.raises(ex.ParamsFileError, match="pose holds complex numbers, not real ones"):
        ex.load_params_file(path)


def test_a_body_model_name_that_is_a_ragged_list_is_refused_in_words(tmp_path):
    path = tmp_path / "n.json"
    path.write_text(json.dumps({"pose": [0.0] * 72, "body_model": [1, [2, 3]]}))
    with pytest.raises(ex.ParamsFileError) as info:
        ex.load_params_file(path)
    assert str(info.value) == f"{path}: body_model is not the name of a body model"


def _glb(json_bytes: bytes) -> bytes:
    """A GLB of a JSON chunk alone (what stated_frame and scene_people read)."""
    pad = json_bytes + b" " * (-len(json_bytes) % 4)
    return struct.pack("<4sII", b"glTF", 2, 20 + len(pad)) + struct.pack("<I4s", len(pad), b"JSON") + pad


def test_a_glb_whose_json_is_nested_too_deeply_states_no_frame(tmp_path):
    """predict reads the frame its meshes in --out state (`siblings_frame`): a GLB there nested beyond the JSON reader
    raised RecursionError through predict."""
    deep = tmp_path / "deep.glb"
    deep.write_bytes(_glb(b'{"asset": ' + b"[" * DEEP + b"]" * DEEP + b"}"))
    assert ex.stated_frame(deep) is None
    stated = tmp_path / "stated.glb"
    stated.write_bytes(_glb(json.dumps({"asset": {"extras": {"frame": "camera"}}}).encode()))
    assert ex.stated_frame(stated) == "camera"
