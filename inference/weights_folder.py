"""A weights folder: seg.pt and fit.pt, and optionally people.pt (the person detector's proposer), as
scripts/package_weights.py --dest writes them from training runs' best.pt; resources/weights is the shipped one.

What a user is told when a folder given as one is not (a training run's folder above all), and how to mend a
weights file that differs from its folder's manifest. Torch-free: `main.py predict` and `evaluate` check --weights
with it before any model loads, and the Predictor says the same words when it is given such a folder."""
from __future__ import annotations

from pathlib import Path

from .json_files import read_json
from .paths import REINSTALL, RESOURCES, in_checkout, resolved

SHIPPED = RESOURCES / "weights"
WEIGHT_FILES = ("seg.pt", "fit.pt")  # what a weights folder must hold (inference.pipeline.Predictor loads these two)
PEOPLE_FILE = "people.pt"  # optional: the person detector reads the folder's own when it holds one
RUN_FILES = ("best.pt", "latest.pt")  # what a training run's folder holds instead (training/loop.py)


def is_shipped(folder: Path) -> bool:
    """Whether `folder` is the project's own resources/weights (by its resolved path: also as ./resources/weights)."""
    return resolved(folder) == resolved(SHIPPED)


def people_weights(folder: Path) -> Path | None:
    """The people.pt of a weights folder other than the shipped one, when it holds one: the detector's proposer then
    comes from the same packaging as its networks. None: the detector's own default (the shipped people.pt)."""
    path = Path(folder) / PEOPLE_FILE
    return path if path.is_file() and not is_shipped(folder) else None


def script_note(checkout: bool | None = None) -> str:
    """What follows a command of scripts/ in a message: nothing in a checkout; in an installed copy, where to run it
    (scripts/ is not installed with the package). `checkout`: None: `in_checkout()`."""
    checkout = in_checkout() if checkout is None else checkout
    return "" if checkout else " in a checkout of NBF Studio"


def training_run_problem(folder: Path, flag: str = "--weights", checkout: bool | None = None) -> str | None:
    """'FLAG FOLDER is a segmentation training run (best.pt, latest.pt), not a weights folder ...: make one with
    `python scripts/package_weights.py ...`' when `folder` lacks seg.pt or fit.pt and holds a training run's files;
    None otherwise. The user has just trained: being told "weights not found ... train them" sent them to train
    again. `flag`: how the folder was given (--weights on the command line, weights_dir to the Predictor);
    `checkout`: whether the code runs from a checkout (None: `in_checkout()`), where scripts/ and resources/ lie."""
    checkout = in_checkout() if checkout is None else checkout
    folder = Path(folder)
    if all((folder / n).is_file() for n in WEIGHT_FILES):
        return None
    run = [n for n in RUN_FILES if (folder / n).is_file()]
    if not run:
        return None
    try:  # the run's network (training/config.py's "kind"), to put its best.pt in the right place of the command
        kind = read_json(folder / "config.json").get("kind")
    except (OSError, ValueError, AttributeError):  # (AttributeError: a config.json that is not an object)
        kind = None
    best = folder / "best.pt"
    net, seg, fit = {"seg": ("segmentation ", best, "FIT_RUN/best.pt"),
                     "fit": ("fitting ", "SEG_RUN/best.pt", best)}.get(
        kind, (f"{kind} " if isinstance(kind, str) and kind else "", "SEG_RUN/best.pt", "FIT_RUN/best.pt"))
    return (f"{flag} {folder} is a {net}training run ({', '.join(run)}), not a weights folder (seg.pt and fit.pt): "
            f"make one with `python scripts/package_weights.py --seg {seg} --fit {fit} --dest FOLDER`"
            f"{script_note(checkout)} (or copy the shipped network from {'resources/weights' if checkout else SHIPPED} "
            f"into FOLDER) and give {flag} FOLDER")


def weights_folder_problem(folder: Path | None, flag: str = "--weights", checkout: bool | None = None) -> str | None:
    """Why `folder` cannot be used as a weights folder (one line starting with `flag` and the folder), None when it
    holds seg.pt and fit.pt, or is None (the shipped weights). `checkout`: as for `training_run_problem`."""
    if folder is None:
        return None
    folder = Path(folder)
    if not folder.is_dir():
        why = "a file, not a folder" if folder.exists() else "no such folder"
        return f"{flag} {folder}: {why} (give the folder that holds seg.pt and fit.pt)"
    missing = [n for n in WEIGHT_FILES if not (folder / n).is_file()]
    if not missing:
        return None
    return training_run_problem(folder, flag, checkout) or (
        f"{flag} {folder}: no {' or '.join(missing)} there (a weights folder holds seg.pt and fit.pt, e.g. from "
        f"scripts/package_weights.py --dest FOLDER{script_note(checkout)})")


def manifest_remedy(folder: Path, checkout: bool | None = None) -> str:
    """How to mend a weights file that differs from the size or SHA-256 its folder's models.json records. The shipped
    folder comes back from git; in a folder of the user's, the usual cause is a file copied over on purpose (a
    candidate's fit.pt into a copy of resources/weights), which `package_weights.py --manifest-only` records.
    An installed copy (`checkout` False; None: `in_checkout()`) has no git and no scripts/: a reinstall restores it."""
    checkout = in_checkout() if checkout is None else checkout
    if is_shipped(folder):
        if not checkout:
            return f"restore it by reinstalling (`{REINSTALL}`)"
        return ("restore it with `git checkout resources/weights` (the shipped weights) or re-run "
                "scripts/package_weights.py")
    return (f"if the file was put there on purpose (a candidate copied over it), record it with `python "
            f"scripts/package_weights.py --manifest-only --dest {folder}`{script_note(checkout)}; otherwise copy or "
            "package it again")


def damaged_remedy(folder: Path, checkout: bool | None = None) -> str:
    """How to mend a weights file whose values are damaged (NaN or infinite): a file of the folder's manifest's
    size and digest can still hold them, so recording it again mends nothing. `checkout`: as for `manifest_remedy`."""
    if is_shipped(folder):
        return manifest_remedy(folder, checkout)
    return (f"package it again from its training run (`python scripts/package_weights.py ... --dest {folder}`"
            f"{script_note(checkout)}) or copy it again")
