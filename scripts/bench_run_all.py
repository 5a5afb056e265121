"""Time of the app's "Run all" over photos, of every person and of person 1 only: the real FolderSession
(app/folder.py) on the shipped model, in this process, offscreen.

    QT_QPA_PLATFORM=offscreen python scripts/bench_run_all.py PHOTO_OR_FOLDER...

First, one untimed Run all over the first photo builds the model (the Predictor is made at a batch's first job) and
loads the detector; its search is then dropped (`PersonDetector.forget`), so neither mode's figure holds the model's
loading and the first mode searches every photo. Each mode writes into a fresh temporary folder (removed once its
files are counted), every person first. The detector keeps only its last CACHE_SIZE (4) searches
(inference/detect/search.py) and both modes go through the photos in the same order: over at most 4 photos the
second mode (person 1 only) reuses every photo's search from the first, over more than 4 it searches every photo
again. The first line says how many photos there are and which of the two it is. Then one line per mode: seconds, the
batch's summary, the meshes written (one per person) and the scenes (one per photo of several people), then each
photo's label in the list.
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


def run_once(app, session, out: Path, every: bool) -> tuple[float, str]:
    """Seconds of one Run all of the session's photos into `out` (every person, or person 1 only) and its summary."""
    said: list[str] = []
    session.finished.connect(said.append)
    t0 = time.perf_counter()
    session.run_all(out, all_people=every)
    while not said:
        app.processEvents()
        time.sleep(0.01)
    seconds = time.perf_counter() - t0
    session.finished.disconnect(said.append)
    return seconds, said[0]


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
    from inference.detect.search import CACHE_SIZE

    photos = expand(args.photos)
    if not photos:
        print(f"error: no photos in {', '.join(map(str, args.photos))}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([])
    built = []  # the Predictor the batch thread builds: its detector's kept searches are dropped after the warm-up

    def factory(config):
        built.append(default_predictor_factory(config))
        return built[-1]

    session = FolderSession(factory, ModelConfig(device="cpu"))
    try:
        session.set_images(photos[:1])
        with tempfile.TemporaryDirectory(prefix="bench_run_all_") as tmp:
            run_once(app, session, Path(tmp) / "out", True)
        for pred in built:
            if pred.detector is not None:
                pred.detector.forget()
        print(f"{len(photos)} photo{'s' if len(photos) != 1 else ''}, the model loaded first (untimed); the detector "
              f"keeps its last {CACHE_SIZE} searches, so person 1 only "
              + ("reuses every photo's search" if len(photos) <= CACHE_SIZE else "searches every photo again"))
        session.set_images(photos)
        for every in (True, False):
            with tempfile.TemporaryDirectory(prefix="bench_run_all_") as tmp:
                out = Path(tmp) / "out"
                seconds, summary = run_once(app, session, out, every)
                print(f"{'every person' if every else 'person 1    '}: {seconds:.1f} s, {summary}; meshes "
                      f"{len(list(out.glob('*.obj')))}, scenes {len(list(out.glob('*_scene.glb')))}")
            print("    " + "; ".join(f"{p.name}: {s.label}" for p, s in zip(photos, session.model.statuses)))
    finally:
        session.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
