"""inference.array_files: an .npz or .npy is refused when its header or zip directory says it would take more
memory than the limit, before anything is read (sweep158 finding 4); the body model reads only its arrays."""
from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import pytest

from inference import array_files
from inference.array_files import read_npy, read_npz
from inference.body_model import EMBEDDED_MODEL, read_model_file
from inference.read_problems import read_problem

LIMIT = 1 << 30  # array_files.MAX_READ_BYTES, the bytes one read may hold


def _npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    """An .npy file's header alone, declaring `shape` (the data that should follow is left out)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _npz(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name + ".npy", data)
    return path


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def test_a_declared_shape_past_the_limit_is_refused_before_reading(tmp_path):
    # 8 TiB declared in a file of a few hundred bytes (numpy would allocate it, then find the data missing)
    assert array_files.MAX_READ_BYTES == LIMIT
    path = _npz(tmp_path / "huge.npz", {"pose": _npy_header((1 << 40,))})
    with pytest.raises(array_files.TooLarge, match=r"pose: an array of shape \(1099511627776,\) .* over the limit"):
        read_npz(path)
    npy = tmp_path / "huge.npy"
    npy.write_bytes(_npy_header((1 << 40,)))
    with pytest.raises(array_files.TooLarge, match="over the limit"):
        read_npy(npy)
    assert "over the limit" in read_problem(npy, array_files.TooLarge("huge.npy: ... over the limit of 1.0 GiB"))


def test_a_member_the_zip_directory_says_inflates_past_the_limit_is_refused(tmp_path):
    path = _npz(tmp_path / "bomb.npz", {"betas": _npy(np.zeros(10))})
    data = bytearray(path.read_bytes())
    at = data.rindex(b"PK\x01\x02")  # the member's entry in the central directory: its uncompressed size at +24
    data[at + 24:at + 28] = struct.pack("<I", LIMIT + (1 << 20))
    path.write_bytes(bytes(data))
    with pytest.raises(array_files.TooLarge, match="betas inflates to 1.0 GiB: over the limit"):
        read_npz(path)


def test_arrays_together_past_the_limit_are_refused(tmp_path):
    half = (LIMIT // 8 // 2 + 1,)  # each under the limit, the two over it
    path = _npz(tmp_path / "two.npz", {"a": _npy_header(half), "b": _npy_header(half)})
    with pytest.raises(array_files.TooLarge, match="its arrays a, b hold 1.0 GiB or more"):
        read_npz(path)


def test_a_body_model_reads_only_its_own_arrays(tmp_path):
    # a member the model does not use is never looked at, whatever it declares
    with np.load(EMBEDDED_MODEL) as z:
        arrays = {k: z[k] for k in z.files}
    path = _npz(tmp_path / "model.npz", {**{k: _npy(v) for k, v in arrays.items()}, "junk": _npy_header((1 << 40,))})
    data = read_model_file(path)
    assert "junk" not in data
    for k in ("v_template", "J_regressor", "f"):
        assert data[k].tobytes() == arrays[k].tobytes() and data[k].dtype == arrays[k].dtype


def test_out_of_memory_is_said_in_words(tmp_path):
    path = tmp_path / "x_body.pkl"
    path.write_bytes(b"\x80\x02}q\x00.")
    assert "not enough memory" in read_problem(path, MemoryError())


def test_the_project_s_own_training_files_are_read_past_the_limit(tmp_path, monkeypatch):
    """A training cache's shard is as large as the user's --shard and --res ask (500 samples of 13 x 320 x 320
    float16 probabilities: 1.3 GB): its readers pass OWN_FILES, no limit, where a file a user opens is refused."""
    import training.cache as cache

    path = tmp_path / "shard_00000.npz"
    np.savez(path, labels=np.zeros((4, 8, 8), np.uint8), joints2d=np.zeros((4, 14, 2), np.float32))
    with pytest.raises(array_files.TooLarge):
        read_npz(path, max_bytes=100)
    assert read_npz(path, max_bytes=array_files.OWN_FILES)["labels"].shape == (4, 8, 8)
    asked = []

    def spy(*args, **kwargs):
        asked.append(kwargs.get("max_bytes", array_files.MAX_READ_BYTES))
        return read_npz(*args, **kwargs)

    monkeypatch.setattr(cache, "read_npz", spy)
    assert cache._read_shard(str(path), ("labels",))["labels"].shape == (4, 8, 8)
    assert asked == [array_files.OWN_FILES]
