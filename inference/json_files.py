"""The one JSON reader of NBF Studio: parameter files, the JSON chunks of GLB files, weight manifests, training runs'
config.json, a data set's settings, the detector's measured error, --loss-weights.

Python's decoder raises RecursionError for a document nested beyond its depth, an exception no reader expects of a
file; here it is a ValueError (`NestedTooDeeply`) like every other malformed document, so a reader catches
(OSError, ValueError) and `read_problems.read_problem` words it. ruff bans json.load/json.loads elsewhere in the
application's packages (pyproject.toml, TID251).
"""
from __future__ import annotations

import json
from pathlib import Path


class NestedTooDeeply(ValueError):
    """A JSON document nested beyond the decoder's depth."""


def parse_json(data: str | bytes | bytearray) -> object:
    """The document `data` holds (a str, or bytes in UTF-8/16/32); ValueError when it is not JSON
    (json.JSONDecodeError, UnicodeDecodeError, NestedTooDeeply)."""
    try:
        return json.loads(data)  # noqa: TID251 - the one call
    except RecursionError:
        raise NestedTooDeeply("nested too deeply to be read") from None


def read_json(path: str | Path) -> object:
    """The document in the text file `path`, read as UTF-8 (a byte-order mark, as Notepad saves, is read); OSError
    when the file does not read, ValueError as for `parse_json`."""
    return parse_json(Path(path).read_text(encoding="utf-8-sig"))
