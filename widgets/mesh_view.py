"""Interactive 3D view of the body: orbit with left-drag, pan with right/middle-drag, zoom with
the wheel, click to pick the nearest joint; with the keyboard focus, the arrow keys orbit, Shift+arrows pan and
+ / - zoom. Frames come from the shared RenderHost's render thread
(one long-lived renderer, its own one-draw-call shader) at the widget's full resolution and are drawn
1:1: each edit or mouse move posts one frame request (a newer one supersedes a request not drawn yet),
the finished frame arrives by signal and is painted. The GUI thread never renders or waits for a frame;
nothing is drawn with QOpenGLWidget.
"""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.qt_images import to_qimage
from inference.render.cameras import orbit_pose

from .image_canvas import BACKGROUND, paint_focus_frame
from .own_keys import OwnKeys
from .render_host import RenderHost, RenderJob, fit_size

YFOV = 0.6
MAX_SIDE = 2048  # longest side of a frame (device pixels); larger widgets are scaled up
# the orbit camera's far plane (inference/render/renderer.py `_pyrender_camera`): a body beyond it is not drawn
ORBIT_FAR = 100.0
FAR_ROOM = 0.8  # a frame whose body reaches past this share of ORBIT_FAR is drawn scaled down about the camera
MIN_DISTANCE = 0.2  # m: the closest zoom
ZOOM_OUT = 20.0  # the farthest zoom, times the framed distance: the body stays some 1/20 of its framed size
KEY_TURN = 5.0  # degrees an arrow key orbits (as 10 px of a left-drag)
KEY_PAN = 20.0  # px an arrow key with Shift pans (as a right-drag)
KEY_ZOOM = 1.0  # wheel steps a + or - zooms
ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
ZOOM_KEYS = {Qt.Key.Key_Plus: 1, Qt.Key.Key_Equal: 1, Qt.Key.Key_Minus: -1}  # "=" is "+" without Shift
HINT = ("Left-drag or arrow keys: rotate · right/middle-drag or Shift+arrows: pan · wheel or + / -: zoom · "
        "click: pick a joint (click or Tab to the view for the keys)")
PRESETS = {  # name -> (yaw, pitch) in degrees
    "front": (0.0, 0.0),
    "back": (180.0, 0.0),
    "side": (90.0, 0.0),
    "top": (0.0, 89.0),
}


class MeshView(OwnKeys, QWidget):
    """Shows one BodyMesh. `set_mesh(mesh, reframe=True)` frames a new body; edits keep the view."""

    jointPicked = Signal(int)
    rendered = Signal(float)  # milliseconds of the last frame
    PLACEHOLDER = "The 3D body appears here once a photo is processed."

    def __init__(self, host: RenderHost, parent: QWidget | None = None, name: str = "3D body view"):
        """name: what a screen reader calls the view."""
        super().__init__(parent)
        self.host = host
        self.placeholder = self.PLACEHOLDER  # shown with no body
        self.vertices: np.ndarray | None = None
        self.joints: np.ndarray | None = None
        self.yaw, self.pitch = 0.0, 0.0  # degrees
        self.distance = 3.0
        self.target = np.zeros(3)
        self._home = (0.0, 0.0, 3.0, np.zeros(3))
        self._radius = 0.0  # half the bounding-box diagonal of the framed body (m)
        self.color_mode = "skin"
        self.vertex_colors: np.ndarray | None = None  # (V, 3) RGB in [0, 1], drawn instead of the colour mode
        self.selected_joint: int | None = None
        self._frame: QImage | None = None
        self._dirty = True
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._moved = False
        self._message = ""
        self.last_ms = 0.0
        self._key = f"mesh_view:{id(self)}"
        self._requested = 0  # serial of the newest frame request
        self._shown = -1  # serial of the frame on screen
        host.ready.connect(self._invalidate)
        host.frameReady.connect(self._on_frame)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        # a click or Tab gives the view the keyboard (arrow keys, + / -)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip(HINT)
        self.setAccessibleName(name)
        self.setAccessibleDescription(HINT)

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
        self._invalidate()

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

    def aim_at_body(self) -> None:
        """Frame the current body again but keep the viewing direction (another fit of the same person
        may stand elsewhere in the camera frame)."""
        yaw, pitch = self.yaw, self.pitch
        self.frame_body()
        self.yaw, self.pitch = yaw, pitch
        self._invalidate()

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
        """"skin" or "parts" (the body model's part colours); per-vertex colours, while set, take precedence."""
        self.color_mode = mode
        self._invalidate()

    def set_vertex_colors(self, colors: np.ndarray | None) -> None:
        """Colour every vertex: (V, 3) floats RGB in [0, 1], V the body's vertex count (e.g. a per-vertex error
        scale); None goes back to the colour mode. Kept across set_mesh; a body with another vertex count is
        drawn in the colour mode."""
        self.vertex_colors = None if colors is None else np.ascontiguousarray(colors, np.float32).reshape(-1, 3)
        self._invalidate()

    def set_selected_joint(self, joint: int | None) -> None:
        self.selected_joint = joint
        self.update()

    def _invalidate(self) -> None:
        """Schedule a frame (rendered in the next paintEvent: several changes before it make one frame)."""
        self._dirty = True
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
    def _job(self) -> RenderJob:
        """The frame the view should show now: full widget resolution in device pixels (capped at MAX_SIDE)."""
        dpr = self.devicePixelRatioF()
        w, h, _ = fit_size(self.width() * dpr, self.height() * dpr, MAX_SIDE)
        colors = self.host.part_colors() if self.color_mode == "parts" else None
        vc = self.vertex_colors
        if vc is not None and self.vertices is not None and len(vc) == len(self.vertices):
            colors = vc
        pose = self.camera_pose()
        return RenderJob(self._within_far_plane(self.vertices, pose), w, h, pose=pose, yfov=YFOV, colors=colors)

    @staticmethod
    def _within_far_plane(vertices: np.ndarray | None, pose: np.ndarray) -> np.ndarray | None:
        """The vertices, or where part of the body lies past the orbit camera's fixed far plane (zoomed far out, or a
        body framed from beyond it) a copy scaled down about the camera until it lies within: seen from the camera the
        picture is the same (a perspective view does not change when the scene is scaled about its eye, and the
        lights are directional), and nothing is cut off."""
        if vertices is None:
            return None
        eye = pose[:3, 3]
        depth = (vertices - eye) @ -pose[:3, 2]  # along the view direction (the camera looks down its -z)
        far = float(depth.max())
        if far <= ORBIT_FAR * FAR_ROOM:
            return vertices
        k = ORBIT_FAR * FAR_ROOM / far
        return (eye + (vertices.astype(np.float64) - eye) * k).astype(np.float32)

    def _request_frame(self) -> None:
        """Post the current view to the render thread (paintEvent does it when something changed)."""
        self._dirty = False
        if self.vertices is None or not self.host.has_body:
            self._frame = None
            return
        if not self.host.is_ready:
            self._dirty = True  # host.ready invalidates the view again
            return
        self._requested = self.host.request(self._key, self._job())

    def _on_frame(self, key: str, serial: int, image, ms: float) -> None:
        if key != self._key or serial < self._shown or self.vertices is None:
            return
        self._shown = serial
        if isinstance(image, Exception):
            self._frame, self._message = None, str(image)
        else:
            image.setDevicePixelRatio(image.width() / max(1, self.width()))
            self._frame, self._message = image, ""
            self.last_ms = ms
            self.rendered.emit(ms)
        self.update()

    def is_current(self) -> bool:
        """True when the frame on screen shows the current body and camera (or there is nothing to show)."""
        if self.vertices is None:
            return True
        return not self._dirty and self._shown == self._requested and self._frame is not None

    def render_frame(self) -> QImage | None:
        """Render the current view now and wait for it (stills and screenshots; interaction never waits)."""
        self._dirty = False
        if self.vertices is None or not self.host.has_body:
            self._frame = None
            return None
        job = self._job()
        t0 = time.perf_counter()
        try:
            rgba = self.host.render(job)
        except Exception as exc:  # noqa: BLE001 - shown in the view, the app stays up
            self._frame = None
            self._message = str(exc)
            return None
        self._serial_sync()
        self._frame = to_qimage(rgba)
        self._frame.setDevicePixelRatio(job.width / max(1, self.width()))
        self.last_ms = (time.perf_counter() - t0) * 1000
        self.rendered.emit(self.last_ms)
        self.update()
        return self._frame

    def _serial_sync(self) -> None:
        """A frame drawn by render_frame is the newest: frames of older requests still on their way are dropped."""
        self._requested = self._shown = self.host.request_serial()

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._dirty = True
        super().resizeEvent(event)

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.update()  # (the focus frame; the frame on screen is kept)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        if self._dirty:
            self._request_frame()  # drawn in the render thread; the latest frame is painted meanwhile
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if self._frame is not None:
            # the frame's pixel ratio makes it cover the widget: 1:1 in device pixels unless capped at MAX_SIDE
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                            abs(self._frame.devicePixelRatio() - self.devicePixelRatioF()) > 1e-3)
            p.drawImage(0, 0, self._frame)
            if self.selected_joint is not None and self.joints is not None:
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                uv = self.project(self.joints[self.selected_joint: self.selected_joint + 1])[0]
                p.setPen(QPen(QColor(255, 80, 60), 2))
                p.setBrush(QColor(255, 80, 60, 90))
                p.drawEllipse(QPointF(*uv), 7, 7)
        else:
            p.setPen(QColor(170, 174, 180))
            text = self._message or ("Preparing the 3D view…" if self.vertices is not None and self.host.has_body
                                     else self.placeholder)
            p.drawText(self.rect().adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       text)
        paint_focus_frame(self, p)  # (the arrow keys turn the view: show that they go here)
        p.end()

    # ---------------------------------------------------------------- mouse
    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = self._last = event.position()
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
        self._invalidate()

    def pan(self, dx: float, dy: float) -> None:
        pose = self.camera_pose()
        k = 2 * self.distance * math.tan(YFOV / 2) / max(1, self.height())
        self.target = self.target - pose[:3, 0] * dx * k + pose[:3, 1] * dy * k
        self._invalidate()

    def zoom(self, steps: float) -> None:
        """Closer (steps > 0) or farther; no farther than ZOOM_OUT times the framed distance (a fixed 200 m left a
        person a few pixels tall, and past the far plane nothing at all)."""
        far = max(MIN_DISTANCE, self._home[2] * ZOOM_OUT)
        self.distance = float(np.clip(self.distance * 0.88 ** steps, MIN_DISTANCE, far))
        self._invalidate()

    # ---------------------------------------------------------------- keyboard
    def _key_action(self, event) -> tuple[str, float, float] | None:
        """("rotate" | "pan" | "zoom", amounts) of a key the view handles, None for any other key: arrows without a
        modifier rotate, with Shift pan; + / = / - zoom (Shift may be needed to type "+"). Keys with Ctrl, Alt or
        Meta are the window's (Alt+Left / Alt+Right: the previous and next image)."""
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods & ~Qt.KeyboardModifier.ShiftModifier:
            return None
        key = event.key()
        if key in ARROWS:
            dx, dy = ARROWS[key]
            if mods & Qt.KeyboardModifier.ShiftModifier:
                return "pan", dx * KEY_PAN, dy * KEY_PAN
            return "rotate", dx * KEY_TURN / 0.5, dy * KEY_TURN / 0.5  # rotate() turns 0.5 degree a pixel
        if key in ZOOM_KEYS:
            return "zoom", ZOOM_KEYS[key] * KEY_ZOOM, 0.0
        return None

    def keyPressEvent(self, event) -> None:  # noqa: N802
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        kind, a, b = action
        if kind == "rotate":
            self.rotate(a, b)
        elif kind == "pan":
            self.pan(a, b)
        else:
            self.zoom(a)
        event.accept()
