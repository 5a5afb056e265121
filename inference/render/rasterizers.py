"""Meshes straight from OpenGL with our own shaders: one draw call, one 8-bit read-back per frame.

Draws in the OffscreenContext of a MeshRenderer (inference/render/renderer.py), beside pyrender's scene
renderer. Face indices are uploaded once; a frame uploads only per-vertex data. Three shaders:

- `LabelRaster`: part labels. The fragment shader looks the label up by `gl_PrimitiveID`, so every
  pixel takes the label of the nearest face with no blending, which is what pyrender's SEG mode gives
  with twelve meshes, twelve uploads and an RGB + float-depth read-back (about four times the cost on
  a software GL).
- `LitRaster`: vertex-coloured, lit bodies for synthetic training images, with the lighting model of
  pyrender's metallic-roughness material (GGX, Schlick Fresnel, metallic 0, roughness 0.8; up to two
  directional lights plus ambient; output gamma 1/2.2) but without pyrender's per-frame mesh upload
  and 4x multisampling, which cost about 25 ms of the 35 ms a pyrender frame takes on llvmpipe.
- `VertexLitRaster`: LitRaster's lighting evaluated per vertex and interpolated over each triangle, for
  the app's 3D view: on a software GL the per-pixel version costs about twice the frame, and on a
  13k-vertex body at roughness 0.8 (broad highlights) the two look alike.

Every draw takes all it depends on (vertices, clip matrix, size, lights); a raster keeps only its GL
objects between draws.
"""
from __future__ import annotations

import ctypes
from typing import NamedTuple

import numpy as np

_LABEL_VERTEX = """#version 330 core
layout(location = 0) in vec3 position;
uniform mat4 mvp;
void main() { gl_Position = mvp * vec4(position, 1.0); }
"""

_LABEL_FRAGMENT = """#version 330 core
uniform usamplerBuffer face_label;
out vec4 label;
void main() { label = vec4(float(texelFetch(face_label, gl_PrimitiveID).r) / 255.0, 0.0, 0.0, 1.0); }
"""

# The vertex data of both lit shaders (9 floats per vertex).
_LIT_INPUTS = """#version 330 core
layout(location = 0) in vec3 position;
layout(location = 1) in vec3 normal;
layout(location = 2) in vec3 albedo;
uniform mat4 mvp;
"""

_LIT_VERTEX = _LIT_INPUTS + """
out vec3 f_position;
out vec3 f_normal;
out vec3 f_albedo;
void main() {
    gl_Position = mvp * vec4(position, 1.0);
    f_position = position;
    f_normal = normal;
    f_albedo = albedo;
}
"""

# Cook-Torrance with a GGX distribution, Smith-Schlick visibility (k = (r + 1)^2 / 8) and Schlick's
# Fresnel for a dielectric (F0 = 0.04, diffuse albedo scaled by 0.96); the per-vertex colour multiplies
# the lit white surface, as pyrender's COLOR_0 does. One GLSL function, spliced into each shader that
# lights the body (per pixel in LitRaster, per vertex in VertexLitRaster).
_LIGHTING_GLSL = """
uniform vec3 cam_pos;
uniform vec3 light_dir[2];
uniform vec3 light_rgb[2];
uniform vec3 ambient;
uniform float roughness;
const float PI = 3.141592653589793;
vec3 lit_rgb(vec3 albedo, vec3 normal, vec3 position) {
    vec3 n = normalize(normal);
    vec3 v = normalize(cam_pos - position);
    float nv = clamp(abs(dot(n, v)), 0.001, 1.0);
    float a = roughness * roughness;
    float a2 = a * a;
    float k = (roughness + 1.0) * (roughness + 1.0) / 8.0;
    vec3 light = ambient;
    for (int i = 0; i < 2; i++) {
        vec3 l = light_dir[i];
        vec3 h = normalize(l + v);
        float nl = clamp(dot(n, l), 0.001, 1.0);
        float nh = clamp(dot(n, h), 0.0, 1.0);
        float vh = clamp(dot(v, h), 0.0, 1.0);
        float fresnel = 0.04 + 0.96 * pow(1.0 - vh, 5.0);
        float vis = nv / (nv * (1.0 - k) + k) * nl / (nl * (1.0 - k) + k);
        float q = nh * nh * (a2 - 1.0) + 1.0;
        float ggx = a2 / (PI * q * q);
        light += light_rgb[i] * nl * ((1.0 - fresnel) * 0.96 / PI + fresnel * vis * ggx / (4.0 * nl * nv + 0.001));
    }
    return clamp(pow(albedo * light, vec3(1.0 / 2.2)), 0.0, 1.0);
}
"""

_LIT_FRAGMENT = """#version 330 core
in vec3 f_position;
in vec3 f_normal;
in vec3 f_albedo;
out vec4 rgba;
""" + _LIGHTING_GLSL + """
void main() { rgba = vec4(lit_rgb(f_albedo, f_normal, f_position), 1.0); }
"""

_VERTEX_LIT_VERTEX = _LIT_INPUTS + """
out vec3 f_rgb;
""" + _LIGHTING_GLSL + """
void main() {
    gl_Position = mvp * vec4(position, 1.0);
    f_rgb = lit_rgb(albedo, normal, position);
}
"""

_PASS_FRAGMENT = """#version 330 core
in vec3 f_rgb;
out vec4 rgba;
void main() { rgba = vec4(f_rgb, 1.0); }
"""


class RasterError(RuntimeError):
    """The GL context cannot run one of these shaders (the caller falls back to pyrender)."""


def _compile(kind, source: str) -> int:
    from OpenGL import GL

    sh = GL.glCreateShader(kind)
    GL.glShaderSource(sh, source)
    GL.glCompileShader(sh)
    if not GL.glGetShaderiv(sh, GL.GL_COMPILE_STATUS):
        raise RasterError(GL.glGetShaderInfoLog(sh).decode(errors="replace"))
    return sh


class _MeshRaster:
    """Program, vertex array (`floats_per_vertex` interleaved floats per vertex; attribute i gets 3 of
    them), index buffer and framebuffer of one fixed triangle mesh faces (F, 3).

    Made and used in one inference.render.context.OffscreenContext (this class makes it current itself).
    """

    color_format = None  # GL internal format of the colour buffer
    read_format = None   # glReadPixels format
    channels = 1

    def __init__(self, context, faces: np.ndarray, n_vertices: int, vertex_src: str, fragment_src: str,
                 floats_per_vertex: int):
        from OpenGL import GL

        self._context = context
        context.make_current()
        self.n_vertices = int(n_vertices)
        self.n_indices = int(np.asarray(faces).size)
        self.floats_per_vertex = floats_per_vertex
        self._size = (0, 0)
        self._fbo = self._color = self._depth = None
        try:
            vs, fs = _compile(GL.GL_VERTEX_SHADER, vertex_src), _compile(GL.GL_FRAGMENT_SHADER, fragment_src)
        except Exception as exc:  # noqa: BLE001 - GL errors come in several types
            raise RasterError(f"{type(self).__name__} shader: {exc}") from None
        self.program = GL.glCreateProgram()
        GL.glAttachShader(self.program, vs)
        GL.glAttachShader(self.program, fs)
        GL.glLinkProgram(self.program)
        GL.glDeleteShader(vs)
        GL.glDeleteShader(fs)
        if not GL.glGetProgramiv(self.program, GL.GL_LINK_STATUS):
            raise RasterError(GL.glGetProgramInfoLog(self.program).decode(errors="replace"))
        self._mvp = GL.glGetUniformLocation(self.program, "mvp")

        self.vao = GL.glGenVertexArrays(1)
        GL.glBindVertexArray(self.vao)
        self.vbo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        stride = 4 * floats_per_vertex
        GL.glBufferData(GL.GL_ARRAY_BUFFER, self.n_vertices * stride, None, GL.GL_DYNAMIC_DRAW)
        for i in range(floats_per_vertex // 3):
            GL.glEnableVertexAttribArray(i)
            GL.glVertexAttribPointer(i, 3, GL.GL_FLOAT, GL.GL_FALSE, stride, ctypes.c_void_p(12 * i))
        self.ebo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, self.ebo)
        idx = np.ascontiguousarray(faces, np.uint32)
        GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, idx.nbytes, idx, GL.GL_STATIC_DRAW)
        GL.glBindVertexArray(0)

    def _framebuffer(self, width: int, height: int) -> None:
        from OpenGL import GL

        if self._size == (width, height):
            return
        if self._fbo is not None:
            GL.glDeleteFramebuffers(1, [self._fbo])
            GL.glDeleteRenderbuffers(2, [self._color, self._depth])
        self._color, self._depth = GL.glGenRenderbuffers(2)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self._color)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, self.color_format, width, height)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self._depth)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH_COMPONENT24, width, height)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, 0)
        self._fbo = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_RENDERBUFFER, self._color)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, self._depth)
        status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        if status != GL.GL_FRAMEBUFFER_COMPLETE:
            raise RasterError(f"framebuffer incomplete (status {status})")
        self._size = (width, height)

    def _set_uniforms(self, uniforms) -> None:
        """Per-frame uniforms and textures beyond `mvp` (program in use), from `_draw`'s `uniforms`."""

    def _draw(self, data: np.ndarray, mvp: np.ndarray, width: int, height: int, uniforms=None) -> np.ndarray:
        """Draw with vertex data (V, floats_per_vertex) under the 4x4 clip matrix `mvp` -> (H, W, channels)
        uint8, row 0 the top of the image, zeros where no face; `uniforms` go to `_set_uniforms`."""
        from OpenGL import GL

        data = np.ascontiguousarray(data, np.float32)
        if data.shape != (self.n_vertices, self.floats_per_vertex):
            raise ValueError(f"vertex data must be ({self.n_vertices}, {self.floats_per_vertex}), got {data.shape}")
        self._context.make_current()
        self._framebuffer(width, height)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glViewport(0, 0, width, height)
        GL.glDisable(GL.GL_CULL_FACE)
        GL.glDisable(GL.GL_BLEND)
        GL.glDisable(GL.GL_MULTISAMPLE)
        GL.glEnable(GL.GL_DEPTH_TEST)
        GL.glDepthFunc(GL.GL_LESS)
        GL.glDepthMask(GL.GL_TRUE)
        GL.glClearColor(0.0, 0.0, 0.0, 0.0)
        GL.glClearDepth(1.0)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glUseProgram(self.program)
        # GL reads matrices column-major: pass the transpose flag rather than copying
        GL.glUniformMatrix4fv(self._mvp, 1, GL.GL_TRUE, np.ascontiguousarray(mvp, np.float32))
        self._set_uniforms(uniforms)
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
        GL.glDrawElements(GL.GL_TRIANGLES, self.n_indices, GL.GL_UNSIGNED_INT, ctypes.c_void_p(0))
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        buf = GL.glReadPixels(0, 0, width, height, self.read_format, GL.GL_UNSIGNED_BYTE)
        # leave no state of ours bound for pyrender's next frame in the same context
        GL.glBindVertexArray(0)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, 0)
        GL.glUseProgram(0)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        out = np.frombuffer(buf, np.uint8).reshape(height, width, self.channels)
        return np.ascontiguousarray(out[::-1])

    def _delete_extra(self) -> None:
        """Free GL objects a subclass made (context current)."""

    def close(self) -> None:
        from OpenGL import GL

        try:
            self._context.make_current()
            if self._fbo is not None:
                GL.glDeleteFramebuffers(1, [self._fbo])
                GL.glDeleteRenderbuffers(2, [self._color, self._depth])
            self._delete_extra()
            GL.glDeleteBuffers(2, [self.vbo, self.ebo])
            GL.glDeleteVertexArrays(1, [self.vao])
            GL.glDeleteProgram(self.program)
        finally:
            self._fbo = None


class LabelRaster(_MeshRaster):
    """Renders face labels (F,) uint8 of a fixed triangle mesh faces (F, 3) into (H, W) uint8 maps."""

    def __init__(self, context, faces: np.ndarray, face_labels: np.ndarray, n_vertices: int):
        from OpenGL import GL

        self.color_format, self.read_format = GL.GL_R8, GL.GL_RED
        super().__init__(context, faces, n_vertices, _LABEL_VERTEX, _LABEL_FRAGMENT, 3)
        self._sampler = GL.glGetUniformLocation(self.program, "face_label")
        self.tbo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_TEXTURE_BUFFER, self.tbo)
        lab = np.ascontiguousarray(face_labels, np.uint8)
        GL.glBufferData(GL.GL_TEXTURE_BUFFER, lab.nbytes, lab, GL.GL_STATIC_DRAW)
        self.tex = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self.tex)
        GL.glTexBuffer(GL.GL_TEXTURE_BUFFER, GL.GL_R8UI, self.tbo)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, 0)
        GL.glBindBuffer(GL.GL_TEXTURE_BUFFER, 0)

    def _set_uniforms(self, uniforms) -> None:
        from OpenGL import GL

        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self.tex)
        GL.glUniform1i(self._sampler, 0)

    def _delete_extra(self) -> None:
        from OpenGL import GL

        GL.glDeleteBuffers(1, [self.tbo])
        GL.glDeleteTextures([self.tex])

    def render(self, vertices: np.ndarray, mvp: np.ndarray, width: int, height: int) -> np.ndarray:
        """Labels (H, W) uint8 (0 where no face) of vertices (V, 3) under the 4x4 clip matrix `mvp`
        (projection @ world-to-camera), OpenGL conventions; row 0 is the top of the image."""
        return self._draw(vertices, mvp, width, height)[..., 0]


class Lighting(NamedTuple):
    """The lit shaders' uniforms, all in the vertices' frame: directions (2, 3) unit vectors towards each
    light, radiance (2, 3) colour x intensity (0 for a light that is off), ambient (3,), eye (3,) the
    camera position."""

    directions: np.ndarray
    radiance: np.ndarray
    ambient: np.ndarray
    eye: np.ndarray


class LitRaster(_MeshRaster):
    """Lit, vertex-coloured renders (H, W, 4) uint8 RGBA of a fixed triangle mesh faces (F, 3); alpha is
    255 on the body and 0 elsewhere (no multisampling: edges are not blended). Lit per pixel."""

    channels = 4
    shaders = (_LIT_VERTEX, _LIT_FRAGMENT)

    def __init__(self, context, faces: np.ndarray, n_vertices: int, roughness: float = 0.8):
        from OpenGL import GL

        self.color_format, self.read_format = GL.GL_RGBA8, GL.GL_RGBA
        super().__init__(context, faces, n_vertices, *self.shaders, 9)
        self.roughness = float(roughness)
        self._loc = {k: GL.glGetUniformLocation(self.program, k)
                     for k in ("cam_pos", "light_dir", "light_rgb", "ambient", "roughness")}

    def _set_uniforms(self, lt: Lighting) -> None:
        from OpenGL import GL

        GL.glUniform3fv(self._loc["cam_pos"], 1, np.asarray(lt.eye, np.float32).reshape(3))
        GL.glUniform3fv(self._loc["light_dir"], 2, np.ascontiguousarray(lt.directions, np.float32).reshape(2, 3))
        GL.glUniform3fv(self._loc["light_rgb"], 2, np.ascontiguousarray(lt.radiance, np.float32).reshape(2, 3))
        GL.glUniform3fv(self._loc["ambient"], 1, np.asarray(lt.ambient, np.float32).reshape(3))
        GL.glUniform1f(self._loc["roughness"], self.roughness)

    def render(self, vertices: np.ndarray, normals: np.ndarray, colors: np.ndarray, mvp: np.ndarray,
               width: int, height: int, lighting: Lighting) -> np.ndarray:
        """RGBA (H, W, 4) uint8 of vertices (V, 3) with unit normals (V, 3) and linear colours (V, 3)
        in [0, 1] under the 4x4 clip matrix `mvp` and `lighting`; row 0 is the top of the image."""
        data = np.concatenate([np.asarray(vertices, np.float32), np.asarray(normals, np.float32),
                               np.asarray(colors, np.float32)], 1)
        return self._draw(data, mvp, width, height, lighting)


class VertexLitRaster(LitRaster):
    """LitRaster's lighting evaluated per vertex (same inputs, same output format)."""

    shaders = (_VERTEX_LIT_VERTEX, _PASS_FRAGMENT)
