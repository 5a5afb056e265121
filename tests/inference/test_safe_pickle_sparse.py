"""scipy.sparse in pickles: the matrix classes an SMPL file holds are read, and no other scipy.sparse name is
resolved (save_npz writes a file, load_npz reads one: functions a pickle must not call)."""
from __future__ import annotations

import pickle
from collections import OrderedDict

import numpy as np
import pytest
import scipy.sparse

from inference import safe_pickle


class _Reduce:
    """Unpickling this calls fn(*args)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def _global_then_reduce(module: str, name: str, arg: str) -> bytes:
    """A protocol-2 pickle that looks up module.name (GLOBAL) and calls it with one string (REDUCE)."""
    a = arg.encode()
    return (b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n"
            + b"X" + len(a).to_bytes(4, "little") + a + b"\x85R.")


def test_the_handmade_pickle_does_what_it_says(tmp_path):
    """The raw pickle below, given to the plain unpickler, really does call the function (the check that the
    refusals are refusals, not a broken pickle)."""
    m = tmp_path / "m.npz"
    scipy.sparse.save_npz(m, scipy.sparse.csr_matrix(np.eye(2)))
    back = pickle.loads(_global_then_reduce("scipy.sparse", "load_npz", str(m)))
    np.testing.assert_array_equal(back.toarray(), np.eye(2))


@pytest.mark.parametrize("module", ["scipy.sparse", "scipy.sparse._matrix_io"])
@pytest.mark.parametrize("name", ["load_npz", "save_npz", "random", "eye"])
def test_sparse_functions_are_refused(tmp_path, module, name):
    m = tmp_path / "m.npz"
    scipy.sparse.save_npz(m, scipy.sparse.csr_matrix(np.eye(2)))
    with pytest.raises(pickle.UnpicklingError, match=f"refusing to load {module}.{name}"):
        safe_pickle.loads(_global_then_reduce(module, name, str(m)))


def test_a_pickle_that_calls_save_npz_writes_nothing(tmp_path):
    target = tmp_path / "written.npz"
    data = pickle.dumps({"J_regressor": _Reduce(scipy.sparse.save_npz, str(target), scipy.sparse.eye(3).tocsc())},
                        protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load scipy.sparse"):
        safe_pickle.loads(data)
    assert not target.exists()


@pytest.mark.parametrize("cls", ["csc_matrix", "csr_matrix", "coo_matrix"])
def test_the_sparse_matrix_classes_are_read(cls):
    J = getattr(scipy.sparse, cls)(np.array([[0.0, 1.5], [2.0, 0.0]]))
    back = safe_pickle.loads(pickle.dumps({"J": J}, protocol=2))["J"]
    assert type(back).__name__ == cls
    np.testing.assert_array_equal(back.toarray(), [[0.0, 1.5], [2.0, 0.0]])


def _csr_state_pickle(indices, shape=(2, 2), extra=None) -> bytes:
    """A pickled csr_matrix whose state (set as pickle sets it, without scipy's checks) has these column indices."""
    m = scipy.sparse.csr_matrix(np.eye(2))
    m.indices = np.asarray(indices, np.int64)
    m._shape = shape
    m.__dict__.update(extra or {})
    return pickle.dumps({"J_regressor": m}, protocol=2)


def test_a_sparse_matrix_indexing_past_its_shape_is_refused_before_anything_densifies_it():
    # (toarray() of such a matrix adds its data at the index the file chose: a write outside the array's memory;
    # nothing here calls it, so on code that returned the matrix the test fails by its loading, not by a crash)
    with pytest.raises(pickle.UnpicklingError, match="indices must be < 2"):
        safe_pickle.loads(_csr_state_pickle([50_000_000, 1]))
    with pytest.raises(pickle.UnpicklingError, match="indices must be >= 0"):
        safe_pickle.loads(_csr_state_pickle([-7, 1]))


def test_an_attribute_of_the_files_cannot_stand_in_for_the_check():
    # BUILD sets any attribute: a check_format of the file's own (OrderedDict: allowed, and does nothing) must not
    # be the one that runs
    with pytest.raises(pickle.UnpicklingError, match="indices must be < 2"):
        safe_pickle.loads(_csr_state_pickle([5000, 1], extra={"check_format": OrderedDict}))


def test_a_coo_matrix_with_coordinates_past_its_shape_is_refused():
    m = scipy.sparse.coo_matrix(np.eye(2))
    m.coords = (np.array([0, 9_000_000]), np.array([0, 1]))
    with pytest.raises(pickle.UnpicklingError, match="exceeds matrix dimension"):
        safe_pickle.loads(pickle.dumps(m, protocol=2))


def test_a_sparse_shape_past_the_limit_is_refused_before_it_is_made_dense():
    # 2**40 values when densified, from a pickle of a few hundred bytes
    m = scipy.sparse.csr_matrix((1 << 20, 1 << 20))
    with pytest.raises(pickle.UnpicklingError, match="over the limit"):
        safe_pickle.loads(pickle.dumps(m, protocol=2))
