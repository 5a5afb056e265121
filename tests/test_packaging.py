"""The wheel's contents and metadata as pyproject.toml declares them, checked without building (setuptools' own rules
for `packages.find` and `package-data`, read with tomllib): every tracked resource ships, the networks measured and
not chosen do not, the licence files exist, and the dependencies are the requirements files' pins. A new kind of
resource file that the package-data globs miss would otherwise be left out of the wheel without a word."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
NOT_SHIPPED = "resources/weights/candidates/"  # networks measured and not chosen (the model card): kept, not shipped


def _tracked(*paths: str) -> list[str]:
    """The files under `paths` that git tracks (in an unpacked sdist, without git: the files there), as POSIX paths
    relative to the project's folder."""
    if (ROOT / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z", "--", *paths], cwd=ROOT, capture_output=True, check=True)
        return sorted(p for p in out.stdout.decode().split("\0") if p)
    return sorted(p.relative_to(ROOT).as_posix() for path in paths for p in (ROOT / path).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def _package(folder: PurePosixPath) -> str | None:
    """The package `packages.find` makes of a folder (namespace packages: any folder of identifiers), None when it
    finds none (not included, excluded, or not a valid name)."""
    find = SETUPTOOLS["packages"]["find"]
    name = ".".join(folder.parts)
    if not name or not all(part.isidentifier() for part in folder.parts):
        return None
    if not any(fnmatchcase(name, pat) for pat in find.get("include", ["*"])):
        return None
    return None if any(fnmatchcase(name, pat) for pat in find.get("exclude", [])) else name


def _glob_match(rel: str, pattern: str) -> bool:
    """glob's answer for a file `rel` (relative to a package's folder) and a pattern: `*` and `?` within one path
    part (setuptools globs package-data patterns from the package's folder)."""
    assert "**" not in pattern, f"{pattern}: this test does not model recursive globs"
    parts, pats = rel.split("/"), pattern.split("/")
    return len(parts) == len(pats) and all(fnmatchcase(p, q) for p, q in zip(parts, pats))


def _patterns(table: str, package: str) -> list[str]:
    globs = SETUPTOOLS.get(table, {})
    return [*globs.get("*", []), *globs.get("", []), *globs.get(package, [])]


def ships(path: str) -> bool:
    """Whether the wheel holds the tracked file `path`: a module of a found package, or a data file of a found package
    (its folder's or a folder's above it) matched by one of that package's package-data globs and by none of its
    exclude-package-data globs, relative to its folder. (With include-package-data on, every file MANIFEST.in puts
    in the sdist would ship too: the first test keeps it off.)"""
    p = PurePosixPath(path)
    if p.suffix == ".py":
        return _package(p.parent) is not None
    for folder in p.parents[:-1]:  # (the last is '.', no package)
        package = _package(folder)
        if package is None:
            continue
        rel = p.relative_to(folder).as_posix()
        if (any(_glob_match(rel, g) for g in _patterns("package-data", package))
                and not any(_glob_match(rel, g) for g in _patterns("exclude-package-data", package))):
            return True
    return False


def test_the_package_data_globs_alone_decide_the_wheels_data_files():
    """include-package-data (setuptools' default: on) adds to the wheel every file of a package's folder that the
    sdist holds, and MANIFEST.in grafts all of resources/: the globs below would then check nothing."""
    assert SETUPTOOLS.get("include-package-data") is False


def test_every_tracked_resource_ships_and_the_candidates_do_not():
    resources = _tracked("resources", "training")
    resources = [p for p in resources if p.startswith("resources/") or PurePosixPath(p).suffix == ".json"]
    assert len(resources) > 25 and "training/detector_error.json" in resources
    left_out = [p for p in resources if not p.startswith(NOT_SHIPPED) and not ships(p)]
    assert not left_out, f"tracked but not in the wheel (pyproject.toml package-data globs): {left_out}"
    shipped = [p for p in resources if p.startswith(NOT_SHIPPED) and ships(p)]
    assert not shipped, f"not to be shipped (the model card says so), but in the wheel: {shipped}"


def test_the_licence_files_exist_and_cover_what_ships():
    project = PYPROJECT["project"]
    files = project["license-files"]
    assert "LICENSE" in files and "Copyright (c) 2026 NBF Studio contributors" in (ROOT / "LICENSE").read_text()
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert not missing, missing
    assert set(project["license"].split(" AND ")) == {"MIT", "Apache-2.0", "CC0-1.0"}
    # the licence notes beside the shipped files ship with them
    assert all(ships(f) for f in files if f.startswith("resources/"))


def _pins(name: str) -> list[str]:
    """A requirements file's requirements (comments, blank lines and `-r` includes left out), normalised."""
    lines = [line.split(" #")[0].strip() for line in (ROOT / name).read_text().splitlines()]
    return [str(Requirement(line)) for line in lines if line and not line.startswith(("#", "-r"))]


@pytest.mark.parametrize("declared, file", [("dependencies", "requirements.txt"),
                                            ("detect", "requirements-detect.txt"),
                                            ("dev", "requirements-dev.txt")])
def test_the_declared_dependencies_are_the_requirements_files_pins(declared, file):
    project = PYPROJECT["project"]
    reqs = project["dependencies"] if declared == "dependencies" else project["optional-dependencies"][declared]
    assert [str(Requirement(r)) for r in reqs] == _pins(file)


def test_the_detector_extra_installs_nothing_where_its_runtime_has_no_wheel():
    """ai-edge-litert 1.4.0 has wheels for CPython 3.11 and 3.12 only: on 3.13 `pip install 'nbf-studio[detect]'`
    must still install the app (requires-python allows it), without the detector."""
    for req in map(Requirement, PYPROJECT["project"]["optional-dependencies"]["detect"]):
        assert req.marker is not None and req.marker.evaluate({"python_version": "3.12"}), req
        assert not req.marker.evaluate({"python_version": "3.13"}), req


@pytest.mark.parametrize("module", ["cli", "cli.main"])
def test_python_dash_m_runs_the_command_line(module):
    """`python -m cli` (an installed copy whose console script is not on PATH) and `python -m cli.main` run the
    command line (the latter printed nothing and exited 0)."""
    done = subprocess.run([sys.executable, "-m", module, "--version"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout == f"nbf-studio {PYPROJECT['project']['version']}\n", done


@pytest.mark.parametrize("module", ["cli", "cli.main"])
def test_python_dash_m_names_itself_in_its_usage(module):
    """The usage line says how the command was called (`python -m cli`), not `main.py` (an installed copy has none)."""
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m cli "), done.stdout[:200]
