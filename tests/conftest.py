"""Test session set-up: offscreen Qt and an offscreen GL backend, chosen once before any import of pyrender."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from inference.render.context import configure_gl  # noqa: E402

configure_gl()
