"""Saved settings that do not hold on this start (helper-104's sweep, /tmp/sweep105/report.md items 3, 4, 7, 11):
a saved body model file gone since falls back to the embedded model for the session, said, with the setting
kept; a saved GPU on a machine without CUDA runs on the CPU, said; a command line's --device is not saved when
the user applies another setting; the worker fits on with a body model file that went away after it loaded.
Real controller and predictor (CPU), settings in a temporary INI file."""
from __future__ import annotations

import os
import shutil
import weakref
from dataclasses import replace

import pytest

from app.settings import ModelConfig
from tests.app.support import SAMPLE, factory_for, wait_result


def _controller(app_settings, real_predictor, config=None):
    from app.controller import Controller

    return Controller(app_settings, factory_for(real_predictor, ModelConfig(device="cpu")), config=config)


def test_a_saved_body_model_gone_at_start_falls_back_to_the_embedded_one(qtbot, app_settings, real_predictor,
                                                                        tmp_path):
    """Before, nothing could be fitted until the user chose another file, and each photo's error replaced the
    banner's hint with the bare "body model file not found"."""
    gone = str(tmp_path / "my_smpl.npz")
    app_settings.set_model_config(ModelConfig(gone, "cpu", True))
    c = _controller(app_settings, real_predictor)
    errors = []
    c.error.connect(errors.append)
    try:
        qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
        assert c.config == ModelConfig("", "cpu", True)
        assert len(errors) == 1 and errors[0].startswith(f"body model: body model file not found: {gone}")
        assert errors[0].endswith("; this session uses the embedded body model until File > Settings chooses "
                                  "another file")
        assert app_settings.model_config().body_model_path == gone  # kept: the file may come back
        c.open_file(SAMPLE)
        assert wait_result(qtbot, c, 60000) is not None and len(errors) == 1
        # another setting applied: the session's fallback is not saved over the user's file
        c.apply_model_config(replace(c.config, refine=False))
        assert app_settings.model_config() == ModelConfig(gone, "cpu", False)
    finally:
        c.shutdown()


def test_a_saved_gpu_without_cuda_runs_on_the_cpu_and_says_so(qtbot, app_settings, real_predictor):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    app_settings.set_model_config(ModelConfig("", "cuda", True))
    c = _controller(app_settings, real_predictor)
    warnings = []
    c.warning.connect(warnings.append)
    try:
        assert c.config.device == "auto"
        qtbot.waitUntil(lambda: bool(warnings), timeout=5000)
        assert warnings == ["the GPU (CUDA) is chosen in the settings, but torch sees no CUDA device here: this "
                            "session runs on the CPU (File > Settings chooses)"]
        assert app_settings.model_config().device == "cuda"
    finally:
        c.shutdown()


def test_a_command_lines_device_is_not_saved_by_another_setting(qtbot, app_settings, real_predictor):
    """`main.py gui --device cpu` is "for this session": before, pressing OK in Settings with only Refine changed
    saved device=cpu for good."""
    app_settings.set_model_config(ModelConfig("", "auto", True))
    c = _controller(app_settings, real_predictor, config=ModelConfig("", "cpu", True))  # as cli/cmd_gui.py does
    try:
        assert c.apply_model_config(replace(c.config, refine=False))
        assert app_settings.model_config() == ModelConfig("", "auto", False)
        assert c.config == ModelConfig("", "cpu", False)
        # a device the user chooses is theirs, saved from then on
        assert c.apply_model_config(replace(c.config, device="auto"))
        assert c.apply_model_config(replace(c.config, device="cpu"))
        assert app_settings.model_config() == ModelConfig("", "cpu", False)
    finally:
        c.shutdown()


def test_the_worker_keeps_a_body_model_whose_file_went_away(tmp_path):
    """A change of refinement or device rebuilds the worker's Predictor: before, it loaded the body model file
    again, and a file gone since (a USB stick pulled) failed every photo although the model was in memory."""
    from app.worker import _body_model, _replacing
    from inference.body_model import EMBEDDED_MODEL, BodyModelError

    path = tmp_path / "model.npz"
    shutil.copy(EMBEDDED_MODEL, path)
    first = _body_model(str(path))  # (held here as the worker's old Predictor holds it until the new one is built)
    assert _body_model(str(path)) is not first  # a Predictor beside another gets its own
    with _replacing(first):
        assert _body_model(str(path)) is first
        path.unlink()
        assert _body_model(str(path)) is first
        assert _body_model("") is not first  # another setting's model
        shutil.copy(EMBEDDED_MODEL, path)  # a file there again, changed: read again
        os.utime(path, ns=(1, 1))
        second = _body_model(str(path))
        assert second is not first
        with pytest.raises(BodyModelError):
            _body_model(str(tmp_path / "never_there.npz"))
    ref = weakref.ref(second)  # none is kept once no Predictor holds it (tests/app/test_gc_pauses.py)
    del first, second
    assert ref() is None


def test_two_windows_sharing_the_settings_keep_each_others_recent_files(tmp_path):
    """Each instance read the list as it had it and wrote it back over the other's entry (helper-109's sweep, F7)."""
    from PySide6.QtCore import QSettings

    from app.settings import AppSettings

    ini = str(tmp_path / "settings.ini")
    a, b = (AppSettings(QSettings(ini, QSettings.Format.IniFormat)) for _ in range(2))
    x, y, z = (tmp_path / n for n in ("x.jpg", "y.jpg", "z.jpg"))
    a.add_recent_file(x)
    b.add_recent_file(y)
    assert a.add_recent_file(z) == [str(z), str(y), str(x)]
    b.sync()
    assert b.recent_files() == [str(z), str(y), str(x)]


def test_a_second_window_does_not_put_back_a_model_setting_the_first_changed(tmp_path):
    """sweep129: window B's Settings OK (refinement switched off) wrote its whole in-memory configuration and so
    undid the device window A had chosen meanwhile; each writes only what it changed."""
    from dataclasses import replace

    from PySide6.QtCore import QSettings

    from app.settings import AppSettings

    ini = str(tmp_path / "settings.ini")
    a, b = (AppSettings(QSettings(ini, QSettings.Format.IniFormat)) for _ in range(2))
    start_a, start_b = a.model_config(), b.model_config()  # (each window reads them at its start)
    a.set_model_config(replace(start_a, device="cpu"))
    b.model_config()  # (the controller reads the file again before it saves: Controller._to_save)
    b.set_model_config(replace(start_b, refine=not start_b.refine))
    fresh = AppSettings(QSettings(ini, QSettings.Format.IniFormat)).model_config()
    assert (fresh.device, fresh.refine) == ("cpu", not start_b.refine)


def test_settings_that_cannot_be_saved_are_said_at_start(qtbot, real_predictor):
    """An unwritable settings file lost the recent files, the layout and the Settings choices without a word, and the
    first-start sample came back at every start (helper-109's sweep, F8)."""
    from PySide6.QtCore import QSettings

    from app.settings import AppSettings

    where = "/proc/nbf-no-such-folder/settings.ini"  # (a folder no one, not even root, can make)
    c = _controller(AppSettings(QSettings(where, QSettings.Format.IniFormat)), real_predictor,
                    config=ModelConfig(device="cpu"))
    warnings = []
    c.warning.connect(warnings.append)
    try:
        qtbot.waitUntil(lambda: bool(warnings), timeout=5000)
        assert warnings == [f"the settings cannot be saved ({where} is not writable): recent files, the window's "
                            "layout and the choices in File > Settings last only until the app closes"]
    finally:
        c.shutdown()
