"""scripts/study_part_edges.py on three fresh synthetic people: the plain warp and two filter windows scored, the
shipped one marked, and the module's constants left as shipped."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_part_edges  # noqa: E402


def test_the_plain_and_the_edge_following_maps_are_scored(tmp_path, capsys):
    from cli.main import main as cli
    from inference import crop
    from inference.pipeline import WEIGHTS_DIR

    if not (WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    assert cli(["synth", "--out", str(tmp_path / "s"), "--n", "3", "--seed", "20181", "--split", "test"]) == 0
    capsys.readouterr()
    shipped = (crop.GUIDE_RADIUS, crop.GUIDE_EPS)
    shipped_step = crop.GUIDE_OUTLINE_MAX_STEP
    assert study_part_edges.main([str(tmp_path / "s"), "--radius", "1", "3", "--eps", str(crop.GUIDE_EPS),
                                  "--keep-outline"]) == 0
    assert (crop.GUIDE_RADIUS, crop.GUIDE_EPS, crop.GUIDE_OUTLINE_MAX_STEP) == (*shipped, shipped_step)
    text = capsys.readouterr().out
    scores = [float(v) for v in re.findall(r"mIoU ([0-9.]+)", text)]
    assert len(scores) == 4 and all(0.2 < s <= 1.0 for s in scores), text
    assert "the outline as without the photo" in text
    assert text.count("(shipped)") == 1 and "radius 1, eps" in text and "radius 3, eps" in text
    assert len(set(scores)) > 1, text  # a wider window changes the map
