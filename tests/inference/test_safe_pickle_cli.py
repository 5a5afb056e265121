"""Crafted body-model and parameter files through the real command line (sweep158 findings 1-4, review166
finding 1): each is refused with one line and exit status 2. They run outside the tests' process: on code that let
the file through, several of them end the process they run in (a segmentation fault from a write or a read at an
address the file chose). The bomb runs alone, under its memory limit; the others run one after another in one
process (`_DRIVER`: torch is imported once, not once a file), each through the command's own entry
(`cli.main.main`, which main.py runs) with its own stdout, stderr and warnings (file descriptors 1 and 2, so a native
library's message is its case's). A case that ends that process fails, named, with every case after it."""
from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from numpy._core.multiarray import _reconstruct

ROOT = Path(__file__).resolve().parents[2]


class _Reduce:
    def __init__(self, fn, args, state=None):
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        return (self.fn, self.args) if self.state is None else (self.fn, self.args, self.state)


def _model(**override) -> dict:
    n = 10
    return {"v_template": np.zeros((n, 3)), "shapedirs": np.zeros((n, 3, 10)), "J_regressor": np.zeros((24, n)),
            "weights": np.zeros((n, 24)), "kintree_table": np.zeros((2, 24), np.int64),
            "f": np.zeros((1, 3), np.int64), **override}


def _sparse_past_its_shape() -> dict:
    m = scipy.sparse.csr_matrix(np.eye(24, 10))
    m.indices = m.indices.astype(np.int64)
    m.indices[0] = 50_000_000  # toarray() adds data[0] there: far outside the (24, 10) array
    return _model(J_regressor=m)


def _forged(n: int, fill: bytes):
    """An array of n elements of a void dtype with an object field, its state's flags claiming no objects: its
    elements are the file's bytes taken as object pointers."""
    state = list(np.dtype([("a", "O")]).__reduce__()[2])
    state[-1] = 0
    dtype = _Reduce(np.dtype, ("V8", False, True), tuple(state))
    return _Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, (n,), dtype, False, fill * n))


def _bomb_npz(path: Path):
    """betas declared and deflated to 1.25 GiB of zeros, in a file of about 1.3 MB."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (5 << 25,)})
    zero = bytes(1 << 24)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("betas.npy", "w", force_zip64=True) as member:
        member.write(buf.getvalue())
        for _ in range(80):
            member.write(zero)
    return path


def _at_address(shapes: dict, made: bytes) -> bytes:
    """A protocol-2 pickle of {key: an object `made` pushes, BUILD giving it an __array_interface__ of float64
    values of the key's shape at address 4096} (review166 finding 1): numpy reads that address, unmapped."""
    out = b"\x80\x02}("
    for key, shape in shapes.items():
        iface = {"shape": shape, "typestr": "<f8", "data": (4096, False), "version": 3}
        out += pickle.dumps(key, 2)[2:-1] + made + pickle.dumps({"__array_interface__": iface}, 2)[2:-1] + b"b"
    return out + b"u."


_BARE_NDARRAY = b"ccopy_reg\n_reconstructor\ncnumpy\nndarray\nc__builtin__\nobject\nN\x87R"
_MODEL_SHAPES = {"v_template": (100, 3), "J_regressor": (24, 100), "weights": (100, 24), "f": (10, 3),
                 "shapedirs": (100, 3, 10), "posedirs": (100, 3, 207), "kintree_table": (2, 24)}

CASES = {  # file name: (option, what it holds (a dict, or a pickle's bytes), words of the refusal)
    "SMPL_sparse.pkl": ("--body-model", _sparse_past_its_shape, "indices must be < 10"),
    "SMPL_forged.pkl": ("--body-model", lambda: _model(kintree_table=_forged(48, b"\x41" * 8)),
                        "refusing to load numpy data of type 'V8'"),
    "SMPL_big.pkl": ("--body-model", lambda: _model(v_template=_Reduce(_reconstruct, (np.ndarray, (1 << 40, 3), "f8"))),
                     "over the limit"),
    "forged_body.pkl": ("--pose", lambda: {"pose": np.zeros(72), "body_model": _forged(1, b"\x41" * 8)},
                        "refusing to load numpy data of type 'V8'"),
    "bomb.npz": ("--pose", None, "betas inflates to 1.3 GiB: over the limit"),
    "iface_body.pkl": ("--pose", lambda: _at_address({"pose": (72,), "betas": (10,)}, _BARE_NDARRAY),
                       "refusing to load a copyreg._reconstructor call"),
    "iface_od_body.pkl": ("--pose", lambda: _at_address({"pose": (72,)}, b"ccollections\nOrderedDict\n)R"),
                          "refusing to load an OrderedDict with attributes"),
    "iface_fn_body.pkl": ("--pose", lambda: _at_address({"pose": (72,)}, b"cnumpy.core.multiarray\nscalar\n"),
                          "refusing to load a state set on numpy._core.multiarray.scalar"),
    "SMPL_iface.pkl": ("--body-model", lambda: _at_address(_MODEL_SHAPES, _BARE_NDARRAY),
                       "refusing to load a copyreg._reconstructor call"),
}


ALONE = {"bomb.npz"}  # its own process: on code that read it, 1.3 GiB of zeros met the memory limit there
# the memory limit: on code that read the bomb, a refusal by the system, not a machine out of memory
LIMIT = "ulimit -v 6000000"

# Runs the cases in a JSON list of [name, argv] one after another: each case's file descriptors 1 and 2 go to
# NAME.out and NAME.err in the folder given, then its exit status (SystemExit's code, as the interpreter makes it)
# to NAME.rc, written last: a case without one ended the process.
_DRIVER = r"""
import faulthandler, gc, json, os, sys, traceback, warnings
from pathlib import Path

from cli.main import main

FILTERS = list(warnings.filters)


def status(code):
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


def fresh_warnings():
    # a warning is printed once per place per process: each case prints its own, as in a process of its own
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    warnings.filters[:] = FILTERS
    getattr(warnings, "_filters_mutated", lambda: None)()


def one(argv, folder, name):
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(folder / f"{name}.out", "wb") as out, open(folder / f"{name}.err", "wb") as err:
        os.dup2(out.fileno(), 1), os.dup2(err.fileno(), 2)
        fresh_warnings()
        try:
            code = status(main(argv))
        except SystemExit as exc:
            code = status(exc.code)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            gc.collect()  # (the case's garbage and its finalizers' words are the case's)
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])
    (folder / f"{name}.rc").write_text(str(code))


faulthandler.enable()  # (on a crash, where it was: into the case's stderr, descriptor 2 when it comes)
folder = Path(sys.argv[2])
for name, argv in json.loads(Path(sys.argv[1]).read_text()):
    one(argv, folder, name)
"""


def _write_case(folder: Path, name: str) -> list[str]:
    """Writes the case's file into `folder`; returns its command's arguments (after `main.py`)."""
    option, make, _ = CASES[name]
    path = folder / name
    if make is None:
        _bomb_npz(path)
    else:
        made = make()
        path.write_bytes(made if isinstance(made, bytes) else pickle.dumps(made, protocol=2))
    return ["export", option, str(path), "--out", str(folder / "out.obj")]


def _run_alone(folder: Path, name: str) -> tuple[int, str]:
    """The case as a user runs it: its own `main.py` process under the memory limit -> (exit status, its output)."""
    argv = " ".join(_write_case(folder, name))
    run = subprocess.run(["bash", "-c", f"{LIMIT}; exec {sys.executable} main.py {argv}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    return run.returncode, run.stdout + run.stderr


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict[str, tuple[int, str, Path] | str]:
    """The cases not ALONE, run by `_DRIVER` in one process under the memory limit: name -> (exit status, its
    stdout + stderr, the output file it was told to write), or a string saying that the process ended before the
    case finished."""
    top = tmp_path_factory.mktemp("crafted")
    names = [n for n in CASES if n not in ALONE]
    for name in names:
        (top / name).mkdir()
    (top / "cases.json").write_text(json.dumps([[name, _write_case(top / name, name)] for name in names]))
    records = top / "records"
    records.mkdir()
    # (python -c from the project's folder: the driver imports the project as main.py does)
    run = subprocess.run(["bash", "-c", f'{LIMIT}; exec "$0" -c "$1" "$2" "$3"', sys.executable, _DRIVER,
                          str(top / "cases.json"), str(records)], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    got: dict[str, tuple[int, str, Path] | str] = {}
    for name in names:
        rc, out, err = (records / f"{name}.{x}" for x in ("rc", "out", "err"))
        if rc.is_file():
            got[name] = (int(rc.read_text()), out.read_text() + err.read_text(), top / name / "out.obj")
        else:
            said = (out.read_text() + err.read_text()) if err.is_file() else "(not started)"
            got[name] = (f"the process running the cases ended (status {run.returncode}) before {name} finished: "
                         f"its output {said[-2000:]!r}; the process's own {(run.stdout + run.stderr)[-2000:]!r}")
    return got


@pytest.mark.parametrize("name", list(CASES))
def test_a_crafted_file_is_refused_in_one_line(tmp_path, request, name):
    if name in ALONE:
        code, said = _run_alone(tmp_path, name)
        out = tmp_path / "out.obj"
    else:
        record = request.getfixturevalue("batch")[name]
        assert not isinstance(record, str), record
        code, said, out = record
    said = said.strip()
    words = CASES[name][2]
    assert code == 2, (code, said[-2000:])
    assert words in said and "Traceback" not in said and len(said.splitlines()) == 1, said
    assert not out.exists()
