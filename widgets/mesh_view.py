"""Interactive 3D view of the body: orbit with left-drag, pan with right/middle-drag, zoom with
the wheel, click to pick the nearest joint. Frames come from the shared RenderHost (one
long-lived pyrender renderer) rendered into a QImage; nothing is drawn with QOpenGLWidget."""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.qt_images import to_qimage

from .image_canvas import BACKGROUND
from .render_host import RenderHost, fit_size

YFOV = 0.6
QUALITY_SIDE = 900  # longest side of a still frame (pixels)
INTERACTIVE_SIDE = 420  # while dragging or editing: smaller frames, then a full one when idle
SETTLE_MS = 180
PRESETS = {  # name -> (yaw, pitch) in degrees
    "front": (0.0, 0.0),
    "back": (180.0, 0.0),
    "side": (90.0, 0.0),
    "top": (0.0, 89.0),
}


def orbit_pose(yaw: float, pitch: float, distance: float, target: np.ndarray) -> np.ndarray:
    from inference.render import orbit_pose as _orbit

    return _orbit(yaw, pitch, distance, np.asarray(target, np.float64))


class MeshView(QWidget):
    """Shows one BodyMesh. `set_mesh(mesh, reframe=True)` frames a new body; edits keep the view."""

    jointPicked = Signal(int)
    rendered = Signal(float)  # milliseconds of the last frame

    def __init__(self, host: RenderHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.vertices: np.ndarray | None = None
        self.joints: np.ndarray | None = None
        self.yaw, self.pitch = 0.0, 0.0  # degrees
        self.distance = 3.0
        self.target = np.zeros(3)
        self._home = (0.0, 0.0, 3.0, np.zeros(3))
        self._radius = 0.0  # half the bounding-box diagonal of the framed body (m)
        self.color_mode = "skin"
        self.selected_joint: int | None = None
        self._frame: QImage | None = None
        self._dirty = True
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._button = Qt.MouseButton.NoButton
        self._moved = False
        self._message = ""
        self.last_ms = 0.0
        self._fast = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._invalidate)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setToolTip("Left-drag: rotate · right/middle-drag: pan · wheel: zoom · click: pick a joint")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(520, 600)

    # ---------------------------------------------------------------- data
    def set_mesh(self, mesh, reframe: bool = False) -> None:
        """A new body (reframe=True: aim the camera at it) or an edit of the current one."""
        if mesh is None:
            self.vertices = self.joints = None
        else:
            self.vertices = np.asarray(mesh.vertices, np.float32)
            self.joints = np.asarray(mesh.joints, np.float32)
            if reframe:
                self.frame_body()
            else:
                self._follow_growth()
        self._invalidate(interactive=not reframe and mesh is not None)

    def frame_body(self) -> None:
        """Aim at the body's bounding-box centre from a distance that fits it (front view)."""
        if self.vertices is None:
            return
        lo, hi = self.vertices.min(0), self.vertices.max(0)
        centre = (lo + hi) / 2
        radius = float(np.linalg.norm(hi - lo)) / 2
        dist = radius / math.sin(YFOV / 2) * 1.05
        self._home = (0.0, 0.0, dist, centre.astype(np.float64))
        self._radius = radius
        self.reset_view()

    def _follow_growth(self) -> None:
        """An edit made the body bigger than the framed one (taller, broader): move the camera back by the
        same factor (home view too) so it stays in the picture; a smaller body keeps the view."""
        radius = float(np.linalg.norm(self.vertices.max(0) - self.vertices.min(0))) / 2
        if radius <= self._radius * 1.01 or self._radius <= 0:
            return
        k = radius / self._radius
        self._radius = radius
        self.distance *= k
        yaw, pitch, dist, target = self._home
        self._home = (yaw, pitch, dist * k, target)

    def reset_view(self) -> None:
        self.yaw, self.pitch, self.distance, t = self._home
        self.target = np.array(t, np.float64)
        self._invalidate()

    def set_preset(self, name: str) -> None:
        self.yaw, self.pitch = PRESETS[name]
        self.distance = self._home[2]
        self.target = np.array(self._home[3], np.float64)
        self._invalidate()

    def set_color_mode(self, mode: str) -> None:
        self.color_mode = mode
        self._invalidate()

    def set_selected_joint(self, joint: int | None) -> None:
        self.selected_joint = joint
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text
        self.update()

    def _invalidate(self, interactive: bool = False) -> None:
        """Schedule a frame; interactive frames are small and followed by a full one when input settles."""
        self._dirty = True
        self._fast = interactive
        if interactive:
            self._settle.start()
        else:
            self._settle.stop()
        self.update()

    # ---------------------------------------------------------------- camera
    def camera_pose(self) -> np.ndarray:
        return orbit_pose(math.radians(self.yaw), math.radians(self.pitch), self.distance, self.target)

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) -> widget pixel positions (N, 2) under the current orbit camera."""
        pose = self.camera_pose()
        w2c = np.linalg.inv(pose)
        pc = np.asarray(points, np.float64) @ w2c[:3, :3].T + w2c[:3, 3]
        h = self.height()
        f = (h / 2) / math.tan(YFOV / 2)
        z = np.maximum(-pc[:, 2], 1e-6)  # depth in front of the camera
        u = self.width() / 2 + f * pc[:, 0] / z
        v = h / 2 - f * pc[:, 1] / z
        return np.stack([u, v], axis=1)

    def pick_joint(self, pos: QPointF, radius: float = 30.0) -> int | None:
        if self.joints is None:
            return None
        uv = self.project(self.joints)
        d = np.hypot(uv[:, 0] - pos.x(), uv[:, 1] - pos.y())
        j = int(np.argmin(d))
        return j if d[j] <= radius else None

    # ---------------------------------------------------------------- rendering
    def render_frame(self) -> QImage | None:
        """Render now (normally done lazily in paintEvent)."""
        self._dirty = False
        if self.vertices is None or not self.host.has_body:
            self._frame = None
            return None
        dpr = self.devicePixelRatioF()
        w, h, _ = fit_size(self.width() * dpr, self.height() * dpr, INTERACTIVE_SIDE if self._fast else QUALITY_SIDE)
        t0 = time.perf_counter()
        try:
            colors = self.host.part_colors() if self.color_mode == "parts" else None
            rgba = self.host.render_orbit(self.vertices, self.camera_pose(), w, h, YFOV, colors)
        except Exception as exc:  # noqa: BLE001 - shown in the view, the app stays up
            self._frame = None
            self._message = str(exc)
            return None
        self.last_ms = (time.perf_counter() - t0) * 1000
        self._frame = to_qimage(rgba)
        self.rendered.emit(self.last_ms)
        return self._frame

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._dirty = True
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        if self._dirty:
            self.render_frame()
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self._frame is not None:
            p.drawImage(QRectF(self.rect()), self._frame)
            if self.selected_joint is not None and self.joints is not None:
                uv = self.project(self.joints[self.selected_joint: self.selected_joint + 1])[0]
                p.setPen(QPen(QColor(255, 80, 60), 2))
                p.setBrush(QColor(255, 80, 60, 90))
                p.drawEllipse(QPointF(*uv), 7, 7)
        else:
            p.setPen(QColor(170, 174, 180))
            text = self._message or "The 3D body appears here once a photo is processed."
            p.drawText(self.rect().adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       text)
        p.end()

    # ---------------------------------------------------------------- mouse
    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = self._last = event.position()
        self._button = event.button()
        self._moved = False
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._last is None:
            return
        pos = event.position()
        dx, dy = pos.x() - self._last.x(), pos.y() - self._last.y()
        self._last = pos
        if (pos - self._press).manhattanLength() > 3:
            self._moved = True
        buttons = event.buttons()
        if buttons & Qt.MouseButton.LeftButton:
            self.rotate(dx, dy)
        elif buttons & (Qt.MouseButton.RightButton | Qt.MouseButton.MiddleButton):
            self.pan(dx, dy)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if not self._moved and event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            j = self.pick_joint(event.position())
            if j is not None:
                self.set_selected_joint(j)
                self.jointPicked.emit(j)
        self._press = self._last = None
        event.accept()

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        self.zoom(steps)
        event.accept()

    def rotate(self, dx: float, dy: float) -> None:
        self.yaw = (self.yaw - dx * 0.5) % 360.0
        self.pitch = float(np.clip(self.pitch + dy * 0.5, -89.0, 89.0))
        self._invalidate(interactive=True)

    def pan(self, dx: float, dy: float) -> None:
        pose = self.camera_pose()
        k = 2 * self.distance * math.tan(YFOV / 2) / max(1, self.height())
        self.target = self.target - pose[:3, 0] * dx * k + pose[:3, 1] * dy * k
        self._invalidate(interactive=True)

    def zoom(self, steps: float) -> None:
        self.distance = float(np.clip(self.distance * 0.88 ** steps, 0.2, 200.0))
        self._invalidate(interactive=True)
