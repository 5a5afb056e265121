"""The one way the project reads pickles from users' files: data only, never code, never memory the file chose.

`pickle.load` on a file can call any importable function (os.system, ...). `RestrictedUnpickler` resolves only
the names that plain data needs: numpy arrays, dtypes and scalars, scipy sparse matrices (official SMPL files hold
J_regressor as one), and chumpy arrays (official SMPL files hold them; `ChumpyStandIn` keeps their data without
chumpy installed). Every other global is refused with `pickle.UnpicklingError` naming it.

Even numpy's and scipy's own classes are not handed to the file: their pickled state is set without any of their
checks (a sparse matrix whose indices point past its buffer, which `toarray` then writes through; a dtype whose
flags say "no objects" over fields that are objects, which makes raw file bytes into object pointers; an array
shape allocated before its data arrives). So the unpickler builds stand-ins that only keep what the file says,
and `load` then makes the real objects from that through numpy's and scipy's public constructors, checked:
arrays of plain numbers, booleans or text only (no fields, no sub-arrays, no objects), their data exactly as long
as their shape and dtype say, at most `MAX_VALUES` values each; sparse matrices rebuilt and fully validated
before anything densifies them.

Nothing the file builds is handed out unless it is data of an exact type `_resolve` knows: BUILD sets attributes
on any object with a __dict__ and no __setstate__, and numpy reads `__array_interface__` (a memory address) from
an instance, so a bare instance, a class or a function in the data is refused, as is an OrderedDict carrying
attributes. The names a pickle can use are handed to it as `_Name` objects and stand-in classes on which BUILD is
refused, so a file cannot leave anything set on them for the files read after it.

Every refusal is a `pickle.UnpicklingError` starting "refusing to load". A damaged or truncated file raises what
pickle raises for one (pickle.UnpicklingError in other words, EOFError, ValueError), MemoryError where it claims
more than there is, RecursionError where its containers nest too deeply.

Used by the body-model reader (inference.body_model) and the parameter-file reader (inference.export); .npz files
are read by inference.array_files (arrays only).
"""
from __future__ import annotations

import codecs
import io
import math
import pickle
from collections import OrderedDict
from typing import BinaryIO

import numpy as np

# The most values one array (or one sparse matrix, densified) may hold: 2**27, 1 GiB as float64. SMPL's largest
# array, posedirs, holds 6890 * 3 * 207 = 4.3 M.
MAX_VALUES = 1 << 27
PLAIN_KINDS = "biufcSU"  # booleans, integers, floats, complex numbers, bytes and text
SPARSE_CLASSES = ("csc_matrix", "csr_matrix", "coo_matrix", "csc_array", "csr_array", "coo_array")
SPARSE_STATE_KEYS = ("_shape", "shape", "data", "indices", "indptr", "coords", "row", "col")  # what _sparse reads
CHUMPY_DATA_KEYS = ("x", "a", "r")  # where a chumpy object's state holds its array
RENAMED_MODULES = {"numpy.core.multiarray": "numpy._core.multiarray", "numpy.core.numeric": "numpy._core.numeric",
                   "copy_reg": "copyreg", "__builtin__": "builtins"}


def _refuse(what: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(f"refusing to load {what}")


class _Sealed(type):
    """The type of the stand-in classes a pickle names (protocol 2's NEWOBJ needs a class): pickle's BUILD on the
    class itself is refused (its slot-state form would set attributes that stay there for every later file)."""

    def __setattr__(cls, name, value):
        raise _refuse(f"attributes set on {cls.__name__}")

    @property
    def __setstate__(cls):  # (a data descriptor: BUILD on the class finds this, its instances their own)
        def refuse(state):
            raise _refuse(f"a state set on the class {cls.__name__}")
        return refuse


class _Name:
    """A global a pickle may name, as the unpickler gives it: calling it calls `call` (refused when None: a name
    that pickles only pass as an argument, checked by identity). BUILD on it is refused, and it has no __dict__, so
    a file can set nothing on it for the files read after it. What a call raises for the file's arguments
    (TypeError, ValueError) is a refusal."""

    __slots__ = ("what", "call")

    def __init__(self, what: str, call=None):
        object.__setattr__(self, "what", what)
        object.__setattr__(self, "call", call)

    def __call__(self, *args):
        if self.call is None:
            raise _refuse(f"a call of {self.what} (only numpy's and chumpy's own pickles are read)")
        try:
            return self.call(*args)
        except (TypeError, ValueError) as exc:
            raise _refuse(f"a call of {self.what} with {', '.join(type(a).__name__ for a in args) or 'nothing'} "
                          f"({' '.join(str(exc).split())})") from None

    def __setattr__(self, name, value):
        raise _refuse(f"attributes set on {self.what}")

    def __setstate__(self, state):
        raise _refuse(f"a state set on {self.what}")

    def __repr__(self):
        return f"<{self.what} as a pickle names it>"


class ChumpyStandIn(metaclass=_Sealed):
    """Unpickles a chumpy array as its plain data (official SMPL .pkl files hold chumpy objects). `load` leaves
    only its state's `CHUMPY_DATA_KEYS`, resolved."""

    def __init__(self, *args, **kwargs):
        self.__dict__["_state"] = {}

    def __setstate__(self, state):
        self.__dict__["_state"] = state if isinstance(state, dict) else {}

    def to_array(self) -> np.ndarray:
        """The array the chumpy object held; ValueError when it holds none."""
        st = self.__dict__["_state"]
        for key in ("x", "a", "r"):
            if key in st:
                return np.asarray(st[key])
        raise ValueError("unsupported chumpy object (no array data)")


class _NdarrayName(_Name):
    """numpy.ndarray as a pickle names it: numpy's pickles only pass it to `_reconstruct`; calling it (which
    would allocate any shape, over any buffer) is refused."""

    __slots__ = ()

    def __call__(self, *args):
        raise _refuse("a call of numpy.ndarray (arrays are read only as numpy itself pickles them)")


_NDARRAY = _NdarrayName("numpy.ndarray")
_OBJECT = _Name("object")  # (copyreg._reconstructor's base)


class _DtypeStandIn:
    """numpy.dtype(spec, align, copy) and the state set on it: made into a real dtype by `_dtype`."""

    args: tuple = ()
    state = None

    def __init__(self, *args):
        self.args = args

    def __setstate__(self, state):
        self.state = state


class _ArrayStandIn:
    """What `numpy._core.multiarray._reconstruct` starts and the pickle's state fills: (version, shape, dtype,
    is_fortran, raw bytes); made into an array by `_array`."""

    state = None

    def __setstate__(self, state):
        self.state = state


class _SparseStandIn(metaclass=_Sealed):
    """A scipy sparse matrix's pickled state (its __dict__: _shape, data, indices, indptr or coords), made into
    the matrix by `_sparse`. `kind`: the scipy class's name, set on the subclass made for each."""

    kind = ""
    state = None

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots), as pickle writes for __slots__ classes
            state = state[0]
        self.state = state


_SPARSE_STAND_INS = {name: type(name, (_SparseStandIn,), {"kind": name}) for name in SPARSE_CLASSES}


def _shape(shape) -> tuple[int, ...]:
    """A declared array shape as a tuple of ints, refused past `MAX_VALUES` values (before anything is allocated)."""
    dims = shape if isinstance(shape, tuple) else (shape,)
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in dims) or len(dims) > 64:
        raise _refuse(f"an array of shape {shape!r} (not a shape)")
    if math.prod(dims) > MAX_VALUES:
        raise _refuse(f"an array of shape {dims} ({math.prod(dims):,} values, over the limit of {MAX_VALUES:,})")
    return dims


def _check_plain(dt: np.dtype, said) -> np.dtype:
    if dt.fields is not None or dt.subdtype is not None or dt.kind not in PLAIN_KINDS or dt.hasobject:
        raise _refuse(f"numpy data of type {said} (only plain numbers, booleans and text are read)")
    return dt


def _dtype(obj) -> np.dtype:
    """A fresh numpy dtype from the spec and state a pickle gave: only plain kinds, whatever the state's flags,
    fields or sizes claim (nothing of the state but its byte order and a text type's size is used)."""
    if not isinstance(obj, _DtypeStandIn):
        raise _refuse(f"an array whose dtype is a {type(obj).__name__}")
    spec = obj.args[0] if obj.args else None
    if isinstance(spec, bytes):
        spec = spec.decode("latin1")
    # numpy names a dtype in its pickles by kind and size ("f8", "<U5" is "U5" with its size in the state)
    if not isinstance(spec, str) or not (spec == "?" or 1 <= len(spec) <= 8 and spec[0].isalpha()
                                         and (spec[1:].isdigit() or len(spec) == 1)):
        raise _refuse(f"numpy data of type {spec!r} (only plain numbers, booleans and text are read)")
    try:
        fresh = np.dtype(spec)
    except TypeError:
        raise _refuse(f"numpy data of type {spec!r} (not a numpy type)") from None
    _check_plain(fresh, repr(spec))
    st = obj.state
    if st is None:
        return fresh
    # numpy's dtype states by version: 9 or 8 items (3, 4), 7 (1, 2): (version, byte order, sub-array, names,
    # fields, size, ...); 6: (version, byte order, sub-array, fields, size, alignment); 5: no fields
    if not isinstance(st, tuple) or not 5 <= len(st) <= 9:
        raise _refuse(f"numpy data of type {spec!r} with a state numpy does not write")
    size_at = {5: 3, 6: 4}.get(len(st), 5)
    endian, size = st[1], st[size_at]
    if any(x is not None for x in st[2:size_at]):
        raise _refuse(f"numpy data of type {spec!r} with fields or a sub-array (only plain arrays are read)")
    if isinstance(endian, bytes):
        endian = endian.decode("latin1")
    if endian not in ("<", ">", "|", "=") or not isinstance(size, int):
        raise _refuse(f"numpy data of type {spec!r} with a state numpy does not write")
    if fresh.kind in "SU" and size > 0:  # a text type's size is in its state (numpy's own rule)
        width = size // 4 if fresh.kind == "U" else size
        if fresh.kind == "U" and size % 4:
            raise _refuse(f"text of {size} bytes (not whole UCS-4 characters)")
        try:
            fresh = np.dtype(f"{fresh.kind}{width}")
        except (TypeError, ValueError):  # (numpy's text types stop short of 2**31 bytes)
            raise _refuse(f"text of {size:,} bytes (more than numpy's text types hold)") from None
    if endian in "<>" and fresh.byteorder != "|":
        fresh = fresh.newbyteorder(endian)
    return fresh


def _raw_bytes(data) -> bytes | bytearray:
    if isinstance(data, str):  # Python 2 pickles' byte strings (decoded as latin1; numpy reads them back the same)
        return data.encode("latin1")
    if isinstance(data, (bytes, bytearray)):
        return data
    raise _refuse(f"array data given as a {type(data).__name__}, not bytes (arrays of objects are not read)")


def _array(obj: _ArrayStandIn) -> np.ndarray:
    """The array of `obj`'s state, made from its bytes with a fresh dtype, once their length matches."""
    st = obj.state
    if not isinstance(st, tuple) or len(st) not in (4, 5):
        raise _refuse("an array without its data")
    shape, dtype, fortran, raw = st[-4:]
    dims, dt, raw = _shape(shape), _dtype(dtype), _raw_bytes(raw)
    if not isinstance(fortran, int):
        raise _refuse("an array whose memory order is not a flag")
    if dt.itemsize == 0 or len(raw) != math.prod(dims) * dt.itemsize:
        raise _refuse(f"an array of shape {dims} and type {dt} from {len(raw):,} bytes (its data does not match)")
    a = np.frombuffer(raw, dt).reshape(dims, order="F" if fortran else "C")
    # numpy's own unpickling gives this path's arrays in the machine's byte order (protocol 5's keep the file's)
    return a.astype(dt.newbyteorder("="), order="K") if not dt.isnative else a.copy(order="K")


def _reconstruct(cls, shape, dtype):
    """numpy._core.multiarray._reconstruct(ndarray, shape, typecode) as numpy's pickles call it: a stand-in for
    the state that follows (numpy would allocate `shape` here, before any data)."""
    if cls is not _NDARRAY:
        raise _refuse(f"an array of class {getattr(cls, 'what', getattr(cls, '__name__', type(cls).__name__))}")
    _shape(shape)
    return _ArrayStandIn()


def _scalar(dtype, data=None):
    """numpy._core.multiarray.scalar(dtype, bytes): a numpy scalar of a plain type from exactly its bytes."""
    from numpy._core.multiarray import scalar

    dt = _dtype(dtype)
    raw = _raw_bytes(data)
    if len(raw) != dt.itemsize:
        raise _refuse(f"a numpy scalar of type {dt} from {len(raw)} bytes")
    return scalar(dt, bytes(raw))


def _frombuffer(buf, dtype, shape, order):
    """numpy._core.numeric._frombuffer, as pickle protocol 5 calls it: plain types, exactly the bytes needed."""
    dims, dt, raw = _shape(shape), _dtype(dtype), _raw_bytes(buf)
    if order not in ("C", "F") or dt.itemsize == 0 or len(raw) != math.prod(dims) * dt.itemsize:
        raise _refuse(f"an array of shape {dims} and type {dt} from {len(raw):,} bytes (its data does not match)")
    return np.frombuffer(raw, dt).reshape(dims, order=order)


def _encode(text, encoding="utf-8", errors="strict"):
    """_codecs.encode as protocol-2 pickles call it for bytes: latin1 only (no other codec is run)."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise _refuse(f"_codecs.encode with {encoding!r} (only latin1 bytes are read)")
    return codecs.encode(text, encoding, errors)


def _bytes(*args):
    """bytes() as protocol-2 pickles call it for an empty array's data: no arguments only (bytes(n) would
    allocate n bytes the file need not hold)."""
    if args:
        raise _refuse("a call of bytes with arguments (only the empty bytes of an empty array are read)")
    return b""


def _stand_in_reconstructor(cls, base, state):
    """copyreg._reconstructor(cls, object, None) as protocol 0 and 1 pickles call it for a chumpy object or a
    scipy matrix: its stand-in, empty until BUILD gives its state. Any other class or base is refused (with
    numpy.ndarray it made an instance numpy reads an address from)."""
    if not (cls is ChumpyStandIn or cls in _SPARSE_STAND_INS.values()) or base is not _OBJECT or state is not None:
        raise _refuse(f"a copyreg._reconstructor call for {getattr(cls, 'what', getattr(cls, '__name__', cls))!r} "
                      "(only chumpy objects and scipy matrices are made this way)")
    return cls()


def _sparse(obj: _SparseStandIn, memo: dict):
    """The scipy matrix of `obj`'s state, built through scipy's constructor from its arrays and validated in
    full on that new object (never through a method or attribute the file could have set: only the state's
    `SPARSE_STATE_KEYS` are read)."""
    import scipy.sparse

    if not isinstance(obj.state, dict):
        raise _refuse(f"a scipy {obj.kind} without its data")
    st = {k: _resolve(v, memo) for k, v in obj.state.items() if isinstance(k, str) and k in SPARSE_STATE_KEYS}
    shape = st.get("_shape", st.get("shape"))
    if not (isinstance(shape, tuple) and len(shape) == 2):
        raise _refuse(f"a scipy {obj.kind} of shape {shape!r}")
    shape = _shape(shape)  # its dense size: toarray() allocates it
    cls = getattr(scipy.sparse, obj.kind)
    try:
        if obj.kind.startswith("coo"):
            coords = st["coords"] if "coords" in st else (st["row"], st["col"])
            # the constructor's _check() bounds every coordinate by the shape
            m = cls((st["data"], tuple(coords)), shape=shape)
        else:
            m = cls((st["data"], st["indices"], st["indptr"]), shape=shape)
            m.check_format(full_check=True)  # indices inside the shape, indptr ordered and within the data
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise _refuse(f"a scipy {obj.kind} that is not valid ({' '.join(str(exc).split()) or type(exc).__name__})"
                      ) from None
    if m.dtype.kind not in "biufc":
        raise _refuse(f"a scipy {obj.kind} of {m.dtype} values")
    return m


_ATOMS = (str, bytes, bytearray, int, bool, float, complex, type(None))


def _hashable(items, where: str):
    """`items` (dict keys or set members, resolved), refused where one is an array or matrix (no Python set holds
    one; the file had a stand-in there)."""
    for item in items:
        try:
            hash(item)
        except TypeError:
            raise _refuse(f"a value of type {type(item).__name__} as {where} (it cannot be one)") from None
    return items


def _resolve(value, memo: dict):
    """`value` with every stand-in made into its real, checked object; containers are walked (not numpy arrays,
    whose elements are never read). Types are matched exactly: anything else (a class, a function, a bare
    instance) is refused. `memo`: id -> (original, result), for objects a pickle shares or nests in themselves."""
    key = id(value)
    if key in memo:
        return memo[key][1]
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is _ArrayStandIn:
        out = _array(value)
    elif kind is _DtypeStandIn:
        out = _dtype(value)
    elif kind in _SPARSE_STAND_INS.values():
        memo[key] = (value, None)  # (a matrix inside its own state is no matrix)
        out = _sparse(value, memo)
    elif kind is dict or kind is OrderedDict:  # filled again in place, keeping its order and identity
        if kind is OrderedDict and vars(value):  # (attributes set by BUILD: numpy would read them)
            raise _refuse(f"an OrderedDict with attributes ({', '.join(map(str, vars(value)))})")
        memo[key] = (value, value)
        items = [(_resolve(k, memo), _resolve(v, memo)) for k, v in value.items()]
        _hashable((k for k, _ in items), "a dict key")
        value.clear()
        value.update(items)
        return value
    elif kind is list or kind is set:
        memo[key] = (value, value)
        items = [_resolve(v, memo) for v in value]
        if kind is list:
            value[:] = items
        else:
            value.clear()
            value.update(_hashable(items, "a set member"))
        return value
    elif kind is tuple or kind is frozenset:
        memo[key] = (value, value)  # (a tuple reached again while its items are made stays as it was)
        items = [_resolve(v, memo) for v in value]
        out = kind(_hashable(items, "a frozenset member") if kind is frozenset else items)
    elif kind is ChumpyStandIn:
        memo[key] = (value, value)
        st = value.__dict__["_state"]  # (a dict: its __setstate__ keeps nothing else)
        value.__dict__["_state"] = {k: _resolve(st[k], memo) for k in CHUMPY_DATA_KEYS if k in st}
        return value
    elif kind is np.ndarray or isinstance(value, np.generic):  # scalars come from `_scalar`: plain, said again
        out = value
        _check_plain(value.dtype, value.dtype)
    else:  # a class, a function or an instance: BUILD may have set __array_interface__ (a memory address) on it
        raise _refuse(f"a {getattr(value, 'what', kind.__name__)} as data (only numbers, text, arrays and "
                      "containers of them are read)")
    memo[key] = (value, out)
    return out


class RestrictedUnpickler(pickle.Unpickler):
    """A pickle.Unpickler that builds numpy/scipy/chumpy data as stand-ins and refuses every other class or
    function; `load` makes the stand-ins into checked arrays and matrices."""

    # (module, name) as pickles spell them, after RENAMED_MODULES: Python 2's and older numpy's spellings
    NAMES = {name: _Name(f"{name[0]}.{name[1]}", call) for name, call in {
        ("numpy", "dtype"): _DtypeStandIn,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct, ("numpy._core.multiarray", "scalar"): _scalar,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        ("collections", "OrderedDict"): OrderedDict,
        ("copyreg", "_reconstructor"): _stand_in_reconstructor,
        # chumpy's arrays keep sets in their state (Ch.__new__'s _dirty_vars); protocol 2 rebuilds a set by
        # calling the type on a list: data, no code
        ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
        ("_codecs", "encode"): _encode, ("builtins", "bytes"): _bytes,  # protocol-2 pickles carry bytes this way
    }.items()} | {("numpy", "ndarray"): _NDARRAY, ("builtins", "object"): _OBJECT}

    def find_class(self, module: str, name: str):
        if module == "chumpy" or module.startswith("chumpy."):
            return ChumpyStandIn
        if (module == "scipy.sparse" or module.startswith("scipy.sparse.")) and name in SPARSE_CLASSES:
            return _SPARSE_STAND_INS[name]
        found = self.NAMES.get((RENAMED_MODULES.get(module, module), name))
        if found is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only plain data is read from pickles)")
        return found


def load(fh: BinaryIO, encoding: str = "latin1"):
    """Unpickle data from an open binary file with `RestrictedUnpickler` (latin1: Python 2 pickles), its numpy
    arrays and scipy matrices built and checked as the module docstring says. pickle.UnpicklingError for data
    it refuses; for a damaged file, the exceptions the module docstring lists."""
    try:
        data = RestrictedUnpickler(fh, encoding=encoding).load()
    except (TypeError, AttributeError) as exc:  # BUILD on what has no __dict__, a list or an array as a dict key
        raise _refuse(f"data no plain pickle holds ({' '.join(str(exc).split())})") from None
    return _resolve(data, {})


def loads(data: bytes, encoding: str = "latin1"):
    """`load` from bytes."""
    return load(io.BytesIO(data), encoding)
