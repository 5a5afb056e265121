"""`main.py [gui] [IMAGES...]`: open the NBF Studio window (on images, a folder or a parameter file)."""
from __future__ import annotations

import argparse
import locale
import os
import shlex
import sys
import threading
from pathlib import Path

from cli.out_arg import path_exists

NO_DISPLAY = "no display found ($DISPLAY / $WAYLAND_DISPLAY unset)"
PROBE_SECONDS = 5.0  # a display that has not answered by then is left to Qt (a slow remote X server)


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
    """Whether a display or a Qt platform is named at all (`display_problem` also tries to reach it)."""
    env = os.environ if env is None else env
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def display_problem(env=None, probe_x=None) -> str:
    """'' when the window can open, as far as a cheap look tells; else why not, in words. Qt aborts the process
    (SIGABRT, "could not connect to display", with advice to reinstall) when the display it is given cannot be
    reached: a stale $DISPLAY after ssh without X forwarding, an X server gone, $WAYLAND_DISPLAY without its socket.
    The X display is tried with libxcb's xcb_connect (through ctypes; `probe_x(name)`: True, False, or None when it
    cannot tell: no libxcb here, no answer within PROBE_SECONDS), the Wayland one by connecting to its socket. A
    QT_QPA_PLATFORM is first looked up among the installed platform plugins (`qt_platforms`): Qt aborts on a name
    it has no plugin for too; one other than xcb or wayland (offscreen, vnc, eglfs, ...) is then taken as it is."""
    env = os.environ if env is None else env
    probe_x = _x_answers if probe_x is None else probe_x
    asked = [x.split(":")[0].strip().lower() for x in (env.get("QT_QPA_PLATFORM") or "").split(";") if x.strip()]
    installed = qt_platforms(env)
    if asked and installed and not any(x in installed or x.split("-")[0] in installed for x in asked):
        return (f"QT_QPA_PLATFORM={env.get('QT_QPA_PLATFORM')!r} names no installed Qt platform "
                f"(these are: {', '.join(sorted(installed))})")
    if asked and not any(x in ("xcb", "wayland", "wayland-egl") for x in asked):
        return ""
    tried = asked or (["wayland"] if env.get("WAYLAND_DISPLAY") else []) + (["xcb"] if env.get("DISPLAY") else [])
    if not tried:
        return NO_DISPLAY
    why = []
    for platform in dict.fromkeys("wayland" if x.startswith("wayland") else x for x in tried):
        if platform == "xcb":
            name = env.get("DISPLAY") or ""
            if not name:
                why.append("$DISPLAY unset")
            elif probe_x(name) is False:
                why.append(f"cannot connect to the X display {name} ($DISPLAY)")
            else:
                return ""
        else:
            problem = _wayland_problem(env)
            if not problem:
                return ""
            why.append(problem)
    return "; ".join(why)


def qt_platforms(env=None) -> set[str]:
    """The names of the Qt platform plugins installed ('offscreen', 'xcb', 'wayland', ...: libqNAME.so in PySide6's
    plugins/platforms, and in the folders $QT_QPA_PLATFORM_PLUGIN_PATH and $QT_PLUGIN_PATH/platforms, where Qt
    looks too); an empty set when PySide6's folder is not found (nothing can be told then). A plugin answers to its
    name and to NAME-variant ('wayland-egl' is the wayland plugin): see `display_problem`."""
    import importlib.util

    env = os.environ if env is None else env
    folders = [Path(p) for p in (env.get("QT_QPA_PLATFORM_PLUGIN_PATH") or "").split(os.pathsep) if p]
    folders += [Path(p) / "platforms" for p in (env.get("QT_PLUGIN_PATH") or "").split(os.pathsep) if p]
    spec = importlib.util.find_spec("PySide6")
    own = [Path(p) / "Qt" / "plugins" / "platforms" for p in (spec.submodule_search_locations or [])] if spec else []
    if not any(folder.is_dir() for folder in own):
        return set()
    names = set()
    for folder in folders + own:
        try:
            files = [f.name for f in folder.iterdir()]
        except OSError:
            continue
        for name in files:  # libqxcb.so (Linux), libqcocoa.dylib (macOS), qwindows.dll (Windows)
            stem = name.split(".")[0].removeprefix("lib")
            if stem.startswith("q") and len(stem) > 1 and name.endswith((".so", ".dylib", ".dll")):
                names.add(stem[1:].lower())
    return names


def _x_answers(name: str) -> bool | None:
    """Whether the X display `name` takes a connection (xcb_connect, as Qt's xcb platform does); None when this
    cannot be told: no libxcb, or no answer within PROBE_SECONDS (then Qt tries it)."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    answer: list[bool] = []

    def connect() -> None:
        conn = xcb.xcb_connect(os.fsencode(name), None)  # (never NULL: an error connection instead)
        answer.append(xcb.xcb_connection_has_error(conn) == 0)
        xcb.xcb_disconnect(conn)

    probe = threading.Thread(target=connect, daemon=True)
    probe.start()
    probe.join(PROBE_SECONDS)
    return answer[0] if answer else None


def _wayland_problem(env) -> str:
    """'' when the Wayland display ($WAYLAND_DISPLAY, else Qt's default wayland-0) takes a connection on its socket,
    else why not."""
    import socket

    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    runtime = env.get("XDG_RUNTIME_DIR") or ""
    if not os.path.isabs(name) and not runtime:
        return f"cannot reach the Wayland display {name} ($XDG_RUNTIME_DIR unset)"
    path = name if os.path.isabs(name) else os.path.join(runtime, name)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(PROBE_SECONDS)
            sock.connect(path)
    except OSError:
        return f"cannot reach the Wayland display {name} (nothing answers at {path})"
    return ""


def _command_again() -> str:
    """The command that started this process, to paste after QT_QPA_PLATFORM=offscreen or xvfb-run -a: this very
    interpreter (the system's `python` lacks the project's packages) and main.py as given, or the installed
    `nbf-studio` script; the arguments when they are this process's own."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    name = Path(argv0).name
    if name == "nbf-studio":
        return shlex.join(sys.argv)
    if name == "main.py":
        return shlex.join([sys.executable, *sys.argv])
    return shlex.join([sys.executable, str(Path(__file__).resolve().parents[1] / "main.py")])


def headless_hint(why: str) -> str:
    """One line: why the window cannot open and the commands that run the app without a screen."""
    again = _command_again()
    return (f"nbf-studio: {why}. To run without a screen use QT_QPA_PLATFORM=offscreen {again}, or "
            f"xvfb-run -a {again}")


def run(args: argparse.Namespace) -> int:
    if sys.platform.startswith("linux"):
        why = display_problem()
        if why:
            print(headless_hint(why), file=sys.stderr)
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
    # QApplication sets the C library's locale from the environment (setlocale(LC_ALL, "")), so that under a
    # German or French locale printf and strtod in native code (a C extension, a shader compiler, a CSV writer)
    # would write and read "0,5"; Qt's own widgets take their number format from QLocale, which this leaves alone.
    locale.setlocale(locale.LC_NUMERIC, "C")
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)

    from dataclasses import replace

    from app import gc_pauses
    from app.controller import Controller
    from widgets.main_window import MainWindow

    gc_pauses.enable()  # what start-up imported, and later the models, stay out of the collector's walks
    settings = AppSettings()
    cfg = settings.model_config()
    if args.body_model:
        cfg = replace(cfg, body_model_path=os.path.abspath(os.path.expanduser(args.body_model)))  # (--body-model=~/x)
    if args.device:
        cfg = replace(cfg, device=args.device)
    # (the body model's loader imports torch: started with the detector's build, once the window has painted)
    controller = Controller(settings, config=cfg, defer_body_load=True)
    window = MainWindow(controller)
    _install_excepthook(window)
    _quit_on_signals(window)
    window.show()
    detector = DetectorAfterFirstPaint(window, also=(controller.start_body_load,))
    QTimer.singleShot(0, lambda: window.start(args.images))
    code = app.exec()
    window.shutdown()
    detector.join()
    return int(code)


def prepare_detector() -> None:
    """Build the person detector the workers will share (inference.detect.shared_detector) here and now: its
    TFLite and torch models (and torch's import, if not done yet). The window calls it in a thread of its own once
    it has painted (`DetectorAfterFirstPaint`); scripts that time the app call it before they start."""
    from inference.detect import DetectorUnavailable, shared_detector

    try:
        shared_detector()
    except DetectorUnavailable:
        pass  # the Predictor says so in its warnings; the app runs on the whole image


class DetectorAfterFirstPaint:
    """Builds the shared person detector (`prepare_detector`) in a thread of its own once `window` has painted
    for the first time, or after FALLBACK_MS if it has not (a window started minimised).

    On the GUI thread before the window showed, this would hold back its first paint (the TFLite models, the
    animal check's and the proposer's weights: 0.4-0.5 s on this CPU; 2-3 s where torch was not imported yet).
    Started only after the first paint,
    the thread's work (which holds the interpreter lock in stretches: preparing the TFLite models about 0.1 s)
    does not slow the window's first appearance. A photo opened before the detector is ready is not held up
    by it on the GUI thread: its Predictor, built in the model worker's thread, asks for the same shared detector
    and waits there (shared_detector's lock) for this build, or builds it itself if this has not begun.

    also: the start-up's other work held back for the first paint, called on the GUI thread just before the build
    starts (the body model's loader: Controller.start_body_load, whose torch import, 1.3-1.5 s, took the interpreter
    lock from the window while it was built and painted)."""

    FALLBACK_MS = 1000

    def __init__(self, window, also=()):
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.thread: threading.Thread | None = None
        self._also = tuple(also)
        starter = self

        class FirstPaint(QObject):
            def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
                if event.type() == QEvent.Type.Paint:
                    QTimer.singleShot(0, self, starter.start)  # (once this paint, children included, is done)
                    obj.removeEventFilter(self)
                return False

        self._filter = FirstPaint(window)  # (a child of the window: it goes with it)
        window.installEventFilter(self._filter)
        QTimer.singleShot(self.FALLBACK_MS, self._filter, self.start)

    def start(self) -> None:
        """Start the build, and call `also`, once (later calls do nothing)."""
        if self.thread is None:
            for start in self._also:
                start()
            self.thread = threading.Thread(target=self._build, name="nbf-detector", daemon=True)
            self.thread.start()

    @staticmethod
    def _build() -> None:
        from app import gc_pauses

        prepare_detector()
        gc_pauses.settle()  # the detector's models and what they imported: out of the collector's walks

    def join(self, timeout: float = 60.0) -> None:
        """Wait for a build still running (the window has closed: the process ends after it)."""
        if self.thread is not None:
            self.thread.join(timeout)


def _quit_on_signals(window) -> None:
    """Ctrl+C in the terminal (SIGINT) and SIGTERM close the window as File > Quit does, without the question about
    edits: the settings are saved and the exports asked for written (Qt's loop alone would ignore Ctrl+C, and SIGTERM
    would end the process at once). Python runs a signal's handler only when the interpreter has control, so a timer
    gives it control every 200 ms while Qt's loop runs."""
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
