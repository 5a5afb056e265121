"""Capturing what C code writes on file descriptor 2: the text is returned, unwanted lines are dropped and the
rest passed on to the real stderr."""
from __future__ import annotations

import errno
import os

import pytest

from inference.native_stderr import native_stderr


def test_fd2_is_captured_and_only_unwanted_lines_are_dropped(capfd):
    with native_stderr(keep_out=("XNNPACK",)) as caught:
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"a real problem\n")
    assert caught == ["INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\na real problem\n"]
    err = capfd.readouterr().err
    assert "a real problem" in err and "XNNPACK" not in err
    os.write(2, b"after\n")  # fd 2 is the real one again
    assert capfd.readouterr().err == "after\n"


def test_fd2_is_restored_when_the_block_raises(capfd):
    try:
        with native_stderr():
            os.write(2, b"before the error\n")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "before the error\nafter\n"


@pytest.fixture
def no_temp_folder(monkeypatch):
    """No usable temporary folder (a locked-down sandbox: TMPDIR missing, /tmp read-only), as tempfile says it,
    for native_stderr alone (pytest's own capture makes temporary files too)."""
    import types

    def no_folder(*args, **kwargs):
        raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in ['/nonexistent', '/tmp']")

    monkeypatch.setattr("inference.native_stderr.tempfile", types.SimpleNamespace(TemporaryFile=no_folder))


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="a file in memory (Linux)")
def test_without_a_temporary_folder_fd2_is_still_captured(capfd, no_temp_folder):
    with native_stderr(keep_out=("XNNPACK",)) as caught:
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"a real problem\n")
    assert caught == ["INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\na real problem\n"]
    assert capfd.readouterr().err == "a real problem\n"


def test_where_no_file_can_be_made_the_block_runs_uncaptured(capfd, monkeypatch, no_temp_folder):
    def refused(name):
        raise OSError("no memory files here")

    monkeypatch.setattr(os, "memfd_create", refused, raising=False)
    with native_stderr(keep_out=("XNNPACK",)) as caught:
        os.write(2, b"said as it is\n")
    assert caught == [""]
    assert capfd.readouterr().err == "said as it is\n"


class _Interpreter:
    """A TFLite interpreter stand-in that announces its delegate on fd 2 as TFLite does."""

    def __init__(self, model_path: str, num_threads: int):
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")

    def allocate_tensors(self) -> None:
        pass

    def get_input_details(self):
        return [{"index": 0}]

    def get_output_details(self):
        return [{"index": 1, "shape": (1, 12)}]


@pytest.mark.parametrize("memory_file", [True, False])
def test_the_person_detector_loads_without_a_temporary_folder(monkeypatch, tmp_path, no_temp_folder,
                                                               memory_file):
    """The detector was dropped ("no person detector (... No usable temporary directory found ...)") and the
    whole image used as the crop, only because its log line could not be captured."""
    from inference.detect.blazepose_model import TfliteModel

    if not memory_file:
        monkeypatch.setattr(os, "memfd_create", lambda name: (_ for _ in ()).throw(OSError("none")), raising=False)
    model = TfliteModel(_Interpreter, tmp_path / "pose_detection.tflite", 1)
    assert model.outputs == {12: 1}
