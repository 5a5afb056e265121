"""Screenshot of the app on a wide shot: the people strip after "Fit everyone", the photo zoomed onto a small
person (real window, worker thread, detector and shipped weights; offscreen Qt).

    QT_QPA_PLATFORM=offscreen python scripts/make_crowd_screenshot.py data/crowds_test/00039_image.png \
        --out docs/screenshots/crowd.png --show 4 --zoom-person 4      # the README's picture
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--zoom-person", type=int, default=0, help="1-based person to zoom onto (0: the one shown)")
    ap.add_argument("--show", type=int, default=0, help="1-based person to show in 3D (0: the default one)")
    ap.add_argument("--refine", action="store_true", help="with the test-time refinement (the app's default; slow)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from inference.render.context import configure_gl

    configure_gl()
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.settings import AppSettings

    app = QApplication.instance() or QApplication([])
    # the throw-away session's settings file, in a folder removed at the end
    with tempfile.TemporaryDirectory(prefix="crowd_screenshot_") as tmp:
        qsettings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        try:
            return shoot(app, args, AppSettings(qsettings))
        finally:
            qsettings.sync()  # written now: a later write (at its deletion) would make the removed folder again


def shoot(app, args: argparse.Namespace, settings) -> int:
    """Open the image in a real window, fit everyone, save the screenshot to args.out."""
    from app.controller import Controller
    from app.settings import ModelConfig
    from widgets.main_window import MainWindow

    controller = Controller(settings, config=ModelConfig(device="cpu", refine=args.refine))
    win = MainWindow(controller)
    win.ask_before_closing = False  # (closed by the script)
    win.resize(1600, 960)
    win.show()

    def wait(cond, timeout=300.0):
        t0 = time.time()
        while not cond():
            app.processEvents()
            time.sleep(0.02)
            if time.time() - t0 > timeout:
                raise SystemExit("timed out")

    s = controller.session
    controller.open_file(args.image)
    wait(lambda: s.prediction is not None and not s.busy)
    n = controller.fit_everyone()
    print(f"{len(s.people)} people, fitting {n} more")
    wait(lambda: not s.busy and len(s.results) == len(s.people))
    if args.show:
        controller.select_person(args.show - 1)
        wait(lambda: s.prediction is not None and not s.busy)
    k = args.zoom_person - 1 if args.zoom_person else s.person
    win.photo.zoom_to_person(k)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(args.out), "PNG")
    print(args.out, f"(zoomed onto person {k + 1}, {float(s.people[k].box[3] - s.people[k].box[1]):.0f} px tall)")
    win.close()
    win.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
