"""The app's window is built and painted without waiting for torch (sweep173 #2): the joint names the inspector reads
while the window is built come from the torch-free inference.joints, and the body model's loader thread, which
imports torch (1.3-1.5 s), starts once the window has painted (cli/cmd_gui.py DetectorAfterFirstPaint), or after its
fallback when the window never paints."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _child(code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1",
                                   PYTHONPATH=str(ROOT), **(env or {})))


def test_the_controller_s_joint_names_come_without_torch():
    """The inspector reads controller.joint_names while the window is built, on the GUI thread: through
    inference.body_model that imported torch there and held back the window's first paint by 1.3-1.5 s."""
    code = ("import sys; from app.body_loading import BodyLoadingMixin as B; "
            "print(list(B.joint_names.fget(None)), 'torch' in sys.modules)")
    r = _child(code)
    assert r.returncode == 0, r.stderr[-2000:]
    from inference.joints import JOINT_NAMES

    assert r.stdout.strip() == f"{list(JOINT_NAMES)} False", r.stdout
    assert len(JOINT_NAMES) == 24 and JOINT_NAMES[0] == "pelvis" and JOINT_NAMES[15] == "head"


CHILD = textwrap.dedent("""
    import argparse, json, sys, threading
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.settings import APPLICATION, ORGANIZATION, AppSettings

    app = QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    st = AppSettings()
    st.set_value("ui/show_sample_on_start", False)  # no photo: nothing but the body loader and the detector need torch
    st.sync()
    seen = {"loader_began": []}

    import app.body_loading as body_loading
    load = body_loading._load_body_in_background

    def loader(*a, **k):  # the real loader, noting when it began
        seen["loader_began"].append("painted" if "paint" in seen else "before the first paint")
        return load(*a, **k)

    body_loading._load_body_in_background = loader

    import widgets.main_window as main_window
    build = main_window.MainWindow.__init__

    def built(self, *a, **k):
        build(self, *a, **k)
        seen["torch_after_building_the_window"] = "torch" in sys.modules
        self.controller.bodyModelChanged.connect(lambda body, w=self: body_loaded(w, body))

    main_window.MainWindow.__init__ = built

    from cli import cmd_gui

    # the fallback (a window that never paints) must not come first on a busy machine: here the window does paint
    cmd_gui.DetectorAfterFirstPaint.FALLBACK_MS = 120000

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and "paint" not in seen and type(obj).__name__ == "MainWindow":
                seen["paint"] = {"torch": "torch" in sys.modules, "loader_began": bool(seen["loader_began"])}
                seen["window"] = obj
            return False

    def body_loaded(w, body):
        seen["body_model"] = body is not None
        w.ask_before_closing = False
        QTimer.singleShot(0, app.quit)

    spy = FirstPaint()
    app.installEventFilter(spy)
    parser = argparse.ArgumentParser()
    cmd_gui.add_arguments(parser, "gui")
    seen["code"] = cmd_gui.run(parser.parse_args(sys.argv[1:]))
    seen.pop("window", None)
    print("RESULT " + json.dumps(seen), flush=True)
""")


def test_the_window_is_built_and_painted_before_torch_is_imported(tmp_path):
    """`main.py gui` in a fresh process (no photo): torch is not imported when MainWindow() returns nor at the
    window's first paint, the body model's loader thread begins only after that paint, and the body model still
    arrives."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    r = _child(CHILD, "--device", "cpu", env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")})
    lines = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    assert lines, r.stderr[-3000:]
    seen = json.loads(lines[-1][len("RESULT "):])
    assert seen["code"] == 0, seen
    assert seen["torch_after_building_the_window"] is False, seen
    assert seen["paint"] == {"torch": False, "loader_began": False}, seen
    assert seen["loader_began"] == ["painted"] and seen["body_model"] is True, seen


def test_a_held_body_model_load_starts_by_the_fallback_of_a_window_that_never_paints(qtbot, app_settings,
                                                                                     model_config):
    """Controller(defer_body_load=True) as the app builds it, with DetectorAfterFirstPaint on a window that is never
    shown (started minimised, hidden): the body model still loads, by the fallback."""
    from PySide6.QtWidgets import QWidget

    from app.controller import Controller
    from cli.cmd_gui import DetectorAfterFirstPaint

    c = Controller(app_settings, config=model_config, defer_body_load=True)
    w = QWidget()
    qtbot.addWidget(w)
    starter = DetectorAfterFirstPaint(w, also=(c.start_body_load,))
    try:
        with qtbot.waitSignal(c.bodyModelChanged, timeout=60000) as got:
            pass
        assert got.args[0] is not None and c.body_model() is got.args[0]
        assert not w.isVisible() and starter.thread is not None
    finally:
        starter.join()
        c.shutdown()


def test_a_controller_shut_down_before_its_held_load_started_ends_cleanly(qtbot, app_settings, model_config):
    """A window closed before it painted: shutdown drops the load that never started (a thread never started cannot
    be joined), and a start after it loads nothing."""
    from app.controller import Controller

    c = Controller(app_settings, config=model_config, defer_body_load=True)
    c.shutdown()
    c.start_body_load()
    assert c.body_model() is None and not c._loaders
