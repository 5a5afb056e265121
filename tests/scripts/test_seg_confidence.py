"""scripts/seg_confidence.py's arguments: --cases is A:B, said in --help, and anything else is a usage error."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import seg_confidence  # noqa: E402


@pytest.mark.parametrize("cases", ["3", "a:b", "1:2:3", "5:5", "-1:4", ""])
def test_cases_not_a_to_b_is_a_usage_error_that_says_the_form(cases, capsys):
    """`--cases 3` ended in a ValueError traceback (after the help had said only "slice")."""
    with pytest.raises(SystemExit) as info:
        seg_confidence.main([f"--cases={cases}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --cases: expected A:B" in err and "Traceback" not in err, err


def test_help_says_the_form_and_a_slice_is_read(capsys):
    with pytest.raises(SystemExit) as info:
        seg_confidence.main(["--help"])
    assert info.value.code == 0
    assert "--cases A:B" in capsys.readouterr().out
    assert seg_confidence.case_slice("100:150") == (100, 150)


@pytest.mark.parametrize("script", ["study_refine_check.py", "study_refine_budget.py", "study_refine_weights.py"])
def test_the_refinement_studies_read_cases_the_same_way(script):
    """They split --cases themselves (a ValueError traceback for `--cases 3`); now with case_slice, as here."""
    import subprocess

    r = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[2] / "scripts" / script), "data",
                        "--cases", "3"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "argument --cases: expected A:B" in r.stderr and "Traceback" not in r.stderr, r.stderr
