"""The export dialogs on the real window and the real export thread: the name a user types (a wrong or another
format's suffix, spaces around it), what a failed export says, and where the dialogs suggest saving the sample."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.app.support import SAMPLE, photo  # noqa: F401 - fixture
from tests.widgets.test_main_window import drop, wait_prediction


def export_typed(qtbot, window, monkeypatch, suffix: str, typed: str, signal: str = "exported") -> tuple:
    """Export through the dialog for `suffix` with `typed` as the name the user gave; the answer's signal
    arguments (job, path[, message])."""
    monkeypatch.setattr(window, "ask_save_path", lambda *a: typed)
    with qtbot.waitSignal(getattr(window.controller, signal), timeout=20000) as sig:
        assert window.export_dialog(suffix), window.banner.text
    return tuple(sig.args)


def test_a_typed_suffix_picks_the_format_or_is_replaced(qtbot, window, photo, tmp_path, monkeypatch):  # noqa: F811
    """wrong.ply in the OBJ dialog was written as wrong.ply.obj, wrong.json in the .npz one as wrong.json.npz,
    map.jpg for the part map as map.jpg_parts.png, and "trail.obj " as "trail.obj .obj". Another format of the
    dialog's kind is written in that format; a suffix the dialog cannot write is replaced, and the note says so."""
    out = tmp_path / "exports"
    out.mkdir()
    drop(window, [photo])
    wait_prediction(qtbot, window)

    def written(suffix: str, typed: str) -> str:  # the name of the file the export thread wrote
        path = export_typed(qtbot, window, monkeypatch, suffix, str(out / typed))[1]
        assert Path(path).parent == out and Path(path).is_file()
        return Path(path).name

    assert written(".obj", "wrong.ply") == "wrong.ply"
    assert (out / "wrong.ply").read_bytes().startswith(b"ply")
    assert written(".npz", "wrong.json") == "wrong.json"
    params = json.loads((out / "wrong.json").read_text())
    assert np.allclose(params["betas"], window.session.params.betas, atol=1e-5)
    window.banner.hide()
    assert written("_parts.png", "map.jpg") == "map_parts.png"
    assert (out / "map_parts.png").read_bytes().startswith(b"\x89PNG")
    assert "map_parts.png" in window.banner.text and ".jpg" in window.banner.text  # the note says what was done
    assert written(".obj", "trail.obj ") == "trail.obj"
    assert written(".obj", "  spaced ") == "spaced.obj"
    # the rigged body's dialog with .bvh typed writes the pose (the writers choose by suffix)
    assert written("_skinned.glb", "moves.bvh") == "moves.bvh"
    assert (out / "moves.bvh").read_text().startswith("HIERARCHY")
    # what worked before still does: a bare name gets the dialog's suffix, upper case is a suffix, dots in a name
    # that are no file type stay part of it
    for suffix, typed, name in ((".obj", "noext", "noext.obj"), (".obj", "UPPER.OBJ", "UPPER.OBJ"),
                                ("_body.pkl", "bare", "bare_body.pkl"), ("_body.pkl", "mine.pkl", "mine.pkl"),
                                ("_skinned.glb", "rig", "rig_skinned.glb"), (".bvh", "pose", "pose.bvh"),
                                (".obj", "John.Doe", "John.Doe.obj")):
        assert written(suffix, typed) == name
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["wrong.ply", "wrong.json", "map_parts.png", "trail.obj", "spaced.obj", "moves.bvh", "noext.obj",
         "UPPER.OBJ", "bare_body.pkl", "mine.pkl", "rig_skinned.glb", "pose.bvh", "John.Doe.obj"])


def test_failed_exports_say_what_is_wrong_in_words(qtbot, window, photo, tmp_path, monkeypatch):  # noqa: F811
    """/proc/x.obj said "export failed: [Errno 2] No such file or directory: '/proc/x.obj'"; a "folder" that is a
    file said that the folder does not exist."""
    drop(window, [photo])
    wait_prediction(qtbot, window)
    job, path, message = export_typed(qtbot, window, monkeypatch, ".obj", "/proc/x.obj", "exportFailed")
    assert "Errno" not in message and message == "/proc/x.obj: no such file or folder"
    qtbot.waitUntil(lambda: "/proc/x.obj: no such file or folder" in window.banner.text, timeout=5000)

    (tmp_path / "afile").write_text("x")
    job, path, message = export_typed(qtbot, window, monkeypatch, ".obj", str(tmp_path / "afile" / "x.obj"),
                                      "exportFailed")
    assert f"{tmp_path / 'afile'} is a file, not a folder" in message and "does not exist" not in message
    job, path, message = export_typed(qtbot, window, monkeypatch, ".obj", str(tmp_path / "nope" / "x.obj"),
                                      "exportFailed")
    assert f"the folder {tmp_path / 'nope'} does not exist" in message


def test_the_bundled_sample_is_not_exported_into_the_install(qtbot, window, tmp_path, monkeypatch):
    """On first start the bundled sample is shown: the dialogs suggested resources/samples/synthetic_01.* (inside
    the install, read-only when packaged). They suggest the same name in the home folder; a user's own photo keeps
    its suggestion beside it."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    drop(window, [SAMPLE])
    wait_prediction(qtbot, window)
    assert window._default_stem() == str(tmp_path / "home" / "synthetic_01")
    suggested = []

    def cancel(title, default, filt):  # the user looks at the suggestion and cancels
        suggested.append(default)
        return ""

    monkeypatch.setattr(window, "ask_save_path", cancel)
    assert not window.export_dialog(".npz")
    assert not window.screenshot_dialog(window.mesh_view, "3D view")
    assert not window.export_scene_dialog()
    home = str(tmp_path / "home" / "synthetic_01")
    assert suggested == [home + ".npz", home + "_3d_view.png", home + "_scene.glb"]

    own = tmp_path / "mine" / "me.png"
    own.parent.mkdir()
    own.write_bytes(SAMPLE.read_bytes())
    drop(window, [own])
    wait_prediction(qtbot, window)
    qtbot.waitUntil(lambda: window.session.shown is not None and Path(window.session.shown.source) == own,
                    timeout=20000)
    assert window._default_stem() == str(own.with_suffix(""))


def test_a_failed_export_names_its_file(qtbot, window):
    """A full disk's message names no file: the banner said "export failed: the disk is full" alone
    (helper-109's sweep, F10). A message that names the file is shown as it is."""
    c = window.controller
    c.exportFailed.emit(1, "/media/usb/body.obj", "the disk is full")
    assert window.banner.text == "export of body.obj failed: the disk is full"
    c.exportFailed.emit(2, "/media/usb/body.obj", "/media/usb/body.obj: the file system is read-only")
    assert window.banner.text == "export failed: /media/usb/body.obj: the file system is read-only"
