"""A folder of small synth-crowd frames for the tests that train or read the person proposer's data."""
from __future__ import annotations

from pathlib import Path


def write_small_crowd(folder: Path, n: int) -> Path:
    """`n` frames of 320 x 200 px with 2-3 people 50-150 px tall (seed 5) written into `folder`; returns it."""
    from training.synth.crowd import CrowdRenderer, write_frame

    r = CrowdRenderer(width=320, height=200, people=(2, 3), heights=(50, 150))
    try:
        for i in range(n):
            write_frame(folder, i, r.render(5, i))
    finally:
        r.single.renderer.close()
    return folder
