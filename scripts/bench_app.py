"""App benchmarks with the real window, real worker thread and real model (offscreen Qt):
time from drop to first mesh, picking another person on a real photo, slider-drag frame time, and
memory over many images in a row.

    QT_QPA_PLATFORM=offscreen python scripts/bench_app.py --images 100
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=100, help="images processed in a row for the memory figure")
    ap.add_argument("--data", type=Path, default=Path("data/synth_test"), help="folder of *_image.png")
    ap.add_argument("--frames", type=int, default=60, help="slider positions for the frame-time figure")
    ap.add_argument("--photo", type=Path, default=Path(__file__).resolve().parent.parent / "resources" / "photos"
                    / "two_people.jpg", help="a real photo with several people (person picker figure)")
    a = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from inference.gl import configure_gl

    configure_gl()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.controller import Controller
    from app.settings import AppSettings
    from widgets.main_window import MainWindow

    images = sorted(a.data.glob("*_image.png"))
    if not images:
        sys.exit(f"no *_image.png in {a.data}: "
                 f"run `python main.py synth --out {a.data} --n 500 --seed 20181 --split test`")
    qapp = QApplication.instance() or QApplication([])
    tmp = tempfile.mkdtemp()
    controller = Controller(AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)))
    win = MainWindow(controller)
    win.resize(1400, 900)
    win.show()

    def wait(cond, timeout=120.0):
        t = time.perf_counter()
        while not cond():
            qapp.processEvents()
            if time.perf_counter() - t > timeout:
                raise TimeoutError("the app did not answer in time")
            time.sleep(0.001)

    session = controller.session
    failed = []
    controller.error.connect(failed.append)

    def process(path: Path) -> float:
        """Open an image and wait for its answer: a mesh, or a reported failure (e.g. no person found)."""
        t = time.perf_counter()
        controller.open_file(path)  # clears the previous prediction and starts a job
        wait(lambda: not session.busy)
        qapp.processEvents()  # the views repaint with the new mesh
        return time.perf_counter() - t

    first = process(images[0])  # includes building the Predictor in the worker
    drops = [process(p) for p in images[1:6]]
    pred = controller.worker.predictor()
    print(f"model: device {pred.device}, person detector {'on' if getattr(pred, 'detector', None) else 'off'}")
    print(f"drop -> first mesh, first image (model load included): {first * 1000:.0f} ms")
    print(f"drop -> mesh, later images: median {statistics.median(drops) * 1000:.0f} ms")

    if a.photo.is_file():  # a real photo: drop, then pick each other person (a new job on the same image)
        t_photo = process(a.photo)
        people = len(session.people)
        switches = []
        for k in list(range(1, people)) + [0]:
            if people < 2:
                break
            before = session.prediction
            t = time.perf_counter()
            controller.select_person(k)
            wait(lambda before=before: session.prediction is not None and session.prediction is not before
                 and not session.busy)
            qapp.processEvents()
            switches.append(time.perf_counter() - t)
        line = f"real photo {a.photo.name}: {people} people detected, drop -> mesh {t_photo * 1000:.0f} ms"
        if switches:
            line += f", pick another person -> mesh: median {statistics.median(switches) * 1000:.0f} ms"
        print(line)

    # slider drag: each step sets a beta as a drag would, then waits until the mesh view shows it
    if session.prediction is None:
        process(images[0])
    times = []
    for k in range(a.frames):
        v = 3.0 * ((k % 20) / 10.0 - 1.0)
        mesh = session.mesh
        t = time.perf_counter()
        win.inspector.betas[0].set_value(v)
        controller.flush()  # the throttle timer's work, now (the drag delivers events faster than 30 ms)
        wait(lambda mesh=mesh: session.mesh is not mesh)
        win.mesh_view.repaint()
        times.append(time.perf_counter() - t)
    p90 = sorted(times)[int(0.9 * len(times))]
    print(f"slider drag: median {statistics.median(times) * 1000:.1f} ms per frame "
          f"({1 / statistics.median(times):.0f} frames/s), 90th percentile {p90 * 1000:.1f} ms")

    rss0 = rss_mb()
    failed.clear()
    marks = {}
    for i in range(a.images):
        process(images[i % len(images)])
        if i + 1 in (10, 50, a.images):
            marks[i + 1] = rss_mb()
    first_mark = min(marks)
    print(f"memory (RSS): {rss0:.0f} MB before, " + ", ".join(f"{v:.0f} MB after {k}" for k, v in marks.items())
          + f" images; growth from {first_mark} to {a.images}: {marks[a.images] - marks[first_mark]:+.0f} MB"
          + (f" ({len(failed)} of them answered with an error, e.g. {failed[0]!r})" if failed else ""))
    win.close()
    controller.shutdown()


if __name__ == "__main__":
    main()
