"""The CLI under a user's locale and environment habits: a decimal comma in a number list (`--betas "1,5"`), and
a QT_QPA_PLATFORM that names no installed Qt platform."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli.cmd_render import CliInputError, parse_numbers
from cli.main import main
from inference.paths import RESOURCES


def test_betas_with_a_comma_between_digits_say_how_they_were_read(tmp_path, capsys):
    """A decimal comma ("1,5" for 1.5) is read as two values, as documented (commas separate values): how the text
    was read is shown, so that the user sees it; before, the body came out wrong without a word."""
    assert main(["export", "--betas", "1,5", "--out", str(tmp_path / "b.json")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["note: --betas 1,5 is read as 2 values: 1, 5 (a comma separates values: write decimals with a "
                   "point, as 1.5)"], err
    for plain in ("-1,0.5", "1.5", "1, 5"):  # (a decimal point given, the documented form; no comma between digits)
        assert main(["export", f"--betas={plain}", "--out", str(tmp_path / "c.json"), "--overwrite"]) == 0
        assert capsys.readouterr().err == "", plain


@pytest.mark.parametrize("text", ["1,5 0,3", "0 0,5 -3", "1,2,3 4"])
def test_commas_in_one_place_and_spaces_in_another_are_refused(text):
    """"1,5 0,3" (two values with decimal commas) was read as four values: no reading of such text is safe."""
    with pytest.raises(CliInputError, match="commas or spaces between values, and a point for decimals"):
        parse_numbers(text, "--betas", tuple(range(1, 11)))


def test_separators_of_one_kind_are_read_and_a_wrong_count_with_a_comma_hints_at_the_decimal_point():
    for text in ("1,2,3", "1 2 3", "1, 2, 3", " 1 ,2 , 3 "):
        assert parse_numbers(text, "--transl", (3,)).tolist() == [1, 2, 3]
    with pytest.raises(CliInputError, match=r"expected 3 numbers, got 4 \(a comma separates values: write decimals "
                                            r"with a point, as 1\.5\)"):
        parse_numbers("0,0,5,-3", "--transl", (3,))


def test_a_qt_platform_that_is_not_installed_is_one_line_and_exit_2(tmp_path):
    """QT_QPA_PLATFORM=bogus: Qt printed its own advice to reinstall and aborted (SIGABRT, exit 134); now one
    line names the platforms there are, exit 2."""
    from cli.cmd_gui import display_problem, qt_platforms

    assert {"offscreen", "xcb"} <= qt_platforms()
    why = display_problem({"QT_QPA_PLATFORM": "bogus"}, lambda name: True)
    assert why.startswith("QT_QPA_PLATFORM='bogus' names no installed Qt platform (these are: ") and "offscreen" in why
    assert display_problem({"QT_QPA_PLATFORM": "bogus;offscreen"}, lambda name: True) == ""
    assert display_problem({"QT_QPA_PLATFORM": "wayland-egl", "WAYLAND_DISPLAY": "w", "XDG_RUNTIME_DIR": str(tmp_path)},
                           lambda name: True).startswith("cannot reach the Wayland display")
    env = {**os.environ, "QT_QPA_PLATFORM": "bogus", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(RESOURCES.parent / "main.py"), "gui"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "QT_QPA_PLATFORM='bogus' names no installed Qt platform" in lines[0], done.stderr


_DECIMAL_POINT_AFTER_START = """
import locale, sys
from PySide6.QtWidgets import QApplication
QApplication.exec = lambda self=None: print("decimal point:", locale.localeconv()["decimal_point"]) or 0
from cli.main import main
sys.exit(main(["gui"]))
"""


def test_the_app_keeps_the_c_number_format_under_a_decimal_comma_locale(tmp_path):
    """QApplication sets the C library's locale from the environment: under de_DE, printf and strtod in native code
    would write and read "0,5". The app sets LC_NUMERIC back to "C" once the QApplication is made."""
    import shutil

    localedef = shutil.which("localedef")
    if localedef is None or subprocess.run([localedef, "-i", "de_DE", "-f", "UTF-8", str(tmp_path / "de_DE.UTF-8")],
                                           capture_output=True, timeout=120).returncode not in (0, 1):
        pytest.skip("no localedef to build a German locale with")
    if not (tmp_path / "de_DE.UTF-8").is_dir():
        pytest.skip("the German locale could not be built")
    env = {**os.environ, "LOCPATH": str(tmp_path), "LC_ALL": "de_DE.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "OMP_NUM_THREADS": "1", "PYTHONPATH": str(RESOURCES.parent), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", _DECIMAL_POINT_AFTER_START], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "decimal point: ." in done.stdout.splitlines(), done.stdout + done.stderr
