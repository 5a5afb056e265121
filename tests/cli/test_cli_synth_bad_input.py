"""`main.py synth` and `synth-crowd` under bad input (helper-81's sweep): a set is never mixed with another set's
items or settings, bad values are one line and exit 2 before any work, a write that fails is one line and exit 1."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from cli.main import main


def _err(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return err


def test_a_synth_stopped_part_way_keeps_its_settings_for_the_rerun(tmp_path, capsys):
    """A run that stops after its first case (here a folder in the way of case 1's part map: the write fails, as on
    a full disk) leaves its settings beside that case, so a rerun with another seed is refused instead of adding
    cases of another seed under them (the settings file was written only at the end)."""
    out = tmp_path / "s"
    out.mkdir()
    (out / "00001_parts.png").mkdir()
    assert main(["synth", "--out", str(out), "--n", "3", "--seed", "4"]) == 1
    assert f"error: cannot write in {out}: " in _err(capsys)
    assert (out / "00000_image.png").is_file() and json.loads((out / "synth.json").read_text())["seed"] == 4
    assert not list(out.glob("*.tmp"))  # no temporary file left by the failed write
    (out / "00001_parts.png").rmdir()
    assert main(["synth", "--out", str(out), "--n", "3", "--seed", "5"]) == 2
    assert "holds 1 cases made with other settings (seed 4 there, 5 now" in _err(capsys)
    assert main(["synth", "--out", str(out), "--n", "3", "--seed", "4"]) == 0  # the same settings go on
    assert "(2 rendered now, 1 already there)" in capsys.readouterr().out
    (out / "synth.json").write_text("{not json")
    assert main(["synth", "--out", str(out), "--n", "3", "--seed", "4"]) == 2
    assert "synth.json does not read, so the settings of the cases there are unknown" in _err(capsys)


def test_synth_and_synth_crowd_refuse_each_others_folders(tmp_path, capsys):
    """Both count NNNNN_image.png files: each took the other's folder for its own (synth listed crowd frames in
    train.txt, and evaluate then failed on them). Known by the other's settings file or, for a folder of an older
    release without one, by a file only the other's items have."""
    crowd, cases, old = tmp_path / "crowd", tmp_path / "cases", tmp_path / "old"
    for folder, name in ((crowd, "crowd.json"), (cases, "synth.json"), (old, "00000_people.npz")):
        folder.mkdir()
        (folder / "00000_image.png").write_bytes(b"")
        (folder / name).write_text("{}")
    assert main(["synth", "--out", str(crowd), "--n", "7"]) == 2
    assert "holds a synth-crowd set (crowd.json), not a synth set: use another --out" in _err(capsys)
    assert main(["synth", "--out", str(old), "--n", "7"]) == 2
    assert "holds a synth-crowd set (*_people.npz)" in _err(capsys)
    assert main(["synth-crowd", "--out", str(cases), "--n", "4"]) == 2
    assert "holds a synth set (synth.json), not a synth-crowd set" in _err(capsys)
    assert sorted(p.name for p in crowd.iterdir()) == ["00000_image.png", "crowd.json"]


def test_a_crowd_set_that_holds_no_frame_takes_the_new_settings(tmp_path, capsys):
    """crowd.json is written before the first frame: a run stopped (or failed) before it left a description of
    nothing that refused the corrected rerun ("holds 60 frames made with other settings", there were none)."""
    out = tmp_path / "c"
    out.mkdir()
    (out / "crowd.json").write_text(json.dumps({"seed": 1, "n": 60, "width": 320, "height": 240}))
    argv = ["synth-crowd", "--out", str(out), "--n", "1", "--seed", "2", "--size", "96x64", "--people", "1-1",
            "--heights", "300-300"]  # a person far wider than the frame: centred (it failed to place them)
    assert main(argv) == 0
    capsys.readouterr()
    meta = json.loads((out / "crowd.json").read_text())
    assert (meta["seed"], meta["width"], meta["n"]) == (2, 96, 1) and (out / "00000_image.png").is_file()
    assert not list(out.glob("*.tmp.png"))
    ids = np.load(out / "00000_people.npz")["height"]
    assert ids.shape == (1,) and ids[0] == pytest.approx(300, rel=0.01)
    argv[argv.index("--seed") + 1] = "3"
    assert main(argv) == 2 and "holds 1 frames made with other settings (seed 2 there, 3 now)" in _err(capsys)


@pytest.mark.parametrize("argv, needle", [
    (["synth-crowd", "--heights", "10-inf"], "argument --heights: needs finite numbers, not '10-inf'"),
    (["synth-crowd", "--heights", "nan-5"], "argument --heights: needs finite numbers"),
    (["synth-crowd", "--size", "abc"], "argument --size: must look like AxB, not 'abc'"),
    (["synth-crowd", "--size", "0x100"], "argument --size: need 0 < 0 and 0 < 100"),
    (["synth-crowd", "--people", "5-2"], "argument --people: need 0 < 5 <= 2"),
    (["synth-crowd", "--size", "60000x60000"], "error: --size 60000x60000: frames are 64 to 4096 px a side"),
    (["synth-crowd", "--size", "32x32"], "frames are 64 to 4096 px a side"),
    (["synth-crowd", "--people", "300-300"], "at most 255 people a frame (their ids are stored in 8 bits)"),
    (["synth", "--workers", "-3"], "argument --workers: must be 1 or more, not -3"),
    (["synth", "--workers", "1000"], "argument --workers: must be at most "),
    (["synth-crowd", "--size", "128x96", "--heights", "1e6-1e7"],
     "error: --heights 1e+06-1e+07: a body is at most 8 times the frame's height (768 px here); a taller one is out "
     "of the frame"),
])
def test_bad_values_are_one_line_and_exit_2_before_any_work(tmp_path, capsys, argv, needle):
    """Values argparse checks end its usage message; the others are the command's one line (exit 2 both)."""
    out = tmp_path / "out"
    if needle.startswith("argument"):
        with pytest.raises(SystemExit) as info:
            main([argv[0], "--out", str(out), "--n", "1", *argv[1:]])
        assert info.value.code == 2 and needle in _err(capsys).strip().splitlines()[-1]
    else:
        assert main([argv[0], "--out", str(out), "--n", "1", *argv[1:]]) == 2
        err = _err(capsys)
        assert needle in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("command", ["synth", "synth-crowd"])
def test_an_out_that_cannot_be_a_folder_is_one_line(tmp_path, capsys, command):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    for out, needle in ((afile, "is a file, not a folder"), (afile / "sub", "a part of this path is a file"),
                        ("/proc/nbf", "cannot create the folder"), ("/sys/nbf", "cannot create the folder")):
        assert main([command, "--out", str(out), "--n", "1"]) == 2
        assert f"error: --out {out}" in (err := _err(capsys)) and needle in err, err
    assert afile.read_text() == "mine"


@pytest.mark.parametrize("command", ["synth", "synth-crowd"])
def test_an_absurd_n_is_refused_before_any_work(tmp_path, capsys, monkeypatch, command):
    """--n 10000000000 looked for one file per index and built a list of 1e10 numbers before any output (hours of
    silence, memory growing to tens of GB), after writing synth.json with that n. Refused above 10,000,000."""
    import cli.cmd_synth
    import training.synth.crowd

    def no_work(*args, **kwargs):
        raise AssertionError("the run started: --n was not refused")

    monkeypatch.setattr(cli.cmd_synth, "write_record", no_work)  # (before the fix: the first thing a run does)
    monkeypatch.setattr(training.synth.crowd, "frame_stem", no_work)
    out = tmp_path / "big"
    assert main([command, "--out", str(out), "--n", "10000000000"]) == 2
    what = "frames" if command == "synth-crowd" else "cases"
    err = _err(capsys)
    assert err.strip() == (f"error: --n 10000000000 is more {what} than a set may hold (at most 10,000,000): give a "
                           f"smaller --n"), err
    assert not out.exists()


def test_the_most_items_a_set_may_hold_is_said_in_the_help_and_checked_for_every_kind(tmp_path, capsys):
    """The same bound for synth, synth-crowd and python -m training.cache (training/set_settings.py refusal)."""
    from training.set_settings import MAX_ITEMS, refusal

    assert MAX_ITEMS == 10_000_000
    assert refusal(tmp_path / "c", "cache.json", {}, MAX_ITEMS, "samples", held=0) == ""
    assert "at most 10,000,000" in refusal(tmp_path / "c", "cache.json", {}, MAX_ITEMS + 1, "samples", held=0)
    for command in ("synth", "synth-crowd"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "(1 to 10,000,000)" in capsys.readouterr().out


@pytest.mark.parametrize("command, record", [("synth", "synth.json"), ("synth-crowd", "crowd.json")])
def test_a_folder_in_the_place_of_the_settings_file_is_one_line(tmp_path, capsys, command, record):
    """synth: IsADirectoryError, a traceback (the record was written outside the try); synth-crowd called it a
    write failure (exit 1). It is an --out that cannot be used: exit 2 before any work."""
    out = tmp_path / "s"
    (out / record).mkdir(parents=True)
    assert main([command, "--out", str(out), "--n", "3"]) == 2
    err = _err(capsys)
    assert err.strip() == (f"error: {out / record} is a folder where the set's settings file goes: remove it, or "
                           f"use another --out"), err
    assert sorted(p.name for p in out.iterdir()) == [record]


def test_rendering_processes_are_at_most_the_cores_and_one_that_cannot_start_is_said_so(tmp_path, capsys,
                                                                                           monkeypatch):
    """--workers had no bound (1000 would start 1000 processes, each importing torch); a pool that could not start
    (under a process limit) was reported as "cannot write in OUT: broken pipe"."""
    import multiprocessing

    cores = os.cpu_count() or 1
    with pytest.raises(SystemExit):
        main(["synth", "--out", str(tmp_path / "x"), "--n", "1", "--workers", str(cores + 1)])
    assert f"argument --workers: must be at most {cores} (the CPU cores here), not {cores + 1}" in _err(capsys)

    class NoProcesses:
        def Pool(self, *args, **kwargs):  # noqa: N802 - multiprocessing's name
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(multiprocessing, "get_context", lambda kind: NoProcesses())
    monkeypatch.setattr(os, "cpu_count", lambda: 4)  # (the bound is read when the parser is made)
    assert main(["synth", "--out", str(tmp_path / "wk"), "--n", "60", "--workers", "2"]) == 1
    assert _err(capsys).strip() == ("error: cannot start 2 rendering processes (broken pipe): give a smaller --workers "
                                    "(the system may limit how many processes run)")
