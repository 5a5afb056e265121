"""Every command the documentation gives still runs as written, as far as its words go: each `main.py COMMAND`
names a command and only options that command has, each `scripts/NAME.py` exists and knows the options quoted
with it (README.md, docs/**/*.md, the model card). A renamed or removed option otherwise leaves the model card's
commands, which say how each shipped network was made, silently unrunnable."""
from __future__ import annotations

import argparse
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

from cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "resources" / "weights" / "MODEL_CARD.md", *sorted((ROOT / "docs").rglob("*.md"))]
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
# a command runs to the end of its code span or shell line: `|`, `;`, `&&` start another
MAIN = re.compile(r"main\.py ([a-z][a-z0-9-]*)([^`|;&]*)")
SCRIPT = re.compile(r"(?<![\w/])(scripts/[a-z_0-9]+\.py)([^`|;&]*)")


@cache
def _options(command: str) -> frozenset[str]:
    parser = argparse.ArgumentParser()
    importlib.import_module(COMMANDS[command][0]).add_arguments(parser, command)
    return frozenset(parser._option_string_actions)


@cache
def _script_source(script: str) -> str:
    """The script's text and that of the scripts/ modules it imports (a shared command line: refine_study.py)."""
    text = (ROOT / script).read_text()
    helpers = {p for p in (ROOT / "scripts").glob("*.py")
               if re.search(rf"\b(import|from) (scripts\.)?{p.stem}\b", text)}
    return text + "".join(p.read_text() for p in sorted(helpers))


def _commands():
    for path in DOCS:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{n}"
            for m in MAIN.finditer(line):
                yield where, "main.py", m.group(1), m.group(2)
            for m in SCRIPT.finditer(line):
                yield where, "script", m.group(1), m.group(2)


def test_the_documents_quote_commands():
    kinds = [kind for _, kind, _, _ in _commands()]
    assert kinds.count("main.py") > 100 and kinds.count("script") > 100


@pytest.mark.parametrize("doc", [p.relative_to(ROOT).as_posix() for p in DOCS])
def test_each_quoted_command_exists_with_the_options_it_is_given(doc):
    wrong = []
    for where, kind, name, rest in _commands():
        if not where.startswith(doc + ":"):
            continue
        if kind == "main.py":
            if name not in COMMANDS:
                wrong.append(f"{where}: main.py has no command {name!r}")
                continue
            wrong += [f"{where}: main.py {name} has no option {flag}" for flag in FLAG.findall(rest)
                      if flag not in _options(name)]
        else:
            if not (ROOT / name).is_file():
                wrong.append(f"{where}: {name} is not there")
                continue
            source = _script_source(name)
            wrong += [f"{where}: {name} has no option {flag}" for flag in FLAG.findall(rest)
                      if f'"{flag}"' not in source and f"'{flag}'" not in source]
    assert not wrong, "\n".join(wrong)
