"""Photo names that a spreadsheet would take for formulas (=HYPERLINK(...), @SUM(...), +1, -2, a leading tab): the
batch logs and summary.csv hold them after a "'" (shown as text, never evaluated) and read them back exactly; a
table written before, with such a name bare, still reads as it is."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from inference.batch_log import RANK_LOGS, BatchLog, merge_summary, read_logs
from inference.predict_outputs import SUMMARY, SummaryRow, read_summary, write_summary

STEMS = ('=HYPERLINK("http:x","y")', "@SUM(1+1)", "+1", "-2", "\tTab", "\rReturn", "'=quoted", "''@twice", "'plain",
         "plain", "a=b")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cells(path: Path, column: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def test_formula_names_are_written_as_text_and_read_back_exactly(tmp_path):
    images = [tmp_path / "in" / f"{stem}.jpg" for stem in STEMS]
    images[0].parent.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    log = BatchLog(out, "rank0-of-1.csv", rank=0)
    for image in images:
        image.write_bytes(b"photo")
        (out / f"{image.stem}.npz").write_bytes(b"npz")
        log.write(image=str(image), output=image.stem, status="done", message=f"={image.stem} was fine",
                  person=1, people=1)
    log.close()
    summary = merge_summary(out, images, [p.stem for p in images])
    for path in (summary, *(out / RANK_LOGS).glob("*.csv")):
        for column in ("output", "message", "image"):
            assert not [c for c in _cells(path, column) if c.startswith(FORMULA)], (path.name, column)
        assert _cells(path, "output")[:4] == ["'" + s for s in STEMS[:4]]
    for rows in (read_summary(summary), read_logs(out)):
        assert [r.output for r in rows] == list(STEMS)
        assert [r.image for r in rows] == [str(p) for p in images]
        assert [r.message for r in rows] == [f"={s} was fine" for s in STEMS]
        assert {r.status for r in rows} == {"done"}


def test_a_table_written_before_with_bare_formula_names_still_reads(tmp_path):
    path = tmp_path / SUMMARY
    path.write_text('index,image,output,status,message\n0,/p/=x.jpg,=x,done,=x could not\n1,/p/-2.jpg,-2,error,\n'
                    "2,/p/'a.jpg,'a,done,'note\n", encoding="utf-8")
    assert [(r.image, r.output, r.message) for r in read_summary(path)] == [
        ("/p/=x.jpg", "=x", "=x could not"), ("/p/-2.jpg", "-2", ""), ("/p/'a.jpg", "'a", "'note")]


@pytest.mark.parametrize("text", ["", "'", "''", "=", "'=", "''=", "=a", "'a", "a", "-", "@'", "x'=", "\t'", "'\r"])
def test_every_text_cell_round_trips(tmp_path, text):
    """Quotes before a formula's start, and a carriage return (written bare, it ended the row for a reader)."""
    path = write_summary(tmp_path / SUMMARY, [SummaryRow(output=text or "x", status="done", message=text)])
    assert not [c for column in ("output", "message") for c in _cells(path, column) if c.startswith(FORMULA)]
    (row,) = read_summary(path)
    assert (row.output, row.message) == (text or "x", text)
