"""How long torch's idle OpenMP threads keep the cores: set once, before torch is imported.

torch's CPU build runs its parallel regions on libgomp, whose worker threads busy-wait after each region before they
sleep (300,000 spins unless GOMP_SPINCOUNT says otherwise: milliseconds on these CPUs). The person detector's TFLite
threads run right after a torch stage (the previous image's fit, the part witness, the proposer) and would share the
cores with the spinning threads; a tenth of the spin frees them sooner, while torch's own regions, which follow one
another within microseconds, still find their threads awake (figures: docs/crowds.md, "Torch's idle threads and the
detector").
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
