"""cli/out_arg.py: the output folder of the commands and scripts that write files, and the evaluation scripts'
results written there (`write_tables`)."""
from __future__ import annotations

import json

from cli.out_arg import write_tables


def test_the_results_are_written_json_first_and_a_failure_is_one_line(tmp_path, capsys):
    rows = [{"photo": "a.jpg", "pck": 1.0}]
    assert write_tables(tmp_path, "results", rows, "| photo |\n") == 0
    assert json.loads((tmp_path / "results.json").read_text()) == rows
    assert (tmp_path / "results.md").read_text() == "| photo |\n"
    (tmp_path / "parts.md").mkdir()  # the table cannot be written: said in one line, its data written before it
    assert write_tables(tmp_path, "parts", rows, "| photo |\n") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot write the results:") and "parts.md" in err and "\n" not in err, err
    assert json.loads((tmp_path / "parts.json").read_text()) == rows and (tmp_path / "parts.md").is_dir()
