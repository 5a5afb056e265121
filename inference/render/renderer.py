"""Offscreen renders of one mesh topology: exact part-label maps, lit bodies and pyrender's shaded views.

Call `inference.render.context.configure_gl()` once at start-up (before pyrender is imported) so there is
an offscreen GL backend. A `MeshRenderer` owns one GL context: keep one per thread and reuse it. Every call
takes the posed vertices, the camera (inference/render/cameras.py, which also fixes the image size) and
the lights (inference/render/lights.py) as values: what a call draws depends on its arguments only. The
GL context, our shaders (inference/render/rasterizers.py) and pyrender's scene renderer are cached inside.
"""
from __future__ import annotations

import numpy as np

from ..parts import PALETTE, decode_colors, face_part_labels, vertex_part_labels
from .cameras import Camera, PinholeCamera
from .context import OffscreenContext
from .lights import DEFAULT_LIGHTS, Lights, look_rotation
from .normals import face_incidence, vertex_normals

SKIN = np.array([0.80, 0.66, 0.58])


class MeshRenderer:
    """Renders posed meshes (V, 3) of one topology: faces (F, 3) and skinning weights (V, 24), which fix the
    part labels.

    Three calls, each given the camera (and lights) it draws with:
    - `labels`: exact part labels (one draw of our label shader);
    - `lit`: a lit, vertex-coloured body without multisampling (one draw of our lit shader);
    - `shaded`: pyrender's multisampled, lit render (soft edges, depth).
    `reference=True` draws `labels` and `lit` through pyrender instead (slower, the same pictures); that is
    also the path wherever the GL context cannot run our shaders.
    """

    def __init__(self, faces: np.ndarray, weights: np.ndarray):
        self.faces = np.asarray(faces, np.int64)
        self.n_vertices = len(weights)
        self.vertex_labels = vertex_part_labels(weights)
        self.face_labels = face_part_labels(self.faces, self.vertex_labels)
        # Per part: the vertex ids it uses and its faces re-indexed into them (pyrender's label path).
        self._part_meshes = []
        for k in range(12):
            f = self.faces[self.face_labels == k]
            vidx, local = np.unique(f, return_inverse=True)
            self._part_meshes.append((vidx, local.reshape(-1, 3).astype(np.uint32)))
        self._incidence = None  # face_incidence of the topology, made on the first normals
        self._context: OffscreenContext | None = OffscreenContext()
        self._scenes = None  # pyrender.Renderer, made on the first pyrender frame
        self._rasters: dict[str, object] = {}  # kind -> raster, or False where GL cannot run its shader

    # ----------------------------------------------------------------- frames
    def labels(self, vertices: np.ndarray, camera: Camera, *, reference: bool = False) -> np.ndarray:
        """Exact part-label map (H, W) uint8 (0 background, 1..12 parts) of a posed mesh (V, 3): every pixel
        takes the label of the nearest face, no blending."""
        v = np.asarray(vertices, np.float32)
        raster = None if reference else self._raster("labels", len(v))
        if raster is None:
            return decode_colors(self._label_colors_pyrender(v, camera))
        return raster.render(v, self._mvp(camera, v), camera.width, camera.height)

    def lit(self, vertices: np.ndarray, camera: Camera, colors: np.ndarray, lights: Lights = DEFAULT_LIGHTS, *,
            per_vertex: bool = False, reference: bool = False) -> np.ndarray:
        """`shaded`'s lighting in one draw of our own shader, without multisampling: RGBA (H, W, 4) uint8,
        alpha 255 on the body, 0 off it. For synthetic training images and the app's views, where it is
        several times faster than pyrender.

        vertices (V, 3); colors (V, 3) or (3,) floats in [0, 1]. per_vertex evaluates the lighting at the
        vertices and interpolates it (about half the cost on a software GL, alike on a dense body). Both
        faces of every triangle are drawn (pyrender culls back faces; on a closed body the visible pixels
        are the same)."""
        from .rasterizers import Lighting, RasterError

        v = np.asarray(vertices, np.float32)
        colors = np.broadcast_to(np.asarray(colors, np.float32), v.shape)
        kinds = ("vertex-lit", "lit") if per_vertex else ("lit",)
        raster = None if reference else next(filter(None, (self._raster(k, len(v)) for k in kinds)), None)
        if raster is not None:
            pose = camera.pose
            directions = np.tile(pose[:3, 2], (2, 1))  # a light that is off: any unit vector will do
            radiance = np.zeros((2, 3), np.float32)
            for k, light in enumerate(lights.lights):
                directions[k] = (pose @ look_rotation(np.asarray(light.direction)))[:3, 2]
                radiance[k] = light.radiance()
            lighting = Lighting(directions, radiance, np.full(3, lights.ambient, np.float32), pose[:3, 3])
            try:
                return raster.render(v, self._normals(v), colors, self._mvp(camera, v), camera.width, camera.height,
                                     lighting)
            except RasterError:
                self._rasters = {k: (False if r is raster else r) for k, r in self._rasters.items()}
        # pyrender: multisampled colour resolved against black (premultiplied by coverage); undo that
        # and keep the pixels at least half covered, as one sample per pixel would
        rgba = self.shaded(v, camera, colors, lights)
        a = rgba[..., 3:4].astype(np.float32) / 255.0
        rgb = np.clip(rgba[..., :3] / np.maximum(a, 1e-3) + 0.5, 0, 255).astype(np.uint8)
        on = a[..., 0] >= 0.5
        return np.concatenate([np.where(on[..., None], rgb, 0), np.where(on, 255, 0)[..., None]], -1).astype(np.uint8)

    def shaded(self, vertices: np.ndarray, camera: Camera, colors: np.ndarray | None = None,
               lights: Lights = DEFAULT_LIGHTS, *, with_depth: bool = False):
        """pyrender's lit render of a posed mesh (V, 3), 4x multisampled -> RGBA (H, W, 4) uint8 (alpha 0 off
        the body, partial on its outline); with_depth also returns depth (H, W) float32 (metres from the
        camera, 0 off the body).

        colors: (V, 3) floats in [0, 1] or (3,) one colour; default a skin tone.
        """
        import pyrender as pr

        vc = SKIN if colors is None else np.asarray(colors, np.float32)
        if vc.ndim == 1:
            vc = np.broadcast_to(vc, (len(vertices), 3))
        # pyrender reads float vertex colours as RGBA; (n, 3) floats come out near black
        vc = np.concatenate([vc, np.ones((len(vc), 1), np.float32)], axis=1)
        prim = pr.Primitive(positions=np.asarray(vertices, np.float32), normals=self._normals(vertices),
                            indices=self.faces, color_0=np.ascontiguousarray(vc, dtype=np.float32),
                            mode=pr.constants.GLTF.TRIANGLES,
                            material=pr.MetallicRoughnessMaterial(metallicFactor=0.0, roughnessFactor=0.8,
                                                                  baseColorFactor=[1.0, 1.0, 1.0, 1.0]))
        color, depth = self._render_scene([pr.Mesh([prim])], camera, lights, vertices, pr.RenderFlags.RGBA)
        color = np.ascontiguousarray(color)
        return (color, depth) if with_depth else color

    # ----------------------------------------------------------------- inside
    def _label_colors_pyrender(self, v: np.ndarray, camera: Camera) -> np.ndarray:
        """Part colours (H, W, 3) uint8 through pyrender's SEG flag: one mesh per part, flat colour,
        multisampling off."""
        import pyrender as pr

        meshes, colors = [], []
        for k, (vidx, local) in enumerate(self._part_meshes):
            if len(local):
                meshes.append(pr.Mesh([pr.Primitive(positions=v[vidx], indices=local,
                                                     mode=pr.constants.GLTF.TRIANGLES)]))
                colors.append(PALETTE[k + 1])
        color, _ = self._render_scene(meshes, camera, None, v, pr.RenderFlags.SEG | pr.RenderFlags.SKIP_CULL_FACES,
                                      colors)
        return np.ascontiguousarray(color[..., :3])

    def _render_scene(self, meshes: list, camera: Camera, lights: Lights | None, vertices: np.ndarray, flags,
                      seg_colors: list | None = None):
        """pyrender frame of a scene built for this call from `meshes` (pyrender.Mesh), the camera and the
        lights -> (colour (H, W, 3|4) uint8, depth (H, W) float32); seg_colors: one (3,) colour per mesh
        under the SEG flag."""
        import pyrender as pr

        w, h = camera.width, camera.height
        if not self._context.framebuffers and self._context.size != (w, h):
            self._reopen(w, h)  # OSMesa draws scenes into its own buffer, sized at creation
        cam, pose = self._pyrender_camera(camera, vertices)
        ambient = DEFAULT_LIGHTS.ambient if lights is None else lights.ambient
        scene = pr.Scene(bg_color=[0, 0, 0, 0], ambient_light=np.full(3, ambient))
        scene.add(cam, pose=pose)
        for light in lights.lights if lights is not None else ():
            scene.add(pr.DirectionalLight(color=np.asarray(light.color), intensity=light.intensity),
                      pose=pose @ look_rotation(np.asarray(light.direction)))
        nodes = [scene.add(m) for m in meshes]
        seg = dict(zip(nodes, seg_colors, strict=True)) if seg_colors is not None else None
        self._context.make_current()
        if self._scenes is None:
            self._scenes = pr.Renderer(w, h)
        self._scenes.viewport_width, self._scenes.viewport_height = w, h
        if self._context.framebuffers:
            return self._scenes.render(scene, flags | pr.RenderFlags.OFFSCREEN, seg)
        self._scenes.render(scene, flags, seg)
        if flags & pr.RenderFlags.RGBA:  # (pyrender reads an on-screen buffer as RGB only: the alpha is read here)
            return self._read_rgba(w, h), self._scenes.read_depth_buf()
        return self._scenes.read_color_buf(), self._scenes.read_depth_buf()

    @staticmethod
    def _read_rgba(w: int, h: int) -> np.ndarray:
        """The current context's front buffer as (h, w, 4) uint8 RGBA, top row first: OSMesa's buffer holds the alpha
        (0 where nothing was drawn), which pyrender's read_color_buf drops, and every caller of `shaded` reads."""
        from OpenGL import GL

        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
        GL.glReadBuffer(GL.GL_FRONT)
        buf = GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        return np.flip(np.frombuffer(buf, np.uint8).reshape(h, w, 4), axis=0).copy()

    @staticmethod
    def _pyrender_camera(camera: Camera, vertices: np.ndarray):
        """(pyrender camera, 4x4 camera-to-world pose) of a camera value; a pinhole camera's depth range is
        fitted to the vertices (V, 3), keeping the depth buffer's precision on the body."""
        import pyrender as pr

        if isinstance(camera, PinholeCamera):
            cx, cy = camera.principal_point
            z = -vertices[:, 2]
            cam = pr.IntrinsicsCamera(camera.focal, camera.focal, cx, cy, znear=float(max(0.01, z.min() * 0.9 - 0.05)),
                                      zfar=float(z.max() * 1.1 + 0.5))
        else:
            cam = pr.PerspectiveCamera(yfov=camera.yfov, aspectRatio=camera.width / camera.height, znear=0.05,
                                       zfar=100.0)
        return cam, camera.pose

    def _mvp(self, camera: Camera, vertices: np.ndarray) -> np.ndarray:
        """4x4 clip matrix (projection @ world-to-camera) of a camera, as pyrender projects."""
        cam, pose = self._pyrender_camera(camera, vertices)
        return cam.get_projection_matrix(camera.width, camera.height) @ np.linalg.inv(pose)

    def _raster(self, kind: str, n_vertices: int):
        """Our raster of `kind` ("labels", "lit", "vertex-lit"), made on first use; None where GL cannot run
        it or the mesh has another vertex count than the topology."""
        from .rasterizers import LabelRaster, LitRaster, RasterError, VertexLitRaster

        if kind not in self._rasters:
            try:
                if kind == "labels":
                    raster = LabelRaster(self._context, self.faces, self.face_labels + 1, self.n_vertices)
                else:
                    raster = {"lit": LitRaster, "vertex-lit": VertexLitRaster}[kind](self._context, self.faces,
                                                                                    self.n_vertices)
            except RasterError:
                raster = False
            self._rasters[kind] = raster
        raster = self._rasters[kind]
        return raster if raster and raster.n_vertices == n_vertices else None

    def gl_renderer(self) -> str:
        """The GL_RENDERER string of the context (e.g. "llvmpipe ..." for software rendering)."""
        return self._context.gl_renderer()

    @property
    def own_shaders(self) -> dict[str, bool]:
        """{kind: whether our shader runs here} for the rasters tried so far ("labels", "lit", "vertex-lit")."""
        return {k: bool(r) for k, r in self._rasters.items()}

    def _normals(self, vertices: np.ndarray) -> np.ndarray:
        if len(vertices) != self.n_vertices:
            return vertex_normals(vertices, self.faces)
        if self._incidence is None:
            self._incidence = face_incidence(self.faces, self.n_vertices)
        return vertex_normals(vertices, self.faces, self._incidence)

    def _reopen(self, width: int, height: int) -> None:
        self.close()
        self._context = OffscreenContext(width, height)

    def close(self) -> None:
        """Free the GL objects and the context (idempotent); the next call would need a new MeshRenderer."""
        if self._context is None:
            return
        try:
            for raster in self._rasters.values():
                if raster:
                    raster.close()
            if self._scenes is not None:
                self._context.make_current()
                self._scenes.delete()
        finally:
            self._rasters, self._scenes = {}, None
            self._context.close()
            self._context = None

    def __del__(self):  # noqa: D105
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
