"""The settings a generated set was made with, kept beside it, so that adding cases to the set keeps it one set.

`synth`, `synth-crowd` and `python -m training.cache` make only what is not there yet: run again into the same
folder with another seed (or size, split, resolution, body model) they would add people of other settings under
the first ones' description (or say nothing and keep the old shards), and a smaller --n rewrote the split lists
without the cases beyond it. Each set records its settings (synth.json, synth-crowd's crowd.json, cache.json); a
run whose settings differ, or that would list fewer cases than the folder holds, is refused with a one-line
message.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from inference.json_files import read_json

# The most items (cases, frames, samples) one set may be asked for: far above any set the project makes (24,000 cache
# samples, 500 test cases), and low enough that listing which are still to make takes seconds, not hours (--n 1e10
# stat'ed one file per index, with no output, while a list of 1e10 numbers filled the memory).
MAX_ITEMS = 10_000_000


def case_count(folder: Path) -> int:
    """1 + the highest NNNNN of the folder's NNNNN_image.png files (0 for none)."""
    ids = [int(m.group(1)) for p in Path(folder).glob("*_image.png") if (m := re.fullmatch(r"(\d+)_image\.png",
                                                                                             p.name))]
    return max(ids) + 1 if ids else 0


# each kind of set: its settings file and a file only its items have (a folder of an older release, which has no
# settings file, is known by these)
SET_KINDS = {"synth.json": ("a synth set", "*_body.pkl"), "crowd.json": ("a synth-crowd set", "*_people.npz"),
             "cache.json": ("a training cache", "shard_*.npz")}


def other_kind(folder: Path, record: str) -> str:
    """What other kind of set `folder` holds ('' when none): synth and synth-crowd count their items alike
    (NNNNN_image.png), so each took the other's folder for its own and listed, or later evaluated, the other's."""
    for name, (kind, marker) in SET_KINDS.items():
        if name != record and ((folder / name).is_file() or next(folder.glob(marker), None) is not None):
            return f"{kind} ({name if (folder / name).is_file() else marker})"
    return ""


def refusal(folder: Path, record: str, settings: dict, n: int, what: str = "cases", held: int | None = None) -> str:
    """Why a run with `settings` making `n` {what} into `folder` would spoil the set there ('' when it would not).
    `record`: the settings file's name in the folder (its n is not a setting: a larger --n adds cases); `held`:
    how many the folder holds (default: its NNNNN_image.png cases). Counted from the folder, a set that holds
    nothing yet (a run stopped or failed before its first item) takes the new settings."""
    folder = Path(folder)
    if n < 1:
        return f"--n must be at least 1, not {n}"
    if n > MAX_ITEMS:
        return f"--n {n} is more {what} than a set may hold (at most {MAX_ITEMS:,}): give a smaller --n"
    counted = held is None
    if counted:
        held = case_count(folder) if folder.is_dir() else 0
    if folder.is_dir() and (other := other_kind(folder, record)):
        return f"{folder} holds {other}, not {SET_KINDS[record][0]}: use another --out"
    path = folder / record
    if path.is_dir():  # (is_file() is False for it: the run then failed on writing the record, with a traceback)
        return f"{path} is a folder where the set's settings file goes: remove it, or use another --out"
    if path.is_file() and not (counted and held == 0):
        problem = ""
        try:
            old = read_json(path)
        except (OSError, ValueError) as exc:
            from inference.read_problems import read_problem

            old, problem = None, f" ({read_problem(path, exc)})"
        if not isinstance(old, dict):
            return (f"{path} does not read, so the settings of the {what} there are unknown{problem}: use another "
                    f"--out (or, if they are this run's settings, delete {path.name})")
        differ = [f"{k.replace('_', ' ')} {old.get(k)!r} there, {v!r} now" for k, v in settings.items()
                  if k in old and old[k] != v]
        if differ:
            count = held if counted else max(held, int(old.get("n", 0) or 0))
            return (f"{folder} holds {count} {what} made with other settings ({'; '.join(differ)}): adding to "
                    f"it would mix two sets under one description; use another --out")
    if n < held:
        return (f"{folder} holds {held} {what}; --n {n} would leave {held - n} of them out of the set (its "
                f"lists, its description): give --n {held} or more, or another --out")
    return ""


def write_record(folder: Path, record: str, settings: dict, n: int) -> None:
    """Record the set's settings (rewritten only when they change: a rerun that adds nothing changes nothing)."""
    from inference.file_writes import atomic_write

    path = Path(folder) / record
    text = json.dumps({**settings, "n": n}, indent=1)
    if not path.is_file() or path.read_text() != text:  # whole or not at all: a cut-off record is refused
        atomic_write(path, text, overwrite=True)


def _at_least(minimum: str, meaning: str) -> str:
    """'MINIMUM' or 'MINIMUM (MEANING)' (both text): what a refused value must be at least."""
    return f"{minimum} ({meaning})" if meaning else minimum


def whole_number(minimum: int, meaning: str = "", maximum: int | None = None, why_most: str = ""):
    """argparse type of a whole number (int) of at least `minimum` (a count, a limit, a seed) and, when given, at most
    `maximum`: exit 2 with the message otherwise (a negative --limit sliced cases off without a word; numpy's
    generators take no negative seed; --threads 100000 crashed torch, --width 100000 asked for terabytes).
    `meaning`: what `minimum` stands for, said in the message ("must be 0 (all the data) or more, not -5");
    `why_most`: why `maximum` is the limit ("must be at most 8 (4 per CPU core), not 64")."""
    import argparse

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be {_at_least(str(minimum), meaning)} or more, not {v}")
        if maximum is not None and v > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {_at_least(str(maximum), why_most)}, not {v}")
        return v

    parse.__name__ = f"whole number of at least {minimum}"  # (argparse names the type in some messages)
    return parse


def finite_number(minimum: float, meaning: str = ""):
    """argparse type of a finite number (float) of at least `minimum` (a budget, a loss weight): exit 2 with the
    message otherwise; `meaning` as in `whole_number`. float() alone takes "nan" and "inf", and NaN passes any
    `v < minimum` test: a NaN loss weight or an endless budget would reach the run."""
    import argparse
    import math

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be {_at_least(f'{minimum:g}', meaning)} or more, not {v:g}")
        return v

    parse.__name__ = f"number of at least {minimum:g}"  # (argparse names the type in some messages)
    return parse


seed_type = whole_number(0)
