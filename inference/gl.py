"""Pick the offscreen OpenGL backend for pyrender (EGL, else OSMesa).

`PYOPENGL_PLATFORM` must be set before pyrender or OpenGL is first imported, so the entry
points (main.py, tests/conftest.py, worker processes) call `configure_gl()` once at start-up;
no library module sets it at import time.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os


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
        raise RuntimeError("no offscreen OpenGL found: install libegl1 libgl1-mesa-dri (EGL) "
                           "or libosmesa6 (OSMesa)")
    env["PYOPENGL_PLATFORM"] = backends[0]
    return backends[0]
