"""A set's settings file (synth.json, crowd.json) that does not read: the refusal says why in words, also for one
nested beyond the JSON reader's depth (that was a RecursionError's traceback from `synth` and `synth-crowd`)."""
from __future__ import annotations

import pytest

from training.set_settings import refusal


@pytest.mark.parametrize(("record", "made"), [("synth.json", "00000_image.png"), ("crowd.json", "00000_image.png")])
@pytest.mark.parametrize(("text", "why"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply to be read"),
    ("{not json", "not a JSON file, or a damaged one (line 1, column 2: expecting property name enclosed in double "
                  "quotes)"),
])
def test_a_settings_file_that_does_not_read_is_refused_with_the_reason(tmp_path, record, made, text, why):
    (tmp_path / made).write_bytes(b"")
    (tmp_path / record).write_text(text)
    assert refusal(tmp_path, record, {"seed": 1}, 3) == (
        f"{tmp_path / record} does not read, so the settings of the cases there are unknown ({why}): use another "
        f"--out (or, if they are this run's settings, delete {record})")
