"""The Settings dialog's body model path on the real window and controller: `~` in a typed path, and what the
status bar says after Cancel while another body model loads."""
from __future__ import annotations

import shutil

import pytest

from inference.body_model import EMBEDDED_MODEL
from tests.app.support import threads_ended


def test_a_path_typed_with_tilde_is_the_home_folders_file(qtbot, window, tmp_path, monkeypatch):
    """~/model copy.npz said "body model file not found: ~/model copy.npz" (the ~ was taken as a folder's name)."""
    from widgets.settings_dialog import SettingsDialog

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(EMBEDDED_MODEL, home / "model copy.npz")
    monkeypatch.setenv("HOME", str(home))
    c = window.controller
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    dlg = SettingsDialog(c, window)
    dlg.show()
    dlg.custom.setChecked(True)
    dlg.path.setText("  ~/model copy.npz ")
    failed = []
    c.bodyModelFailed.connect(failed.append)
    with qtbot.waitSignal(dlg.accepted, timeout=30000):
        dlg.accept()
    assert not failed and not dlg.error.isVisible()
    assert c.config.body_model_path == str(home / "model copy.npz")
    assert c.settings.model_config().body_model_path == str(home / "model copy.npz")
    dlg.deleteLater()


def test_cancel_while_a_body_model_loads_ends_the_loading_status(qtbot, window, tmp_path):
    """After Cancel the status bar went on saying "loading body model …" although nothing was loading any more."""
    from widgets.settings_dialog import SettingsDialog

    good = tmp_path / "good copy ü.npz"
    shutil.copy(EMBEDDED_MODEL, good)
    c = window.controller
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    body = c.body_model()
    dlg = SettingsDialog(c, window)
    dlg.show()
    dlg.custom.setChecked(True)
    dlg.path.setText(str(good))
    dlg.accept()
    assert c.body_model_switching
    bar = window.statusBar()
    assert bar.currentMessage().startswith("loading body model good copy ü.npz")
    dlg.reject()
    assert not c.body_model_switching
    assert not bar.currentMessage().startswith("loading")
    assert "stopped loading body model good copy ü.npz" in bar.currentMessage()
    threads_ended(qtbot, "nbf-body-load")  # the dropped switch's model arrives: it changes neither model nor status
    assert not bar.currentMessage().startswith("loading")
    assert c.body_model() is body and c.config.body_model_path == ""
    dlg.deleteLater()


@pytest.mark.parametrize("typed", ["relative", "quoted", "file_url"])
def test_a_relative_or_pasted_path_is_saved_as_the_absolute_file(qtbot, window, tmp_path, monkeypatch, typed):
    """A relative path was saved as typed and named nothing after a start from another folder; a path pasted with
    quotes (a file manager's "Copy as path") or as a file:// address was refused as not found (helper-104's
    sweep, items 2 and 12)."""
    from widgets.settings_dialog import SettingsDialog

    folder = tmp_path / "mödels dir"
    folder.mkdir()
    model = folder / "my SMPL ü.npz"
    shutil.copy(EMBEDDED_MODEL, model)
    monkeypatch.chdir(tmp_path)
    text = {"relative": "mödels dir/my SMPL ü.npz", "quoted": f"'{model}'", "file_url": model.as_uri()}[typed]
    c = window.controller
    qtbot.waitUntil(lambda: c.body_model() is not None, timeout=30000)
    dlg = SettingsDialog(c, window)
    dlg.show()
    dlg.custom.setChecked(True)
    dlg.path.setText(text)
    with qtbot.waitSignal(dlg.accepted, timeout=30000):
        dlg.accept()
    assert c.config.body_model_path == str(model)
    assert c.settings.model_config().body_model_path == str(model)
    dlg.deleteLater()
