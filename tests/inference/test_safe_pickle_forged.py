"""inference.safe_pickle: numpy data a pickle forges is refused before it is built (sweep158 findings 2 and 3).

numpy's own unpickling trusts the state a file gives: a dtype whose flags say "no objects" over fields that are
objects turns the file's bytes into object pointers, and `_reconstruct` allocates any shape before data arrives.
The files here are made small, their forged pointers null, and nothing reads their elements: on code that built
them, the test fails by their loading, not by a crash.
"""
from __future__ import annotations

import pickle
import sys
import types
from collections import OrderedDict

import numpy as np
import pytest
import scipy.sparse
from numpy._core.multiarray import _reconstruct

from inference import safe_pickle
from inference.body_model import BodyModelError, read_model_file
from inference.export import ParamsFileError, load_params_file


class _Reduce:
    """Pickles as fn(*args), with `state` set on the result when given."""

    def __init__(self, fn, args, state=None):
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        return (self.fn, self.args) if self.state is None else (self.fn, self.args, self.state)


def _dtype_with_object_fields_flagged_plain():
    """A void dtype of one object field whose state's flags (the last item) claim it holds no objects."""
    state = list(np.dtype([("a", "O")]).__reduce__()[2])
    state[-1] = 0
    return _Reduce(np.dtype, ("V8", False, True), tuple(state))


def _forged_array(n: int = 3):
    return _Reduce(_reconstruct, (np.ndarray, (0,), b"b"),
                   (1, (n,), _dtype_with_object_fields_flagged_plain(), False, bytes(8 * n)))


def _smpl_arrays(n_vertices: int = 10) -> dict:
    return {"v_template": np.zeros((n_vertices, 3)), "shapedirs": np.zeros((n_vertices, 3, 10)),
            "J_regressor": np.zeros((24, n_vertices)), "weights": np.zeros((n_vertices, 24)),
            "kintree_table": np.zeros((2, 24), np.int64), "f": np.zeros((1, 3), np.int64)}


def test_an_array_of_a_forged_dtype_is_refused():
    with pytest.raises(pickle.UnpicklingError, match="refusing to load numpy data of type 'V8'"):
        safe_pickle.loads(pickle.dumps({"kintree_table": _forged_array()}, protocol=2))


def test_a_scalar_of_a_forged_dtype_is_refused():
    from numpy._core.multiarray import scalar

    data = pickle.dumps([_Reduce(scalar, (_dtype_with_object_fields_flagged_plain(), bytes(8)))], protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        safe_pickle.loads(data)


@pytest.mark.parametrize("dtype", [[("a", "<f8"), ("b", "<i4")], ("<f8", (2,)), "V8", "M8[s]"],
                         ids=["structured", "sub-array", "void", "datetime"])
def test_arrays_that_are_not_plain_numbers_or_text_are_refused(dtype):
    dt = np.dtype(dtype)  # (numpy itself never pickles a sub-array dtype's array: it makes the sub-array axes)
    array = _Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, (3,), dt, False, bytes(3 * dt.itemsize)))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load numpy data"):
        safe_pickle.loads(pickle.dumps({"pose": array}, protocol=2))


def test_object_arrays_are_refused():
    # (an SMPL file holds chumpy objects and numpy arrays of numbers and text, never numpy arrays of objects)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load numpy data of type 'O8'"):
        safe_pickle.loads(pickle.dumps({"pose": np.array([1.0, "x"], dtype=object)}, protocol=2))


def test_a_declared_shape_past_the_limit_is_refused_before_it_is_allocated():
    # 8 TiB declared by a pickle of about 100 bytes; numpy's _reconstruct would allocate it before any data came
    big = _Reduce(_reconstruct, (np.ndarray, (1 << 40,), b"f8"))
    with pytest.raises(pickle.UnpicklingError, match="over the limit"):
        safe_pickle.loads(pickle.dumps({"betas": big}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load a call of numpy.ndarray"):
        safe_pickle.loads(pickle.dumps({"betas": _Reduce(np.ndarray, ((1 << 40,), "f8"))}, protocol=2))


def test_an_array_whose_data_does_not_match_its_shape_is_refused():
    short = _Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, (1 << 20,), np.dtype("f8"), False, bytes(8)))
    with pytest.raises(pickle.UnpicklingError, match="its data does not match"):
        safe_pickle.loads(pickle.dumps([short], protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="without its data"):  # a shape and no state at all
        safe_pickle.loads(pickle.dumps([_Reduce(_reconstruct, (np.ndarray, (4,), b"f8"))], protocol=2))


def test_the_readers_refuse_forged_dtypes_with_one_line(tmp_path):
    model = tmp_path / "SMPL_forged.pkl"
    model.write_bytes(pickle.dumps({**_smpl_arrays(), "kintree_table": _forged_array(48)}, protocol=2))
    with pytest.raises(BodyModelError, match=r"SMPL_forged.pkl: refusing to load numpy data"):
        read_model_file(model)
    params = tmp_path / "forged_body.pkl"
    params.write_bytes(pickle.dumps({"pose": np.zeros(72), "betas": np.zeros(10), "body_model": _forged_array(1)},
                                    protocol=2))
    with pytest.raises(ParamsFileError, match=r"forged_body.pkl: refusing to load numpy data"):
        load_params_file(params)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_plain_data_reads_back_byte_for_byte(protocol):
    arrays = [np.arange(12, dtype=t).reshape(3, 4) for t in ("<f8", ">f8", "<f4", "<i8", ">i4", "u1", "<u4", "<c16")]
    arrays += [np.asfortranarray(np.arange(12.0).reshape(3, 4)), np.array(["ab", "c"]), np.array([b"xy", b"z"]),
               np.array(2.5), np.zeros((0, 3)), np.array([True, False])]
    scalars = [np.float64(1.5), np.int32(-3), np.uint32(7), np.str_("lbs"), np.bool_(True)]
    data = pickle.dumps({"a": arrays, "s": scalars}, protocol=protocol)
    back, numpys = safe_pickle.loads(data), pickle.loads(data)  # (numpy's own reading of the project's own data)
    for a, b in zip(numpys["a"], back["a"], strict=True):
        assert (b.dtype, b.shape, b.tobytes()) == (a.dtype, a.shape, a.tobytes())
        assert b.strides == a.strides or b.size == 0  # (an empty array's strides say nothing)
        assert b.flags.writeable or protocol == 5  # (protocol 5 arrays are as writeable as their buffer)
    for a, b in zip(numpys["s"], back["s"], strict=True):
        assert type(b) is type(a) and b == a


def test_array_bytes_as_python_2_text_read_as_numpy_reads_them():
    # (Python 2 pickles, as official SMPL files are, carry array bytes as str, read back as latin1 text)
    raw = np.array([1.5, -2.0, 3.25]).tobytes()
    array = _Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, (3,), np.dtype("<f8"), False, raw.decode("latin1")))
    data = pickle.dumps({"x": array}, protocol=2)
    back = safe_pickle.loads(data)["x"]
    assert back.tobytes() == pickle.loads(data)["x"].tobytes() == raw and back.dtype == np.dtype("<f8")


# --------------------------------------------------------------------------- objects BUILD sets attributes on
# (review166 finding 1) BUILD sets attributes on any object with a __dict__ and no __setstate__, and numpy reads
# `__array_interface__` from an instance: handed out as data, such an object becomes an array over any address the
# file names. The files here name the address of an array the test owns, so that code which let them through reads
# that array, not memory it does not own (the crash itself is shown in a subprocess: test_safe_pickle_cli.py).

def _state(address: int, n: int) -> bytes:
    """The pickle opcodes of {'__array_interface__': ...}: n float64 values at `address`."""
    iface = {"shape": (n,), "typestr": "<f8", "data": (address, False), "version": 3}
    return pickle.dumps({"__array_interface__": iface}, protocol=2)[2:-1]  # (without PROTO and STOP)


_MADE = {  # how each crafted file makes the object it sets the state on (opcodes that push it)
    "a bare instance from copyreg._reconstructor":
        b"ccopy_reg\n_reconstructor\ncnumpy\nndarray\nc__builtin__\nobject\nN\x87R",
    "an OrderedDict": b"ccollections\nOrderedDict\n)R",
    "a function of the module": b"cnumpy.core.multiarray\nscalar\n",
}


def _document(made: bytes, state: bytes, slots: bool = False) -> bytes:
    """{'pose': made, with `state` set on it by BUILD (in its slot-state form: (None, state) when `slots`)}."""
    return b"\x80\x02}(X\x04\x00\x00\x00pose" + made + (b"N" + state + b"\x86" if slots else state) + b"bu."


def test_the_crafted_array_source_is_one():
    """The OrderedDict file, read by the plain unpickler, does give an array over the address it names (the check
    that the refusals below are refusals of that, not of a broken pickle)."""
    own = np.arange(72.0)
    back = pickle.loads(_document(_MADE["an OrderedDict"], _state(own.ctypes.data, 72)))
    np.testing.assert_array_equal(np.asarray(back["pose"]), own)


@pytest.mark.parametrize("made", list(_MADE))
def test_an_object_with_attributes_set_by_the_file_is_refused(made):
    own = np.arange(72.0)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        safe_pickle.loads(_document(_MADE[made], _state(own.ctypes.data, 72)))


def test_a_class_or_function_is_not_data():
    for name in (b"cnumpy\nndarray\n", b"cnumpy\ndtype\n", b"c__builtin__\nobject\n", b"ccollections\nOrderedDict\n",
                 b"cnumpy.core.multiarray\n_reconstruct\n", b"cchumpy.ch\nCh\n", b"cscipy.sparse\ncsr_matrix\n"):
        with pytest.raises(pickle.UnpicklingError, match="as data"):
            safe_pickle.loads(b"\x80\x02}(X\x04\x00\x00\x00pose" + name + b"u.")


def test_a_file_leaves_nothing_set_on_the_module_for_later_files():
    """BUILD on each name a pickle may use (classes, functions, numpy.ndarray), in both its forms: refused, and
    nothing of it stays on the module's objects (in the app, it would for every file opened after)."""
    attr = "set_by_the_file"
    state = pickle.dumps({attr: 1}, protocol=2)[2:-1]
    names = [f"{module}\n{name}\n".encode() for module, name in safe_pickle.RestrictedUnpickler.NAMES]
    names += [b"chumpy.ch\nCh\n", b"scipy.sparse\ncsr_matrix\n", b"numpy.core.multiarray\nscalar\n"]
    said = {}
    for name in names:
        for slots in (False, True):
            try:
                safe_pickle.loads(_document(b"c" + name, state, slots))
                said[name, slots] = "loaded"
            except Exception as exc:  # (what is not a refusal is listed below)
                if not (isinstance(exc, pickle.UnpicklingError) and str(exc).startswith("refusing to load")):
                    said[name, slots] = f"{type(exc).__name__}: {exc}"
    objects = list(vars(safe_pickle).values()) + list(safe_pickle._SPARSE_STAND_INS.values())
    objects += list(safe_pickle.RestrictedUnpickler.NAMES.values())
    objects += [getattr(o, "call", None) for o in safe_pickle.RestrictedUnpickler.NAMES.values()]
    left = [repr(o) for o in objects if o is not None and attr in getattr(o, "__dict__", {})]
    assert not left and not said, (left, said)


# --------------------------------------------------------------------------- refusals are UnpicklingErrors
# (review166 finding 6) what used to escape as a TypeError
def _array_of(dtype, n: int = 0, raw: bytes = b""):
    return _Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, (n,), dtype, False, raw))


_ARRAY = pickle.dumps(np.zeros(2), protocol=2)[2:-1]
_UNHASHABLE = {
    "a text dtype of 2**31 bytes": pickle.dumps(
        [_array_of(_Reduce(np.dtype, ("S1", False, True), (3, "|", None, None, None, 1 << 31, 1, 8)))], protocol=2),
    "an array as a dict key": b"\x80\x02}" + _ARRAY + b"K\x01s.",
    "an array in a set": b"\x80\x02c__builtin__\nset\n]" + _ARRAY + b"a\x85R.",
    "an array in a frozenset": b"\x80\x02c__builtin__\nfrozenset\n]" + _ARRAY + b"a\x85R.",
    "a list as a dict key": b"\x80\x02}]K\x01s.",
    "a state set on a list": b"\x80\x02]}X\x01\x00\x00\x00aK\x01sb.",
    "a call with the wrong arguments": b"\x80\x02cnumpy.core.multiarray\nscalar\n)R.",
}


@pytest.mark.parametrize("name", list(_UNHASHABLE))
def test_what_cannot_be_built_is_refused_as_a_refusal(name):
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        safe_pickle.loads(_UNHASHABLE[name])


# --------------------------------------------------------------------------- what the stand-ins keep
@pytest.fixture
def fake_chumpy(monkeypatch):
    """A class pickled as chumpy.ch.Ch (chumpy itself is not installed): state as chumpy's Ch keeps it."""
    class Ch:
        __module__, __qualname__ = "chumpy.ch", "Ch"

        def __init__(self, x):
            self.x, self._dirty_vars = np.asarray(x), {"x"}

    ch = types.ModuleType("chumpy.ch")
    ch.Ch = Ch
    monkeypatch.setitem(sys.modules, "chumpy", types.ModuleType("chumpy"))
    monkeypatch.setitem(sys.modules, "chumpy.ch", ch)
    return Ch


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_only_the_data_of_chumpy_objects_and_matrices_is_read(fake_chumpy, protocol):
    """A chumpy object keeps its x/a/r only and a matrix its arrays only: anything else of their state (here an
    OrderedDict carrying an attribute, refused anywhere else) is left unread. Protocols 0 and 1 make both through
    copyreg._reconstructor."""
    odd = OrderedDict(a=1)
    odd.note = np.zeros(1)
    ch = fake_chumpy(np.arange(6.0).reshape(2, 3))
    ch.cache = odd
    m = scipy.sparse.csr_matrix(np.eye(3))
    m.extra = odd
    back = safe_pickle.loads(pickle.dumps({"v_template": ch, "J_regressor": m}, protocol=protocol))
    assert sorted(back["v_template"].__dict__["_state"]) == ["x"]
    np.testing.assert_array_equal(back["v_template"].to_array(), ch.x)
    assert type(back["J_regressor"]) is scipy.sparse.csr_matrix
    np.testing.assert_array_equal(back["J_regressor"].toarray(), np.eye(3))
