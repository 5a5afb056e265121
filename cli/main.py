"""Dispatch: no command (or only image/folder paths) -> the GUI; otherwise one of the headless commands below.

Each command lives in its own module with `add_arguments(parser, name)` and `run(args) -> int`;
modules are imported only when their command runs, so `--help` stays fast. A Python without the project's
packages (the system's `python3` rather than .venv/bin/python) gets one line saying so (`missing_package`), not a
ModuleNotFoundError's traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from pathlib import Path

from cli.out_arg import path_exists

# the top-level modules of requirements.txt's packages (and the Qt bindings' own): a command that cannot import one of
# them runs in a Python NBF Studio was not installed into
PINNED_MODULES = frozenset({"torch", "numpy", "scipy", "smplx", "trimesh", "cv2", "PySide6", "shiboken6", "pyrender",
                            "OpenGL", "PIL", "tqdm"})
# looked for (not imported: importlib.util.find_spec, well under a millisecond) before a command starts, so that it
# is refused before it writes anything; every command needs these, the app PySide6 too
CORE_MODULES = ("numpy", "torch", "cv2")

# command -> (module, one-line help)
COMMANDS = {
    "gui": ("cli.cmd_gui", "open the NBF Studio window (default when no command is given)"),
    "render": ("cli.cmd_render", "render a body from pose/shape to PNG (shaded and part labels)"),
    "export": ("cli.cmd_export", "export a body from pose/shape as mesh (OBJ/PLY/GLB, skinned GLB), BVH or parameters"),
    "synth": ("cli.cmd_synth", "generate a synthetic labelled set in UP-3D layout"),
    "synth-crowd": ("cli.cmd_synth_crowd", "synthetic crowd frames (several people each) with ground truth"),
    "train-seg": ("cli.cmd_train", "train the segmentation network (stage 1)"),
    "train-fit": ("cli.cmd_train", "train the fitting network (stage 2)"),
    "train-people": ("cli.cmd_train", "train the wide-shot person proposer on synthetic crowd frames"),
    "predict": ("cli.cmd_predict", "run the two-stage model on images and write parts, mesh, params"),
    "evaluate": ("cli.cmd_evaluate", "paper-style evaluation table on a labelled set"),
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the same clean-up as for Ctrl+C runs (temporary files
    and the partial outputs of the current item are removed)."""


def _raise_terminated(signum, frame):
    raise Terminated()


def catch_sigterm():
    """Turn SIGTERM into a `Terminated` exception (headless commands; the GUI keeps Qt's handling).
    Returns the previous handler (None when not in the main thread, where handlers cannot be set)."""
    try:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        return None


def _looks_like_path(text: str) -> bool:
    """A file or folder name rather than a command: a path separator or an image file's suffix."""
    from inference.image_io import IMAGE_SUFFIXES  # (only here, on an error: numpy stays out of --help)

    return "/" in text or os.sep in text or Path(text).suffix.lower() in IMAGE_SUFFIXES


def _prog() -> str:
    """How the user called us: the `nbf-studio` console script, `python -m cli` (or `-m cli.main`) or main.py."""
    called = Path(sys.argv[0])
    if called.name == "nbf-studio":
        return "nbf-studio"
    if called.parent.name == "cli" and called.name in ("__main__.py", "main.py"):
        return "python -m cli"
    return "main.py"


def missing_package(exc: ImportError) -> str | None:
    """The one line for an ImportError of one of the project's own packages (PINNED_MODULES), else None (another
    module's error is a bug or an optional part, left as it is)."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or name not in PINNED_MODULES:
        return None
    return _not_installed(name)


def _core_missing(command: str) -> str | None:
    """The one line when a module every run of `command` needs (CORE_MODULES; the app's Qt) is not in this Python."""
    import importlib.util

    for name in (*CORE_MODULES, *(("PySide6",) if command == "gui" else ())):
        try:
            if importlib.util.find_spec(name) is None:
                return _not_installed(name)
        except (ImportError, ValueError):  # (a broken package: importing it says why)
            pass
    return None


def _not_installed(name: str) -> str:
    fix = ("reinstall nbf-studio into it, or from a checkout run `make setup` and use .venv/bin/python main.py"
           if _prog() == "nbf-studio" else "run `make setup` and use .venv/bin/python main.py")
    return f"NBF Studio's packages are not in this Python ({sys.executable}: no module named {name!r}): {fix}"


def _tolerant_stdout() -> None:
    """Print a file name that is not UTF-8 (surrogate escapes) with backslashes, as stderr does, rather than stop
    on it: Python's stdout refuses such a name in a UTF-8 locale (UnicodeEncodeError), its stderr escapes it."""
    if getattr(sys.stdout, "errors", None) == "strict":
        try:
            sys.stdout.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # (a replaced stdout without reconfigure)
            pass


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=_prog(), description="NBF Studio: Neural Body Fitting from a single photo. "
                                "Without a command the desktop app opens.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(_command=name)
    return p


class CommandParser(argparse.ArgumentParser):
    """A command's parser; `given`: the arguments it reads. A file whose name starts with '-' reads as an option
    (`predict -dash.jpg` said only "required: images"): its error then says how to name the file."""

    def __init__(self, *args, given: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.given = list(given)

    def error(self, message: str):
        dashed = next((a for a in self.given if a.startswith("-") and a != "-" and path_exists(a)), None)
        if dashed is not None:
            message += f" ({dashed} is a file read as an option: write ./{dashed}, or put -- before it)"
        super().error(message)


def main(argv: list[str] | None = None) -> int:
    """Run one command; argv without the program name (default: sys.argv[1:], as the `nbf-studio` script)."""
    from inference.openmp import shorten_openmp_spin

    shorten_openmp_spin()  # before the command's module imports torch (the app's too)
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        if argv and argv[0] in ("-h", "--help"):
            parser.print_help()
            return 0
        if argv and argv[0] == "--version":  # (not an option of the app, where it was sent before)
            from inference.paths import project_version

            print(f"nbf-studio {project_version()}")
            return 0
        if argv and not argv[0].startswith("-") and not path_exists(argv[0]):
            if _looks_like_path(argv[0]):  # a photo to open that is not there, not a misspelt command
                parser.error(f"{argv[0]}: no such file or folder")
            parser.error(f"unknown command {argv[0]!r}")
        argv = ["gui", *argv]
    name = argv[0]
    if (line := _core_missing(name)) is not None:
        print(line, file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(COMMANDS[name][0])
    except ImportError as exc:
        if (line := missing_package(exc)) is None:
            raise
        print(line, file=sys.stderr)
        return 2
    sp = CommandParser(prog=f"{_prog()} {name}", description=COMMANDS[name][1], given=argv[1:])
    module.add_arguments(sp, name)
    args = sp.parse_args(argv[1:])
    args.command = name
    _tolerant_stdout()
    previous = catch_sigterm() if name != "gui" else None
    try:
        return int(module.run(args) or 0)
    except ImportError as exc:  # (the app imports Qt, some commands torch, only when they run)
        if (line := missing_package(exc)) is None:
            raise
        print(line, file=sys.stderr)
        return 2
    except Terminated:
        print("terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run_and_exit(argv: list[str] | None = None) -> None:
    """`main` as a process runs it (main.py, the nbf-studio console script, `python -m cli`): its status is the
    process's. Before the interpreter ends, everything alive is moved out of the garbage collector's reach
    (gc.freeze): its last collection at exit walked torch's and the networks' objects for about 0.4 s after a
    headless command had finished (`predict` of one photo: exit 0.55 -> 0.20 s). Finalizers and atexit still run."""
    code = main(argv)
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # `python -m cli.main` (without it that ran nothing and exited 0)
    run_and_exit()
