"""inference.array_files: the one reader of .npz and .npy files, with real numpy files on disk."""
import gc
import sys
import threading

import numpy as np
import pytest

from inference.array_files import is_npz, read_npy, read_npz


def test_an_npz_reads_whole_or_by_the_keys_asked_for(tmp_path):
    p = tmp_path / "a.npz"
    np.savez(p, pose=np.arange(72, dtype=np.float32), betas=np.ones(10))
    both = read_npz(p)
    assert sorted(both) == ["betas", "pose"] and both["pose"].shape == (72,)
    assert list(read_npz(p, ("pose", "transl"))) == ["pose"]  # a key the file lacks is left out


def test_files_that_are_not_plain_arrays_are_refused_with_a_message(tmp_path):
    text = tmp_path / "fake.npz"
    text.write_text("not an archive")
    assert not is_npz(text)
    with pytest.raises(ValueError, match="not an .npz file"):
        read_npz(text)
    objects = tmp_path / "objects.npz"
    np.savez(objects, o=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):
        read_npz(objects)  # pickled objects are never unpickled
    npy = tmp_path / "o.npy"
    np.save(npy, np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):
        read_npy(npy)


def test_an_npy_reads_back(tmp_path):
    p = tmp_path / "j.npy"
    np.save(p, np.arange(42, dtype=np.float32).reshape(3, 14))
    np.testing.assert_array_equal(read_npy(p), np.arange(42, dtype=np.float32).reshape(3, 14))


class _Finalised:
    """Garbage in a reference cycle whose finaliser runs Python code: a collection inside one thread's header
    parse then lets another thread run, which is how two parses interleave."""

    def __del__(self):
        sum(range(50))


def test_reads_from_several_threads_at_once_do_not_collide(tmp_path):
    # CPython 3.11 shares the AST constructor's depth counter between threads (gh-106905); unguarded, this
    # fails with "SystemError: AST constructor recursion depth mismatch" within a few hundred reads
    p = tmp_path / "a.npz"
    np.savez(p, mean=np.zeros(69, np.float32), prec=np.eye(69, dtype=np.float32))
    errors: list[BaseException] = []

    def read_many():
        try:
            for _ in range(500):
                a, b = _Finalised(), _Finalised()
                a.other, b.other = b, a
                del a, b
                read_npz(p)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread below
            errors.append(exc)

    threshold, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(50, 1, 1)
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=read_many) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)
    assert not errors, errors[0]
