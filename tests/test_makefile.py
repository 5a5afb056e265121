"""The Makefile's set-up for a new user: `make` alone lists the targets; the Python version is checked before a venv
is made; a venv that does not work is made again, its stamp not trusted; Debian packages that cannot be installed
are named with the command to run as root, and the Python set-up goes on; `make run` refuses, with that command,
when the app's GL/Qt packages are missing.

Each test runs make on a copy of the Makefile in a temporary folder, with PATH holding only fakes (python3, dpkg,
id, apt-get, sudo) and the few programs the recipes use: nothing is installed, nothing of the real venv is touched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
REAL_TOOLS = ("echo", "head", "cut", "rm", "touch", "env", "mkdir", "cp")

pytestmark = pytest.mark.skipif(MAKE is None or not Path("/bin/sh").exists(), reason="needs make and /bin/sh")

# the python3 that makes the venv: says it is $FAKE_VERSION; `-m venv DIR` copies $FAKE_VENV_PY to DIR/bin/python
BASE_PY = """#!/bin/sh
echo "python3 $*" >> "$FAKE_LOG"
case "$1" in
  -c) echo "$FAKE_VERSION"; exit 0;;
  -m) [ "$2" = venv ] || exit 1; mkdir -p "$3/bin"; cp "$FAKE_VENV_PY" "$3/bin/python"; exit 0;;
esac
exit 1
"""


def venv_python(version: str, has_pip: bool) -> str:
    """A venv's python: the Makefile's health check passes when it is 3.11 with pip; pip and main.py are logged."""
    ok = 0 if has_pip and version == "3.11" else 1
    return f"""#!/bin/sh
echo "venv $*" >> "$FAKE_LOG"
case "$*" in
  *"import sys, pip"*) exit {ok};;
  *print*) echo {version}; exit 0;;
esac
exit 0
"""


DPKG = """#!/bin/sh
echo "dpkg $*" >> "$FAKE_LOG"
for p in $FAKE_MISSING; do [ "$2" = "$p" ] && exit 1; done
exit 0
"""
ID = '#!/bin/sh\necho "$FAKE_UID"\n'
APT_REFUSED = """#!/bin/sh
echo "apt-get $*" >> "$FAKE_LOG"
echo "E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)" >&2
exit 100
"""
SUDO_REFUSED = '#!/bin/sh\necho "sudo $*" >> "$FAKE_LOG"\necho "sudo: a password is required" >&2\nexit 1\n'


class Project:
    def __init__(self, tmp: Path):
        self.dir = tmp / "clone"
        self.bin = tmp / "bin"
        self.log = tmp / "calls.log"
        self.dir.mkdir()
        self.bin.mkdir()
        self.log.touch()
        shutil.copy(ROOT / "Makefile", self.dir / "Makefile")
        old = time.time() - 1000
        for name in ("requirements.txt", "requirements-dev.txt", "requirements-detect.txt"):
            (self.dir / name).write_text("")
            os.utime(self.dir / name, (old, old))
        for tool in REAL_TOOLS:
            (self.bin / tool).symlink_to(shutil.which(tool))
        self.venv_py = tmp / "venv_python"
        self.venv_py.write_text(venv_python("3.11", has_pip=True))
        self.venv_py.chmod(0o755)
        self.env = {"PATH": str(self.bin), "HOME": str(tmp), "LC_ALL": "C", "FAKE_LOG": str(self.log),
                    "FAKE_VERSION": "3.11.7", "FAKE_VENV_PY": str(self.venv_py), "FAKE_UID": "0",
                    "FAKE_MISSING": ""}
        self.fake("python3", BASE_PY)
        self.fake("dpkg", DPKG)
        self.fake("id", ID)
        self.fake("apt-get", APT_REFUSED)

    def fake(self, name: str, script: str) -> None:
        (self.bin / name).write_text(script)
        (self.bin / name).chmod(0o755)

    def make_venv(self, script: str | None, stamp: bool = True) -> None:
        """A .venv whose python is `script` (None: a link to a Python that was removed), with a fresh stamp."""
        py = self.dir / ".venv" / "bin" / "python"
        py.parent.mkdir(parents=True)
        if script is None:
            py.symlink_to(self.dir / "gone" / "python3.11")
        else:
            py.write_text(script)
            py.chmod(0o755)
        if stamp:
            (self.dir / ".venv" / ".deps-installed").touch()

    def make(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        self.log.write_text("")
        return subprocess.run([MAKE, *args], cwd=self.dir, env={**self.env, **env}, capture_output=True, text=True,
                              timeout=30)

    def calls(self) -> str:
        return self.log.read_text()


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path)


def test_make_alone_lists_the_targets_and_does_nothing_else(project):
    r = project.make()
    assert r.returncode == 0, r.stderr
    for target in ("setup", "run", "test", "bake", "clean-venv", "help", "SYSDEPS=0", "PY=python3.11"):
        assert target in r.stdout
    assert r.stdout == project.make("help").stdout
    assert project.calls() == "" and not (project.dir / ".venv").exists()


def test_clean_venv_removes_the_venv(project):
    project.make_venv(venv_python("3.11", has_pip=True))
    r = project.make("clean-venv")
    assert r.returncode == 0, r.stderr
    assert not (project.dir / ".venv").exists()


@pytest.mark.parametrize("case, said", [
    ("3.10.13", "`python3` is 3.10.13"),
    ("nonsense", '`python3` is not a working Python (it printed "Python 3.9.2")'),
    ("fails", "`python3` does not run"),
    ("absent", "`python3` is not found"),
])
def test_another_python_is_named_before_a_venv_is_made(project, case, said):
    if case == "nonsense":
        project.fake("python3", '#!/bin/sh\necho "Python 3.9.2"\n')
    elif case == "fails":
        project.fake("python3", '#!/bin/sh\necho boom >&2\nexit 3\n')
    elif case == "absent":
        (project.bin / "python3").unlink()
    r = project.make("setup", "SYSDEPS=0", FAKE_VERSION=case)
    assert r.returncode != 0
    assert (f"NBF Studio needs Python 3.11; {said}: install python3.11 or run `make PY=python3.11 setup`\n"
            in r.stderr), r.stderr
    assert not (project.dir / ".venv").exists() and "-m venv" not in project.calls()


def test_py_names_the_python_that_makes_the_venv(project):
    project.fake("python3", '#!/bin/sh\nexit 3\n')
    project.fake("python3.11", BASE_PY)
    r = project.make("setup", "SYSDEPS=0", "PY=python3.11")
    assert r.returncode == 0, r.stderr
    assert "python3.11 -m venv .venv" in r.stdout and (project.dir / ".venv" / ".deps-installed").exists()


@pytest.mark.parametrize("venv, why", [
    (None, "its python does not run: was the Python it was made from removed?"),
    (venv_python("3.11", has_pip=False), "it has no pip: an interrupted set-up?"),
    (venv_python("3.10", has_pip=True), "it is Python 3.10"),
])
def test_a_venv_that_does_not_work_is_made_again_whatever_its_stamp_says(project, venv, why):
    project.make_venv(venv, stamp=True)
    r = project.make("setup", "SYSDEPS=0")
    assert r.returncode == 0, r.stderr
    assert f".venv is not a working Python 3.11 venv ({why}): removing it and making it again\n" in r.stdout
    calls = project.calls()
    assert "python3 -m venv .venv" in calls and "venv -m pip install -q -r requirements-dev.txt" in calls
    assert (project.dir / ".venv" / ".deps-installed").exists()


def test_a_second_setup_changes_nothing(project):
    r = project.make("setup", "SYSDEPS=0")
    assert r.returncode == 0, r.stderr
    assert "pip install" in project.calls()
    r = project.make("setup", "SYSDEPS=0")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    assert "pip" not in project.calls().replace("import sys, pip", "")


def test_optional_packages_that_cannot_be_installed_do_not_stop_the_set_up(project):
    """No root and no sudo: one line names the packages (on one line) and the command, and the venv is made."""
    r = project.make("setup", FAKE_UID="1000", FAKE_MISSING="xvfb libheif-examples")
    assert r.returncode == 0, r.stderr
    assert "installing Debian packages: xvfb libheif-examples\n" in r.stdout
    assert ("warning: could not install the optional Debian packages xvfb libheif-examples (not root, and no sudo); "
            "as root run: apt-get install -y xvfb libheif-examples; going on with the Python set-up\n") in r.stdout
    assert "the app will not start" not in r.stdout and "apt-get" not in project.calls()
    assert (project.dir / ".venv" / ".deps-installed").exists()


def test_apt_refused_for_the_apps_packages_says_the_app_will_not_start(project):
    r = project.make("setup", FAKE_MISSING="libxcb-cursor0 xvfb")
    assert r.returncode == 0, r.stderr
    assert "apt-get update -qq" in project.calls() and "Could not open lock file" in r.stderr
    assert ("warning: could not install the Debian packages libxcb-cursor0 xvfb; as root run: "
            "apt-get install -y libxcb-cursor0 xvfb; going on with the Python set-up\n") in r.stdout
    assert "warning: the app will not start until libxcb-cursor0 are installed" in r.stdout
    assert (project.dir / ".venv" / ".deps-installed").exists()


def test_sudo_is_asked_when_not_root(project):
    project.fake("sudo", SUDO_REFUSED)
    r = project.make("setup", FAKE_UID="1000", FAKE_MISSING="xvfb")
    assert r.returncode == 0, r.stderr
    assert "sudo apt-get update -qq" in project.calls()
    assert "warning: could not install the optional Debian packages xvfb; as root run: apt-get install -y xvfb" \
        in r.stdout


def test_sysdeps_0_leaves_the_debian_packages_alone(project):
    r = project.make("setup", "SYSDEPS=0", FAKE_MISSING="libxcb-cursor0")
    assert r.returncode == 0, r.stderr
    assert "dpkg" not in project.calls() and "Debian" not in r.stdout


def test_without_dpkg_make_lists_the_packages(project):
    (project.bin / "dpkg").unlink()
    r = project.make("setup")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("note: make installs Debian/Ubuntu packages only;")
    assert "libxcb-cursor0" in r.stdout and "libheif-examples" in r.stdout


def test_run_refuses_without_the_apps_packages(project):
    project.make_venv(venv_python("3.11", has_pip=True))
    r = project.make("run", FAKE_UID="1000", FAKE_MISSING="libegl1 libxcb-cursor0")
    assert r.returncode == 2
    assert ("the app needs the Debian packages libegl1 libxcb-cursor0, which are not installed; as root run: "
            "apt-get install -y libegl1 libxcb-cursor0") in r.stderr
    assert "main.py" not in project.calls()
    # with a platform chosen (offscreen needs fewer of them) it only says so
    r = project.make("run", FAKE_UID="1000", FAKE_MISSING="libegl1", QT_QPA_PLATFORM="offscreen")
    assert r.returncode == 0, r.stderr
    assert "the app needs the Debian packages libegl1" in r.stderr and "venv main.py" in project.calls()


def test_run_starts_the_app_when_everything_is_there(project):
    project.make_venv(venv_python("3.11", has_pip=True))
    r = project.make("run")
    assert r.returncode == 0, r.stderr
    assert "venv main.py" in project.calls() and "pip" not in project.calls().replace("import sys, pip", "")


def test_the_readmes_make_commands_are_the_makefiles(project):
    """Every `make ...` the README gives names targets and options that `make help` lists."""
    import re

    readme = (ROOT / "README.md").read_text()
    helped = project.make("help").stdout
    commands = set(re.findall(r"(?:^|`|xvfb-run -a )make((?: [\w=.-]+)*)", readme, re.M))
    words = {w for c in commands for w in c.split()}
    assert {"help", "run", "test", "setup", "SYSDEPS=0", "PY=python3.11"} <= words, words
    for word in words:
        assert re.search(rf"(^|\s){re.escape(word.split('=')[0])}\b", helped), word
