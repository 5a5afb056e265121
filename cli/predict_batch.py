"""`predict` at scale: split the inputs across processes or machines; each rank logs its results to a log of its own.

Shards. Rank K of N (from `--shard K/N`, or torchrun's RANK / WORLD_SIZE environment) takes every N-th image
of the whole input list, starting at K. The list and the output names (`inference.predict_outputs.output_stems`) are
computed over all inputs on every rank, so the shares never overlap and no two ranks write the same name.
There are no collective calls: ranks share nothing but the output folder, and any of them may die or be
rerun alone.

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
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from inference.batch_log import BatchLog


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
    is a warning on stderr, once, and the rank goes on predicting."""

    def __init__(self, out: Path, shard: Shard):
        super().__init__(out, shard.log_name, rank=shard.rank, on_error=_warn)
        self.shard = shard


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)
