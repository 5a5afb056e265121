"""Where the shipped resources live: found relative to this file, never to the working directory."""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
# how an installed copy gets its shipped files back: from what it was installed from (nbf-studio need not be on any
# index; --no-deps leaves torch and the other dependencies as they are)
REINSTALL = "pip install --force-reinstall --no-deps WHEEL_OR_FOLDER"


def resolved(path) -> str:
    """The absolute path of `path` with its links followed, as a string to key files by; `path` as it was given
    when it cannot be resolved: a symlink loop (RuntimeError under Python 3.11, OSError later), a name the system
    refuses (ValueError: a NUL byte), an unreadable folder on the way."""
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path)


def in_checkout(root: Path | None = None) -> bool:
    """Whether `root` (default: the folder that holds resources/) is a source tree of the project, with scripts/,
    the Makefile and the requirements files at hand: a git checkout, or an unpacked source archive (the sdist, a
    `git archive`), rather than an installed copy (site-packages, where resources/ lies beside other
    distributions' packages; the wheel ships neither scripts/ nor the Makefile). Every message that tells a user to
    run `make` or a script asks this first; one that names `git checkout` asks `under_git` too."""
    root = RESOURCES.parent if root is None else Path(root)
    return under_git(root) or ((root / "scripts").is_dir() and (root / "Makefile").is_file())


def under_git(root: Path | None = None) -> bool:
    """Whether `root` (default: the folder that holds resources/) is a git checkout: `.git` is a folder in a clone
    and a file in a worktree."""
    return ((RESOURCES.parent if root is None else Path(root)) / ".git").exists()


def project_version(root: Path | None = None) -> str:
    """The project's version. In a checkout (`in_checkout(root)`), pyproject.toml's beside the code; in an installed
    copy, the installed distribution's (a `pyproject.toml` in site-packages would be another package's), with
    pyproject.toml beside the code as the fallback (an unpacked source archive that was never installed)."""
    root = RESOURCES.parent if root is None else Path(root)
    readers = (_pyproject_version, _installed_version)
    for read in readers if in_checkout(root) else readers[::-1]:
        if (version := read(root)) is not None:
            return version
    return "unknown"


def _pyproject_version(root: Path) -> str | None:
    import tomllib

    try:
        return str(tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _installed_version(root: Path) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nbf-studio")
    except PackageNotFoundError:
        return None
