"""scripts/package_weights.py: a checkpoint of another network than the one it is packaged as, a missing file, a
folder, and no option at all are refused in one line with exit 2, nothing written; the line written for seg.pt says
how many test-time views it is read with, and its --seg-shifts help what leaving the option out means.

Found by a sweep: `--seg <a train-fit run's best.pt>` wrote a fitting network as seg.pt (with the default --dest, over
the shipped one), missing files and folders ended in tracebacks, and no option did nothing with exit 0."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.script_modules import load_script
from tests.tiny_weights import write_tiny_runs


@pytest.fixture(scope="module")
def script():
    return load_script("package_weights")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A train-fit and a train-seg run's best.pt, as training writes them."""
    return write_tiny_runs(tmp_path_factory.mktemp("runs"))


def _refused(script, argv, capsys) -> str:
    assert script.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("given, found", [("seg", "fit"), ("people", "seg"), ("fit", "seg")])
def test_a_checkpoint_of_another_network_is_refused(given, found, runs, tmp_path, script, capsys):
    dest = tmp_path / "W"
    err = _refused(script, [f"--{given}", str(runs[found]), "--dest", str(dest)], capsys)
    command = {"seg": "train-seg", "fit": "train-fit", "people": "train-people"}
    assert err == (f"error: --{given} {runs[found]} is a {command[found]} checkpoint, not a {command[given]} one: "
                   f"give it as --{found}")
    assert not dest.exists()


def test_a_refusal_writes_none_of_the_files(runs, tmp_path, script, capsys):
    dest = tmp_path / "W"
    _refused(script, ["--seg", str(runs["seg"]), "--people", str(runs["fit"]), "--dest", str(dest)], capsys)
    assert not dest.exists()


def test_weights_not_finite_in_half_precision_leave_dest_as_it_was(runs, tmp_path, script, capsys):
    """The seg checkpoint packs; the fit checkpoint's weights overflow half precision: neither is written (the
    seg.pt that came first was written before the fit.pt was looked at in half precision)."""
    big = tmp_path / "big.pt"
    ck = torch.load(runs["fit"], weights_only=True)
    name = next(k for k, v in ck["model"].items() if v.is_floating_point())
    ck["model"][name] = torch.full_like(ck["model"][name], 1e6)  # beyond float16's 65504
    torch.save(ck, big)
    dest = tmp_path / "W"
    err = _refused(script, ["--seg", str(runs["seg"]), "--fit", str(big), "--dest", str(dest)], capsys)
    assert "NaN or infinite values in half precision" in err
    assert not dest.exists()


def test_missing_files_folders_and_no_option_are_one_line_errors(runs, tmp_path, script, capsys):
    missing = tmp_path / "nope" / "best.pt"
    assert _refused(script, ["--fit", str(missing), "--dest", str(tmp_path / "W")], capsys) == \
        f"error: {missing}: no such checkpoint file"
    folder = runs["fit"].parent
    assert _refused(script, ["--fit", str(folder), "--dest", str(tmp_path / "W")], capsys).startswith(
        f"error: {folder} is a folder, not a checkpoint file")
    assert script.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ") and "nothing to do" in err
    assert not (tmp_path / "W").exists()


def test_the_view_count_is_said_and_the_help_says_what_leaving_out_shifts_means(runs, tmp_path, script, capsys):
    assert script.main(["--seg", str(runs["seg"]), "--dest", str(tmp_path / "six")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("read with 6 test-time views (it records none: the default)")
    ck = torch.load(runs["seg"], weights_only=True)
    ck["test_shifts"] = []  # as a train-seg run from the shipped seg.pt now records
    torch.save(ck, tmp_path / "two.pt")
    assert script.main(["--seg", str(tmp_path / "two.pt"), "--dest", str(tmp_path / "two")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("read with 2 test-time views")
    assert torch.load(tmp_path / "two" / "seg.pt", weights_only=True)["test_shifts"] == []
    with pytest.raises(SystemExit):
        script.main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "omitted: what the checkpoint holds, else 6 views" in help_text
