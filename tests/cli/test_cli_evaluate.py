"""`main.py evaluate`: a data folder or split with nothing to evaluate is one line and exit 2, before any model
loads; the default split still falls back to every case in a folder made without split lists."""
from __future__ import annotations

import pytest

import inference.pipeline as pipeline_module
from cli.cmd_evaluate import check_cases
from cli.main import main


@pytest.fixture
def no_models(monkeypatch):
    """Fail the test if the command gets as far as building the models."""
    def refuse(*a, **k):
        raise AssertionError("the models were loaded before the arguments were checked")

    monkeypatch.setattr(pipeline_module, "Predictor", refuse)


def _cases(folder, ids):
    folder.mkdir(exist_ok=True)
    for i in ids:
        (folder / f"{i}_image.png").write_bytes(b"")  # listed by name only: nothing here reads them
    return folder


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err, err
    for n in needles:
        assert n in err, err


@pytest.mark.parametrize("kind", ["missing", "empty", "file"])
def test_no_cases_is_a_usage_error(tmp_path, capsys, no_models, kind):
    data = {"missing": tmp_path / "nosuch", "empty": tmp_path / "empty", "file": tmp_path / "notes.md"}[kind]
    if kind == "empty":
        data.mkdir()
    if kind == "file":
        data.write_text("x")
    assert main(["evaluate", str(data), "--out", str(tmp_path / "X"), "--limit", "2"]) == 2
    _one_line_error(capsys, f"no cases found in {data}", "NNNNN_image.png", "test.txt")
    assert not (tmp_path / "X").exists()


def test_a_named_split_without_its_list_is_an_error(tmp_path, capsys, no_models):
    data = _cases(tmp_path / "set", ["00000", "00001"])
    (data / "train.txt").write_text("/00000_image.png\n")
    (data / "test.txt").write_text("/00001_image.png\n")
    assert main(["evaluate", str(data), "--split", "nosuch", "--out", str(tmp_path / "X")]) == 2
    _one_line_error(capsys, "--split nosuch", "no nosuch.txt", "test, train")
    assert main(["evaluate", str(data), "--split", "", "--out", str(tmp_path / "X")]) == 2
    _one_line_error(capsys, "--split needs a name")
    assert check_cases(data, "train") == ("train", ["00000"])
    assert check_cases(data, None) == ("test", ["00001"])


def test_the_default_split_falls_back_to_every_case_without_lists(tmp_path, capsys, no_models):
    data = _cases(tmp_path / "set", ["00000", "00001"])
    assert check_cases(data, None) == ("test", ["00000", "00001"])  # as list_cases does for such a set
    with pytest.raises(ValueError, match="no test.txt"):  # named, the split must be there
        check_cases(data, "test")
    (data / "val.txt").write_text("/00001_image.png\n")  # a set with lists but no test list: not all cases
    with pytest.raises(ValueError, match="splits there: val"):
        check_cases(data, None)


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "default: docs/eval" in out and "overwrites the committed docs/eval" in out
    assert "--split NAME" in out and "default: test" in out


def test_a_misspelt_precision_in_the_environment_is_one_line(tmp_path, capsys, monkeypatch):
    """NBF_PRECISION decides the networks' number format (inference/nets/precision.py): a word it does not know
    stops the run with the variable named, no traceback (the Predictor refuses before it loads anything)."""
    monkeypatch.setenv("NBF_PRECISION", "half")
    data = _cases(tmp_path / "set", ["00000"])
    assert main(["evaluate", str(data), "--out", str(tmp_path / "X"), "--baseline-limit", "0",
                 "--refine-limit", "0"]) == 2
    _one_line_error(capsys, "NBF_PRECISION", "half")
