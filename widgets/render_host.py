"""The window's one offscreen renderer (inference.render.renderer.MeshRenderer), in a render thread of its own.

All views that draw the body (3D view, mesh-on-photo overlay, dataset details) share it. The GUI thread
never renders and never waits on a frame in normal use:

- `set_body(faces, weights)` hands the topology to the render thread, which builds the renderer there
  (imports pyrender, creates the GL context, compiles the shaders: seconds on a software GL) and emits
  `ready`.
- `request(key, job)` posts a frame to draw; a newer request with the same key supersedes one not yet
  drawn (a mailbox, one slot per key). The frame comes back by `frameReady(key, serial, QImage, ms)`,
  queued into the GUI thread; views keep the latest and paint it.
- `render(job)` draws one frame and waits for it: for stills (a screenshot export, tests), not for
  interaction.

Each job carries its camera and lights as values (`RenderJob.camera`, `RenderJob.lights`), so frames for
different views interleave freely. Frames go through the renderer's own one-draw-call path
(`MeshRenderer.lit(per_vertex=True)`: the per-vertex data written in place into one vertex buffer, the
face indices uploaded once, the lighting evaluated per vertex: about 30 % less per frame on llvmpipe,
within a few levels of the per-pixel shader) rather than pyrender's scene path, at full resolution: about
10-30 ms for a 580 x 795 frame on this 2-core CPU, depending on load.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.gc_pauses import settle
from inference.render.cameras import Camera, OrbitCamera, PinholeCamera
from inference.render.lights import DEFAULT_LIGHTS, Lights

MAX_SIDE = 2048  # renders larger than this are scaled up for display
SYNC_TIMEOUT_S = 60.0


# the shader's output gamma (inference/render/rasterizers.py: pow(albedo * light, 1 / 2.2))
DISPLAY_GAMMA = 2.2


def legend_albedo(rgb: np.ndarray) -> np.ndarray:
    """Colours (..., 3) in [0, 1] as the eye should see them (a legend's, a colour scale's) -> the albedos (..., 3)
    float32 that the lit shader shows so where the light falls square: taken to linear light, since the shader
    encodes its output with gamma 1 / 2.2. (Darkened sRGB values passed as albedo came out pale and shifted in hue:
    the right forearm's yellow read as the right shin's olive, the left shin's near-black teal as mid-teal.)"""
    return np.power(np.clip(np.asarray(rgb, np.float32), 0.0, 1.0), DISPLAY_GAMMA).astype(np.float32)


@dataclass(frozen=True, eq=False)
class RenderJob:
    """One frame: vertices (V, 3) seen by an orbit camera (`pose`, 4x4 camera-to-world, OpenGL, vertical
    field of view `yfov`) or, when `focal` is set, by a pinhole camera at the origin (focal and principal
    point `center` in pixels); width x height pixels; colors (V, 3) or (3,) floats in [0, 1] (None: skin);
    `lights` in the camera frame."""

    vertices: np.ndarray
    width: int
    height: int
    pose: np.ndarray | None = None
    yfov: float = 0.6
    focal: float | None = None
    center: tuple[float, float] = (0.0, 0.0)
    colors: np.ndarray | None = None
    lights: Lights = DEFAULT_LIGHTS

    @property
    def camera(self) -> Camera:
        """The job's camera as the renderer takes it (with the frame size)."""
        if self.focal is None:
            return OrbitCamera(self.pose, self.width, self.height, self.yfov)
        return PinholeCamera(self.focal, self.width, self.height, self.center)


class _RenderWorker(QObject):
    """Lives in the render thread: owns the MeshRenderer, draws the mailbox's jobs."""

    built = Signal(str)  # "" or the error
    frame = Signal(str, int, object, float)  # key, serial, QImage | None (failed), milliseconds

    def __init__(self, mailbox: dict, lock: threading.Lock):
        super().__init__()
        self._mailbox, self._lock = mailbox, lock
        self.renderer = None
        self.error = ""

    @Slot(object, object)
    def set_body(self, faces: np.ndarray, weights: np.ndarray) -> None:
        self.close()
        self.error = ""
        try:
            from inference.render.renderer import SKIN, MeshRenderer

            self.renderer = MeshRenderer(faces, weights)
            # compiles the shader now, not on the first frame the user waits for
            self.renderer.lit(np.zeros((len(weights), 3), np.float32), OrbitCamera(np.eye(4), 16, 16), SKIN,
                              per_vertex=True)
            settle()  # pyrender, trimesh, scipy and the renderer: out of the collector's walks (app/gc_pauses.py)
        except Exception as exc:  # noqa: BLE001 - no GL: the views show the message
            self.close()
            # (the context's own messages are written for the user: the class name only for others)
            why = str(exc).strip().splitlines()[0] if isinstance(exc, RuntimeError) and str(exc).strip() else \
                f"{type(exc).__name__}: {exc}"
            self.error = f"3D view off: {why}"
        self.built.emit(self.error)

    def draw(self, job: RenderJob) -> np.ndarray:
        """RGBA (h, w, 4) uint8 of one job (render thread)."""
        from inference.render.renderer import SKIN

        if self.renderer is None:
            raise RuntimeError(self.error or "no body model set")
        colors = np.asarray(SKIN if job.colors is None else job.colors, np.float32)
        return self.renderer.lit(job.vertices, job.camera, colors, job.lights, per_vertex=True)

    @Slot()
    def drain(self) -> None:
        """Draw every job in the mailbox (the newest per key), until it is empty."""
        from app.qt_images import to_qimage

        while True:
            with self._lock:
                jobs = list(self._mailbox.items())
                self._mailbox.clear()
            if not jobs:
                return
            for key, (serial, job, reply) in jobs:
                if job is None:  # close
                    self.close()
                    reply.event.set()
                    continue
                t0 = time.perf_counter()
                try:
                    rgba = self.draw(job)
                except Exception as exc:  # noqa: BLE001 - reported to the view
                    rgba = exc
                ms = (time.perf_counter() - t0) * 1000
                if reply is not None:  # a waiting caller
                    reply.append(rgba)
                    reply.event.set()
                else:
                    self.frame.emit(key, serial, rgba if isinstance(rgba, Exception) else to_qimage(rgba), ms)

    @Slot()
    def close(self) -> None:
        if self.renderer is not None:
            try:
                self.renderer.close()
            except Exception:  # noqa: BLE001 - a window closing never fails on a GL error
                pass
            self.renderer = None


class _Reply(list):
    def __init__(self):
        super().__init__()
        self.event = threading.Event()


class RenderHost(QObject):
    """Owns the render thread and its MeshRenderer for one topology: faces (F, 3), skinning weights (V, 24)."""

    ready = Signal()  # the renderer is built (or failed: see `error`)
    frameReady = Signal(str, int, object, float)  # key, serial, QImage (or the exception), milliseconds

    _setBody = Signal(object, object)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._faces: np.ndarray | None = None
        self._weights: np.ndarray | None = None
        self._colors = None  # (V, 3) part albedos of the current topology
        self._lock = threading.Lock()
        self._mailbox: dict = {}  # key -> (serial, RenderJob, reply or None)
        self._serial = 0
        self._sync = 0
        self._built = False
        self.error: str | None = None
        self.frames = 0
        self._worker = _RenderWorker(self._mailbox, self._lock)
        self._thread = QThread()
        self._thread.setObjectName("nbf-render")
        self._worker.moveToThread(self._thread)
        self._setBody.connect(self._worker.set_body)
        self._wake.connect(self._worker.drain)
        self._worker.built.connect(self._on_built)
        self._worker.frame.connect(self.frameReady)
        self._thread.start()

    # ---------------------------------------------------------------- topology
    def set_body(self, faces: np.ndarray, weights: np.ndarray) -> None:
        """Topology of the meshes to come (the body model's faces (F, 3) and skinning weights (V, 24)); the
        render thread builds the renderer for it."""
        faces, weights = np.asarray(faces), np.asarray(weights)
        if self._faces is not None and self._faces.shape == faces.shape and np.array_equal(self._faces, faces):
            if self._weights is None or weights.shape != self._weights.shape \
                    or not np.array_equal(weights, self._weights):
                self._weights, self._colors = weights, None
            return
        self._faces, self._weights, self._colors = faces, weights, None
        self._built, self.error = False, None
        self._setBody.emit(faces, weights)

    @Slot(str)
    def _on_built(self, error: str) -> None:
        self._built, self.error = True, error or None
        self.ready.emit()

    @property
    def has_body(self) -> bool:
        return self._faces is not None

    @property
    def is_ready(self) -> bool:
        """True once the render thread has built the renderer for the current topology (or failed to)."""
        return self._built

    def part_colors(self) -> np.ndarray:
        """(V, 3) float32 albedos of the parts for the current topology (`legend_albedo`: lit from the front,
        each part shows its legend colour; cached per topology)."""
        if self._colors is None:
            from inference.parts import PALETTE, vertex_part_labels

            self._colors = legend_albedo(PALETTE[vertex_part_labels(self._weights) + 1] / 255.0)
        return self._colors

    # ---------------------------------------------------------------- frames
    def request_serial(self) -> int:
        """A new serial, newer than every frame requested so far (to drop those still on their way)."""
        self._serial += 1
        return self._serial

    def request(self, key: str, job: RenderJob) -> int:
        """Post a frame for `key` (superseding one not drawn yet); returns its serial. It comes back by
        frameReady(key, serial, QImage, ms)."""
        self._serial += 1
        self._post(key, (self._serial, job, None))
        return self._serial

    def _post(self, key: str, entry) -> None:
        with self._lock:
            wake = not self._mailbox  # a non-empty mailbox is drained before the worker goes idle
            self._mailbox[key] = entry
        self.frames += 1
        if wake:
            self._wake.emit()

    def render(self, job: RenderJob) -> np.ndarray:
        """Draw one frame and wait for it: RGBA (h, w, 4) uint8, alpha 255 on the body, 0 off it."""
        if self._faces is None:
            raise RuntimeError("no body model set")
        reply = _Reply()
        self._sync += 1
        self._post(f"__sync{self._sync}", (0, job, reply))
        if not reply.event.wait(SYNC_TIMEOUT_S):
            raise RuntimeError("the renderer did not answer in time")
        out = reply[0]
        if isinstance(out, Exception):
            raise RuntimeError(str(out)) from None
        return out

    def close(self) -> None:
        """Free the renderer (in the render thread, where its GL context is current) and stop the thread
        (idempotent)."""
        if self._thread is None:
            return
        self._worker.built.disconnect()
        self._worker.frame.disconnect()
        reply = _Reply()
        with self._lock:
            self._mailbox.clear()
            self._mailbox["__close"] = (0, None, reply)
        self._wake.emit()
        reply.event.wait(SYNC_TIMEOUT_S)
        self._thread.quit()
        self._thread.wait(int(SYNC_TIMEOUT_S * 1000))
        self._thread = None


def fit_size(w: int, h: int, max_side: int = MAX_SIDE) -> tuple[int, int, float]:
    """Render size no larger than max_side (keeps aspect) and the factor applied."""
    w, h = max(1, int(w)), max(1, int(h))
    s = min(1.0, max_side / max(w, h))
    return max(1, int(round(w * s))), max(1, int(round(h * s))), s
