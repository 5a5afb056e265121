"""What an installed copy (a wheel in site-packages: no .git, no scripts/, no requirements files, no Makefile beside
resources/) tells a user: a reinstall instead of `git checkout`, the package's `detect` extra instead of
requirements-detect.txt, the system's package manager instead of `make setup`, and that scripts/ belongs to a checkout.
Every such message asks `inference.paths.in_checkout`, whose answer the functions below also take as an argument. The
version comes from the installed distribution there, not from a pyproject.toml that may be another package's."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from inference.detect.runtime import install_hint
from inference.errors import restore_hint
from inference.heif import missing_tools_advice
from inference.integrity import _restore_hint
from inference.paths import RESOURCES, in_checkout, project_version, under_git
from inference.weights_folder import (
    SHIPPED,
    damaged_remedy,
    manifest_remedy,
    script_note,
    training_run_problem,
    weights_folder_problem,
)

ROOT = Path(__file__).resolve().parents[2]
REINSTALL = "restore it by reinstalling (`pip install --force-reinstall --no-deps WHEEL_OR_FOLDER`)"


def test_a_checkout_is_a_folder_with_git_beside_resources(tmp_path):
    assert not in_checkout(tmp_path) and not under_git(tmp_path)
    (tmp_path / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")  # a worktree's .git is a file
    assert in_checkout(tmp_path) and under_git(tmp_path)


def test_an_unpacked_source_archive_is_a_source_tree_without_git(tmp_path):
    """The sdist or a `git archive` export has scripts/ and the Makefile (make setup, scripts/package_weights.py work
    there) but no .git: its messages name the scripts, and no `git checkout`."""
    (tmp_path / "scripts").mkdir()
    assert not in_checkout(tmp_path)  # (scripts/ alone: not the project's tree)
    (tmp_path / "Makefile").write_text("all:\n")
    assert in_checkout(tmp_path) and not under_git(tmp_path)


def test_a_shipped_file_comes_back_by_a_reinstall_in_an_installed_copy():
    fit = RESOURCES / "weights" / "fit.pt"
    assert restore_hint(fit, fit, checkout=False) == REINSTALL
    assert restore_hint(fit, fit, checkout=True) == "restore it with `git checkout resources/weights/fit.pt`"
    # a file of the user's folder: the shipped copy by its full path (resources/... means nothing in site-packages)
    said = restore_hint(Path("/elsewhere/fit.pt"), fit, checkout=False)
    assert said == f"replace it with a copy of the project's {fit}", said
    assert _restore_hint(fit, None, checkout=False) == REINSTALL
    assert "git checkout" in _restore_hint(fit, None, checkout=True)


def test_the_shipped_weights_come_back_by_a_reinstall_and_scripts_are_a_checkouts(tmp_path):
    assert manifest_remedy(SHIPPED, checkout=False) == REINSTALL
    assert damaged_remedy(SHIPPED, checkout=False) == REINSTALL
    note = " in a checkout of NBF Studio"
    assert script_note(checkout=False) == note and script_note(checkout=True) == ""
    mine = tmp_path / "mine"
    mine.mkdir()
    said = manifest_remedy(mine, checkout=False)
    assert f"`python scripts/package_weights.py --manifest-only --dest {mine}`{note}" in said, said
    assert f"--dest {mine}`{note})" in damaged_remedy(mine, checkout=False)
    said = weights_folder_problem(mine, checkout=False)
    assert f"e.g. from scripts/package_weights.py --dest FOLDER{note})" in said, said
    run = tmp_path / "run"
    run.mkdir()
    (run / "best.pt").write_bytes(b"")
    said = training_run_problem(run, checkout=False)
    assert f"--dest FOLDER`{note} (or copy the shipped network from {SHIPPED} into FOLDER)" in said, said
    assert "from resources/weights into FOLDER" in training_run_problem(run, checkout=True)


def test_the_detector_runtime_and_heifs_tools_are_installed_as_an_installed_copy_can():
    assert install_hint(checkout=False) == "pip install 'nbf-studio[detect]'"
    assert install_hint(checkout=True) == "pip install -r requirements-detect.txt"
    said = missing_tools_advice(checkout=False)
    assert "`sudo apt install libheif-examples`" in said and "make setup" not in said, said
    assert "(`make setup` installs them)" in missing_tools_advice(checkout=True)


def test_a_copy_without_git_beside_it_says_so_unasked(tmp_path):
    """The code copied as a wheel installs it (inference/ beside resources/, no .git): the messages' defaults."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "inference", site / "inference", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(RESOURCES / "weights", site / "resources" / "weights", ignore=shutil.ignore_patterns("*.pt"))
    code = ("from inference.errors import restore_hint; from inference.paths import RESOURCES; "
            "from inference.detect.runtime import INSTALL_HINT; from inference.weights_folder import manifest_remedy, "
            "SHIPPED; f = RESOURCES / 'weights' / 'fit.pt'; "
            "print(restore_hint(f, f)); print(INSTALL_HINT); print(manifest_remedy(SHIPPED)); print(RESOURCES)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [REINSTALL, "pip install 'nbf-studio[detect]'", REINSTALL,
                                        str(site / "resources")]


def _dist_info(site: Path, version: str) -> None:
    info = site / f"nbf_studio-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: nbf-studio\nVersion: {version}\n")


def test_the_version_is_the_installed_distributions_outside_a_checkout(tmp_path, monkeypatch):
    """In site-packages a pyproject.toml beside the code is another package's (or a stray file): the installed
    distribution's metadata says the version; in a checkout pyproject.toml does, else the metadata."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "someone-else"\nversion = "9.9.9"\n')
    _dist_info(tmp_path / "site", "7.7.7")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert project_version(root) == "7.7.7"
    (root / ".git").mkdir()
    assert project_version(root) == "9.9.9"
    (root / "pyproject.toml").unlink()
    assert project_version(root) == "7.7.7"
