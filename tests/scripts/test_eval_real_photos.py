"""scripts/eval_real_photos.py counts people from 1 in results.json, as the README and every other output do:
the committed docs/real_fits/results.json gives back the committed results.md through the script's table."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import eval_real_photos  # noqa: E402

FITS = ROOT / "docs" / "real_fits"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    if not (FITS / "results.json").is_file():
        pytest.skip("docs/real_fits/results.json not there")
    return json.loads((FITS / "results.json").read_text())


def test_people_are_counted_from_1(rows):
    fitted = [r for r in rows if "person" in r]
    assert fitted and all(1 <= r["person"] <= r["people"] for r in fitted)
    two = [r["person"] for r in fitted if r["photo"] == "two_people.jpg"]
    assert two == [1, 2]


def test_the_table_is_the_committed_one(rows):
    assert eval_real_photos.results_markdown(rows) == (FITS / "results.md").read_text()
