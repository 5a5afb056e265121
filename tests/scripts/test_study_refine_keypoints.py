"""The keypoint study's summary splits the cases by the detector's error and reports each source's change."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from study_refine_keypoints import KeypointRow, summary  # noqa: E402


def test_summary_on_hand_made_rows():
    rows = [KeypointRow("a", 100.0, 90.0, 80.0, 85.0, 3.0),     # well detected: refinement helps
            KeypointRow("b", 100.0, 130.0, 70.0, 75.0, 20.0)]   # badly detected: it hurts
    text = summary(rows).splitlines()
    assert text[0].startswith("all (2 cases): network 100.0 mm; refined with the detector's keypoints 110.0 (+10.0 %)")
    assert "exact 75.0 (-25.0 %)" in text[0]
    assert text[1].startswith("detector error <= 8 px (1 cases): network 100.0 mm; refined with the detector's "
                              "keypoints 90.0 (-10.0 %)")
    assert text[2].startswith("detector error > 8 px (1 cases)") and "130.0 (+30.0 %)" in text[2]
