"""The window's one offscreen renderer (inference.render.Renderer), created on first use.

All views that draw the body (3D view, mesh-on-photo overlay, dataset details) borrow it on
the GUI thread; it is rebuilt only when the body model's topology changes and closed with
the window.
"""
from __future__ import annotations

import numpy as np

MAX_SIDE = 1024  # renders larger than this are scaled up for display


class RenderHost:
    def __init__(self):
        self._renderer = None
        self._faces: np.ndarray | None = None
        self._weights: np.ndarray | None = None
        self.error: str | None = None
        self.frames = 0

    def set_body(self, faces: np.ndarray, weights: np.ndarray) -> None:
        """Topology of the meshes to come (the body model's faces and skinning weights)."""
        faces = np.asarray(faces)
        if self._faces is not None and self._faces.shape == faces.shape and np.array_equal(self._faces, faces):
            self._weights = np.asarray(weights)
            return
        self.close()
        self._faces, self._weights = faces, np.asarray(weights)
        self.error = None

    @property
    def has_body(self) -> bool:
        return self._faces is not None

    @property
    def renderer(self):
        return self._renderer

    def _get(self, w: int, h: int):
        if self._faces is None:
            raise RuntimeError("no body model set")
        if self._renderer is None:
            if self.error:
                raise RuntimeError(self.error)
            try:
                from inference.render import Renderer

                self._renderer = Renderer(self._faces, self._weights, w, h)
            except Exception as exc:  # noqa: BLE001 - no GL: the views show the message
                self.error = f"3D rendering unavailable: {type(exc).__name__}: {exc}"
                raise RuntimeError(self.error) from None
        else:
            self._renderer.resize(w, h)
        return self._renderer

    def part_colors(self, shade: float = 0.7) -> np.ndarray:
        """(V, 3) float colours of the parts for the current topology, darkened by `shade` so that
        the lit render comes out close to the legend's colours."""
        from inference.parts import PALETTE, vertex_part_labels

        r = self._renderer
        labels = r.vertex_labels if r is not None else vertex_part_labels(self._weights)
        return PALETTE[labels + 1].astype(np.float32) / 255.0 * shade

    def render_orbit(self, vertices: np.ndarray, pose: np.ndarray, w: int, h: int, yfov: float,
                     colors: np.ndarray | None = None) -> np.ndarray:
        """RGBA (h, w, 4) of the mesh seen from a 4x4 camera-to-world pose (OpenGL)."""
        r = self._get(w, h)
        r.set_orbit_camera(pose, yfov=yfov)
        self.frames += 1
        return r.render_shaded(vertices, colors)

    def render_camera(self, vertices: np.ndarray, focal: float, center: tuple[float, float], w: int, h: int,
                      colors: np.ndarray | None = None) -> np.ndarray:
        """RGBA (h, w, 4) of the camera-frame mesh through a pinhole camera (focal, principal point in px)."""
        r = self._get(w, h)
        r.set_orbit_camera(np.eye(4))  # puts the lights on the camera at the origin
        r.set_crop_camera(focal, center)
        self.frames += 1
        return r.render_shaded(vertices, colors)

    def close(self) -> None:
        if self._renderer is not None:
            try:
                self._renderer.close()
            finally:
                self._renderer = None


def fit_size(w: int, h: int, max_side: int = MAX_SIDE) -> tuple[int, int, float]:
    """Render size no larger than max_side (keeps aspect) and the factor applied."""
    w, h = max(1, int(w)), max(1, int(h))
    s = min(1.0, max_side / max(w, h))
    return max(1, int(round(w * s))), max(1, int(round(h * s))), s
