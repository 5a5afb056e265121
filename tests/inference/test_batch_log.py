"""The batch log (inference.batch_log): writers' own log files, what a merge of all of them keeps, a table an
earlier release wrote without a log. The CLI's use of it (ranks, resume, --overwrite) is tested in
tests/cli/test_cli_predict_shards.py, the app's in tests/app/test_folder.py."""
from __future__ import annotations

import csv
import errno
import os
from dataclasses import replace
from pathlib import Path

import pytest

from inference.batch_log import (
    APP_LOG,
    COLUMNS,
    RANK_LOGS,
    BatchLog,
    Holder,
    adopt_table,
    box_note,
    boxed_logged,
    holder_text,
    holds,
    merge_rows,
    merge_summary,
    note_box,
    people_logged,
    read_logs,
    written_logged,
)
from inference.predict_outputs import (
    SUMMARY,
    SUMMARY_COLUMNS,
    QualityCells,
    SummaryRow,
    read_summary,
    write_summary,
)


def _done(out: Path, log: BatchLog, image: str, output: str, **extra) -> None:
    """Log a 'done' row and leave the NAME.npz a merge looks for (an output whose files are gone is left out)."""
    (out / f"{output}.npz").write_bytes(b"")
    log.write(image=image, output=output, status="done", person=1, people=1, **extra)


def test_exclusive_logs_never_share_a_file(tmp_path):
    """Two app batches into one folder at once (two windows) write two files; once closed, the next batch
    goes on in the first one. A CLI rank's log is its own name and takes no lock."""
    first = BatchLog(tmp_path, APP_LOG, rank="app", exclusive=True)
    second = BatchLog(tmp_path, APP_LOG, rank="app", exclusive=True)
    rank = BatchLog(tmp_path, "rank0-of-1.csv", rank=0)
    try:
        assert (first.path.name, second.path.name, rank.path.name) == ("app.csv", "app-2.csv", "rank0-of-1.csv")
        first.write(image="a.png", output="a", status="done")
        second.write(image="b.png", output="b", status="error", message="b.png cannot be read")
        rank.write(image="c.png", output="c", status="no person")
    finally:
        first.close(), second.close(), rank.close()
    rows = {r.output: r for r in read_logs(tmp_path)}
    assert {o: (r.status, r.rank) for o, r in rows.items()} == {
        "a": ("done", "app"), "b": ("error", "app"), "c": ("no person", "0")}
    assert all(r.finished_at for r in rows.values())
    again = BatchLog(tmp_path, APP_LOG, rank="app", exclusive=True)
    again.close()
    assert again.path == first.path


def test_an_exclusive_log_skips_a_file_an_earlier_release_began(tmp_path):
    folder = tmp_path / RANK_LOGS
    folder.mkdir()
    (folder / APP_LOG).write_text(",".join(c for c in COLUMNS if c != "mask_inside") + "\n")
    log = BatchLog(tmp_path, APP_LOG, rank="app", exclusive=True)
    log.close()
    assert log.path.name == "app-2.csv"


def test_a_row_that_cannot_be_written_is_told_once(tmp_path, monkeypatch):
    told = []
    log = BatchLog(tmp_path, APP_LOG, rank="app", exclusive=True, on_error=told.append)

    def full(fd):  # the disk fills up under the log
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    log.write(image="a.png", output="a", status="done")
    log.write(image="b.png", output="b", status="done")
    log.close()
    assert told == [f"cannot log to {log.path}: the disk is full"] and log.error == told[0]
    assert "\n" not in log.error


def test_the_merge_keeps_every_writers_rows(tmp_path):
    """A CLI rank's rows and the app's rows in one table: the merging run's images first, in its order
    (pending where nobody logged one), then the other writers' outputs (index empty)."""
    out = tmp_path
    rank, app = BatchLog(out, "rank0-of-1.csv", rank=0), BatchLog(out, APP_LOG, rank="app", exclusive=True)
    _done(out, rank, "in/a.png", "a", quality=QualityCells(pck=0.5))
    _done(out, app, "in/b.png", "b", quality=QualityCells(pck=0.7))
    app.write(image="in/a.png", output="a", status="skipped", message="outputs exist", people=1)
    rank.close(), app.close()
    images = [Path("in/c.png"), Path("in/a.png")]
    table = read_summary(merge_summary(out, images, ["c", "a"]))
    assert [(r.index, r.output, r.status, r.rank) for r in table] == [
        (0, "c", "pending", ""), (1, "a", "done", "0"), (None, "b", "done", "app")]
    assert table[1].quality.pck == 0.5 and table[2].quality.pck == 0.7  # a skip keeps the row that wrote the files
    assert written_logged(out) == {"a": Holder("a.png", 1, str(Path("in/a.png").absolute())),
                                   "b": Holder("b.png", 1, str(Path("in/b.png").absolute()))}
    assert people_logged(out) == {"a": 1, "b": 1}


def test_a_table_without_a_log_is_adopted(tmp_path):
    """summary.csv an earlier release of the app wrote (no log; people counted from 0 before mask_inside came):
    its rows go into the log with no time (older than any logged row), so merges keep them and the logs know
    whose fit the files hold. Outputs a log knows and 'pending' rows are not taken."""
    out = tmp_path
    old = tuple(c for c in SUMMARY_COLUMNS if c != "mask_inside")
    write_summary(out / SUMMARY, [
        SummaryRow(index=0, image="/photos/a.png", output="a", status="done", person=0, people=2,
                   quality=QualityCells(pck=0.8)),
        SummaryRow(index=1, image="/photos/b.png", output="b", status="done", person=0, people=1),
        SummaryRow(index=2, image="/photos/c.png", output="c", status="pending")], old)
    rank = BatchLog(out, "rank0-of-1.csv", rank=0)
    _done(out, rank, "/photos/b.png", "b")
    rank.close()
    (out / "a.npz").write_bytes(b"")
    log = BatchLog(out, APP_LOG, rank="app", exclusive=True)
    assert adopt_table(out, log) == 1
    log.close()
    adopted = [r for r in read_logs(out) if r.rank == "app"]
    assert [(r.output, r.person, r.quality.pck, r.finished_at) for r in adopted] == [("a", 1, 0.8, "")]
    assert written_logged(out)["a"] == Holder("a.png", 1, "/photos/a.png") and people_logged(out)["a"] == 2
    table = read_summary(merge_summary(out, [Path("/photos/d.png")], ["d"]))
    assert [r.output for r in table] == ["d", "a", "b"]
    log = BatchLog(out, APP_LOG, rank="app", exclusive=True)
    assert adopt_table(out, log) == 0  # the merged table's rows are all known now
    log.close()


def test_a_row_reads_back_as_it_was_written(tmp_path):
    """A logged row read back (`SummaryRow.from_csv`) gives the same cells again (`to_csv`): the merged table is the
    logs' text, numbers with 3 decimals, an empty cell for what is not known."""
    log = BatchLog(tmp_path, "rank0-of-1.csv", rank=3)
    log.write(index=2, image="in/a.png", output="a_p2", status="done", message='a "quoted", note', person=2,
              people=2, seconds=1.23456, quality=QualityCells("good", 0.5, 1.0, None, 0.98765))
    log.write(output="b", status="no person", quality=QualityCells("unknown (ValueError)"))
    log.close()
    with open(log.path, newline="", encoding="utf-8") as fh:
        cells = list(csv.DictReader(fh))
    rows = read_logs(tmp_path)
    assert [r.to_csv() for r in rows] == cells and [SummaryRow.from_csv(c) for c in cells] == rows
    assert (cells[0]["seconds"], cells[0]["agreement"], cells[0]["mask_iou"], cells[0]["mask_inside"]) == (
        "1.235", "0.500", "", "0.988")
    assert (rows[0].index, rows[0].person, rows[0].people, rows[0].rank) == (2, 2, 2, "3")
    assert (rows[1].index, rows[1].image, rows[1].person, rows[1].seconds) == (None, "", None, None)


def test_a_table_an_earlier_release_wrote_reads_people_from_1(tmp_path):
    """A table or log without the mask_inside column counted people from 0: read back from 1; a person cell that is
    not a whole number in ASCII digits reads as empty."""
    old = [c for c in SUMMARY_COLUMNS if c != "mask_inside"]
    (tmp_path / SUMMARY).write_text(",".join(old) + "\n" + "".join(
        ",".join({"output": o, "status": "done", "person": k}.get(c, "") for c in old) + "\n"
        for o, k in (("a", "0"), ("a_p2", "1"), ("b", ""), ("c", "\u00b2"))), encoding="utf-8")
    assert [(r.output, r.person) for r in read_summary(tmp_path / SUMMARY)] == [
        ("a", 1), ("a_p2", 2), ("b", None), ("c", None)]
    write_summary(tmp_path / SUMMARY, [SummaryRow(output="a", status="done", person=1)])  # today's columns
    assert [r.person for r in read_summary(tmp_path / SUMMARY)] == [1]


@pytest.mark.parametrize("held, image, person, ok", [
    (Holder("a.jpg", 1), "x/a.jpg", 1, True),
    (Holder("a.jpg", None), "a.jpg", 1, True),  # the whole image fitted without a detected person: person 1
    (Holder("a.jpg", None), "a.jpg", 2, False),
    (Holder("a.jpg", 2), "a.jpg", 1, False),
    (Holder("a.jpg", 2), "a.jpg", 2, True),
    (Holder("a.png", 1), "a.jpg", 1, False),
    (None, "a.jpg", 1, False),  # nothing on record
    (Holder("a.jpg", 1), "a.jpg", None, False),
])
def test_holds(held, image, person, ok):
    assert holds(held, Path(image), person) is ok


def test_a_photo_of_the_same_name_elsewhere_is_another_image(tmp_path, monkeypatch):
    """Two photos named pic.jpg in two folders: a holder logged with one's path is not the other's, while the logged
    path still leads to a file; where it leads nowhere from here (moved, or relative to another working folder) the
    name decides, as before paths were compared."""
    a, b = tmp_path / "a" / "pic.jpg", tmp_path / "b" / "pic.jpg"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(p.parent.name.encode())
    assert holds(Holder("pic.jpg", 1, str(a)), a, 1) and not holds(Holder("pic.jpg", 1, str(a)), b, 1)
    monkeypatch.chdir(tmp_path)
    assert holds(Holder("pic.jpg", 1, "a/pic.jpg"), a, 1)  # the same file by another path
    assert not holds(Holder("pic.jpg", 1, "a/pic.jpg"), b, 1)
    assert holds(Holder("pic.jpg", 1, str(tmp_path / "gone" / "pic.jpg")), b, 1)  # leads nowhere: the name decides
    assert holds(Holder("pic.jpg", 1), b, 1)  # no path logged: the name decides


def test_holder_text(tmp_path):
    assert holder_text(Holder("a.jpg", 2)) == "person 2 of a.jpg"
    assert holder_text(Holder("a.jpg", None)) == "the whole image of a.jpg"
    # another photo of the same file name is named by its path (by its name alone it read as the image's own)
    a, b = tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(p.parent.name.encode())
    assert holder_text(Holder("x.jpg", 1, str(a)), b) == f"person 1 of {a}"
    assert holder_text(Holder("x.jpg", 2, str(a)), a) == "person 2 of x.jpg"  # the image's own other person
    assert holder_text(Holder("y.jpg", 1, str(tmp_path / "y.jpg")), b) == "person 1 of y.jpg"


def test_a_person_added_later_counts_for_the_image(tmp_path):
    """A person boxed after an --all-people run (predict --box: NAME_p3, person 3 of 3) raises the image's count for
    the rerun and the table (every row of the image says how many people it holds now); a photo that is itself
    called NAME_p2 does not change NAME's count."""
    out = tmp_path
    for o in ("a", "a_p2", "a_p3", "b", "b_p2"):
        (out / f"{o}.npz").write_bytes(b"")  # (a merge leaves out outputs whose files are gone)
    rank = BatchLog(out, "rank0-of-1.csv", rank=0)
    for o, k in (("a", 1), ("a_p2", 2)):
        rank.write(image="in/a.png", output=o, status="done", person=k, people=2, finished_at="2026-01-01T00:00:01")
    rank.write(image="in/a.png", output="a_p3", status="done", person=3, people=3, finished_at="2026-01-01T00:00:02")
    rank.write(image="in/b_p2.png", output="b_p2", status="done", person=2, people=5, finished_at="2026-01-01T00:00:03")
    rank.write(image="in/b.png", output="b", status="done", person=1, people=1, finished_at="2026-01-01T00:00:00")
    rank.close()
    counts = people_logged(out)
    assert counts["a"] == 3 and counts["b"] == 1 and counts["b_p2"] == 5
    table = read_summary(merge_summary(out, [Path("in/a.png"), Path("in/b.png")], ["a", "b"]))
    assert [(r.output, r.person, r.people) for r in table if r.image.endswith("a.png")] == [
        ("a", 1, 3), ("a_p2", 2, 3), ("a_p3", 3, 3)]


def test_a_boxed_person_stays_counted_through_later_runs(tmp_path):
    """The image's count is NAME's newest count raised by every person NAME_pK whose newest result is 'done' with its
    files there: a boxed person 4 stays in the table and the count when a later run writes person 2 again (its row
    says 3), when the image is skipped with the search's 3, when another photo is merged, and after a rerun found
    fewer people and removed person 3's files. A failed box, logged under NAME, does not hide NAME's 'done' row;
    an image with nothing but a failed box shows it."""
    out = tmp_path
    for o in ("a", "a_p2", "a_p3", "a_p4"):
        (out / f"{o}.npz").write_bytes(b"")
    rank = BatchLog(out, "rank0-of-1.csv", rank=0)

    def row(o, k, people, t, status="done", message=""):
        rank.write(image="in/a.png", output=o, status=status, person=k, people=people, message=message,
                   finished_at=f"2026-01-01T00:00:0{t}")

    for o, k in (("a", 1), ("a_p2", 2), ("a_p3", 3)):
        row(o, k, 3, 1)
    row("a_p4", 4, 4, 2, message=box_note((128, 72, 222.5, 347)))
    row("a_p2", 2, 3, 3)  # an --all-people rerun wrote person 2 again, kept the others
    row("a", 1, 3, 3, status="skipped", message="outputs exist")
    rank.write(image="in/a.png", output="a", status="no person", message=box_note((0, 0, 60, 40), "no person found"),
               finished_at="2026-01-01T00:00:04")
    rank.write(image="in/b.png", output="b", status="no person", message=box_note((0, 0, 60, 40), "no person found"),
               finished_at="2026-01-01T00:00:05")
    rank.close()
    assert boxed_logged(out) == {"a_p4": "--box 128 72 222.5 347"}
    assert people_logged(out)["a"] == 4
    table = read_summary(merge_summary(out, [Path("in/a.png"), Path("in/b.png")], ["a", "b"]))
    assert [(r.output, r.status, r.person) for r in table] == [
        ("a", "done", 1), ("a_p2", "done", 2), ("a_p3", "done", 3), ("a_p4", "done", 4),
        ("b", "no person", None)]
    other = read_summary(merge_summary(out, [Path("in/c.png")], ["c"]))  # another photo: a's people as they are
    assert [r.output for r in other] == ["c", "a", "a_p2", "a_p3", "a_p4", "b"]
    # a rerun that found two people: its own row lowers the count, person 3's files were removed, the boxed stays
    (out / "a_p3.npz").unlink()
    log = BatchLog(out, "rank0-of-1.csv", rank=0)
    log.write(image="in/a.png", output="a", status="done", person=1, people=2, finished_at="2026-01-01T00:00:06")
    log.close()
    assert people_logged(out)["a"] == 4
    table = read_summary(merge_summary(out, [Path("in/a.png")], ["a"]))
    assert [r.output for r in table] == ["a", "a_p2", "a_p4", "b"]
    (out / "a_p4.npz").unlink()  # the user deleted the boxed person
    assert people_logged(out)["a"] == 2


def test_the_search_count_and_the_count_with_boxed_people(tmp_path):
    """`people_logged(out, boxed_too=False)` is the search's own count, what a skipped run's row says: after the user
    deletes a boxed person's files and a run skips the image, the count is the search's again (before, the skip
    row said the raised count and held it up). The table's people column says the count now on every row."""
    out = tmp_path
    for o in ("a", "a_p2"):
        (out / f"{o}.npz").write_bytes(b"")
    rank = BatchLog(out, "rank0-of-1.csv", rank=0)
    rank.write(image="in/a.png", output="a", status="done", person=1, people=1, finished_at="2026-01-01T00:00:01")
    rank.write(image="in/a.png", output="a_p2", status="done", person=2, people=1, message=box_note((5, 40, 300, 505)),
               finished_at="2026-01-01T00:00:02")
    rank.close()
    assert people_logged(out) == {"a": 2, "a_p2": 1} and people_logged(out, boxed_too=False)["a"] == 1
    table = read_summary(merge_summary(out, [Path("in/a.png")], ["a"]))
    assert [(r.output, r.people) for r in table] == [("a", 2), ("a_p2", 2)]
    (out / "a_p2.npz").unlink()
    log = BatchLog(out, "rank0-of-1.csv", rank=0)
    log.write(image="in/a.png", output="a", status="skipped", message="outputs exist",
              people=people_logged(out, boxed_too=False)["a"], finished_at="2026-01-01T00:00:03")
    log.close()
    assert people_logged(out)["a"] == 1
    table = read_summary(merge_summary(out, [Path("in/a.png")], ["a"]))
    assert [(r.output, r.people) for r in table] == [("a", 1)]


def test_a_failed_box_does_not_make_an_output_newer(tmp_path):
    """Two photos a.jpg and a.png wrote the output name a (the newer one's files are there): a later box on a.jpg
    that found nobody wrote nothing, so a.png's count and row stand (before, the failed box made a.jpg newest)."""
    out = tmp_path
    (out / "a.npz").write_bytes(b"")
    rank = BatchLog(out, "rank0-of-1.csv", rank=0)
    rank.write(image="in/a.jpg", output="a", status="done", person=1, people=3, finished_at="2026-01-01T00:00:01")
    rank.write(image="in/a.png", output="a", status="done", person=1, people=1, finished_at="2026-01-01T00:00:02")
    rank.write(image="in/a.jpg", output="a", status="no person", message=box_note((0, 0, 60, 40), "no person found"),
               finished_at="2026-01-01T00:00:03")
    rank.close()
    assert people_logged(out)["a"] == 1
    table = read_summary(merge_summary(out, [Path("in/c.png")], ["c"]))
    assert [(Path(r.image).name, r.output, r.people) for r in table if r.output == "a"] == [("a.png", "a", 1)]


def test_box_notes_and_person_numbers_read_back():
    """A row's box note gives its box back; a logged person cell is a whole number in ASCII digits ('²' is a digit
    to str.isdigit, and int('²') raises; int() takes ' 2' too), else no person, and a Holder has it as a number."""
    assert note_box(box_note((128, 72, 222.5, 347))) == (128, 72, 222.5, 347)
    assert note_box(box_note((0, 0, 60, 40), "no person found: draw it around the whole person")) == (0, 0, 60, 40)
    assert note_box("outputs exist") is None and note_box("--box 1 2 3") is None and note_box("--box a b c d") is None
    cells = {"12": 12, "": None, None: None, "\u00b2": None, "1.0": None, " 2": None, "1_0": None}
    assert {c: SummaryRow.from_csv({"person": c}).person for c in cells} == cells


def test_a_holder_has_the_person_as_a_number(tmp_path):
    """`written_logged`'s Holder gives the logged person as the row reads it (counted from 1, None for a whole image
    fitted without a detected person): the one reading of a person cell, SummaryRow's."""
    log = BatchLog(tmp_path, "rank0-of-1.csv", rank=0)
    log.write(image="/photos/a.png", output="a_p12", status="done", person=12, people=12)
    log.write(image="/photos/b.png", output="b", status="done")
    log.close()
    assert written_logged(tmp_path) == {"a_p12": Holder("a.png", 12, "/photos/a.png"),
                                        "b": Holder("b.png", None, "/photos/b.png")}


def test_a_deleted_boxed_person_leaves_a_gap_the_table_does_not_count(tmp_path):
    """Boxed people 2 and 3 beside the search's one; the user deletes person 2: the names still run up to 3 (person 3
    keeps their number: `people_logged`), the table lists two people and says so in every row. A run of another
    photo with the same output name that wrote nothing does not take the name's count."""
    out = tmp_path
    for o in ("a", "a_p2", "a_p3"):
        (out / f"{o}.npz").write_bytes(b"")
    rank = BatchLog(out, "rank0-of-1.csv", rank=0)
    rank.write(image="in/a.png", output="a", status="done", person=1, people=1, finished_at="2026-01-01T00:00:01")
    for k in (2, 3):
        rank.write(image="in/a.png", output=f"a_p{k}", status="done", person=k, people=1,
                   message=box_note((k, 0, 100, 200)), finished_at=f"2026-01-01T00:00:0{k}")
    rank.write(image="png/a.jpg", output="a", status="error", person=1, people=5, message="outputs exist under a",
               finished_at="2026-01-01T00:00:05")
    rank.close()
    (out / "a_p2.npz").unlink()
    assert people_logged(out)["a"] == 3 and people_logged(out, boxed_too=False)["a"] == 1
    table = read_summary(merge_summary(out, [Path("in/a.png")], ["a"]))
    assert [(r.output, r.people) for r in table] == [("a", 2), ("a_p3", 2)]


def test_an_input_logged_only_for_its_second_person_is_not_pending():
    """A --box or --person 2 run writes NAME_p2 alone: its input has a row for that person and no 'pending'
    row for NAME, which no run was asked to write."""
    images = [Path("in/a.png"), Path("in/b.png")]
    rows = [SummaryRow(image="in/a.png", output="a_p2", status="done", finished_at="1")]
    merged = merge_rows(images, ["a", "b"], rows)
    assert [(r.index, r.output, r.status) for r in merged] == [(0, "a_p2", "done"), (1, "b", "pending")]


def test_an_input_refused_a_name_another_photo_holds_keeps_that_photos_row():
    """x.jpg refused the output name x, whose files hold x.png's fit: the table has x.jpg's refusal and x.png's
    row (before, x.png's row was dropped as the name was x.jpg's in this run); once x.jpg writes x, its row alone."""
    images = [Path("in/x.jpg")]
    rows = [SummaryRow(image="in/x.png", output="x", status="done", finished_at="1"),
            SummaryRow(image="in/x.jpg", output="x", status="error", finished_at="2", message="holds x.png")]
    merged = merge_rows(images, ["x"], rows)
    assert [(r.index, r.image, r.status) for r in merged] == [(0, "in/x.jpg", "error"), (None, "in/x.png", "done")]
    rows.append(SummaryRow(image="in/x.jpg", output="x", status="done", finished_at="3"))
    merged = merge_rows(images, ["x"], rows)
    assert [(r.index, r.image, r.status) for r in merged] == [(0, "in/x.jpg", "done")]


def test_the_fit_of_another_photo_of_the_same_name_stays_in_the_table(tmp_path):
    """a/x.jpg wrote x, then b/x.jpg was refused the name: rows were matched by the file name alone, so b's refusal
    hid a's 'done' row and the table said the files on disk had failed. Given together, each photo keeps its own
    rows. A logged path that leads nowhere from here still goes by the name."""
    a, b = tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(p.parent.name.encode())
    rows = [SummaryRow(image=str(a), output="x", status="done", finished_at="1"),
            SummaryRow(image=str(b), output="x", status="error", finished_at="2", message="holds a/x.jpg")]
    merged = merge_rows([b], ["x"], rows)
    assert [(r.index, r.image, r.status) for r in merged] == [(0, str(b), "error"), (None, str(a), "done")]
    rows.append(SummaryRow(image=str(b), output="x_jpg", status="done", finished_at="3"))
    merged = merge_rows([a, b], ["x", "x_jpg"], rows)
    assert [(r.index, r.output, r.status) for r in merged] == [(0, "x", "done"), (1, "x_jpg", "done")]
    moved = [replace(rows[0], image=str(tmp_path / "gone" / "x.jpg"))]
    assert [r.status for r in merge_rows([b], ["x"], moved)] == ["done"]
