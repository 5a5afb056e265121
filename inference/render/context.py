"""The offscreen OpenGL backend (EGL, else OSMesa) and one GL context of our own.

`PYOPENGL_PLATFORM` must be set before pyrender or OpenGL is first imported, so the entry
points (main.py, tests/conftest.py, worker processes) call `configure_gl()` once at start-up;
no library module sets it at import time. `OffscreenContext` then makes a context on that backend
through pyrender's platform classes, so pyrender's scene renderer and our own shaders draw in one
context that we hold (pyrender's OffscreenRenderer keeps its context to itself).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading

GL_PACKAGES = "libegl1 libgl1-mesa-dri (EGL) or libosmesa6 (OSMesa)"  # the Debian packages of either backend

# EGL contexts open per EGL display (its address). The display is shared by every context of the process, and
# eglTerminate ends them all: pyrender's delete_context terminates it, so closing one context (Run all's renderer,
# a probe) left the 3D view's context unable to be made current again (EGL_NOT_INITIALIZED). The display is
# terminated by the close of its last context only.
_EGL_OPEN: dict[int, int] = {}
_EGL_LOCK = threading.Lock()


def _address(handle) -> int:
    return int(ctypes.cast(handle, ctypes.c_void_p).value or 0)


def _loadable(*names: str) -> bool:
    for name in names:
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def available_backends() -> list[str]:
    """Offscreen backends whose libraries load here, best first."""
    out = []
    if _loadable("libEGL.so.1", "libEGL.so"):
        out.append("egl")
    if _loadable("libOSMesa.so.8", "libOSMesa.so.6", "libOSMesa.so"):
        out.append("osmesa")
    return out


def configure_gl(env: dict | None = None) -> str:
    """Set PYOPENGL_PLATFORM in `env` (default os.environ) unless already set; return the choice.

    Raises RuntimeError with the Debian packages to install when no backend is available.
    """
    env = os.environ if env is None else env
    if env.get("PYOPENGL_PLATFORM"):
        return env["PYOPENGL_PLATFORM"]
    backends = available_backends()
    if not backends:
        raise RuntimeError(f"no offscreen OpenGL found: install {GL_PACKAGES}")
    env["PYOPENGL_PLATFORM"] = backends[0]
    return backends[0]


def offscreen_problem() -> str:
    """'' when an offscreen GL context can be made here (on the backend `configure_gl` chooses, called here), else
    why not, one line for the user. Without one, what draws the body (the mesh over the photo, `render`, the app's
    3D view) is unavailable and everything else works: the part maps, meshes and parameters need no GL."""
    try:
        configure_gl()
        OffscreenContext().close()
    except Exception as exc:  # noqa: BLE001 - a missing library, a backend that does not load, a bad EGL device
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        # (configure_gl's and the context's own messages say what to do; a library's does not)
        return text if isinstance(exc, RuntimeError) else f"no offscreen OpenGL here ({text}): install {GL_PACKAGES}"
    return ""


def egl_device_index(text: str | None, count: int | None) -> int:
    """The EGL device that EGL_DEVICE_ID's `text` names (0 when unset or empty), given how many devices EGL lists
    (`count`; None where it cannot list them: the default device alone, 0). Raises RuntimeError, one line naming
    the variable and the values it takes, for any other value ('abc', 7 of 2 devices, -1, which Python's indexing
    would read as the last device): a value set wrongly is the user's to fix, not a package to install."""
    text = (text or "").strip() or "0"
    valid = 1 if count is None else count
    if text.isdecimal() and int(text) < max(valid, 1):  # (with no device listed, 0 goes on: EGL says why)
        return int(text)
    what = "is not a device number" if not text.lstrip("-").isdecimal() else "names no EGL device"
    if count is None:
        values = "EGL cannot list the devices here: set it to 0, or unset it"
    elif count == 0:
        values = "this machine lists no EGL device: unset it"
    elif count == 1:
        values = "this machine has 1 EGL device: set it to 0, or unset it"
    else:
        values = f"this machine has {count} EGL devices: set it to a number from 0 to {count - 1}, or unset it for 0"
    raise RuntimeError(f"EGL_DEVICE_ID={text!r} {what} ({values})")


class OffscreenContext:
    """One offscreen GL context on the backend `configure_gl` chose (EGL device `EGL_DEVICE_ID`, default 0).

    EGL renders into framebuffer objects of any size. OSMesa draws pyrender's scenes into its own buffer of
    width x height pixels, fixed at creation (`framebuffers` is False): a scene of another size needs a new
    context. Use it from one thread at a time; `make_current` before any GL call.
    """

    def __init__(self, width: int = 16, height: int = 16):
        backend = os.environ.get("PYOPENGL_PLATFORM")
        if backend == "egl":
            from pyrender.platforms import egl

            try:
                count: int | None = len(egl.query_devices())
            except RuntimeError:  # no device query here: only the default device, 0
                count = None
            device = egl.get_device_by_index(egl_device_index(os.environ.get("EGL_DEVICE_ID"), count))
            self._gl = egl.EGLPlatform(width, height, device=device)
        elif backend == "osmesa":
            from pyrender.platforms.osmesa import OSMesaPlatform

            self._gl = OSMesaPlatform(width, height)
        else:
            # (said for a user who set the variable: configure_gl sets it to one of the two otherwise)
            raise RuntimeError(f"PYOPENGL_PLATFORM={backend!r} is no offscreen OpenGL backend: unset it, or set it to "
                               "egl or osmesa")
        self.size = (int(width), int(height))
        self._egl = backend == "egl"
        with _EGL_LOCK:  # (eglInitialize of a display another context uses, and the count, as one step)
            self._gl.init_context()
            if self._egl:
                key = _address(self._gl._egl_display)
                _EGL_OPEN[key] = _EGL_OPEN.get(key, 0) + 1
        self._gl.make_current()
        self.framebuffers = bool(self._gl.supports_framebuffers())

    def make_current(self) -> None:
        if self._gl is None:
            raise RuntimeError("the GL context is closed")
        self._gl.make_current()

    def gl_renderer(self) -> str:
        """The GL_RENDERER string of the context (e.g. "llvmpipe ..." for software rendering)."""
        from OpenGL.GL import GL_RENDERER, glGetString

        self.make_current()
        return glGetString(GL_RENDERER).decode()

    def close(self) -> None:
        """Destroy the context (idempotent); GL objects made in it are gone with it. Other contexts go on: an EGL
        display is terminated with its last context (`_EGL_OPEN`)."""
        if self._gl is None:
            return
        gl, self._gl = self._gl, None
        if not self._egl:
            gl.delete_context()
            return
        from OpenGL.EGL import (
            EGL_NO_CONTEXT,
            EGL_NO_SURFACE,
            eglDestroyContext,
            eglGetCurrentContext,
            eglMakeCurrent,
            eglTerminate,
        )

        display, context = gl._egl_display, gl._egl_context
        gl._egl_display = gl._egl_context = None
        if display is None:
            return
        with _EGL_LOCK:
            if context is not None:
                if _address(eglGetCurrentContext()) == _address(context):  # (released here: else it outlives this)
                    eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT)
                eglDestroyContext(display, context)
            key = _address(display)
            left = _EGL_OPEN.get(key, 1) - 1
            if left > 0:
                _EGL_OPEN[key] = left
            else:
                _EGL_OPEN.pop(key, None)
                eglTerminate(display)
