"""`main.py` dispatch: an argument that is not a command says what is wrong with it."""
from __future__ import annotations

import pytest

from cli.main import main


@pytest.mark.parametrize("arg", ["nosuch.jpg", "NOSUCH.PNG", "photos/nosuch", "nosuch/"])
def test_a_missing_photo_is_not_found_not_an_unknown_command(arg, capsys):
    with pytest.raises(SystemExit) as exc:
        main([arg])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {arg}: no such file or folder" in err and "unknown command" not in err


def test_a_misspelt_command_is_unknown(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["predcit"])
    assert exc.value.code == 2 and "unknown command 'predcit'" in capsys.readouterr().err


def test_version_is_printed_not_sent_to_the_app(capsys):
    """`main.py --version` was taken as an option of the app ("gui: error: unrecognized arguments: --version")."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nbf-studio {project['version']}"


def test_gui_with_a_missing_photo_is_refused_as_without_the_command_word(tmp_path, capsys, monkeypatch):
    """`main.py gui nosuch.png` opened the window, where `main.py nosuch.png` said "no such file or folder"."""
    import cli.cmd_gui

    def no_window():
        raise AssertionError("the window was about to open")

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr("inference.render.context.configure_gl", no_window)
    for argv in (["gui", "nosuch.png"], ["gui", str(tmp_path), "nosuch/"]):
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == f"error: {argv[-1]}: no such file or folder"
    assert cli.cmd_gui.path_exists(str(tmp_path))


@pytest.mark.parametrize("command", [["predict"], ["predict", "--out", "o"], []])
def test_a_file_named_like_an_option_is_told_how_to_name_it(command, tmp_path, capsys, monkeypatch):
    """`predict -dash.jpg` read the file as an unknown option and said only that images are required."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-dash.jpg").write_bytes(b"")
    with pytest.raises(SystemExit) as stop:
        main([*command, "-dash.jpg"])
    assert stop.value.code == 2
    assert "-dash.jpg is a file read as an option: write ./-dash.jpg, or put -- before it" in capsys.readouterr().err


def test_an_unknown_option_that_names_no_file_has_no_file_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["predict", "--out", "o", "-dash.jpg"])
    assert "read as an option" not in capsys.readouterr().err


def test_a_process_exits_with_mains_status_and_its_objects_frozen():
    """main.py / nbf-studio / `python -m cli` (run_and_exit): the command's status is the process's, and the objects
    alive at the end are out of the collector's reach (its last collection walked torch's objects for ~0.4 s after a
    headless command had finished); atexit handlers still run after it."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import atexit, gc; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
            "from cli.main import run_and_exit; run_and_exit(['{}'])")
    ok = subprocess.run([sys.executable, "-c", code.format("--version")], cwd=root, capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0 and ok.stdout.splitlines()[-1] == "frozen True", ok
    bad = subprocess.run([sys.executable, "-c", code.format("no-such-command")], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "unknown command" in bad.stderr
