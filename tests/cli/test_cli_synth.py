"""`main.py synth` run twice in one process (tests and scripts call cli.main.main in-process)."""
from __future__ import annotations

from cli.main import main


def test_synth_twice_in_one_process(tmp_path, capsys):
    """The second run's renderer works: the first run's is closed when its run ends, not by the garbage collector
    under the second's GL display (which failed with EGL_BAD_DISPLAY)."""
    for k in range(2):
        assert main(["synth", "--out", str(tmp_path / f"s{k}"), "--n", "1", "--seed", str(7 + k)]) == 0
        assert (tmp_path / f"s{k}" / "00000_image.png").is_file() and (tmp_path / f"s{k}" / "00000_parts.png").is_file()
    capsys.readouterr()
