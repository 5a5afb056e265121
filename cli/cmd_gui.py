"""`main.py [gui] [IMAGES...]`: open the NBF Studio window (on images, a folder or a parameter file)."""
from __future__ import annotations

import argparse
import os
import sys

from cli.out_arg import path_exists

HEADLESS_HINT = ("nbf-studio: no display found ($DISPLAY / $WAYLAND_DISPLAY unset). To run without a screen use "
                 "QT_QPA_PLATFORM=offscreen python main.py, or xvfb-run -a python main.py")


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("images", nargs="*",
                        help="images or folders to open (a folder in UP-3D layout opens the dataset view), or a "
                             "parameter file (.npz/.json/_body.pkl) to show and edit its body")
    parser.add_argument("--body-model", metavar="PATH", default=None,
                        help="SMPL model file (.pkl/.npz) for this session (default: the one chosen in Settings, "
                             "else the embedded model)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                        help="where the networks run for this session (default: Settings, else auto)")


def has_display(env=None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def run(args: argparse.Namespace) -> int:
    if sys.platform.startswith("linux") and not has_display():
        print(HEADLESS_HINT, file=sys.stderr)
        return 2
    missing = [p for p in args.images if not path_exists(p)]
    if missing:  # (as `main.py nosuch.png` says: `main.py gui nosuch.png` opened the window without it)
        print(f"error: {missing[0]}: no such file or folder", file=sys.stderr)
        return 2
    from inference.render.context import configure_gl

    try:  # (before pyrender is imported)
        configure_gl()
    except RuntimeError as exc:  # the window works without it: the 3D view and the mesh overlay say why they are off
        print(f"nbf-studio: {exc}; the 3D view and the mesh over the photo are off", file=sys.stderr)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.settings import APPLICATION, ORGANIZATION, AppSettings

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)

    from dataclasses import replace

    from app import heap
    from app.controller import Controller
    from widgets.main_window import MainWindow

    heap.enable()  # what start-up imported, and later the models, stay out of the collector's walks (app/heap.py)
    settings = AppSettings()
    cfg = settings.model_config()
    if args.body_model:
        cfg = replace(cfg, body_model_path=os.path.abspath(args.body_model))
    if args.device:
        cfg = replace(cfg, device=args.device)
    prepare_detector()
    controller = Controller(settings, config=cfg)
    window = MainWindow(controller)
    _install_excepthook(window)
    _quit_on_signals(window)
    window.show()
    QTimer.singleShot(0, lambda: window.start(args.images))
    code = app.exec()
    window.shutdown()
    return int(code)


def prepare_detector() -> None:
    """Build the person detector the workers will share, before the window shows: preparing its TFLite
    models holds the interpreter lock for about 0.1 s, which on a worker thread stalled the window."""
    from inference.detect import DetectorUnavailable, shared_detector

    try:
        shared_detector()
    except DetectorUnavailable:
        pass  # the Predictor says so in its warnings; the app runs on the whole image


def _quit_on_signals(window) -> None:
    """Ctrl+C in the terminal (SIGINT) and SIGTERM close the window as File > Quit does, without the question about
    edits: the settings are saved and the exports asked for written. Before, Ctrl+C did nothing and SIGTERM ended
    the process at once. Python runs a signal's handler only when the interpreter has control, so a timer gives it
    control every 200 ms while Qt's loop runs."""
    import signal

    from PySide6.QtCore import QTimer

    def handler(_signum, _frame) -> None:
        QTimer.singleShot(0, window.quit_now)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    tick = QTimer(window)
    tick.timeout.connect(lambda: None)
    tick.start(200)


def _install_excepthook(window) -> None:
    """An unexpected error in a slot is printed and shown in the window; the app stays up."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        try:
            window.show_error(f"internal error: {exc_type.__name__}: {exc}")
        except Exception:  # noqa: BLE001
            pass

    sys.excepthook = hook
