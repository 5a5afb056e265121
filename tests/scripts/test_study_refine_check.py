"""The pose-check study applies the shipped rule: a trusted network's refinement whose pose energy rises by
more than the threshold is replaced by the network's fit; an untrusted one is kept."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from study_refine_check import CheckRow, summary  # noqa: E402


def test_rule_on_hand_made_rows():
    rows = [CheckRow("a", 50.0, 150.0, 1.0, 5.0, 20.0, True),    # trusted, folded: rejected -> 50
            CheckRow("b", 80.0, 60.0, 1.0, 5.0, 6.0, True),      # trusted, small rise: kept -> 60
            CheckRow("c", 90.0, 70.0, -1.0, 5.0, 40.0, True)]    # untrusted: kept -> 70
    text = summary(rows, 3.0)
    assert "network 73.33 mm, refined without the check 93.33 mm" in text
    assert "rise > 3, trusted network: 60.00 mm (1 rejected)  <- shipped" in text
    assert "rise > 3, every network: 66.67 mm (2 rejected)" in text
