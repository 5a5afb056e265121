"""Offscreen rendering with one long-lived pyrender renderer: exact part-label maps and shaded views.

Call `inference.gl.configure_gl()` once at start-up (before this module is imported) so pyrender
gets an offscreen GL backend. A `Renderer` owns one GL context: keep one per thread and reuse it.
Camera: the crop camera of inference/geometry.py (OpenGL frame, looking down -z, focal `focal`
pixels, principal point at the image centre), or any 4x4 camera-to-world pose for orbit views.
"""
from __future__ import annotations

import math

import numpy as np

from .parts import PALETTE, face_part_labels, vertex_part_labels

SKIN = np.array([0.80, 0.66, 0.58])


class Renderer:
    """One pyrender OffscreenRenderer reused for every frame.

    faces (F, 3) and weights (V, 24) fix the mesh topology and part labels; each call passes
    new vertices (V, 3).
    """

    def __init__(self, faces: np.ndarray, weights: np.ndarray, width: int = 256, height: int | None = None):
        import pyrender

        self._pr = pyrender
        self.faces = np.asarray(faces, np.int64)
        self.vertex_labels = vertex_part_labels(weights)
        self.face_labels = face_part_labels(self.faces, self.vertex_labels)
        self.width, self.height = width, height or width
        self.renderer = pyrender.OffscreenRenderer(self.width, self.height)
        self.scene = pyrender.Scene(bg_color=[0, 0, 0, 0], ambient_light=[0.35, 0.35, 0.35])
        self.cam_node = self.scene.add(pyrender.IntrinsicsCamera(500, 500, self.width / 2, self.height / 2,
                                                                 znear=0.05, zfar=200.0), pose=np.eye(4))
        self.light_nodes = [
            self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=2.0), pose=np.eye(4)),
            self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=0.8),
                           pose=_look_rotation(np.array([0.6, -0.3, 1.0]))),
        ]
        self.mesh_node = None
        self._part_nodes: list = []
        self._raster = None  # LabelRaster, made on the first label frame; False when GL cannot run it
        self._lit = None     # LitRaster, made on the first render_lit frame; False when GL cannot run it
        # Per part: the vertex ids it uses and its faces re-indexed into them.
        self._part_meshes = []
        for k in range(12):
            f = self.faces[self.face_labels == k]
            vidx, local = np.unique(f, return_inverse=True)
            self._part_meshes.append((vidx, local.reshape(-1, 3).astype(np.uint32)))

    def resize(self, width: int, height: int) -> None:
        """Change the viewport (same GL context)."""
        if (width, height) != (self.width, self.height):
            self.width, self.height = width, height
            self.renderer.viewport_width, self.renderer.viewport_height = width, height

    def close(self) -> None:
        for raster in (self._raster, self._lit):
            if raster:
                raster.close()
        self._raster = self._lit = None
        if self.renderer is not None:
            self.renderer.delete()
            self.renderer = None

    def __del__(self):  # noqa: D105
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # ----------------------------------------------------------------- camera
    def set_crop_camera(self, focal: float, center: tuple[float, float] | None = None,
                        near_far: tuple[float, float] = (0.05, 200.0)) -> None:
        """Pinhole camera at the origin looking down -z (OpenGL), focal in pixels, principal point
        `center` (x right, y down, pixels; default the image centre)."""
        cx, cy = center if center is not None else (self.width / 2, self.height / 2)
        cam = self._pr.IntrinsicsCamera(focal, focal, cx, cy, znear=near_far[0], zfar=near_far[1])
        self.cam_node.camera = cam
        self.scene.set_pose(self.cam_node, np.eye(4))

    def set_orbit_camera(self, pose: np.ndarray, yfov: float = 0.6) -> None:
        """Perspective camera with a 4x4 camera-to-world pose (OpenGL), lights attached to it."""
        cam = self._pr.PerspectiveCamera(yfov=yfov, aspectRatio=self.width / self.height, znear=0.05, zfar=100.0)
        self.cam_node.camera = cam
        self.scene.set_pose(self.cam_node, pose)
        self.scene.set_pose(self.light_nodes[0], pose)
        self.scene.set_pose(self.light_nodes[1], pose @ _look_rotation(np.array([0.6, -0.3, 1.0])))

    def set_lights(self, lights: list[tuple[np.ndarray, np.ndarray, float]], ambient: float) -> None:
        """Directional lights [(direction towards the light (3,) in the camera frame, colour (3,), intensity)]
        for crop-camera renders (up to two; extra ones ignored, missing ones switched off) and ambient level."""
        for k, node in enumerate(self.light_nodes):
            if k < len(lights):
                d, c, i = lights[k]
                node.light.color, node.light.intensity = np.asarray(c, np.float64), float(i)
                self.scene.set_pose(node, _look_rotation(np.asarray(d, np.float64)))
            else:
                node.light.intensity = 0.0
        self.scene.ambient_light = np.full(3, float(ambient))

    def _fit_depth_range(self, vertices: np.ndarray) -> None:
        cam = self.cam_node.camera
        if isinstance(cam, self._pr.IntrinsicsCamera):
            z = -vertices[:, 2]
            cam.znear = float(max(0.01, z.min() * 0.9 - 0.05))
            cam.zfar = float(z.max() * 1.1 + 0.5)

    def _set_mesh(self, mesh) -> None:
        for node in self._part_nodes:
            self.scene.remove_node(node)
        self._part_nodes = []
        if self.mesh_node is not None:
            self.scene.remove_node(self.mesh_node)
        self.mesh_node = self.scene.add(mesh)

    # ----------------------------------------------------------------- frames
    def render_labels(self, vertices: np.ndarray) -> np.ndarray:
        """Exact part-label map (H, W) uint8 (0 background, 1..12 parts) of a posed mesh (V, 3).

        One draw through LabelRaster; pyrender's SEG mode (`render_labels_pyrender`) where the GL
        context cannot run its shader."""
        v = np.asarray(vertices, np.float32)
        if self._raster is None:
            from .raster import LabelRaster, RasterError

            try:
                self._raster = LabelRaster(self.renderer._platform, self.faces, self.face_labels + 1, len(v))
            except (RasterError, AttributeError):
                self._raster = False
        if not self._raster or self._raster.n_vertices != len(v):
            return self.render_labels_pyrender(v)
        return self._raster.render(v, self._mvp(v), self.width, self.height)

    def _mvp(self, vertices: np.ndarray) -> np.ndarray:
        """4x4 clip matrix (projection @ world-to-camera) of the current camera, depth range fitted."""
        self._fit_depth_range(vertices)
        cam = self.cam_node.camera
        return cam.get_projection_matrix(self.width, self.height) @ np.linalg.inv(self.scene.get_pose(self.cam_node))

    def render_labels_pyrender(self, vertices: np.ndarray) -> np.ndarray:
        """`render_labels` through pyrender's SEG mode (twelve meshes; slower, same labels)."""
        from .parts import decode_colors

        return decode_colors(self._render_label_colors_pyrender(vertices))

    def render_label_colors(self, vertices: np.ndarray) -> np.ndarray:
        """Part colours (H, W, 3) uint8: every pixel a palette colour or black (no blended edges)."""
        return PALETTE[self.render_labels(vertices)]

    def _render_label_colors_pyrender(self, vertices: np.ndarray) -> np.ndarray:
        """One node per part rendered with pyrender's SEG flag (flat colour, multisampling off)."""
        pr = self._pr
        v = np.asarray(vertices, np.float32)
        if self._part_nodes:
            for node in self._part_nodes:
                self.scene.remove_node(node)
        if self.mesh_node is not None:
            self.scene.remove_node(self.mesh_node)
            self.mesh_node = None
        self._part_nodes, seg = [], {}
        for k, (vidx, local) in enumerate(self._part_meshes):
            if len(local) == 0:
                continue
            prim = pr.Primitive(positions=v[vidx], indices=local, mode=pr.constants.GLTF.TRIANGLES)
            node = self.scene.add(pr.Mesh([prim]))
            self._part_nodes.append(node)
            seg[node] = PALETTE[k + 1]
        self._fit_depth_range(v)
        color, _ = self.renderer.render(self.scene, flags=pr.RenderFlags.SEG | pr.RenderFlags.SKIP_CULL_FACES,
                                        seg_node_map=seg)
        return np.ascontiguousarray(color[..., :3])

    def render_shaded(self, vertices: np.ndarray, vertex_colors: np.ndarray | None = None,
                      with_depth: bool = False):
        """Lit render of a posed mesh (V, 3) -> RGBA (H, W, 4) uint8 (alpha 0 off the body);
        with_depth also returns depth (H, W) float32 (0 off the body).

        vertex_colors: (V, 3) floats in [0, 1] or (3,) one colour; default a skin tone.
        """
        pr = self._pr
        vc = SKIN if vertex_colors is None else np.asarray(vertex_colors, np.float32)
        if vc.ndim == 1:
            vc = np.broadcast_to(vc, (len(vertices), 3))
        # pyrender reads float vertex colours as RGBA; (n, 3) floats come out near black
        vc = np.concatenate([vc, np.ones((len(vc), 1), np.float32)], axis=1)
        normals = self._normals(vertices)
        prim = pr.Primitive(positions=np.asarray(vertices, np.float32), normals=normals,
                            indices=self.faces, color_0=np.ascontiguousarray(vc, dtype=np.float32),
                            mode=pr.constants.GLTF.TRIANGLES,
                            material=pr.MetallicRoughnessMaterial(metallicFactor=0.0, roughnessFactor=0.8,
                                                                  baseColorFactor=[1.0, 1.0, 1.0, 1.0]))
        self._set_mesh(pr.Mesh([prim]))
        self._fit_depth_range(vertices)
        color, depth = self.renderer.render(self.scene, flags=pr.RenderFlags.RGBA)
        color = np.ascontiguousarray(color)
        return (color, depth) if with_depth else color

    def render_lit(self, vertices: np.ndarray, vertex_colors: np.ndarray) -> np.ndarray:
        """`render_shaded`'s lighting (the current camera, lights and ambient) in one draw of our own
        shader, without multisampling: RGBA (H, W, 4) uint8, alpha 255 on the body, 0 off it. For
        synthetic training images, where it is several times faster; pyrender where GL cannot run it.

        vertices (V, 3); vertex_colors (V, 3) or (3,) floats in [0, 1]. Both faces of every triangle are
        drawn (pyrender culls back faces; on a closed body the visible pixels are the same)."""
        from .raster import LitRaster, RasterError

        v = np.asarray(vertices, np.float32)
        colors = np.broadcast_to(np.asarray(vertex_colors, np.float32), v.shape)
        if self._lit is None:
            try:
                self._lit = LitRaster(self.renderer._platform, self.faces, len(v))
            except (RasterError, AttributeError):
                self._lit = False
        if self._lit and self._lit.n_vertices == len(v):
            nodes = self.light_nodes
            dirs = np.stack([self.scene.get_pose(n)[:3, 2] for n in nodes])
            radiance = np.stack([np.asarray(n.light.color) * n.light.intensity for n in nodes])
            self._lit.set_lights(dirs, radiance, np.asarray(self.scene.ambient_light)[:3],
                                 self.scene.get_pose(self.cam_node)[:3, 3])
            try:
                return self._lit.render(v, self._normals(v), colors, self._mvp(v), self.width, self.height)
            except RasterError:
                self._lit = False
        # pyrender: multisampled colour resolved against black (premultiplied by coverage); undo that
        # and keep the pixels at least half covered, as one sample per pixel would
        rgba = self.render_shaded(v, colors)
        a = rgba[..., 3:4].astype(np.float32) / 255.0
        rgb = np.clip(rgba[..., :3] / np.maximum(a, 1e-3) + 0.5, 0, 255).astype(np.uint8)
        on = a[..., 0] >= 0.5
        return np.concatenate([np.where(on[..., None], rgb, 0), np.where(on, 255, 0)[..., None]], -1).astype(np.uint8)

    def _normals(self, vertices: np.ndarray) -> np.ndarray:
        """vertex_normals (V, 3) with the renderer's vertex-face incidence matrix cached across frames."""
        if getattr(self, "_incidence", None) is None or self._incidence.shape[0] != len(vertices):
            self._incidence = face_incidence(self.faces, len(vertices))
        return vertex_normals(vertices, self.faces, self._incidence)


def face_incidence(faces: np.ndarray, n_vertices: int):
    """Sparse (V, F) matrix with a 1 where vertex v is a corner of face f: sums face values onto vertices."""
    import scipy.sparse as sp

    F = len(faces)
    return sp.csr_matrix((np.ones(3 * F, np.float32), (np.asarray(faces).T.ravel(), np.tile(np.arange(F), 3))),
                         shape=(n_vertices, F))


def vertex_normals(vertices: np.ndarray, faces: np.ndarray, incidence=None) -> np.ndarray:
    """Area-weighted unit vertex normals (V, 3) float32 of a mesh (V, 3), (F, 3); `incidence`, the mesh's
    `face_incidence`, saves rebuilding it for every frame."""
    v = np.asarray(vertices, np.float32)
    tri = v[faces]
    if incidence is None:
        incidence = face_incidence(faces, len(v))
    n = incidence @ np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    return n.astype(np.float32)


def _look_rotation(direction: np.ndarray) -> np.ndarray:
    """4x4 pose whose -z axis points along -direction (a light shining from `direction`)."""
    z = direction / np.linalg.norm(direction)
    x = np.cross([0.0, 1.0, 0.0], z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([x, y, z], axis=1)
    return pose


def orbit_pose(yaw: float, pitch: float, distance: float, target: np.ndarray) -> np.ndarray:
    """4x4 camera-to-world pose on a sphere around `target` (3,), yaw/pitch in radians (OpenGL)."""
    cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    eye = np.asarray(target) + distance * np.array([sy * cp, sp, cy * cp])
    z = eye - target
    z /= np.linalg.norm(z)
    x = np.cross([0.0, 1.0, 0.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([x, y, z], axis=1)
    pose[:3, 3] = eye
    return pose


def view_pose(vertices: np.ndarray, view: str, yfov: float = 0.6, fill: float = 0.85) -> np.ndarray:
    """4x4 camera-to-world pose looking at a body (V, 3) from `view` (front, side: the subject's left, or
    back), framed so the body fills `fill` of a camera with vertical field of view `yfov`."""
    yaw = {"side": math.pi / 2, "back": math.pi, "front": 0.0}[view]
    lo, hi = vertices.min(0), vertices.max(0)
    centre = (lo + hi) / 2
    axes = orbit_pose(yaw, 0.0, 1.0, centre)[:3, :3]          # camera x, y, z (columns)
    local = (vertices - centre) @ axes                         # body in camera axes
    half = float(np.abs(local[:, :2]).max())
    distance = half / (math.tan(yfov / 2) * fill) + float(local[:, 2].max())
    return orbit_pose(yaw, 0.0, distance, centre)
