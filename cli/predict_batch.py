"""`predict` at scale: split the inputs across processes or machines; each rank logs its results to a log of its own.

Shards. Rank K of N (from `--shard K/N`, or torchrun's RANK / WORLD_SIZE environment) takes every N-th image
of the whole input list, starting at K. The list and the output names (`inference.predict_outputs.output_stems`) are
computed over all inputs on every rank, so the shares never overlap and no two ranks write the same name.
There are no collective calls (no rank waits for another): ranks share the output folder and, under torchrun, a
tally of their counts for the exit status (below); any of them may die or be rerun alone.

Resume. An image whose outputs are all there already is skipped before the models run (see
`inference.predict_resume.finished`), so rerunning the same command, with any number of ranks, finishes only what is
missing. With --all-people that takes every person's outputs, as many people as the newest logged row of
the image says its search found (`inference.batch_log.people_logged`); an image without such a row is
predicted again and only its missing people are written.

Summary. Each rank appends one row per image (and per extra person with --all-people) to its own log,
OUT/summary_ranks/rankK-of-N.csv (`RankLog`), flushed row by row, so an interrupted rank keeps what it did. At
its end every rank merges all logs, the app's "Run all" log among them, into OUT/summary.csv under a file lock
(`inference.batch_log.merge_summary`): the last rank to finish writes the complete table; an interrupted rank
merges on its way out too. The table describes the output folder (`inference.batch_log.merge_rows`): every
input image once, in input order, with its people: the newest result of each output (a later "skipped" does not
hide the "done" row that wrote its files, with its numbers), and "pending" for an image no rank has logged yet;
then the outputs the logs record for other images (earlier runs of `predict` or of the app into the same
folder). `predict IMAGES --out OUT --merge-summary` rebuilds it without predicting (after ranks on several
machines, where a lock on a network file system may not hold).

Exit status under torchrun. torchrun's agent stops every other rank as soon as one exits non-zero, so a rank whose
images merely failed (no person, unreadable: rows of summary.csv) exits 0 while other ranks are still running, and
only the rank that finishes last exits 1 when an image of any rank failed (`finish_rank`: each rank adds its counts
to a tally in torchrun's own store, the agent's TCPStore at MASTER_ADDR:MASTER_PORT, and the rank whose count
completes the job knows it is the last; no rank waits for another). A rank that stops (a full disk, models that do
not load) still exits non-zero at once: the others would meet the same.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from inference.batch_log import BatchLog
from inference.folder_predict import RunCounts


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


class RankLog(BatchLog):
    """This rank's log, OUT/summary_ranks/rankK-of-N.csv, its rows' rank column K; a row that cannot be written
    is a warning on stderr, once, and the rank goes on predicting. Held by this process while it is open: a second
    `predict` into the same --out at the same time logs to rankK-of-N-2.csv (two writers of one file would make the
    second's header a row of every later summary.csv)."""

    def __init__(self, out: Path, shard: Shard):
        super().__init__(out, shard.log_name, rank=shard.rank, exclusive=True, on_error=_warn)
        self.shard = shard


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


# ------------------------------------------------------------------ the job's end under torchrun
# the store's keys of the counts each rank adds to the job's tally: its share of the images and its RunCounts
TALLIED = ("images", *(f.name for f in fields(RunCounts)))


@dataclass(frozen=True)
class JobTotals:
    """The whole job's tally under torchrun, every rank's added up: the images of their shares and their counts."""

    images: int
    counts: RunCounts


def under_torchrun(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process is one of several ranks torchrun started (whose agent stops the others as soon as one
    exits non-zero)."""
    env = os.environ if environ is None else environ
    try:
        world = int(str(env.get("WORLD_SIZE") or "1").strip())
    except ValueError:
        return False
    return world > 1 and all(env.get(k) for k in ("TORCHELASTIC_RUN_ID", "MASTER_ADDR", "MASTER_PORT"))


class TallyError(RuntimeError):
    """torchrun's store cannot be reached (one-line message)."""


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__


def _agent_store(env: Mapping[str, str]):
    """A client of the store torchrun's agent keeps at MASTER_ADDR:MASTER_PORT (TallyError when it cannot be
    reached)."""
    from datetime import timedelta

    try:
        from torch.distributed import TCPStore

        return TCPStore(env["MASTER_ADDR"], int(env["MASTER_PORT"]), is_master=False, timeout=timedelta(seconds=10))
    except (ImportError, RuntimeError, OSError, ValueError) as exc:
        raise TallyError(f"torchrun's store at {env.get('MASTER_ADDR')}:{env.get('MASTER_PORT')} cannot be "
                         f"reached ({_first_line(exc)})") from None


def finish_rank(counts: RunCounts, images: int, environ: Mapping[str, str] | None = None,
                connect: Callable[[Mapping[str, str]], object] = _agent_store) -> JobTotals | None:
    """Add this rank's `counts` and `images` (its share) to the job's tally in torchrun's store and count the
    rank as finished: the job's totals when this rank is the last of WORLD_SIZE to finish, else None (others are
    still running). The tally is the run's own (TORCHELASTIC_RUN_ID, and the restart: an attempt torchrun restarts
    counts afresh). `connect(environ)` gives the store (an object with `add(key, n) -> int`). TallyError when the
    store cannot be reached."""
    env = os.environ if environ is None else environ
    world = int(str(env["WORLD_SIZE"]).strip())
    store = connect(env)
    key = f"nbf-predict/{env.get('TORCHELASTIC_RUN_ID', '')}/{env.get('TORCHELASTIC_RESTART_COUNT', '0')}/"
    mine = {"images": images, **asdict(counts)}
    try:
        for k in TALLIED:
            store.add(key + k, int(mine[k]))
        if int(store.add(key + "finished", 1)) < world:  # (every rank adds its counts before it counts as finished)
            return None
        totals = {k: int(store.add(key + k, 0)) for k in TALLIED}
    except (RuntimeError, OSError) as exc:
        raise TallyError(f"torchrun's store: {_first_line(exc)}") from None
    return JobTotals(totals.pop("images"), RunCounts(**totals))


def tell_torchrun(message: str, environ: Mapping[str, str] | None = None) -> None:
    """Put `message` in the failure report torchrun prints when this rank exits non-zero (its "Root Cause" box says
    "traceback : MESSAGE" rather than a link to its documentation): the error file torchrun names in
    TORCHELASTIC_ERROR_FILE. Nothing when there is none or it cannot be written."""
    import json
    import time

    env = os.environ if environ is None else environ
    path = env.get("TORCHELASTIC_ERROR_FILE")
    if not path:
        return
    try:
        with open(path, "w", encoding="utf-8") as fh:
            # (the format torchrun's own @record writes, less the Python stack: "traceback :" shows the message)
            json.dump({"message": {"message": message, "extraInfo": {"timestamp": str(int(time.time()))}}}, fh)
    except OSError:
        pass
