"""The command line of sweep 118 (and sweep 115's F4): torchrun ranks whose images failed are not killed, a photo
whose name is not UTF-8, inputs that are the same file, evaluate over earlier results, a missing input file, an
unreachable display, and a Python without the project's packages."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from cli.main import main
from inference.folder_predict import RunCounts
from inference.predict_outputs import SUMMARY, SummaryRow

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "resources" / "photos" / "grace_hopper.jpg"
TORCHRUN_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "TORCHELASTIC_RUN_ID", "TORCHELASTIC_RESTART_COUNT",
                 "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_ERROR_FILE")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from inference.pipeline import Predictor
    from tests.tiny_weights import write_tiny_weights

    return Predictor(detect="off", weights_dir=write_tiny_weights(tmp_path_factory.mktemp("tiny")), device="cpu")


@pytest.fixture(scope="module")
def predictor(tiny):
    """The Predictor `cached_predictor` (tests/cli/conftest.py) shares here: the tiny one."""
    return tiny


@pytest.fixture
def loads(monkeypatch, cached_predictor):
    """The tiny untrained predictor in the command (every pixel one body part: every image has a person), outside
    torchrun unless a test sets its environment; returns the arguments of each Predictor the command asked for
    (`cached_predictor`)."""
    for name in TORCHRUN_VARS:
        monkeypatch.delenv(name, raising=False)
    return cached_predictor


def _image(path: Path | bytes, seed: int = 1) -> None:
    ok, data = cv2.imencode(".png", np.random.default_rng(seed).integers(0, 256, (72, 56, 3), np.uint8))
    assert ok
    with open(path, "wb") as fh:
        fh.write(data.tobytes())


def _predict(*argv) -> int:
    return main(["predict", *map(str, argv), "--detect", "off", "--device", "cpu", "--mesh-formats", "obj"])


def _summary(out: Path) -> list[SummaryRow]:
    from inference.predict_outputs import read_summary

    return read_summary(out / SUMMARY)


# ------------------------------------------------------------------ 118-4: torchrun
class Store:
    """torchrun's store as far as `finish_rank` uses it: add(key, n) -> the new value."""

    def __init__(self):
        self.values: dict[str, int] = {}

    def add(self, key: str, n: int) -> int:
        self.values[key] = self.values.get(key, 0) + n
        return self.values[key]


def _env(rank: int, world: int = 2, port: int = 29500) -> dict[str, str]:
    return {"RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank), "TORCHELASTIC_RUN_ID": "run-1",
            "TORCHELASTIC_RESTART_COUNT": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}


def _counts(images: int, done: int, failed: int = 0, skipped: int = 0) -> tuple[RunCounts, int]:
    """exit_status's first two arguments: a rank's counts and its share of the images."""
    return RunCounts(done=done, skipped=skipped, failed=failed, no_person=failed), images


def test_under_torchrun_a_rank_whose_images_failed_exits_0_and_the_last_rank_exits_1(tmp_path, capsys):
    """torchrun stops every other rank as soon as one exits non-zero: a photo without a person made its rank exit 1,
    the others were killed mid-run (their images left pending) and a 30-line ChildFailedError traceback followed,
    on every rerun. Now only the rank that finishes last gives the job's status, after every image was tried."""
    from cli.cmd_predict import exit_status
    from cli.predict_batch import Shard

    store = Store()
    out = tmp_path / "out"
    # rank 1 finishes first, with the two photos without a person: 0, and it says why
    assert exit_status(*_counts(4, 2, failed=2), Shard(1, 2), out, _env(1), lambda env: store) == 0
    said = capsys.readouterr().out
    assert "rank 1 of 2: exits 0 while other ranks still run" in said and "the last rank to finish exits 1" in said
    # rank 0, the last: the whole job's counts and 1, though its own images were all done
    assert exit_status(*_counts(4, 4), Shard(0, 2), out, _env(0), lambda env: store) == 1
    assert capsys.readouterr().out.strip() == (f"all 2 ranks finished: 6/8 images done, 2 failed (see {out / SUMMARY}; "
                                               "exit status 1)")
    # a job without failures: 0 from every rank; another run (or restart) counts afresh
    for rank in (0, 1):
        env = {**_env(rank), "TORCHELASTIC_RESTART_COUNT": "1"}
        assert exit_status(*_counts(2, 1, skipped=1), Shard(rank, 2), out, env, lambda env: store) == 0
    assert capsys.readouterr().out.strip() == "all 2 ranks finished: 2/4 images done, 2 finished before (skipped)"
    # outside torchrun (--shard K/N, one process): a failed image is 1 at once, as before
    assert exit_status(*_counts(4, 2, failed=2), Shard(1, 2), out, {}, lambda env: store) == 1


def test_a_store_that_cannot_be_reached_never_stops_the_other_ranks(tmp_path, capsys):
    from cli.cmd_predict import exit_status
    from cli.predict_batch import Shard, TallyError

    def closed(env):  # (as `_agent_store` says it: a real connection tries for 10 s)
        raise TallyError("torchrun's store at 127.0.0.1:1 cannot be reached (timed out)")

    assert exit_status(*_counts(2, 1, failed=1), Shard(1, 2), tmp_path, _env(1), closed) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: rank 1 of 2: torchrun's store at 127.0.0.1:1 cannot be reached") and \
        err.count("\n") == 1 and f"{tmp_path / SUMMARY} says which images failed" in err, err


def test_two_torchrun_ranks_through_the_command_with_torchs_own_store(tmp_path, capsys, loads, monkeypatch):
    """The command end to end under a torchrun environment, the tally in a real TCPStore (as torchrun's agent
    keeps one at MASTER_ADDR:MASTER_PORT): the rank with the unreadable image exits 0, the last one 1."""
    from datetime import timedelta

    from torch.distributed import TCPStore

    master = TCPStore("127.0.0.1", 0, is_master=True, timeout=timedelta(seconds=10))
    src, out, error_file = tmp_path / "in", tmp_path / "out", tmp_path / "error.json"
    src.mkdir()
    for k in range(3):
        _image(src / f"img{k}.png", k)
    (src / "img3.png").write_text("not an image")  # rank 1's second image (ranks take every 2nd: 1, 3)
    for rank, expected in ((1, 0), (0, 1)):
        for k, v in {**_env(rank, port=master.port), "TORCHELASTIC_ERROR_FILE": str(error_file)}.items():
            monkeypatch.setenv(k, v)
        assert _predict(src, "--out", out) == expected, rank
    said = capsys.readouterr().out
    assert "rank 1 of 2: exits 0 while other ranks still run" in said
    # torchrun's failure box says why, rather than linking its documentation
    assert json.loads(error_file.read_text())["message"]["message"] == (
        f"1 of 4 images failed (every rank finished; {out / SUMMARY} says which and why)")
    assert f"all 2 ranks finished: 3/4 images done, 1 failed (see {out / SUMMARY}; exit status 1)" in said
    assert [r.status for r in _summary(out)] == ["done", "done", "done", "error"]


# ------------------------------------------------------------------ 118-5: a file name that is not UTF-8
@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems take UTF-8 names only")
def test_a_photo_whose_name_is_not_utf8_is_predicted_and_the_batch_goes_on(tmp_path, capsys, loads):
    """`caf\\xe9.png` (Latin-1, from an old archive): its outputs were written, then the rank log's CSV writer and
    summary.csv's write raised UnicodeEncodeError: a traceback, z.png never reached, no summary.csv, and every rerun
    the same. Now it is an image like any other; its name is kept as the file system's bytes in the CSV files, so
    a rerun finds its outputs (skipped)."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _image(src / "a.png")
    _image(os.path.join(os.fsencode(src), b"caf\xe9.png"), 2)
    _image(src / "z.png", 3)
    latin = os.fsdecode(b"caf\xe9")  # 'caf\udce9'
    assert _predict(src, "--out", out) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err and "3/3 images done" in captured.out
    rows = _summary(out)
    assert [(r.output, r.status) for r in rows] == [("a", "done"), (latin, "done"), ("z", "done")]
    assert rows[1].image == str((src / f"{latin}.png").absolute())
    assert (out / f"{latin}.obj").is_file() and (out / f"{latin}_parts.png").is_file()
    with open(out / SUMMARY, "rb") as fh:
        assert b"caf\xe9.png" in fh.read()  # the name's own bytes
    assert _predict(src, "--out", out) == 0  # the rerun finishes: everything there
    assert "0/3 images done, 3 finished before (skipped)" in capsys.readouterr().out


def test_text_with_a_name_that_is_not_utf8_is_written_and_read_back(tmp_path):
    from inference.batch_log import BatchLog, read_logs
    from inference.file_writes import atomic_write

    name = os.fsdecode(b"caf\xe9.png")
    atomic_write(tmp_path / "t.csv", f"image\n{name}\n")
    assert (tmp_path / "t.csv").read_bytes() == b"image\ncaf\xe9.png\n"
    log = BatchLog(tmp_path, "rank0-of-1.csv")
    log.write(image=tmp_path / name, output="caf", status="done")
    log.close()
    assert read_logs(tmp_path)[0].image == str(tmp_path / name)


# ------------------------------------------------------------------ 115-F4: the same file twice
def test_inputs_that_are_the_same_file_are_counted_in_a_note(tmp_path, capsys, loads):
    """A folder of links (26 photos under 208 names) said `26/26 images done`: nothing said the other inputs were
    the same files, predicted once."""
    from cli.predict_args import expand, same_file_note

    src = tmp_path / "in"
    src.mkdir()
    _image(src / "a.png")
    _image(src / "b.png", 2)
    for k in range(3):
        (src / f"link{k}.png").symlink_to("a.png")
    same: list[Path] = []
    assert expand([src, src / "b.png"], None, None, same) == [src / "a.png", src / "b.png"]
    assert sorted(p.name for p in same) == ["b.png", "link0.png", "link1.png", "link2.png"]
    assert same_file_note([]) == ""
    assert _predict(src, "--out", tmp_path / "out", "--merge-summary") == 0
    notes = [x for x in capsys.readouterr().out.splitlines() if "same file" in x]
    assert notes == [f"note: 3 inputs are the same file as an earlier input (a link or another name: {src}/link0.png, "
                     f"{src}/link1.png, {src}/link2.png): each file is predicted once"], notes
    assert same_file_note([src / "x.png"]).startswith("note: 1 input is the same file as an earlier input")


# ------------------------------------------------------------------ 118-8: evaluate over earlier results
def test_evaluate_refuses_to_replace_earlier_results_without_overwrite(tmp_path, capsys, monkeypatch):
    """The README's `evaluate data/synth_test --out docs/eval` on a smaller set replaced the committed table without
    a word. Now results in --out are refused before any work, unless --overwrite."""
    import training.evaluate

    data = tmp_path / "set"
    data.mkdir()
    for suffix in ("_image.png", "_body.pkl"):  # listed by name only: nothing here reads them
        (data / f"00000{suffix}").write_bytes(b"")
    out = tmp_path / "eval"
    out.mkdir()
    (out / "eval.md").write_text("the committed table")

    class Reached(Exception):
        pass

    def evaluate(*a, **k):
        raise Reached

    monkeypatch.setattr(training.evaluate, "evaluate", evaluate)
    assert main(["evaluate", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {out / 'eval.md'} exists: give --overwrite to replace it, or another --out\n", err
    (out / "eval.json").write_text("{}")
    assert main(["evaluate", str(data), "--out", str(out)]) == 2
    assert f"{out / 'eval.md'} and {out / 'eval.json'} exist: give --overwrite to replace them" in \
        capsys.readouterr().err
    assert (out / "eval.md").read_text() == "the committed table"
    with pytest.raises(Reached):  # (past the check: the evaluation itself runs)
        main(["evaluate", str(data), "--out", str(out), "--overwrite"])
    with pytest.raises(Reached):  # a new folder needs nothing
        main(["evaluate", str(data), "--out", str(tmp_path / "new")])


# ------------------------------------------------------------------ 118-10: an input that is not there
def test_a_missing_input_file_is_a_usage_error_as_a_missing_folder_is(tmp_path, capsys, loads):
    """`predict photo.jpg` for a file not there: exit 1, OUT made with a summary row 'failed'; `predict photos/`:
    exit 2, nothing written. Now both are exit 2, one line naming the input, nothing written, also among inputs that
    are there (as a missing folder was)."""
    _image(tmp_path / "here.png")
    (tmp_path / "link.png").symlink_to("gone_too.png")
    cases = [([tmp_path / "gone.jpg"], f"{tmp_path / 'gone.jpg'} does not exist"),
             ([tmp_path / "here.png", tmp_path / "gone.jpg"], f"{tmp_path / 'gone.jpg'} does not exist"),
             ([tmp_path / "here.png" / "x.png"], f"{tmp_path / 'here.png' / 'x.png'} does not exist"),
             ([tmp_path / "link.png"], f"{tmp_path / 'link.png'} is a link to a file that is not there")]
    for inputs, message in cases:
        out = tmp_path / "out"
        assert _predict(*inputs, "--out", out) == 2, inputs
        assert capsys.readouterr().err == f"error: {message}\n"
        assert not out.exists() and not loads  # (refused before the models are built)
    from cli.predict_args import missing_inputs

    assert missing_inputs([str(tmp_path / "here.png"), f"{tmp_path}/"]) == ""
    assert missing_inputs([f"{tmp_path / 'here.png'}/"]) == f"{tmp_path / 'here.png'}/ is not a folder"


# ------------------------------------------------------------------ 118-6, 118-7: the app without a display
def _free_display() -> str:
    n = 77
    while os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
        n += 1
    return f":{n}"


def _run_main(env_changes: dict[str, str | None], *argv: str, code: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    cmd = [sys.executable, "-c", code, *argv] if code else [sys.executable, "main.py", *argv]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland displays are Linux's")
def test_an_unreachable_display_gives_the_headless_hint_not_a_qt_abort():
    """DISPLAY=:77 (ssh without X forwarding, a stale DISPLAY) aborted the app (SIGABRT) with Qt's advice to
    reinstall; the hint named a bare `python`, which lacks the project's packages. Now one line, exit 2, naming
    this interpreter and main.py."""
    display = _free_display()
    r = _run_main({"DISPLAY": display})
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    again = f"{sys.executable} main.py"
    assert r.stderr == (f"nbf-studio: cannot connect to the X display {display} ($DISPLAY). To run without a screen "
                        f"use QT_QPA_PLATFORM=offscreen {again}, or xvfb-run -a {again}\n"), r.stderr
    r = _run_main({"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": None})
    assert r.returncode == 2 and r.stderr.count("\n") == 1, (r.returncode, r.stderr[-2000:])
    assert r.stderr.startswith("nbf-studio: cannot reach the Wayland display wayland-9 ($XDG_RUNTIME_DIR unset). ")


def test_display_problem_tries_what_qt_would_use(tmp_path):
    import socket

    from cli.cmd_gui import NO_DISPLAY, display_problem

    def answers(name):
        return name == ":0"

    assert display_problem({}, answers) == NO_DISPLAY
    assert display_problem({"DISPLAY": ":0"}, answers) == ""
    assert display_problem({"DISPLAY": ":5"}, answers) == "cannot connect to the X display :5 ($DISPLAY)"
    assert display_problem({"DISPLAY": ":5"}, lambda name: None) == ""  # (no libxcb, no answer: Qt tries)
    assert display_problem({"DISPLAY": ":5", "QT_QPA_PLATFORM": "offscreen"}, answers) == ""
    # Qt falls back from a Wayland display it cannot reach to X
    assert display_problem({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-9"}, answers) == ""
    assert display_problem({"WAYLAND_DISPLAY": "w", "XDG_RUNTIME_DIR": str(tmp_path)}, answers) == \
        f"cannot reach the Wayland display w (nothing answers at {tmp_path / 'w'})"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(tmp_path / "w"))
        server.listen(1)
        assert display_problem({"WAYLAND_DISPLAY": "w", "XDG_RUNTIME_DIR": str(tmp_path)}, answers) == ""


def test_a_python_without_the_packages_says_so_in_one_line(tmp_path):
    """`python3 main.py predict ...` with the system's Python: a traceback ending in `No module named 'torch'`; the
    app the same for PySide6. Now one line naming this interpreter and the fix, exit 2, nothing written."""
    out = tmp_path / "out"
    block = ("import runpy, sys; sys.modules[{!r}] = None; sys.argv = ['main.py', *sys.argv[1:]]; "
             "runpy.run_path('main.py', run_name='__main__')")
    fix = "run `make setup` and use .venv/bin/python main.py\n"
    r = _run_main({}, "predict", str(PHOTO), "--out", str(out), code=block.format("torch"))
    assert r.returncode == 2 and r.stderr == (f"NBF Studio's packages are not in this Python ({sys.executable}: no "
                                              f"module named 'torch'): {fix}"), r.stderr[-2000:]
    assert not out.exists()
    r = _run_main({"QT_QPA_PLATFORM": "offscreen"}, code=block.format("PySide6"))
    assert r.returncode == 2 and r.stderr.endswith(f"no module named 'PySide6'): {fix}"), r.stderr[-2000:]


def test_a_bug_s_import_error_is_not_taken_for_a_missing_package():
    from cli.main import missing_package

    assert missing_package(ModuleNotFoundError("x", name="torch.nn")) is not None
    assert missing_package(ModuleNotFoundError("x", name="app.nosuch")) is None
    assert missing_package(ImportError("cannot import name 'x' from 'numpy'", name="numpy")) is None


# ------------------------------------------------------------------ 118-11: the progress line names every output
def test_the_progress_line_s_pattern_matches_every_output(tmp_path, capsys, loads):
    """`-> out/two_people_*` left out two_people.obj/.glb/.npz/.json: the pattern now matches every file written."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _image(src / "a.png")
    assert _predict(src / "a.png", "--out", out) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if " -> " in x)
    assert line.endswith(f" -> {out / 'a'}*"), line
    written = sorted(p.name for p in out.iterdir() if p.is_file() and p.name != SUMMARY)
    assert written and sorted(p.name for p in out.glob(line.split(" -> ")[1].split("/")[-1])) == written
