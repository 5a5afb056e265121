"""Part-label maps straight from OpenGL: one draw call, one 8-bit read-back.

Shares the GL context of a pyrender OffscreenRenderer. The face indices and each face's part label
are uploaded once; a frame uploads only the vertex positions (V, 3). The fragment shader looks the
label up by `gl_PrimitiveID`, so every pixel takes the label of the nearest face with no blending,
which is what pyrender's SEG mode gives with twelve meshes, twelve uploads and an RGB + float-depth
read-back (about four times the cost on a software GL).
"""
from __future__ import annotations

import ctypes

import numpy as np

_VERTEX = """#version 330 core
layout(location = 0) in vec3 position;
uniform mat4 mvp;
void main() { gl_Position = mvp * vec4(position, 1.0); }
"""

_FRAGMENT = """#version 330 core
uniform usamplerBuffer face_label;
out vec4 label;
void main() { label = vec4(float(texelFetch(face_label, gl_PrimitiveID).r) / 255.0, 0.0, 0.0, 1.0); }
"""


class LabelRasterError(RuntimeError):
    """The GL context cannot run the label shader (the caller falls back to pyrender)."""


def _compile(kind, source: str) -> int:
    from OpenGL import GL

    sh = GL.glCreateShader(kind)
    GL.glShaderSource(sh, source)
    GL.glCompileShader(sh)
    if not GL.glGetShaderiv(sh, GL.GL_COMPILE_STATUS):
        raise LabelRasterError(GL.glGetShaderInfoLog(sh).decode(errors="replace"))
    return sh


class LabelRaster:
    """Renders face labels (F,) uint8 of a fixed triangle mesh faces (F, 3) into (H, W) uint8 maps.

    Must be created and used with the owning GL context current (pyrender's OffscreenRenderer makes
    its context current on creation and on every render; this class calls `make_current` itself).
    """

    def __init__(self, platform, faces: np.ndarray, face_labels: np.ndarray, n_vertices: int):
        from OpenGL import GL

        self._platform = platform
        platform.make_current()
        self.n_vertices = int(n_vertices)
        self.n_indices = int(np.asarray(faces).size)
        self._size = (0, 0)
        self._fbo = self._color = self._depth = None
        try:
            vs, fs = _compile(GL.GL_VERTEX_SHADER, _VERTEX), _compile(GL.GL_FRAGMENT_SHADER, _FRAGMENT)
        except Exception as exc:  # noqa: BLE001 - GL errors come in several types
            raise LabelRasterError(f"label shader: {exc}") from None
        self.program = GL.glCreateProgram()
        GL.glAttachShader(self.program, vs)
        GL.glAttachShader(self.program, fs)
        GL.glLinkProgram(self.program)
        GL.glDeleteShader(vs)
        GL.glDeleteShader(fs)
        if not GL.glGetProgramiv(self.program, GL.GL_LINK_STATUS):
            raise LabelRasterError(GL.glGetProgramInfoLog(self.program).decode(errors="replace"))
        self._mvp = GL.glGetUniformLocation(self.program, "mvp")
        self._sampler = GL.glGetUniformLocation(self.program, "face_label")

        self.vao = GL.glGenVertexArrays(1)
        GL.glBindVertexArray(self.vao)
        self.vbo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        GL.glBufferData(GL.GL_ARRAY_BUFFER, self.n_vertices * 12, None, GL.GL_DYNAMIC_DRAW)
        GL.glEnableVertexAttribArray(0)
        GL.glVertexAttribPointer(0, 3, GL.GL_FLOAT, GL.GL_FALSE, 12, ctypes.c_void_p(0))
        self.ebo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, self.ebo)
        idx = np.ascontiguousarray(faces, np.uint32)
        GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, idx.nbytes, idx, GL.GL_STATIC_DRAW)
        GL.glBindVertexArray(0)

        self.tbo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_TEXTURE_BUFFER, self.tbo)
        lab = np.ascontiguousarray(face_labels, np.uint8)
        GL.glBufferData(GL.GL_TEXTURE_BUFFER, lab.nbytes, lab, GL.GL_STATIC_DRAW)
        self.tex = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self.tex)
        GL.glTexBuffer(GL.GL_TEXTURE_BUFFER, GL.GL_R8UI, self.tbo)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, 0)
        GL.glBindBuffer(GL.GL_TEXTURE_BUFFER, 0)

    def _framebuffer(self, width: int, height: int) -> None:
        from OpenGL import GL

        if self._size == (width, height):
            return
        if self._fbo is not None:
            GL.glDeleteFramebuffers(1, [self._fbo])
            GL.glDeleteRenderbuffers(2, [self._color, self._depth])
        self._color, self._depth = GL.glGenRenderbuffers(2)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self._color)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_R8, width, height)
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
            raise LabelRasterError(f"label framebuffer incomplete (status {status})")
        self._size = (width, height)

    def render(self, vertices: np.ndarray, mvp: np.ndarray, width: int, height: int) -> np.ndarray:
        """Labels (H, W) uint8 (0 where no face) of vertices (V, 3) under the 4x4 clip matrix `mvp`
        (projection @ world-to-camera), OpenGL conventions; row 0 is the top of the image."""
        from OpenGL import GL

        v = np.ascontiguousarray(vertices, np.float32)
        if v.shape != (self.n_vertices, 3):
            raise ValueError(f"vertices must be ({self.n_vertices}, 3), got {v.shape}")
        self._platform.make_current()
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
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self.tex)
        GL.glUniform1i(self._sampler, 0)
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, v.nbytes, v)
        GL.glDrawElements(GL.GL_TRIANGLES, self.n_indices, GL.GL_UNSIGNED_INT, ctypes.c_void_p(0))
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        buf = GL.glReadPixels(0, 0, width, height, GL.GL_RED, GL.GL_UNSIGNED_BYTE)
        # leave no state of ours bound for pyrender's next frame
        GL.glBindVertexArray(0)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, 0)
        GL.glUseProgram(0)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        out = np.frombuffer(buf, np.uint8).reshape(height, width)
        return np.ascontiguousarray(out[::-1])

    def close(self) -> None:
        from OpenGL import GL

        try:
            self._platform.make_current()
            if self._fbo is not None:
                GL.glDeleteFramebuffers(1, [self._fbo])
                GL.glDeleteRenderbuffers(2, [self._color, self._depth])
            GL.glDeleteBuffers(3, [self.vbo, self.ebo, self.tbo])
            GL.glDeleteTextures([self.tex])
            GL.glDeleteVertexArrays(1, [self.vao])
            GL.glDeleteProgram(self.program)
        finally:
            self._fbo = None
