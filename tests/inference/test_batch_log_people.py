"""the summary table's people column (batch_log.merge_rows, `_now`/"held") for users who
never use --box."""
from __future__ import annotations

from pathlib import Path

from inference.batch_log import BatchLog, merge_summary, people_logged
from inference.predict_outputs import read_summary


def _rows(out: Path, image: str, stem: str, people: int, all_people: bool) -> None:
    names = {1: stem, **({k: f"{stem}_p{k}" for k in range(2, people + 1)} if all_people else {})}
    log = BatchLog(out, "rank0-of-1.csv", rank=0)
    for k, o in names.items():
        (out / f"{o}.npz").write_bytes(b"")
        log.write(image=image, output=o, status="done", person=k, people=people,
                  finished_at=f"2026-01-01T00:00:0{k}")
    log.close()


def test_a_photo_named_like_person_1_shows_its_people_when_another_photo_runs(tmp_path):
    """team_p1.jpg, fitted by plain `predict` (person 1 of 3), then `predict other.jpg` into the same folder: the
    table lists team_p1 as another image's output. At 3cfa7c3 its people column said 3 (the row's own count)."""
    _rows(tmp_path, "in/team_p1.jpg", "team_p1", 3, all_people=False)
    assert people_logged(tmp_path)["team_p1"] == 3
    mine = read_summary(merge_summary(tmp_path, [Path("in/team_p1.jpg")], ["team_p1"]))
    assert [(r.output, r.people) for r in mine] == [("team_p1", 3)]  # as an input: right
    other = read_summary(merge_summary(tmp_path, [Path("in/other.jpg")], ["other"]))
    assert [(r.output, r.people) for r in other if r.output != "other"] == [("team_p1", 3)]


def test_all_people_rows_of_a_photo_named_like_person_1_agree(tmp_path):
    """team_p1.jpg with --all-people (3 people): as another image's rows, every row should say 3."""
    _rows(tmp_path, "in/team_p1.jpg", "team_p1", 3, all_people=True)
    other = read_summary(merge_summary(tmp_path, [Path("in/other.jpg")], ["other"]))
    assert [(r.output, r.people) for r in other if r.output != "other"] == [
        ("team_p1", 3), ("team_p1_p2", 3), ("team_p1_p3", 3)]
