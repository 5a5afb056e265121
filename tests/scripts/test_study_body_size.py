"""scripts/study_body_size.py: the size component is mostly the body's size, and the mean size leaves the rest."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from study_body_size import at_mean_size, size_effect  # noqa: E402


def test_the_size_component_changes_the_height_far_more_than_the_proportions():
    from inference.body_model import BodyModel

    h0, h2, pa = size_effect(BodyModel())
    assert 160 < h0 < 180
    assert h0 - h2 > 15          # +2 of it: a body some 20 cm shorter
    assert pa < 15               # whose scale-aligned joints lie within a centimetre or so of the mean body's
    b = np.arange(1, 11, dtype=np.float32)
    m = at_mean_size(b)
    assert m[0] == 0 and np.array_equal(m[1:], b[1:]) and b[0] == 1
