"""scripts/bench_area_shrink.py: it times both factors on a small image, and refuses sizes it cannot shrink."""
from __future__ import annotations

import re

import pytest

from tests.script_modules import load_script

bench = load_script("bench_area_shrink")


def test_it_times_a_whole_and_a_fractional_factor(capsys):
    assert bench.main(["--height", "80", "--width", "60", "--factor", "4", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [re.sub(r"[\d.]+ ms$", "T ms", ln) for ln in lines] == [
        "60 x 80 shrunk by 4 (INTER_AREA): T ms", "60 x 80 shrunk by 4.5 (INTER_AREA): T ms"]


@pytest.mark.parametrize("args", [["--factor", "0"], ["--repeat", "0"], ["--height", "10", "--factor", "6"]])
def test_sizes_it_cannot_shrink_are_refused(args, capsys):
    with pytest.raises(SystemExit) as stop:
        bench.main(args)
    assert stop.value.code == 2 and "the factor at most half the smaller side" in capsys.readouterr().err
