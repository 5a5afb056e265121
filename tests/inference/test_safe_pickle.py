"""inference.safe_pickle: body-model and parameter pickles give their data and never run code."""
from __future__ import annotations

import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import scipy.sparse

from inference import safe_pickle
from inference.body_model import BodyModelError, read_model_file
from inference.export import ParamsFileError, load_params_file


class _Evil:
    """Unpickling this calls os.system (here: creates the file `marker`)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _evil_pickle(path, marker, key="v_template"):
    path.write_bytes(pickle.dumps({key: _Evil(marker)}, protocol=2))
    return path


def test_plain_data_round_trips():
    doc = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.uint32(7), "s": "lbs", "t": (1, 2.5),
           "o": OrderedDict(x=1), "J": scipy.sparse.csc_matrix(np.eye(3))}
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = safe_pickle.loads(pickle.dumps(doc, protocol=protocol))
        np.testing.assert_array_equal(back["a"], doc["a"])
        assert back["i"] == 7 and back["s"] == "lbs" and back["t"] == (1, 2.5) and back["o"] == {"x": 1}
        np.testing.assert_array_equal(back["J"].toarray(), np.eye(3))


@pytest.mark.parametrize("target", [os.system, eval, getattr, __import__])
def test_functions_are_refused(target):
    data = pickle.dumps(target, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        safe_pickle.loads(data)


def test_malicious_body_model_runs_no_code(tmp_path):
    marker = tmp_path / "PWNED"
    path = _evil_pickle(tmp_path / "evil.pkl", marker)
    with pytest.raises(BodyModelError, match=r"evil.pkl.*refusing to load (posix|nt)\.system"):
        read_model_file(path)
    assert not marker.exists()


def test_malicious_params_file_runs_no_code(tmp_path):
    marker = tmp_path / "PWNED"
    path = _evil_pickle(tmp_path / "evil_body.pkl", marker, key="pose")
    with pytest.raises(ParamsFileError, match=r"evil_body.pkl.*refusing to load"):
        load_params_file(path)
    assert not marker.exists()


def test_chumpy_stand_in_without_data():
    obj = safe_pickle.ChumpyStandIn()
    obj.__setstate__("not a dict")
    with pytest.raises(ValueError, match="no array data"):
        obj.to_array()
