"""The spine plane runs from the neck to the middle of the hips: with one hip missing there is no middle of the
hips, so the spine plane is empty, while the planes that do not need it are drawn."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.keypoint_maps import LIMBS, limb_maps

# LSP order: R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder, L shoulder, L elbow,
# L wrist, neck, head
KP = np.array([[100, 230], [100, 190], [105, 150], [150, 150], [155, 190], [155, 230], [70, 150], [80, 120],
               [100, 90], [155, 90], [175, 120], [185, 150], [128, 90], [128, 55]], np.float32)


def _plane(name: str) -> int:
    return [n for n, _, _ in LIMBS].index(name)


@pytest.mark.parametrize("missing", [2, 3])
def test_one_missing_hip_leaves_the_spine_plane_empty(missing):
    valid = torch.ones(1, 14, dtype=torch.bool)
    valid[0, missing] = False
    maps = limb_maps(torch.as_tensor(KP)[None], valid, 64, 256)[0]
    assert float(maps[_plane("spine")].abs().max()) == 0.0
    assert float(maps[_plane("hips")].abs().max()) == 0.0
    assert float(maps[_plane("shoulders")].max()) > 0.9 and float(maps[_plane("neck-head")].max()) > 0.9
    full = limb_maps(torch.as_tensor(KP)[None], torch.ones(1, 14, dtype=torch.bool), 64, 256)[0]
    assert float(full[_plane("spine")].max()) > 0.9
    # the spine of both hips: at the map pixel of the hips' midpoint (127.5, 150) crop px -> (31.9, 37.5) map px
    assert float(full[_plane("spine"), 37, 31]) > 0.5
