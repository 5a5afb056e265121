"""The README's commands and figures agree with the files they cite."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FLAT = " ".join(README.split())  # the text with its line breaks as spaces


def _rows(text: str, start: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")][1:] for line in text.splitlines()
            if line.startswith(f"| {start}")]


def test_the_baseline_rows_are_those_of_docs_eval():
    """The SMPLify rows under the `evaluate ... --out docs/eval` command are that run's (docs/eval/eval.md), and
    the speed and ratio the text gives are its too."""
    ev = (ROOT / "docs" / "eval" / "eval.md").read_text()
    assert _rows(README, "SMPLify baseline") == _rows(ev, "optimisation baseline")
    ratio = re.search(r"detected 2D joints.*?(\d+\.\d) vs (\d+\.\d) mm PA-MPJPE \(ratio (\d\.\d\d)\); "
                      r"(\d\.\d+) vs (\d\.\d+) s per image \(the network (\d+\.\dx faster)\)", ev)
    assert ratio is not None
    net, base, r, t_net, t_base, speed = ratio.groups()
    assert f"network {net} vs {base} mm PA-MPJPE, ratio **{r}**" in FLAT
    assert f"{t_net} vs {t_base} s per image (the network {speed})" in FLAT


def test_commands_do_not_overwrite_the_hand_written_reports():
    for report in ("docs/crowds.md", "docs/crowds_street.md"):
        assert f"--out {report}" not in README


def test_torchrun_is_the_virtual_environment_s():
    """As the other commands are `.venv/bin/python`: a bare `torchrun` is not on PATH."""
    assert re.search(r"(?<![/\w])torchrun --", README) is None and ".venv/bin/torchrun --nproc_per_node" in README
