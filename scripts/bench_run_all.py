"""Time of the app's "Run all" over photos, of every person and of person 1 only: the real FolderSession
(app/folder.py) on the shipped model, in this process, offscreen.

    QT_QPA_PLATFORM=offscreen python scripts/bench_run_all.py PHOTO_OR_FOLDER...

Each mode writes into a fresh temporary folder (removed once its files are counted), every person first: the person
detector keeps its search of each photo for the later runs of the process, so the second mode's figure leaves out most
of its searches. Prints one line per mode: seconds, the batch's summary, the meshes written (one per person) and the
scenes (one per photo of several people), then each photo's label in the list.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="+", type=Path, help="photos, or folders of them")
    args = ap.parse_args(argv)

    from inference.render.context import configure_gl

    configure_gl()
    from PySide6.QtWidgets import QApplication

    from app.folder import FolderSession
    from app.settings import ModelConfig
    from app.worker import default_predictor_factory
    from cli.predict_args import expand

    photos = expand(args.photos)
    if not photos:
        print(f"error: no photos in {', '.join(map(str, args.photos))}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([])
    session = FolderSession(default_predictor_factory, ModelConfig(device="cpu"))
    try:
        session.set_images(photos)
        for every in (True, False):
            with tempfile.TemporaryDirectory(prefix="bench_run_all_") as tmp:
                out = Path(tmp) / "out"
                said: list[str] = []
                session.finished.connect(said.append)
                t0 = time.perf_counter()
                session.run_all(out, all_people=every)
                while not said:
                    app.processEvents()
                    time.sleep(0.01)
                seconds = time.perf_counter() - t0
                session.finished.disconnect(said.append)
                print(f"{'every person' if every else 'person 1    '}: {seconds:.1f} s, {said[0]}; meshes "
                      f"{len(list(out.glob('*.obj')))}, scenes {len(list(out.glob('*_scene.glb')))}")
            print("    " + "; ".join(f"{p.name}: {s.label}" for p, s in zip(photos, session.model.statuses)))
    finally:
        session.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
