"""Drive the real NBF Studio window and save screenshots (QWidget.grab) into this folder.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/take_screenshots.py \
        PHOTO [--dataset FOLDER [--split all]] [--stand-in]

Uses a throw-away settings file. With --stand-in the model is replaced by the test suite's
FakePredictor (mean body in a T-pose, framed in the photo) so the views can be shown before
trained weights exist; those files are named *_stand-in.png.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("photo")
    ap.add_argument("--dataset")
    ap.add_argument("--split", default=None, help="dataset split to run (test/val/train/all)")
    ap.add_argument("--stand-in", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = ap.parse_args()

    from inference.gl import configure_gl

    configure_gl()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    from app.controller import Controller
    from app.settings import AppSettings, ModelConfig
    from widgets.main_window import MainWindow

    tmp = tempfile.mkdtemp()
    settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
    factory = None
    suffix = ""
    if args.stand_in:
        from inference.body_model import BodyModel
        from tests.app.fakes import factory_for

        factory = factory_for(BodyModel())
        suffix = "_stand-in"
    c = Controller(settings, factory, config=ModelConfig(device="cpu"))
    w = MainWindow(c)
    w.resize(1600, 960)
    w.show()
    out = Path(args.out)

    def pump(seconds: float = 0.3):
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()
            time.sleep(0.01)

    def wait_idle(timeout: float = 180):
        end = time.time() + timeout
        pump(0.2)
        while (c.session.busy or w.dataset.running) and time.time() < end:
            pump(0.05)
        pump(0.5)

    def shot(name: str, widget=None):
        path = out / f"{name}{suffix}.png"
        (widget or w).grab().save(str(path))
        print("saved", path)

    pump(0.5)
    shot("welcome")
    c.open_paths([args.photo])
    wait_idle()
    shot("main")
    if c.session.prediction is not None:
        w.segmentation.set_mode("side")
        w.view_bar.colors.setCurrentIndex(1)
        w.mesh_view.rotate(-70, 12)
        w.inspector.select_joint(19)
        w.mesh_view.set_selected_joint(19)
        w.inspector.betas[0].set_value(1.5)
        pump(0.5)
        shot("edited")
    bad = Path(tmp) / "holiday.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a photo")
    c.open_paths([bad])
    pump(0.3)
    shot("bad_file")
    if args.dataset:
        w.open_dataset(args.dataset)
        if args.split:
            w.dataset_panel.split.setCurrentText(args.split)
            w.dataset_panel._reopen_split()
        wait_idle()
        w.dataset_panel.select_row(0)
        pump(0.5)
        shot("dataset")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
