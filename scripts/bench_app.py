"""App benchmarks with the real window, real worker thread and real model (offscreen Qt):
time from drop to first mesh, picking another person on a real photo, slider-drag and rotation frame
rates at the window's full resolution, the longest the GUI thread was blocked, and memory over many
images in a row.

    QT_QPA_PLATFORM=offscreen python scripts/bench_app.py --images 100

The last line sums it up for scripts:
`slider_fps=<x> rotate_fps=<y> max_block_ms=<z> first_mesh_ms=<w> rss_mb=<v>`:
slider_fps and rotate_fps are the frames that reach the 3D view per second during a 3 s drag delivering
120 events a second (a slider drag through the controller's real throttle; a left-drag of mouse moves on
the 3D view), at the view's full resolution; the photo overlay follows when the drag pauses. The lines
above also give the latency of one step at a time (edit -> its frame on screen). max_block_ms is the longest
stretch without the GUI thread's event loop turning (a 5 ms timer's late ticks) from the shown window to the
end (start-up excluded; --trace-blocks prints the GUI thread's stack during each block over 100 ms),
first_mesh_ms drop -> mesh of the first image (model load included), rss_mb the resident memory at the end in MiB
(2**20 bytes; the key keeps the name the docs quote). The memory line gives the resident memory after 10, 50 and
--images images and its growth from the first of those marks to the last: with 10 images or fewer there is one mark
and no growth to give, so it says so. --images and --frames below 1 are refused (exit 2).
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

from inference.openmp import shorten_openmp_spin  # noqa: E402

shorten_openmp_spin()  # as the app does (cli.main.main)

from inference.paths import RESOURCES  # noqa: E402


def rss_mb() -> float:
    """The process's resident memory in MiB (VmRSS, given in KiB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MARKS = (10, 50)  # images after which the resident memory is read (and after the last image)


def memory_line(before: float, marks: dict[int, float], failed: list[str]) -> str:
    """The memory line: `before` and `marks` (images processed -> resident MiB, ascending, the last for all of them)
    and the growth from the first mark to the last; with one mark (MARKS[0] images or fewer) no growth is given."""
    first, last = min(marks), max(marks)
    growth = (f"growth from {first} to {last}: {marks[last] - marks[first]:+.0f} MiB" if last > first else
              f"no growth figure (it needs more than {MARKS[0]} images)")
    return (f"memory (RSS): {before:.0f} MiB before, " + ", ".join(f"{v:.0f} MiB after {k}" for k, v in marks.items())
            + f" images; {growth}"
            + (f" ({len(failed)} of them answered with an error, e.g. {failed[0]!r})" if failed else ""))


DRAG_HZ = 120  # events a second during the drags (a mouse delivers 60-125)
DRAG_S = 3.0


class BlockWatch:
    """The longest time the GUI thread's event loop did not turn: a TICK_MS timer whose ticks come late by
    the length of whatever ran in between (a handler, a paint, a call the benchmark made as a user would).
    `phase` names what the benchmark is doing, to say where the longest block was."""

    TICK_MS = 5

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(self.TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.max_ms, self.where, self.phase = 0.0, "", ""
        self._last = None

    def start(self, trace: bool = False) -> None:
        """trace: a thread samples the GUI thread's stack during blocks over 100 ms and prints where it was."""
        self._last = time.perf_counter()
        self.timer.start()
        if trace:
            import threading

            threading.Thread(target=self._sample, args=(threading.get_ident(),), daemon=True).start()

    def _sample(self, gui: int) -> None:
        import traceback

        seen = None
        while self.timer is not None:
            time.sleep(0.05)
            last = self._last
            if time.perf_counter() - last > 0.1 and seen != last:
                seen = last
                frame = sys._current_frames().get(gui)
                if frame is not None:
                    stack = "".join(traceback.format_stack(frame, limit=12))
                    print(f"--- GUI thread blocked over 100 ms during {self.phase}:\n{stack}", file=sys.stderr)

    def _tick(self) -> None:
        now = time.perf_counter()
        late = (now - self._last) * 1000 - self.TICK_MS
        self._last = now
        if late > self.max_ms:
            self.max_ms, self.where = late, self.phase


def make_large_photo(photo: Path, out: Path) -> Path | None:
    """A 6000 x 4000 JPEG made from the real photo (scaled up), for the decode figure; None without one."""
    import cv2

    img = cv2.imread(str(photo)) if photo.is_file() else None
    if img is None:
        return None
    cv2.imwrite(str(out), cv2.resize(img, (6000, 4000), interpolation=cv2.INTER_LINEAR),
                [cv2.IMWRITE_JPEG_QUALITY, 90])
    return out


def main(argv: list[str] | None = None) -> None:
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=whole_number(1), default=100,
                    help="images processed in a row for the memory figure (its growth needs more than 10)")
    ap.add_argument("--data", type=Path, default=Path("data/synth_test"), help="folder of *_image.png")
    ap.add_argument("--frames", type=whole_number(1), default=60,
                    help="slider positions and mouse moves for the frame rates")
    ap.add_argument("--photo", type=Path, default=RESOURCES / "photos" / "two_people.jpg",
                    help="a real photo with several people (person picker figure)")
    ap.add_argument("--trace-blocks", action="store_true", help="print the GUI thread's stack during long blocks")
    a = ap.parse_args(argv)
    # the throw-away settings file and the 24-megapixel JPEG live in a folder removed at the end
    with tempfile.TemporaryDirectory(prefix="bench_app_") as tmp:
        run(a, Path(tmp))


def run(a: argparse.Namespace, tmp: Path) -> None:
    """The benchmark; tmp: a scratch folder for its settings file and the large photo."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from inference.render.context import configure_gl

    configure_gl()
    from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from app import gc_pauses
    from app.controller import Controller
    from app.settings import AppSettings
    from widgets.main_window import MainWindow

    images = sorted(a.data.glob("*_image.png"))
    if not images:
        sys.exit(f"no *_image.png in {a.data}: "
                 f"run `python main.py synth --out {a.data} --n 500 --seed 20181 --split test`")
    qapp = QApplication.instance() or QApplication([])
    gc_pauses.enable()  # as cli/cmd_gui.py does
    from cli.cmd_gui import prepare_detector

    prepare_detector()  # before the window shows (the app builds it after its first paint): not in the figures
    qsettings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
    controller = Controller(AppSettings(qsettings))
    win = MainWindow(controller)
    win.ask_before_closing = False  # (closed by the script)
    win.resize(1400, 900)
    win.show()

    def wait(cond, timeout=120.0):
        t = time.perf_counter()
        while not cond():
            qapp.processEvents()
            if time.perf_counter() - t > timeout:
                raise TimeoutError("the app did not answer in time")
            time.sleep(0.001)

    def idle(seconds: float) -> None:
        t = time.perf_counter()
        while time.perf_counter() - t < seconds:
            qapp.processEvents()
            time.sleep(0.001)

    big = make_large_photo(a.photo, tmp / "large_24mp.jpg")
    idle(0.2)  # the window's first paint (start-up) is not timed
    watch = BlockWatch()
    watch.start(trace=a.trace_blocks)
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

    watch.phase = "first image (model load)"
    first = process(images[0])  # includes building the Predictor in the worker
    idle(0.3)  # the overlay and the 3D view drawn
    watch.phase = "later images"
    drops = [process(p) for p in images[1:6]]
    pred = controller.worker.predictor()
    print(f"model: device {pred.device}, person detector {'on' if getattr(pred, 'detector', None) else 'off'}")
    print(f"drop -> first mesh, first image (model load included): {first * 1000:.0f} ms")
    print(f"drop -> mesh, later images: median {statistics.median(drops) * 1000:.0f} ms")

    if a.photo.is_file():  # a real photo: drop, then pick each other person (a new job on the same image)
        watch.phase = "real photo"
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

    # a 24-megapixel photo: decoded and scaled for display in the background, the window stays responsive
    if big is not None:
        watch.phase = "large photo (decode)"
        t = time.perf_counter()
        controller.open_file(big)
        wait(lambda: session.shown is not None and session.shown.source == str(big))
        t_shown = time.perf_counter() - t
        wait(lambda: not session.busy)
        print(f"large photo 6000 x 4000: shown after {t_shown * 1000:.0f} ms, "
              f"mesh after {(time.perf_counter() - t) * 1000:.0f} ms")

    # Two figures per interaction. Frames per second (the summary line): a drag that delivers DRAG_HZ events a
    # second for DRAG_S seconds, as a mouse does, through the real paths (slider -> controller throttle ->
    # re-pose -> render thread; mouse move -> render thread), counting the frames that reach the 3D view.
    # Latency: one step at a time, each waited for until its frame is on screen (no overlap between frames).
    if session.prediction is None:
        process(images[0])
    idle(0.3)
    view = win.mesh_view
    current = getattr(view, "is_current", lambda: True)  # a view that renders in paintEvent is always current

    def drag_rate(step) -> float:
        """Frames shown per second while step(k) runs DRAG_HZ times a second for DRAG_S seconds."""
        shown = []
        slot = lambda _ms: shown.append(time.perf_counter())  # noqa: E731
        view.rendered.connect(slot)
        t0 = time.perf_counter()
        k, due = 0, t0
        while time.perf_counter() - t0 < DRAG_S:
            if time.perf_counter() >= due:
                step(k)
                k, due = k + 1, due + 1.0 / DRAG_HZ
            qapp.processEvents()
            time.sleep(0.001)
        view.rendered.disconnect(slot)
        frames = [t for t in shown if t0 < t <= t0 + DRAG_S]
        return len(frames) / DRAG_S

    def beta(k: int) -> float:
        return 3.0 * ((k % 40) / 20.0 - 1.0)

    watch.phase = "slider drag"
    slider_fps = drag_rate(lambda k: win.inspector.betas[0].set_value(beta(k)))
    watch.phase = "slider pause (photo overlay)"
    idle(0.4)
    watch.phase = "slider steps"
    times = []
    for k in range(a.frames):
        mesh = session.mesh
        t = time.perf_counter()
        win.inspector.betas[0].set_value(beta(k))
        controller.flush()  # the throttle timer's work, now
        wait(lambda mesh=mesh: session.mesh is not mesh and current())  # the frame arrived
        view.repaint()  # and is on screen
        times.append(time.perf_counter() - t)
    idle(0.4)
    slider = statistics.median(times)
    p90 = sorted(times)[int(0.9 * len(times))]
    print(f"slider drag: {slider_fps:.0f} frames/s shown ({DRAG_HZ} edits/s for {DRAG_S:.0f} s); one step at a time: "
          f"median {slider * 1000:.1f} ms edit -> frame on screen, 90th percentile {p90 * 1000:.1f} ms; "
          f"3D view {view.width()} x {view.height()} px, frames {view._frame.width() if view._frame is not None else 0}"
          f" px wide")

    # rotation: a left drag across the 3D view
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier

    def mouse(kind, pos: QPointF, button, buttons) -> None:
        ev = QMouseEvent(kind, pos, view.mapToGlobal(pos), button, buttons, mods)
        QApplication.sendEvent(view, ev)

    centre = QPointF(view.width() / 2, view.height() / 2)

    def mouse_x(k: int) -> float:
        return centre.x() + 4.0 * (k % 60 if (k // 60) % 2 == 0 else 60 - k % 60)

    watch.phase = "rotation"
    mouse(QEvent.Type.MouseButtonPress, centre, left, left)
    rotate_fps = drag_rate(lambda k: mouse(QEvent.Type.MouseMove, QPointF(mouse_x(k + 1), centre.y()), none, left))
    watch.phase = "rotation steps"
    rot = []
    for k in range(a.frames):
        yaw = view.yaw
        t = time.perf_counter()
        mouse(QEvent.Type.MouseMove, QPointF(mouse_x(k) + 2.0, centre.y()), none, left)
        wait(current)
        view.repaint()
        rot.append(time.perf_counter() - t)
        assert view.yaw != yaw, "the drag did not rotate the view"
    mouse(QEvent.Type.MouseButtonRelease, centre, left, none)
    idle(0.2)
    rotate = statistics.median(rot)
    print(f"rotation: {rotate_fps:.0f} frames/s shown ({DRAG_HZ} mouse moves/s for {DRAG_S:.0f} s); one move at a "
          f"time: median {rotate * 1000:.1f} ms, 90th percentile {sorted(rot)[int(0.9 * len(rot))] * 1000:.1f} ms")

    watch.phase = "images in a row"
    rss0 = rss_mb()
    failed.clear()
    marks = {}
    for i in range(a.images):
        process(images[i % len(images)])
        if i + 1 in (*MARKS, a.images):
            marks[i + 1] = rss_mb()
    print(memory_line(rss0, marks, failed))
    idle(0.3)
    watch.timer.stop()
    print(f"longest GUI-thread block: {watch.max_ms:.0f} ms, during: {watch.where}")
    rss = rss_mb()
    win.close()
    controller.shutdown()
    qsettings.sync()  # written now: a later write (at its deletion) would make the removed folder again
    print(f"slider_fps={slider_fps:.1f} rotate_fps={rotate_fps:.1f} max_block_ms={watch.max_ms:.0f} "
          f"first_mesh_ms={first * 1000:.0f} rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
