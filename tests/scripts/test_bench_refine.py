"""scripts/bench_refine.py: counts below 1 are refused, and it says that --threads does not change what is timed (the
refinement runs on one torch thread)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_refine  # noqa: E402


@pytest.mark.parametrize("args, why", [(["--repeat", "0"], "--repeat: must be 1 or more, not 0"),
                                       (["--n", "0"], "--n: must be 1 or more, not 0"),
                                       (["--threads", "0"], "--threads: must be 1 or more, not 0")])
def test_counts_below_one_are_refused(args, why, capsys):
    """--repeat 0 refined every person and then failed: statistics.StatisticsError, no median for empty data."""
    with pytest.raises(SystemExit) as stop:
        bench_refine.main(args)
    assert stop.value.code == 2 and f"argument {why}" in capsys.readouterr().err


def test_it_says_the_refinement_runs_on_one_thread(tmp_path, capsys):
    """`--threads 2` printed `threads=2` beside a figure timed on one torch thread, as if the count had applied."""
    import cv2
    import torch

    before = torch.get_num_threads()
    photo = tmp_path / "nobody.png"
    cv2.imwrite(str(photo), np.full((64, 64, 3), 128, np.uint8))
    try:
        with pytest.raises(SystemExit) as stop:
            bench_refine.main(["--photos", str(photo), "--threads", "1"])
    finally:
        torch.set_num_threads(before)
    assert stop.value.code == "no person found to refine"
    assert capsys.readouterr().out.splitlines()[0] == ("refinement on 1 torch thread "
                                                       "(inference.refine.one_torch_thread), whatever --threads; "
                                                       "detection and fits on 1")
