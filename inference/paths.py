"""Where the shipped resources live: found relative to this file, never to the working directory."""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resolved(path) -> str:
    """The absolute path of `path` with its links followed, as a string to key files by; `path` as it was given
    when it cannot be resolved: a symlink loop (RuntimeError under Python 3.11, OSError later), a name the system
    refuses (ValueError: a NUL byte), an unreadable folder on the way."""
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path)


def project_version() -> str:
    """The project's version: pyproject.toml's beside the code (a source tree), else the installed package's."""
    import tomllib

    try:
        return tomllib.loads((RESOURCES.parent / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, ValueError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("nbf-studio")
        except PackageNotFoundError:
            return "unknown"
