"""cli/out_arg.py: the output folder of the commands and scripts that write files, and the evaluation scripts'
results written there (`write_tables`)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.out_arg import out_folder_and_photos, write_tables


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


def test_photos_that_do_not_read_are_named_and_none_is_exit_1(tmp_path, capsys):
    """The evaluation scripts' opening: each photo that does not read is named, and with none left the answer is
    exit 1 with nothing written (an empty table went over the folder's results), the folder made."""
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a whole jpeg")
    out = tmp_path / "out"
    assert out_folder_and_photos(out, [tmp_path / "missing.jpg", tmp_path / "broken.jpg"]) == ([], 1)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("left out: missing.jpg: file not found") and "broken.jpg is a truncated JPEG" in err[1]
    assert err[2] == "error: none of the 2 photos could be read: nothing to evaluate"
    assert out.is_dir() and list(out.iterdir()) == []
    (tmp_path / "file").write_text("")
    assert out_folder_and_photos(tmp_path / "file", [tmp_path / "broken.jpg"]) == ([], 2)
    assert capsys.readouterr().err.startswith("error: ")


def test_a_leading_tilde_is_the_home_folder(tmp_path, monkeypatch, capsys):
    """`--out=~/x` reaches the program as the text "~/x" (the shell expands no `~` after `=`): it made a folder
    named "~" in the current folder. Now `~` is expanded, as the shell and the app's Settings dialog do, for every
    path option of this helper (--out, DATA, --weights); a `~` inside a path is a name like any other."""
    import argparse

    from cli.main import main
    from cli.out_arg import in_path, out_path

    home, here = tmp_path / "home", tmp_path / "here"
    home.mkdir()
    here.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    assert out_path("~/x") == home / "x" and in_path("~") == home and out_path("a/~") == Path("a/~")
    with pytest.raises(argparse.ArgumentTypeError, match="cannot be expanded"):
        out_path("~no-such-user-156/x")
    assert main(["export", "--preset", "walk", "--out=~/walk.json"]) == 0
    assert (home / "walk.json").is_file() and not (here / "~").exists()
    assert capsys.readouterr().out.strip() == str(home / "walk.json")


def test_body_model_paths_expand_a_leading_tilde(monkeypatch, tmp_path):
    """render's and export's --body-model=~/m.pkl (no shell expansion after '=') names the file in the home folder,
    as --out does."""
    import argparse

    from cli.cmd_render import add_body_arguments

    monkeypatch.setenv("HOME", str(tmp_path))
    parser = argparse.ArgumentParser()
    add_body_arguments(parser)
    assert parser.parse_args(["--body-model=~/m.pkl"]).body_model == tmp_path / "m.pkl"
