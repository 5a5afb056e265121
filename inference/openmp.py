"""How long torch's idle OpenMP threads keep the cores: set once, before torch is imported.

torch's CPU build runs its parallel regions on libgomp, whose worker threads busy-wait after each region before they
sleep: 300,000 spins unless told otherwise (GOMP_SPINCOUNT), some 15-20 ms on this project's 2-core machines. The
person detector's TFLite threads, which run right after a torch stage (the previous image's fit, the part witness,
the proposer), then share the cores with two spinning threads: one detection on a 256 px render took 37-41 ms after
torch against 29-31 ms with 30,000 spins, while the torch stages themselves, whose regions follow one another within
microseconds, are as fast (docs/crowds.md, "Torch's idle threads and the detector").
"""
from __future__ import annotations

import os
import sys

SPIN_COUNT = "30000"


def shorten_openmp_spin() -> bool:
    """Set GOMP_SPINCOUNT to SPIN_COUNT unless the environment sets it. libgomp reads it once, when torch loads it,
    so `cli.main.main` (the app, `main.py` and `nbf-studio`) calls it first; False (nothing set) when torch is
    already imported."""
    if "torch" in sys.modules:
        return False
    os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    return True
