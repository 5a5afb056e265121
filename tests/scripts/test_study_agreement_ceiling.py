"""scripts/study_agreement_ceiling.py on three fresh synthetic people: both maps scored, the table printed."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import study_agreement_ceiling  # noqa: E402


def test_exact_and_network_maps_are_scored(tmp_path, capsys):
    from cli.main import main as cli
    from inference.pipeline import WEIGHTS_DIR, Predictor

    if not (WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    if Predictor(detect="on").detector is None:
        pytest.skip("no person detector installed")
    assert cli(["synth", "--out", str(tmp_path / "s"), "--n", "3", "--seed", "20181", "--split", "test"]) == 0
    capsys.readouterr()
    assert study_agreement_ceiling.main([str(tmp_path / "s"), "--n", "3", "--rows", "2"]) == 0
    text = capsys.readouterr().out
    found = re.search(r"(\d) of 3 cases with a person found", text)
    assert found and int(found[1]) >= 1, text
    for kind in ("exact", "network"):
        m = re.search(kind + r" part maps: agreement ([0-9.]+), left/right swaps ([0-9.]+) \((\d+) keypoints\)", text)
        assert m and 0.0 <= float(m[1]) <= 1.0 and int(m[3]) > 0, text
    # the body model's exact map agrees with most of the detector's keypoints
    assert float(re.search(r"exact part maps: agreement ([0-9.]+)", text)[1]) > 0.5
