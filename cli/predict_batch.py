"""`predict` at scale: split the inputs across processes or machines, log per-image results, merge a summary.

Shards. Rank K of N (from `--shard K/N`, or torchrun's RANK / WORLD_SIZE environment) takes every N-th image
of the whole input list, starting at K. The list and the output names (`cmd_predict.output_stems`) are
computed over all inputs on every rank, so the shares never overlap and no two ranks write the same name.
There are no collective calls: ranks share nothing but the output folder, and any of them may die or be
rerun alone.

Resume. An image whose outputs are all there already is skipped before the models run (see
`cmd_predict.finished`), so rerunning the same command, with any number of ranks, finishes only what is
missing. With --all-people that takes every person's outputs, as many people as the newest logged row of
the image says its search found (`people_logged`); an image without such a row is predicted again and
only its missing people are written.

Summary. Each rank appends one row per image (and per extra person with --all-people) to its own log,
OUT/summary_ranks/rankK-of-N.csv, flushed row by row, so an interrupted rank keeps what it did. At its end
every rank merges all logs into OUT/summary.csv under a file lock (`merge_summary`): the last rank to finish
writes the complete table; an interrupted rank merges on its way out too. The table describes the output
folder (`merge_rows`): every input image once, in input order, with its people: the newest result of each
output (a later "skipped" does not hide the "done" row that wrote its files, with its numbers), and "pending"
for an image no rank has logged yet; then the outputs the logs record for other images (earlier runs into the
same folder). `predict IMAGES --out OUT --merge-summary` rebuilds it without predicting (after ranks on several
machines, where a lock on a network file system may not hold).
"""
from __future__ import annotations

import csv
import datetime
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from inference.predict_outputs import (
    SUMMARY,
    SUMMARY_COLUMNS,
    SUMMARY_STATUSES,
    read_summary,
    summary_row,
    write_summary,
)

RANK_LOGS = "summary_ranks"
COLUMNS = (*SUMMARY_COLUMNS, "rank", "finished_at")  # the table's columns (the app's too), and who wrote a row when
STATUSES = SUMMARY_STATUSES


class ShardError(ValueError):
    """A --shard value or a torchrun environment that cannot be used (one-line message)."""


@dataclass(frozen=True)
class Shard:
    rank: int = 0
    world: int = 1
    local_rank: int | None = None  # torchrun's LOCAL_RANK (picks the GPU); None outside torchrun

    def take(self, n: int) -> list[int]:
        """The indices of this rank's share of n inputs: every world-th, starting at rank."""
        return list(range(self.rank, n, self.world))

    @property
    def log_name(self) -> str:
        return f"rank{self.rank}-of-{self.world}.csv"


def _int(text: str | None, what: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise ShardError(f"{what} must be a whole number, not {text!r}") from None


def parse_shard(text: str | None, environ=None) -> Shard:
    """`--shard K/N` (K from 0 to N-1) when given, else torchrun's RANK / WORLD_SIZE / LOCAL_RANK, else 0/1."""
    env = os.environ if environ is None else environ
    local = _int(env["LOCAL_RANK"], "LOCAL_RANK") if env.get("LOCAL_RANK", "").strip() else None
    if text is not None:
        m = re.fullmatch(r"\s*(\S+)\s*/\s*(\S+)\s*", text)
        if not m:
            raise ShardError(f"--shard {text!r}: use K/N, e.g. 0/4 for the first of 4 shares")
        rank, world, what = _int(m[1], "--shard K"), _int(m[2], "--shard N"), f"--shard {text}"
    elif env.get("WORLD_SIZE", "").strip():
        rank = _int(env.get("RANK", "0") or "0", "RANK")
        world, what = _int(env["WORLD_SIZE"], "WORLD_SIZE"), f"RANK={rank} WORLD_SIZE={env['WORLD_SIZE']}"
    else:
        return Shard(0, 1, local)
    if world < 1 or not 0 <= rank < world:
        raise ShardError(f"{what}: need N >= 1 and 0 <= K < N (K counts from 0)")
    return Shard(rank, world, local)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


class RankLog:
    """This rank's CSV log: one row per result, appended and flushed at once (a crash keeps earlier rows)."""

    def __init__(self, out: Path, shard: Shard):
        self.shard, self.failed = shard, False
        self.path = _log_path(out / RANK_LOGS, shard.log_name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._fh, COLUMNS, extrasaction="ignore")
        if self._fh.tell() == 0:
            self._writer.writeheader()

    def write(self, **row) -> None:
        row = summary_row(**row, rank=self.shard.rank, finished_at=now())
        try:
            self._writer.writerow(row)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:  # the log is a record, not an output: say so once and go on predicting
            if not self.failed:
                print(f"warning: cannot log to {self.path}: {exc.strerror or exc}", file=sys.stderr)
            self.failed = True

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass


# A log whose header lacks this column was begun by a release that counted people from 0 (before the
# summary's mask_inside column came, at the same time as counting from 1): its person numbers are read + 1.
ONE_BASED_MARK = "mask_inside"


def _header(path: Path) -> list[str] | None:
    """The column names of a CSV log's first line; None when it cannot be read or is empty."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _log_path(folder: Path, name: str) -> Path:
    """The log file this rank appends to: NAME, or, when an earlier release began NAME with other columns,
    NAME with -2, -3, ... before .csv (rows in today's columns under an older header would be read back
    shifted, and an old log keeps its own meaning, e.g. its 0-based person numbers)."""
    path, k = folder / name, 2
    while path.is_file() and path.stat().st_size and _header(path) != list(COLUMNS):
        path, k = folder / f"{Path(name).stem}-{k}.csv", k + 1
    return path


def read_logs(out: Path) -> list[dict]:
    """Every row of every rank log under OUT (any world size, any earlier run), people counted from 1 (the
    rows of logs an older release began converted: ONE_BASED_MARK)."""
    rows = []
    for path in sorted((out / RANK_LOGS).glob("*.csv")):
        found = read_summary(path)  # a log being written or damaged reads as []: the next merge reads it again
        if found and ONE_BASED_MARK not in found[0]:
            for r in found:
                if (r.get("person") or "").lstrip("-").isdigit():
                    r["person"] = str(int(r["person"]) + 1)
        rows += found
    return rows


def people_logged(out: Path) -> dict[str, int]:
    """{output name: how many people its image holds, by the newest logged row of that output that gives a
    count}, from every rank log under OUT; outputs none of whose rows gives one (no person found, an
    unreadable image) are not in it."""
    found: dict[str, int] = {}
    for r in sorted(read_logs(out), key=lambda r: r.get("finished_at", "")):
        try:
            found[r["output"]] = int(r.get("people") or "")
        except ValueError:
            continue
    return found


def written_logged(out: Path) -> dict[str, tuple[str, str]]:
    """{output name: (image file name, person) of the newest 'done' row of that output}: whose fit its files
    hold, as far as the rank logs under OUT know (person '' for a whole image fitted without a detected
    person)."""
    found: dict[str, tuple[str, str]] = {}
    for r in sorted(read_logs(out), key=lambda r: r.get("finished_at", "")):
        if r["status"] == "done":
            found[r["output"]] = (Path(r.get("image") or "").name, r.get("person") or "")
    return found


def _best(rows: list[dict]) -> dict:
    """The newest row that says what happened to the output. A newer 'skipped' keeps the newest 'done' with
    its numbers, also across failed attempts in between (an 'outputs exist' error of a --person 2 run): an
    output is skipped only when its files are all there and hold the person asked for, which are the files
    that 'done' row wrote."""
    rows = sorted(rows, key=lambda r: r.get("finished_at", ""))
    done = [r for r in rows if r["status"] == "done"]
    if done and rows[-1]["status"] == "skipped":
        return done[-1]
    return rows[-1]


def _person_key(output: str, stem: str) -> int:
    m = re.fullmatch(re.escape(stem) + r"_p(\d+)", output)
    return int(m[1]) if m else 0


def _people(row: dict) -> int | None:
    try:
        return int(row.get("people") or "")
    except ValueError:
        return None


def _files_gone(out: Path | None, row: dict) -> bool:
    """Whether a 'done' row's output is no longer in OUT (its NAME.npz, written for every output, is gone):
    removed by a later run (the people no longer found) or by the user. False without `out`."""
    return out is not None and row["status"] == "done" and not (out / f"{row['output']}.npz").is_file()


def merge_rows(images: list[Path], stems: list[str], rows: list[dict], out: Path | None = None) -> list[dict]:
    """The table of the output folder `out`: one row per output, the newest result of each (`_best`).

    First the inputs in input order, each with its people (NAME, NAME_p2, ...; 'pending' for an input nobody
    has logged); then the outputs the logs record for other images, which earlier runs wrote into the folder
    (sorted by image; index empty: not an input of this run). Rows are matched to an input by the image's
    file name and the output name, not by the path as typed: the same photo given by a relative path and
    then by an absolute one, or from another working folder, writes the same files. Left out: a person
    beyond the people its image's newest row found (NAME_p5 after a rerun found 3) and, with `out`, a 'done'
    output whose files are gone."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((Path(r.get("image") or "").name, r["output"]), []).append(r)
    merged, claimed = [], set()
    for i, (path, stem) in enumerate(zip(images, stems)):
        outputs = {o: rs for (name, o), rs in groups.items()
                   if name == path.name and (o == stem or _person_key(o, stem))}
        claimed |= {(path.name, o) for o in outputs} | {(path.name, stem)}
        if stem not in outputs:
            merged.append({"index": i, "image": str(path), "output": stem, "status": "pending"})
        people = _people(_best(outputs[stem])) if stem in outputs else None
        for o in sorted(outputs, key=lambda o: _person_key(o, stem)):
            best = _best(outputs[o])
            k = _person_key(o, stem)
            if k and ((people is not None and k > people) or _files_gone(out, best)):
                continue
            merged.append({**best, "index": i, "image": str(path)})
    # other images' outputs: an output name one of the inputs now writes is that input's; of two other
    # images that wrote the same name, the newer one's files are there
    taken = {o for _, o in claimed}
    newest: dict[str, tuple[str, list[dict]]] = {}
    for (name, o), rs in groups.items():
        if o in taken:
            continue
        last = max(r.get("finished_at", "") for r in rs)
        if o not in newest or last > max(r.get("finished_at", "") for r in newest[o][1]):
            newest[o] = (name, rs)
    others = {o: _best(rs) for o, (_, rs) in newest.items()}

    def split(o: str) -> tuple[str, int]:  # NAME_p3 -> (NAME, 3); NAME -> (NAME, 0)
        m = re.fullmatch(r"(.+)_p(\d+)", o)
        return (m[1], int(m[2])) if m else (o, 0)

    def stale(r: dict) -> bool:
        base, k = split(r["output"])
        main = others.get(base) if k else None
        people = _people(main) if main is not None and Path(main["image"]).name == Path(r["image"]).name else None
        return (people is not None and k > people) or _files_gone(out, r)

    for r in sorted(others.values(), key=lambda r: (r.get("image", ""), split(r["output"]))):
        if not stale(r):
            merged.append({**r, "index": ""})
    return merged


def merge_summary(out: Path, images: list[Path], stems: list[str]) -> Path:
    """Rewrite OUT/summary.csv from the rank logs (atomically, under a lock on OUT/summary_ranks/.lock)."""
    lock = out / RANK_LOGS / ".lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except (ImportError, OSError):  # no POSIX locks here: an unlocked merge is still a valid table
            pass
        return write_summary(out / SUMMARY, merge_rows(images, stems, read_logs(out), out), COLUMNS)


def count(merged: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for r in merged:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts
