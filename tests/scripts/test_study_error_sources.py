"""scripts/study_error_sources.py heldout: predicted maps scored on the samples trained on and on the rest."""
from __future__ import annotations

import numpy as np
import pytest

from tests.script_modules import load_script


def _script():
    return load_script("study_error_sources")


def test_heldout_scores_each_part_of_the_cache(tmp_path):
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 13, (10, 16, 16), dtype=np.uint8)
    pred = gt.copy()
    pred[6:] = (gt[6:] + 1) % 13  # every label wrong on the samples not trained on
    for name, labels in (("truth", gt), ("pred", pred)):
        (tmp_path / name).mkdir()
        np.savez(tmp_path / name / "shard_00000.npz", labels=labels)
    seen, unseen = _script().heldout(tmp_path / "pred", tmp_path / "truth", trained=6)
    assert seen == pytest.approx(1.0) and unseen == pytest.approx(0.0)
    np.savez(tmp_path / "pred" / "shard_00000.npz", labels=pred[:8])
    with pytest.raises(SystemExit, match="not the same samples"):
        _script().heldout(tmp_path / "pred", tmp_path / "truth", trained=6)
