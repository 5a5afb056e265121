"""The batch log of an output folder: each writer's per-output results, and summary.csv merged from them.

Writers. Every tool that predicts into an output folder OUT appends one row per output (an image, or one
person of it) to a CSV log of its own under OUT/summary_ranks/ (`BatchLog`), flushed row by row, so an
interrupted writer keeps what it did: `main.py predict` rank K of N to rankK-of-N.csv (cli/predict_batch.py),
the app's "Run all" to app.csv (app/batch_run.py), or app-2.csv, app-3.csv, ... while another app batch holds
app.csv (`exclusive`: two app windows, or two folder sessions of one app). No two writers share a file.

Readers. `merge_summary` rewrites OUT/summary.csv from every log under a file lock: the table of the output
folder (`merge_rows`): every input image of the merging run once, in input order, with its people, the newest
result of each output (a later "skipped" does not hide the "done" row that wrote its files, with its numbers),
"pending" for an image no writer has logged; then the outputs the logs record for other images (earlier runs of
any tool into the same folder). `people_logged`, `written_logged` and `boxed_logged` say what the logs know of each
output name (how many people its image holds, by one rule, `_count`, which the table follows too; whose fit
its files hold; whether that is a person a user boxed): the CLI's resume and --overwrite rules and the app's skip
rule read them, so each tool knows what the other wrote.

Pure Python (no Qt): the CLI calls it in its loop, the app in its batch worker thread.
"""
from __future__ import annotations

import csv
import datetime
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from inference.file_writes import TEXT_ERRORS, write_error_reason
from inference.predict_outputs import (
    SUMMARY,
    SUMMARY_COLUMNS,
    SUMMARY_STATUSES,
    SummaryRow,
    read_summary,
    write_summary,
)

RANK_LOGS = "summary_ranks"  # the logs' folder (named when only the CLI's ranks logged; kept for existing folders)
COLUMNS = (*SUMMARY_COLUMNS, "rank", "finished_at")  # the table's columns, and who wrote a row when
STATUSES = SUMMARY_STATUSES
APP_LOG = "app.csv"  # the app's "Run all" log; rank column "app"


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


class BatchLog:
    """One writer's CSV log, OUT/summary_ranks/NAME: one row per result, appended and flushed at once (a crash
    keeps earlier rows).

    rank: the rows' rank column (who wrote them: a CLI rank's number, "app"). exclusive: the file is locked for
    this log while it is open, and NAME-2.csv, NAME-3.csv, ... taken when another writer holds NAME; where
    this system has no file locks, NAME-<process id>.csv. A file an earlier release began with other columns
    is never appended to either (`_header`). on_error(message): told once, at the first row that cannot be
    written (the log is a record, not an output: the caller goes on); `error` keeps that one-line message.
    Raises OSError when the log cannot be opened."""

    def __init__(self, out: Path, name: str, rank: int | str = "", exclusive: bool = False,
                 on_error: Callable[[str], None] | None = None):
        self.rank, self.failed, self.error, self._on_error = rank, False, "", on_error
        folder = out / RANK_LOGS
        folder.mkdir(parents=True, exist_ok=True)
        self.path, self._fh = _open_log(folder, name, exclusive)
        self._writer = csv.DictWriter(self._fh, COLUMNS, extrasaction="ignore")
        try:
            if self._fh.tell() == 0:
                self._writer.writeheader()
        except OSError:
            self._fh.close()  # (and its lock)
            raise

    def write(self, finished_at: str | None = None, **fields) -> None:
        """Append one row: `fields` are a SummaryRow's (output and status at least; rank is this log's);
        finished_at: now unless given. The image is logged by its absolute path (`_absolute`)."""
        row = SummaryRow(**fields)
        self._append(replace(row, image=_absolute(row.image)) if row.image else row, finished_at)

    def _append(self, row: SummaryRow, finished_at: str | None = None) -> None:
        """Append `row` with the image path as it is in `row`, as this log's rank."""
        row = replace(row, rank=str(self.rank), finished_at=now() if finished_at is None else finished_at)
        try:
            self._writer.writerow(row.to_csv())
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            if not self.failed:
                self.error = f"cannot log to {self.path}: {write_error_reason(exc)}"
                if self._on_error is not None:
                    self._on_error(self.error)
            self.failed = True

    def close(self) -> None:
        try:
            self._fh.close()  # (releases the lock of an exclusive log)
        except OSError:
            pass


def _absolute(image: str | Path) -> str:
    """An image path as the logs and summary.csv record it: absolute, so that a reader in another working folder
    (the app opening NAME.npz finds its photo through summary.csv, inference.params_prediction) reaches it. The
    user's messages keep the path as typed."""
    return str(Path(image).absolute())


def _header(path: Path) -> list[str] | None:
    """The column names of a CSV log's first line; None when it cannot be read or is empty."""
    try:
        with open(path, newline="", encoding="utf-8", errors=TEXT_ERRORS) as fh:
            return next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _lock(fh) -> bool | None:
    """Lock the open file `fh` for this writer alone, without waiting: True when locked, False when another
    writer holds it, None when this system has no such locks."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks (some network mounts): a name of this process's own
        return None
    return True


def _open_log(folder: Path, name: str, exclusive: bool):
    """(path, file open for appending) of the log NAME in `folder`: NAME, or, when an earlier release began NAME
    with other columns (rows in today's columns under an older header would be read back shifted, and an old
    log keeps its own meaning, e.g. its 0-based person numbers) or, with `exclusive`, another writer holds it,
    NAME with -2, -3, ... before .csv."""
    stem, k = Path(name).stem, 1
    while True:
        path = folder / (name if k == 1 else f"{stem}-{k}.csv")
        k += 1
        if path.is_file() and path.stat().st_size and _header(path) != list(COLUMNS):
            continue
        fh = open(path, "a", newline="", encoding="utf-8", errors=TEXT_ERRORS)  # (a photo's name that is not UTF-8)
        if not exclusive:
            return path, fh
        locked = _lock(fh)
        if locked:
            return path, fh
        fh.close()
        if locked is None:  # no locks here: a name no other process uses, the same rules for its columns
            return _open_log(folder, f"{stem}-{os.getpid()}.csv", exclusive=False)


def read_logs(out: Path) -> list[SummaryRow]:
    """Every row of every log under OUT (any writer, any earlier run), people counted from 1 (`read_summary`: the
    rows of logs an older release began are converted)."""
    rows = []
    for path in sorted((out / RANK_LOGS).glob("*.csv")):
        rows += read_summary(path)  # a log being written or damaged reads as []: read again next time
    return rows


def adopt_table(out: Path, log: BatchLog) -> int:
    """Log to `log` the rows of OUT/summary.csv whose output no log under OUT knows (not 'pending'), with an
    empty finished_at (older than any logged row); returns how many. Earlier releases of the app wrote the table
    without a log: the next merge would drop their rows, and the logs would not know whose fit those outputs hold."""
    known = {r.output for r in read_logs(out)}
    rows = [r for r in read_summary(out / SUMMARY) if r.output not in known and r.status != "pending"]
    for r in rows:  # (a relative image path stays as that table wrote it: relative to a folder not known here)
        log._append(r, finished_at="")
    return len(rows)


def people_logged(out: Path, boxed_too: bool = True) -> dict[str, int]:
    """{output name: how many people its image holds (`_count`)}, from every log under OUT; outputs for
    which no row gives a count (no person found, an unreadable image) are not in it. Of two images that logged
    the same output name, the count of the one whose files are there (`_when`). `boxed_too=False`: the search's
    own count, without the people `predict --box` added (what a row of a run that searched again says: the boxed
    people are counted from their files, so that deleting those lowers the count)."""
    images = _outputs_by_image(_by_image(read_logs(out)))
    found: dict[str, tuple[tuple, int]] = {}
    for outputs in images.values():
        tally = _tally(outputs, out)
        for o, rs in outputs.items():
            n, last = _count(tally.get(o), "top" if boxed_too else "own"), _when(rs)
            if n is not None and (o not in found or last > found[o][0]):
                found[o] = (last, n)
    return {o: n for o, (_, n) in found.items()}


def _when(rows: list[SummaryRow]) -> tuple[int, str]:
    """Which of two images that logged one output name holds its files: the greater of these keys. The image with
    the newest 'done' row wrote them last (`written_logged`); rows that wrote nothing (an error, nobody in a box,
    a run refused because the name holds the other photo's fit) come after any 'done', by their own time."""
    done = [r.finished_at for r in rows if r.status == "done"]
    return (1, max(done)) if done else (0, max(r.finished_at for r in rows))


def _by_image(rows: list[SummaryRow], key: Callable[[SummaryRow], str] | None = None
              ) -> dict[tuple[str, str], list[SummaryRow]]:
    """{(image file name, output name): its rows}: rows are matched by the image's file name, not by the path as
    typed (the same photo given by a relative and then by an absolute path writes the same files); by `key(row)`
    instead of the file name when given (`_image_keys`)."""
    groups: dict[tuple[str, str], list[SummaryRow]] = {}
    for r in rows:
        groups.setdefault((key(r) if key else Path(r.image).name, r.output), []).append(r)
    return groups


def _image_keys(rows: list[SummaryRow], images: list[Path]
                ) -> tuple[Callable[[SummaryRow], str], Callable[[Path], str]]:
    """(the key of a logged row's image, the key of an input) for `merge_rows`: the file name, as `_by_image`
    matches them, except where the name does not tell the photos apart: a row of another photo of an input's file
    name (its logged path leads to another file that is there: a/x.jpg's fit when b/x.jpg is the input; grouped
    with b's rows, a's 'done' was hidden by b's refusal, and the table said the files on disk had failed) is keyed by
    its path, and so are the inputs that share a file name (a/x.jpg and b/x.jpg given together), a row going to
    the input whose file it logged. A logged path that leads nowhere from here leaves the name to decide."""
    shared: dict[str, list[Path]] = {}
    for p in images:
        shared.setdefault(p.name, []).append(p)
    ids: dict[str, tuple[int, int] | None] = {}

    def ident(text: str) -> tuple[int, int] | None:
        if text not in ids:  # (each path looked at once: a log holds many rows of one image)
            try:
                st = os.stat(text)
                ids[text] = (st.st_dev, st.st_ino)
            except (OSError, ValueError):
                ids[text] = None
        return ids[text]

    def input_key(p: Path) -> str:
        return p.name if len(shared[p.name]) == 1 else str(p)

    def row_key(r: SummaryRow) -> str:
        image = r.image
        name = Path(image).name
        inputs = shared.get(name)
        mine = ident(image) if inputs else None
        if mine is None:
            return name
        same = [p for p in inputs if ident(str(p)) == mine]
        if same:
            return input_key(same[0])
        return image if any(ident(str(p)) is not None for p in inputs) else name

    return row_key, input_key


def _outputs_by_image(groups: dict[tuple[str, str], list[SummaryRow]]) -> dict[str, dict[str, list[SummaryRow]]]:
    """`_by_image`'s groups as {image file name: {output name: its rows}}."""
    images: dict[str, dict[str, list[SummaryRow]]] = {}
    for (name, o), rs in groups.items():
        images.setdefault(name, {})[o] = rs
    return images


BOX_NOTE = "--box "  # how the message of a row of `predict --box` begins: "--box 128 72 222 347[: why it failed]"


def box_note(box: tuple[float, float, float, float], text: str = "") -> str:
    """The message of a `predict --box` row: the box (photo px) and, for a failed one, why (`boxed`)."""
    return BOX_NOTE + " ".join(f"{v:g}" for v in box) + (f": {text}" if text else "")


def boxed(row: SummaryRow) -> bool:
    """Whether a logged row is of `predict --box` (`box_note`): a person the user boxed, or a box that failed."""
    return row.message.startswith(BOX_NOTE)


def boxed_logged(out: Path) -> dict[str, str]:
    """{output name: the `box_note` of the box} for the outputs whose files, by their newest 'done' row, hold a
    person a user boxed (`predict --box`): not one of the search's people, so a later run whose search finds
    fewer people leaves them (the user removes them by deleting their files), and the same box again finds
    them done."""
    done: dict[str, SummaryRow] = {}
    for r in sorted(read_logs(out), key=lambda r: r.finished_at):
        if r.status == "done":
            done[r.output] = r
    return {o: r.message.split("; ")[0] for o, r in done.items() if boxed(r)}


def note_box(note: str) -> tuple[float, float, float, float] | None:
    """The box of a `box_note` ('--box 128 72 222 347[: why]') as (x0, y0, x1, y1) photo px; None for a message
    that is not one (`boxed`) or whose numbers do not read."""
    if not note.startswith(BOX_NOTE):
        return None
    try:
        box = tuple(float(v) for v in note[len(BOX_NOTE):].split(":")[0].split())
    except ValueError:
        return None
    return box if len(box) == 4 else None  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Holder:
    """Whose fit an output name's files hold (`written_logged`): the image's file name, the person as the row's
    `SummaryRow.person` reads it (counted from 1; None for a whole image fitted without a detected person) and the
    image's path as the row logged it ('' when not known)."""

    name: str
    person: int | None
    path: str = ""


def written_logged(out: Path) -> dict[str, Holder]:
    """{output name: the Holder of the newest 'done' row of that output}: whose fit its files hold, as far as the
    logs under OUT know."""
    found: dict[str, Holder] = {}
    for r in sorted(read_logs(out), key=lambda r: r.finished_at):
        if r.status == "done":
            found[r.output] = Holder(Path(r.image).name, r.person, r.image)
    return found


def same_image(held: Holder, image: Path) -> bool:
    """Whether the logged holder `held` is of the image `image`: the same file name, and not another file where the
    logged path still leads to one (two photos named IMG_0001.JPG in two camera folders: the one fitted under a name
    must not pass for the other in a later run). A logged path that leads nowhere from here (the folder moved, a
    path relative to another working folder) leaves the name to decide."""
    image = Path(image)
    if held.name != image.name:
        return False
    logged = Path(held.path) if held.path else None
    try:
        if logged is not None and logged.exists() and image.exists():
            return os.path.samefile(logged, image)
    except OSError:
        pass
    return True


def holds(held: Holder | None, image: Path, person: int | None) -> bool:
    """Whether the logged holder `held` of an output name (`written_logged`) is person `person` (counted from 1) of
    `image` (`same_image`); a whole image fitted without a detected person (person None) counts as person 1."""
    if held is None or person is None:
        return False
    return same_image(held, image) and (held.person == person or (held.person is None and person == 1))


def holder_text(held: Holder, image: Path | None = None) -> str:
    """A logged holder (`written_logged`) in words: 'person 2 of a.jpg', 'the whole image of a.jpg'; with the path
    it logged when that is another photo of the same file name as `image` (a/x.jpg's fit, in the way of b/x.jpg:
    'of x.jpg' read as b's own files)."""
    whose = held.name
    if image is not None and held.path and held.name == Path(image).name and not same_image(held, image):
        whose = held.path
    return f"{'the whole image' if held.person is None else f'person {held.person}'} of {whose}"


def _best(rows: list[SummaryRow]) -> SummaryRow:
    """The newest row that says what happened to the output. A newer 'skipped' keeps the newest 'done' with
    its numbers, also across failed attempts in between (an 'outputs exist' error of a --person 2 run): an
    output is skipped only when its files are all there and hold the person asked for, which are the files
    that 'done' row wrote. A failed `predict --box` (`boxed`: nobody in the box) wrote nothing and has no
    output of its own: logged under the image's name, it stands only where nothing else was logged there."""
    rows = sorted(rows, key=lambda r: r.finished_at)
    rows = [r for r in rows if r.status in ("done", "skipped") or not boxed(r)] or rows
    done = [r for r in rows if r.status == "done"]
    if done and rows[-1].status == "skipped":
        return done[-1]
    return rows[-1]


def _person_key(output: str, stem: str) -> int:
    m = re.fullmatch(re.escape(stem) + r"_p(\d+)", output)
    return int(m[1]) if m else 0


def _split(output: str, image: str = "") -> tuple[str, int]:
    """NAME_p3 -> (NAME, 3); NAME -> (NAME, 0): the one name whose person an output is (`_person_key`). An output
    named as its image's file (`image`, a logged row's) is that image's own name: team_p1 of a photo called
    team_p1.jpg is (team_p1, 0)."""
    m = re.fullmatch(r"(.+)_p(\d+)", output)
    if m is None or output == Path(image).stem:
        return output, 0
    return m[1], int(m[2])


def _tally(outputs: dict[str, list[SummaryRow]], out: Path | None = None
           ) -> dict[str, tuple[int | None, frozenset]]:
    """{name: (its own count, the person numbers there)} for every name among one image's `outputs` ({output name:
    rows}, matched by the image's file name), each output's rows read once (an image of hundreds of people costs
    as many steps, not their square); `_count` reads an image's count from it. Its own count: the count of NAME's
    newest row that gives one (the search's count at the image's last run; a 'skipped' row's too). The person
    numbers there: each K of a person NAME_pK whose newest result is 'done' and whose files are there (with `out`),
    and the person a `predict --box` fitted under NAME itself."""
    own: dict[str, int | None] = {}
    for o, rs in outputs.items():
        counted = [r for r in rs if r.people is not None]
        own[o] = max(counted, key=lambda r: r.finished_at).people if counted else None
    there: dict[str, set[int]] = {}
    for o, rs in outputs.items():
        base, k = _split(o, rs[0].image)
        best = _best(rs)
        if best.status != "done" or _files_gone(out, best):
            continue
        if k and best.person == k:
            there.setdefault(base, set()).add(k)
        elif boxed(best) and (n := best.person or 0) > 0:  # a boxed person under NAME itself
            there.setdefault(o, set()).add(n)
    return {name: (own.get(name), frozenset(there.get(name, ()))) for name in own.keys() | there.keys()}


def _count(tallied: tuple[int | None, frozenset] | None, mode: str = "top") -> int | None:
    """An image's count from its `_tally` entry; None when nothing gives one. `mode` "top" (the
    count the names and the resume follow): the highest person number there or its own count, whichever is
    greater (person numbers keep their gaps: only NAME's own rows lower the count, a run that wrote person 2 again
    does not drop a boxed person 4); "held" (the table's people column): its own count and every person beyond it
    who is there (a boxed person 5 deleted while person 6 stays is not counted); "own": the search's count alone."""
    if tallied is None:
        return None
    own, ks = tallied
    if mode == "own" or not ks:
        return own
    n = own or 0
    return max(n, *ks) if mode == "top" else n + sum(k > n for k in ks)


def _files_gone(out: Path | None, row: SummaryRow) -> bool:
    """Whether a 'done' row's output is no longer in OUT (its NAME.npz, written for every output, is gone):
    removed by a later run (the people no longer found) or by the user. False without `out`."""
    return out is not None and row.status == "done" and not (out / f"{row.output}.npz").is_file()


def merge_rows(images: list[Path], stems: list[str], rows: list[SummaryRow],
               out: Path | None = None) -> list[SummaryRow]:
    """The table of the output folder `out`: one row per output, the newest result of each (`_best`).

    First the inputs in input order, each with its people (NAME, NAME_p2, ...; 'pending' for an input nobody
    has logged, under NAME or a person's name); then the outputs the logs record for other images, which earlier
    runs wrote into the folder (sorted by image; index empty: not an input of this run). Rows are matched to an
    input by the image's file name and the output name, not by the path as typed: the same photo given by a
    relative path and then by an absolute one, or from another working folder, writes the same files; by the path
    where the name does not tell two photos that are there apart (`_image_keys`). Left out: a person
    beyond the people its image holds now (`_count`: NAME_p5 after a rerun found 3) and, with `out`, a
    'done' output whose files are gone. The people column of an image's rows is how many people its image holds
    now (`_count` "held": the boxed people whose files are there included), where the logs give a count; else
    the row's own."""
    row_key, input_key = _image_keys(rows, images)
    groups = _by_image(rows, row_key)
    images_logged = _outputs_by_image(groups)
    tallies: dict[str, dict] = {}  # {image file name: `_tally`}, each image once

    def people_of(name: str, stem: str, mode: str = "top") -> int | None:
        if name not in tallies:
            tallies[name] = _tally(images_logged.get(name, {}), out)
        return _count(tallies[name].get(stem), mode)

    merged: list[SummaryRow] = []
    claimed = set()
    for i, (path, stem) in enumerate(zip(images, stems)):
        mine = input_key(path)
        outputs = {o: rs for o, rs in images_logged.get(mine, {}).items()
                   if o == stem or _person_key(o, stem)}
        claimed |= {(mine, o) for o in outputs} | {(mine, stem)}
        if not outputs:  # a --person 2 or --box run logs NAME_p2 alone: its input is not pending
            merged.append(SummaryRow(index=i, image=str(path), output=stem, status="pending"))
        people = people_of(mine, stem)
        for o in sorted(outputs, key=lambda o: _person_key(o, stem)):
            best = _best(outputs[o])
            k = _person_key(o, stem)
            if k and ((people is not None and k > people) or _files_gone(out, best)):
                continue
            held = people_of(mine, stem, "held")
            merged.append(replace(best, index=i, image=str(path), people=best.people if held is None else held))
    # other images' outputs: an output name one of the inputs now writes is that input's, unless another image
    # wrote its files after the input last did (x.jpg refused the name x whose files hold x.png's fit: both rows
    # stand); of two other images that wrote the same name, the files are those of the one that wrote last (`_when`)
    done: dict[str, dict[str, str]] = {}
    for (name, o), rs in groups.items():
        if times := [r.finished_at for r in rs if r.status == "done"]:
            done.setdefault(o, {})[name] = max(times)
    taken = {o for name, o in claimed if not _held_by_another(done, name, o)}
    newest: dict[str, tuple[tuple, str, list[SummaryRow]]] = {}  # {output: (`_when`, image file name, rows)}
    for (name, o), rs in groups.items():
        if o in taken or (name, o) in claimed:
            continue
        last = _when(rs)
        if o not in newest or last > newest[o][0]:
            newest[o] = (last, name, rs)
    others = {o: _best(rs) for o, (_, _, rs) in newest.items()}

    for r in sorted(others.values(), key=lambda r: (r.image, _split(r.output))):
        base, k = _split(r.output, r.image)
        people = people_of(row_key(r), base)
        # a person beyond their image's people now (`_count`), or files gone
        if not ((k and people is not None and k > people) or _files_gone(out, r)):
            held = people_of(row_key(r), base, "held")
            merged.append(replace(r, index=None, people=r.people if held is None else held))
    return merged


def _held_by_another(done: dict[str, dict[str, str]], name: str, output: str) -> bool:
    """Whether the files of `output`, which the image called `name` claims, hold another image's fit: another
    image's newest 'done' row of it is newer than any of this image's (`written_logged`'s holder). `done`:
    {output: {image file name: its newest 'done' row's time}}."""
    mine = done.get(output, {}).get(name, "")
    return any(t > mine for n, t in done.get(output, {}).items() if n != name)


def merge_summary(out: Path, images: list[Path], stems: list[str]) -> Path:
    """Rewrite OUT/summary.csv from the logs (atomically, under a lock on OUT/summary_ranks/.lock); returns its
    path. Raises OSError when it cannot be written."""
    lock = out / RANK_LOGS / ".lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except (ImportError, OSError):  # no POSIX locks here: an unlocked merge is still a valid table
            pass
        rows = merge_rows([Path(_absolute(p)) for p in images], stems, read_logs(out), out)
        return write_summary(out / SUMMARY, rows, COLUMNS)


def count(merged: list[SummaryRow]) -> dict[str, int]:
    """{status: how many rows of the table have it}, every status of STATUSES present."""
    counts = dict.fromkeys(STATUSES, 0)
    for r in merged:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
