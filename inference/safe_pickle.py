"""The one way the project reads pickles from users' files: data only, never code.

`pickle.load` on a file can call any importable function (os.system, ...). `RestrictedUnpickler`
resolves only the classes that plain data needs: numpy arrays, dtypes and scalars, scipy sparse
matrices (official SMPL files hold J_regressor as one), and chumpy arrays (official SMPL files hold
them; `ChumpyStandIn` keeps their data without chumpy installed). Every other global is refused with
`pickle.UnpicklingError` naming it. Used by the body-model reader (inference.body_model) and the
parameter-file reader (inference.export); .npz files are read by inference.array_files (arrays only).
"""
from __future__ import annotations

import pickle
from typing import BinaryIO

import numpy as np

# (module, name) as pickles spell them (Python 2 and older numpy spellings map to today's below)
ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("collections", "OrderedDict"),
    ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"),
    ("__builtin__", "object"), ("builtins", "object"),
    # chumpy's arrays keep sets in their state (Ch.__new__'s _dirty_vars); protocol 2 rebuilds a set by calling
    # the type on a list: data, no code
    ("__builtin__", "set"), ("builtins", "set"), ("__builtin__", "frozenset"), ("builtins", "frozenset"),
    ("_codecs", "encode"),  # protocol-2 pickles carry array bytes this way
}
RENAMED_MODULES = {"numpy.core.multiarray": "numpy._core.multiarray", "numpy.core.numeric": "numpy._core.numeric",
                   "copy_reg": "copyreg", "__builtin__": "builtins"}
SPARSE_CLASSES = ("csc_matrix", "csr_matrix", "coo_matrix", "csc_array", "csr_array", "coo_array")


class ChumpyStandIn:
    """Unpickles a chumpy array as its plain data (official SMPL .pkl files hold chumpy objects)."""

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


class RestrictedUnpickler(pickle.Unpickler):
    """A pickle.Unpickler that builds numpy/scipy/chumpy data and refuses every other class or function."""

    def find_class(self, module: str, name: str):
        if module == "chumpy" or module.startswith("chumpy."):
            return ChumpyStandIn
        if (module == "scipy.sparse" or module.startswith("scipy.sparse.")) and name in SPARSE_CLASSES:
            import scipy.sparse

            return getattr(scipy.sparse, name)
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only plain data is read from pickles)")
        return super().find_class(RENAMED_MODULES.get(module, module), name)


def load(fh: BinaryIO, encoding: str = "latin1"):
    """Unpickle data from an open binary file with `RestrictedUnpickler` (latin1: Python 2 pickles)."""
    return RestrictedUnpickler(fh, encoding=encoding).load()


def loads(data: bytes, encoding: str = "latin1"):
    """`load` from bytes."""
    import io

    return load(io.BytesIO(data), encoding)
