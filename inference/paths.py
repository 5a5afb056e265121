"""Where the shipped resources live: found relative to this file, never to the working directory."""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
