"""training/keypoint_sim.py: the simulated detector swaps left and right at the measured rate (sweep167 finding 3:
a draw per pair member swapped pairs at about twice the rate scripts/measure_detector_error.py measured)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from training.keypoint_sim import MIRROR, DetectorError, simulate_keypoints


def test_pairs_swap_at_the_measured_rate_both_members_together():
    rate, n = 0.05, 20_000
    err = replace(DetectorError.exact(), swap=np.full(14, rate, np.float32))
    # every keypoint at its own place, well apart from its mirror, inside a 1000 px crop
    gt = torch.tensor(np.stack([100.0 + 50 * np.arange(14), 100.0 + 40 * np.arange(14)], -1),
                      dtype=torch.float32)[None].repeat(n, 1, 1)
    j, valid = simulate_keypoints(gt, err, torch.Generator().manual_seed(0), 1000.0, person_missed=0.0)
    assert bool(valid.all())
    swapped = (j - gt).abs().sum(-1) > 1e-3  # (n, 14)
    paired = np.arange(14) != np.asarray(MIRROR)
    assert torch.equal(swapped[:, paired], swapped[:, list(np.asarray(MIRROR)[paired])])  # both members at once
    measured = swapped[:, paired].float().mean().item()  # as the measurement counts: per keypoint
    assert abs(measured - rate) < 0.01, measured
