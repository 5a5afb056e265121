"""A run's counts (inference.folder_predict.RunCounts): exactly four named counts, so a misspelt one is an error
rather than a count that silently stays zero; counted by an image's outcome; and what the CLI's closing lines and
torchrun's tally read of them."""
from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import pytest

from inference.folder_predict import ImageOutcome, RunCounts


def test_the_counts_are_exactly_four_names_and_a_misspelt_one_is_an_error():
    assert [f.name for f in fields(RunCounts)] == ["done", "skipped", "failed", "no_person"]
    counts = RunCounts()
    assert (counts.done, counts.skipped, counts.failed, counts.no_person) == (0, 0, 0, 0)
    with pytest.raises(AttributeError):
        counts.doen += 1
    with pytest.raises(AttributeError):
        counts.no_persons = 1  # (slots: no new attribute that nothing reads)
    with pytest.raises(TypeError):
        RunCounts(dones=1)


def test_an_outcome_is_counted_once_under_its_own_name_and_a_cancelled_image_is_not():
    counts = RunCounts()
    done = ImageOutcome("done", persons=(1,))
    assert counts.add(done) is done
    counts.add(ImageOutcome("skipped"))
    counts.add(ImageOutcome("failed", no_person=True))
    counts.add(ImageOutcome("failed"))
    assert counts == RunCounts(done=1, skipped=1, failed=2, no_person=1)
    assert counts.reached == 4
    with pytest.raises(ValueError, match="cancelled"):
        counts.add(ImageOutcome("cancelled"))
    assert counts == RunCounts(done=1, skipped=1, failed=2, no_person=1)


def test_the_closing_lines_read_the_counts(capsys):
    from cli.cmd_predict import _report

    args = argparse.Namespace(out=Path("out"), detect="auto", box=None)
    _report(args, [0, 1, 2, 3, 4], RunCounts(done=2, skipped=1, failed=2, no_person=1))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2/5 images done, 1 finished before (skipped), outputs in out"
    assert lines[1].startswith("1 with no person found: if an image is already one person's crop")
    _report(args, [0], RunCounts(done=1))
    assert capsys.readouterr().out == "1/1 images done, outputs in out\n"


def test_torchruns_tally_keeps_its_keys_and_gives_the_jobs_totals():
    from cli.predict_batch import TALLIED, JobTotals, finish_rank

    # the store's keys are the counts' names (ranks of one job add to the same keys)
    assert TALLIED == ("images", "done", "skipped", "failed", "no_person")
    values: dict[str, int] = {}

    class Store:
        def add(self, key: str, n: int) -> int:
            values[key] = values.get(key, 0) + n
            return values[key]

    env = {"WORLD_SIZE": "2", "TORCHELASTIC_RUN_ID": "r", "TORCHELASTIC_RESTART_COUNT": "0"}
    assert finish_rank(RunCounts(done=1, failed=1, no_person=1), 2, env, lambda e: Store()) is None
    totals = finish_rank(RunCounts(done=2, skipped=1), 3, env, lambda e: Store())
    assert totals == JobTotals(5, RunCounts(done=3, skipped=1, failed=1, no_person=1))
