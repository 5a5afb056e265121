"""`main.py predict` at scale: shares by --shard or torchrun's environment, resume, the merged summary.csv.

The in-process tests run tiny untrained networks (every pixel one body part, so every image has a person):
they check the plumbing, not the fits. The torchrun test runs the shipped weights in two real processes."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

import inference.pipeline as pipeline_module
from cli.main import main
from cli.predict_batch import RankLog, Shard, ShardError, parse_shard
from inference.batch_log import COLUMNS, RANK_LOGS, merge_rows, read_logs
from inference.paths import RESOURCES
from inference.predict_outputs import SUMMARY, QualityCells, SummaryRow, output_stems
from tests.tiny_weights import write_tiny_weights

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = RESOURCES / "samples"
RESULT_SET = 9  # with --detect off: 4 PNGs (no _people.png) + obj + glb + npz + json + _body.pkl


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from inference.pipeline import Predictor

    return Predictor(detect="off", weights_dir=write_tiny_weights(tmp_path_factory.mktemp("tiny")), device="cpu")


@pytest.fixture(scope="module")
def predictor(tiny):
    """The Predictor `cached_predictor` (tests/cli/conftest.py) shares here: the tiny one."""
    return tiny


@pytest.fixture
def loads(monkeypatch, cached_predictor):
    """Use the tiny predictor in the command, outside torchrun; returns the arguments of each Predictor the command
    asked for (`cached_predictor`: how often the models were built, and with which options)."""
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    return cached_predictor


def _images(folder: Path, n: int) -> Path:
    """n small noise images, with two colliding stems (x.png / x.jpg) to check unique names across ranks."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    names = [f"img{k}.png" for k in range(n - 2)] + ["x.png", "x.jpg"]
    for name in names:
        cv2.imwrite(str(folder / name), rng.integers(0, 256, (72, 56, 3), np.uint8))
    return folder


def _predict(*argv) -> int:
    return main(["predict", *map(str, argv), "--detect", "off", "--device", "cpu", "--mesh-formats", "obj"])


def _summary(out: Path) -> list[dict]:
    with open(out / SUMMARY, newline="") as fh:
        return list(csv.DictReader(fh))


def _outputs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_file() and p.name != SUMMARY)


# ------------------------------------------------------------------ shares
def test_parse_shard():
    assert parse_shard(None, {}) == Shard(0, 1, None)
    assert parse_shard("1/3", {}) == Shard(1, 3, None)
    assert parse_shard(None, {"RANK": "2", "WORLD_SIZE": "4", "LOCAL_RANK": "0"}) == Shard(2, 4, 0)
    assert parse_shard("0/2", {"RANK": "1", "WORLD_SIZE": "4"}) == Shard(0, 2, None)  # the option wins
    for bad in ("2/2", "-1/2", "1", "a/b", "0/0"):
        with pytest.raises(ShardError):
            parse_shard(bad, {})
    with pytest.raises(ShardError, match="RANK=4 WORLD_SIZE=4"):
        parse_shard(None, {"RANK": "4", "WORLD_SIZE": "4"})
    assert Shard(1, 3).take(8) == [1, 4, 7] and Shard(0, 3).take(2) == [0]


def test_bad_shard_is_refused_before_the_models_load(tmp_path, capsys, loads):
    assert _predict(SAMPLES / "synthetic_01.png", "--out", tmp_path / "o", "--shard", "3/2") == 2
    assert "--shard 3/2" in capsys.readouterr().err and not loads and not (tmp_path / "o").exists()


# ------------------------------------------------------------------ two ranks, one after the other
def test_two_ranks_write_every_output_once_and_a_rerun_resumes(tmp_path, capsys, loads, monkeypatch):
    src, out = _images(tmp_path / "in", 5), tmp_path / "out"
    images = sorted(src.iterdir())
    stems = output_stems(images)
    assert len({s.lower() for s in stems}) == 5 and "x_png" in stems  # x.jpg sorts first: x, then x_png

    # rank 1 of 2 from torchrun's environment, then rank 0 from --shard
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert _predict(src, "--out", out) == 0
    assert "rank 1 of 2: 2 of 5 images" in capsys.readouterr().out
    half = _summary(out)
    assert [r["status"] for r in half] == ["pending", "done", "pending", "done", "pending"]  # every 2nd from 1
    monkeypatch.delenv("RANK"), monkeypatch.delenv("WORLD_SIZE")
    assert _predict(src, "--out", out, "--shard", "0/2") == 0
    assert "3/3 images done" in capsys.readouterr().out

    # every output exactly once, under the names computed over the whole list
    expected = sorted(f"{s}{suffix}" for s in stems for suffix in
                      ("_parts.png", "_parts_crop.png", "_parts_overlay.png", "_overlay.png", ".obj",
                       ".npz", ".json", "_body.pkl"))
    assert _outputs(out) == expected
    rows = _summary(out)
    assert [r["image"] for r in rows] == [str(p) for p in images]  # every image once, in input order
    assert [r["output"] for r in rows] == stems
    assert {r["status"] for r in rows} == {"done"} and {r["rank"] for r in rows} == {"0", "1"}
    for r in rows:
        assert r["people"] == "0" and float(r["seconds"]) > 0 and r["verdict"]
    assert sorted(p.name for p in (out / RANK_LOGS).glob("*.csv")) == ["rank0-of-2.csv", "rank1-of-2.csv"]

    # a rerun (any split) skips finished images without building the models ...
    built = len(loads)
    assert _predict(src, "--out", out, "--shard", "1/2") == 0
    assert "0/2 images done, 2 finished before (skipped)" in capsys.readouterr().out and len(loads) == built
    assert _summary(out) == rows  # ... and the summary keeps the results of the run that made them

    # after an interruption (one image's outputs gone), a single-process rerun does only what is missing
    for p in out.glob(f"{stems[2]}*"):
        p.unlink()
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file() and p.name != SUMMARY}
    assert _predict(src, "--out", out) == 0
    assert "1/5 images done, 4 finished before (skipped)" in capsys.readouterr().out
    assert _outputs(out) == expected
    assert all(p.stat().st_mtime_ns == mtimes[p.name] for p in out.iterdir() if p.name in mtimes)
    again = _summary(out)
    assert [r["status"] for r in again] == ["done"] * 5 and again[2]["rank"] == "0"
    assert again[2]["finished_at"] > rows[2]["finished_at"]


def test_partial_outputs_are_an_error_row_not_a_skip(tmp_path, capsys, loads):
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    out.mkdir()
    (out / "img0.obj").write_text("mine")
    assert _predict(src, "--out", out) == 1
    rows = {r["output"]: r for r in _summary(out)}
    assert rows["img0"]["status"] == "error" and "img0.obj" in rows["img0"]["message"]
    assert (out / "img0.obj").read_text() == "mine"
    assert rows["x"]["status"] == rows["x_png"]["status"] == "done"
    capsys.readouterr()


def test_merge_summary_alone_and_the_newest_result_wins(tmp_path, capsys, loads):
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    images = sorted(src.iterdir())
    assert _predict(src, "--out", out, "--shard", "0/3") == 0
    (out / SUMMARY).unlink()
    assert _predict(src, "--out", out, "--merge-summary") == 0
    assert "1 done, 2 pending" in capsys.readouterr().out and len(loads) == 1
    assert [r["status"] for r in _summary(out)] == ["done", "pending", "pending"]

    stems = output_stems(images)
    base = SummaryRow(image=str(images[1]), output=stems[1], status="error")
    rows = [replace(base, status="error", finished_at="2024-01-01T00:00:00"),
            replace(base, status="done", finished_at="2024-01-02T00:00:00", quality=QualityCells(pck=0.9)),
            replace(base, status="skipped", finished_at="2024-01-03T00:00:00"),
            replace(base, output=stems[1] + "_p2", status="done", finished_at="2024-01-01T00:00:00"),
            SummaryRow(image=str(images[2]), output=stems[2], status="error", finished_at="1"),
            SummaryRow(image=str(images[2]), output=stems[2], status="skipped", finished_at="2")]
    merged = merge_rows(images, stems, rows)
    assert [(r.output, r.status) for r in merged] == [
        (stems[0], "pending"), (stems[1], "done"), (stems[1] + "_p2", "done"), (stems[2], "skipped")]
    assert merged[1].quality.pck == 0.9
    # a failed attempt between the run that wrote the files and a skip (a --person 2 run whose outputs were in
    # the way): the skip still means that run's files, and its row with the numbers is kept
    rows.insert(2, replace(base, status="error", message="outputs exist", finished_at="2024-01-02T12:00:00"))
    assert merge_rows(images, stems, rows)[1].quality.pck == 0.9


def test_a_log_an_earlier_release_began_is_left_as_it_is_and_read_counting_from_1(tmp_path):
    """A rank log an earlier release began (without the mask_inside column, people counted from 0) is not
    appended to: rows in today's columns under its header would read back shifted. This rank writes beside it,
    and both are read, the old one's person numbers + 1."""
    old = [c for c in COLUMNS if c != "mask_inside"]
    log = tmp_path / RANK_LOGS / Shard(0, 1).log_name
    log.parent.mkdir(parents=True)
    old_text = ",".join(old) + "\n" + ",".join({"output": "a", "status": "done", "pck": "0.5", "person": "0",
                                                   "rank": "0"}.get(c, "") for c in old) + "\n"
    log.write_text(old_text)
    rank_log = RankLog(tmp_path, Shard(0, 1))
    rank_log.write(image="b.jpg", output="b", status="done", quality=QualityCells(pck=0.7, mask_iou=0.6,
                                                                                  mask_inside=0.9),
                   seconds=1.5, person=2)
    rank_log.close()
    assert log.read_text() == old_text and rank_log.path.name == "rank0-of-1-2.csv"
    rows = {r.output: r for r in read_logs(tmp_path)}
    assert (rows["a"].quality.pck, rows["a"].status, rows["a"].person) == (0.5, "done", 1)
    b = rows["b"]
    assert (b.quality.pck, b.quality.mask_iou, b.quality.mask_inside, b.seconds, b.rank, b.person) == (
        0.7, 0.6, 0.9, 1.5, "0", 2)
    with open(rank_log.path, newline="") as fh:  # as the table writes them: 3 decimals
        cells = list(csv.DictReader(fh))[0]
    assert (cells["pck"], cells["seconds"], cells["person"]) == ("0.700", "1.500", "2")
    again = RankLog(tmp_path, Shard(0, 1))  # the next run goes on in the new log
    again.close()
    assert again.path == rank_log.path


def test_two_plain_runs_into_one_folder_at_once_log_to_two_files(tmp_path):
    """sweep129: two `predict` runs into one --out both appended to rank0-of-1.csv, and the second one's header
    (written while the file still looked empty) became a row of every later summary.csv; now the second takes
    rank0-of-1-2.csv while the first holds its log, and each log reads back whole."""
    first, second = RankLog(tmp_path, Shard(0, 1)), RankLog(tmp_path, Shard(0, 1))
    try:
        assert first.path.name == "rank0-of-1.csv" and second.path.name == "rank0-of-1-2.csv"
        first.write(image="a.jpg", output="a", status="done", seconds=1.0)
        second.write(image="b.jpg", output="b", status="done", seconds=2.0)
    finally:
        first.close()
        second.close()
    rows = read_logs(tmp_path)
    assert sorted(r.output for r in rows) == ["a", "b"] and all(r.status == "done" for r in rows)
    again = RankLog(tmp_path, Shard(0, 1))  # one run later: the first log again
    again.close()
    assert again.path.name == "rank0-of-1.csv"


# ------------------------------------------------------------------ torchrun, two real processes
@pytest.mark.slow
def test_torchrun_two_processes(tmp_path):
    if not (pipeline_module.WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for k in range(4):
        shutil.copy(SAMPLES / f"synthetic_0{k % 3 + 1}.png", src / f"p{k}.png")
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    # TMPDIR: torchrun leaves a torchelastic_* log folder there
    env.update(OMP_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "0",
           str(ROOT / "main.py"), "predict", str(src), "--out", str(out), "--detect", "off", "--device", "cpu",
           "--mesh-formats", "obj", "--no-refine"]  # (the shares and the summary; refinement is tested elsewhere)
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "rank 0 of 2: 2 of 4 images" in r.stdout and "rank 1 of 2: 2 of 4 images" in r.stdout
    rows = _summary(out)
    assert [r["output"] for r in rows] == ["p0", "p1", "p2", "p3"]
    assert [r["status"] for r in rows] == ["done"] * 4 and [r["rank"] for r in rows] == ["0", "1", "0", "1"]
    assert len(_outputs(out)) == 4 * (RESULT_SET - 1)  # obj only: 8 files per image


# ------------------------------------------------------------------ several people: numbering and resume
class Crowd:
    """The tiny predictor as if its person detector found `people[NAME]` people (default 2) in image NAME:
    `predict(path, person=k)` is the tiny network's fit with those people attached, and a person beyond
    them fails as the real Predictor does; an image of 0 people is the tiny network's own whole-image fit (nobody
    detected). `calls` records (file name, k) of each prediction."""

    def __init__(self, tiny, people: dict[str, int] | None = None):
        self.tiny, self.people, self.calls, self.warnings = tiny, people or {}, [], []
        self.fail: set[tuple[str, int]] = set()  # (file name, k) whose fit fails

    def predict(self, image, person: int = 0, **kw):
        import dataclasses

        from inference.detect import Person
        from inference.errors import PersonNotThere, PredictionError

        n = self.people.get(Path(image).name, 2)
        if n == 0:
            return self.tiny.predict(image, person=person, **kw)
        if not 0 <= person < n:
            raise PersonNotThere(person + 1, n)  # as the Predictor says it
        self.calls.append((Path(image).name, person))
        if (Path(image).name, person) in self.fail:
            raise PredictionError("the segmentation painted no body part inside the detected person's silhouette")
        p = self.tiny.predict(image, person=person, **kw)
        people = tuple(Person(np.array([2 + 8 * k, 2, 30 + 8 * k, 60], np.float32), 0.9, np.zeros((33, 3), np.float32))
                       for k in range(n))
        return dataclasses.replace(p, people=people, person=person)


@pytest.fixture
def crowd(monkeypatch, cached_predictor, tiny):
    """Use a Crowd of the tiny predictor in the command; returns it (set .people before running). The command's
    Predictor arguments go through `cached_predictor` first, which records them and refuses a call the real class
    would refuse."""
    c = Crowd(tiny)
    recording = pipeline_module.Predictor  # (cached_predictor's stand-in, set by that fixture)

    def make(*args, **kwargs):
        recording(*args, **kwargs)
        return c

    monkeypatch.setattr(pipeline_module, "Predictor", make)
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    return c


def _mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file() and p.name != SUMMARY}


def test_people_are_counted_from_1_in_files_summary_and_messages(tmp_path, capsys, crowd):
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    crowd.people = {"img0.png": 2, "x.jpg": 1, "x.png": 3}
    assert _predict(src, "--out", out, "--all-people") == 0
    rows = [(r["output"], r["person"], r["people"], r["status"]) for r in _summary(out)]
    assert rows == [("img0", "1", "2", "done"), ("img0_p2", "2", "2", "done"), ("x", "1", "1", "done"),
                    ("x_png", "1", "3", "done"), ("x_png_p2", "2", "3", "done"), ("x_png_p3", "3", "3", "done")]
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("x.png person")]
    # in person order; the detection of them all is in the first one's time, and said so
    assert [x.split(":")[0] for x in lines] == ["x.png person 1", "x.png person 2", "x.png person 3"]
    assert "(all 3 people)" in lines[0] and "(all" not in lines[1]

    # --person N is the N-th person, as its file name and the reader's message count them
    out2 = tmp_path / "out2"
    assert _predict(src / "x.png", "--out", out2, "--all-people", "--person", "2") == 0
    assert [(r["output"], r["person"]) for r in _summary(out2)] == [("x", "2"), ("x_p1", "1"), ("x_p3", "3")]
    assert ("x.png", 1) in crowd.calls  # the second person found (the Predictor's index 1)
    capsys.readouterr()
    assert _predict(src / "img0.png", "--out", tmp_path / "out3", "--person", "5") == 1
    assert "person 5 asked for, but 2 found" in capsys.readouterr().out
    assert (_summary(tmp_path / "out3")[0]["person"], _summary(tmp_path / "out3")[0]["people"]) == ("5", "2")


@pytest.mark.parametrize("person", ["0", "-1"])
def test_person_0_is_refused_before_the_models_load(tmp_path, capsys, loads, person):
    assert _predict(SAMPLES / "synthetic_01.png", "--out", tmp_path / "o", "--person", person) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --person {person}: people are counted from 1") and "\n" not in err
    assert "--person K+1" in err and not loads and not (tmp_path / "o").exists()


def test_a_whole_image_fit_has_no_person_number(tmp_path, capsys, loads):
    assert _predict(SAMPLES / "synthetic_01.png", "--out", tmp_path / "o") == 0  # --detect off: nobody detected
    row = _summary(tmp_path / "o")[0]
    assert (row["person"], row["people"], row["status"]) == ("", "0", "done")
    assert [asked["detect"] for asked in loads] == ["off"]  # the option that left nobody to detect
    capsys.readouterr()


def test_an_all_people_rerun_writes_the_people_missing(tmp_path, capsys, crowd):
    """The people an earlier run did not write (it ran without --all-people, or a file of theirs was deleted)
    are written by a rerun with --all-people; the files there are kept, and a complete image is skipped
    without building the models."""
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    crowd.people = {"img0.png": 2, "x.jpg": 1, "x.png": 3}
    assert _predict(src, "--out", out) == 0
    assert not list(out.glob("*_p[0-9]*"))
    first = _mtimes(out)
    capsys.readouterr()

    crowd.calls.clear()
    assert _predict(src, "--out", out, "--all-people") == 0
    assert "2/3 images done, 1 finished before (skipped)" in capsys.readouterr().out  # x.jpg has one person
    assert sorted(p.name for p in out.glob("*.obj")) == ["img0.obj", "img0_p2.obj", "x.obj", "x_png.obj",
                                                         "x_png_p2.obj", "x_png_p3.obj"]
    assert all(p.stat().st_mtime_ns == first[p.name] for p in out.iterdir() if p.name in first)  # kept
    rows = {r["output"]: r for r in _summary(out)}
    assert [rows[o]["status"] for o in ("img0", "img0_p2", "x", "x_png", "x_png_p2", "x_png_p3")] == ["done"] * 6
    assert rows["img0"]["person"] == "1" and rows["x_png_p3"]["person"] == "3"

    # complete now: skipped without a prediction
    crowd.calls.clear()
    assert _predict(src, "--out", out, "--all-people") == 0
    assert "0/3 images done, 3 finished before (skipped)" in capsys.readouterr().out and crowd.calls == []

    # one person's mesh deleted: made from their parameter file, no prediction, nothing else written
    (out / "x_png_p2.obj").unlink()
    before = _mtimes(out)
    assert _predict(src, "--out", out, "--all-people") == 0
    text = capsys.readouterr().out
    assert "x_png_p2.obj made from x_png_p2.npz" in text and "1/3 images done, 2 finished before" in text, text
    assert sorted(n for n, t in _mtimes(out).items() if before.get(n) != t) == ["x_png_p2.obj"]
    assert crowd.calls == []

    # one person's outputs deleted: that image is predicted again and only that person written
    for p in out.glob("x_png_p2*"):
        p.unlink()
    before = _mtimes(out)
    assert _predict(src, "--out", out, "--all-people") == 0
    assert "1/3 images done, 2 finished before (skipped)" in capsys.readouterr().out
    assert (out / "x_png_p2.obj").is_file()
    changed = sorted(n for n, t in _mtimes(out).items() if before.get(n) != t)
    # (and the image's scene, remade with the person written anew)
    assert changed == sorted([*(p.name for p in out.glob("x_png_p2*")), "x_png_scene.glb"]), changed
    assert sorted(crowd.calls) == [("x.png", 0), ("x.png", 1)]

    # one file of a person deleted: the rank logs say the rest of that set holds this very person of this
    # very image, so the set is completed (rewritten); the other people's files are kept
    (out / "img0_p2_overlay.png").unlink()
    before = _mtimes(out)
    assert _predict(src, "--out", out, "--all-people") == 0
    assert "1/3 images done, 2 finished before (skipped)" in capsys.readouterr().out
    assert (out / "img0_p2_overlay.png").is_file()
    changed = sorted(n for n, t in _mtimes(out).items() if before.get(n) != t)
    assert changed == sorted([*(p.name for p in out.glob("img0_p2*")), "img0_scene.glb"]), changed
    assert {r["output"]: r for r in _summary(out)}["img0_p2"]["status"] == "done"

    # the same with no record of whose fit the files hold: in the way (maybe the user's own files), as for a
    # single person's partial set; --overwrite replaces them
    logs = out.parent / "logs"
    shutil.move(out / RANK_LOGS, logs)
    (out / "img0_p2_overlay.png").unlink()
    before = _mtimes(out)
    assert _predict(src / "img0.png", "--out", out, "--all-people") == 1
    text = capsys.readouterr().out
    assert f"{src / 'img0.png'}: outputs exist (img0_p2_parts.png" in text and "use --overwrite" in text
    assert _mtimes(out) == before
    assert _predict(src / "img0.png", "--out", out, "--all-people", "--overwrite") == 0
    assert (out / "img0_p2_overlay.png").is_file()
    shutil.rmtree(out / RANK_LOGS)
    shutil.move(logs, out / RANK_LOGS)

    # no record of the people count (the rank logs gone): predicted again, nothing rewritten, nothing failed
    shutil.rmtree(out / RANK_LOGS)
    before = _mtimes(out)
    assert _predict(src, "--out", out, "--all-people") == 0
    assert "0/3 images done, 3 finished before (skipped)" in capsys.readouterr().out
    assert _mtimes(out) == before
    assert {r["status"] for r in _summary(out)} == {"skipped"}


def test_outputs_of_another_person_are_in_the_way(tmp_path, capsys, crowd):
    """A --person 2 run into the folder of a --person 1 run does not take person 1's files for its own: they
    are in the way (the message says whose fit they hold) and nothing is written."""
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    crowd.people = {"img0.png": 2}
    assert _predict(src / "img0.png", "--out", out) == 0
    capsys.readouterr()
    before = _mtimes(out)
    assert _predict(src / "img0.png", "--out", out, "--person", "2") == 1
    text = capsys.readouterr().out
    assert "outputs exist (img0_parts.png" in text and "holding person 1 of img0.png" in text
    assert "0/1 images done" in text and _mtimes(out) == before
    assert _predict(src / "img0.png", "--out", tmp_path / "out2", "--person", "2") == 0
    assert [(r["output"], r["person"]) for r in _summary(tmp_path / "out2")] == [("img0", "2")]


def test_an_image_counts_once_when_one_of_its_people_fails(tmp_path, capsys, crowd):
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    crowd.people = {"img0.png": 3}
    crowd.fail = {("img0.png", 1)}
    assert _predict(src / "img0.png", "--out", out, "--all-people") == 1
    assert "0/1 images done" in capsys.readouterr().out
    rows = {r["output"]: r["status"] for r in _summary(out)}
    assert rows == {"img0": "done", "img0_p2": "error", "img0_p3": "done"}
    crowd.fail = set()  # the rerun writes the person missing and keeps the others' files
    before = _mtimes(out)
    assert _predict(src / "img0.png", "--out", out, "--all-people") == 0
    assert "1/1 images done" in capsys.readouterr().out
    assert sorted(n for n, t in _mtimes(out).items() if before.get(n) != t) == sorted(
        [*(p.name for p in out.glob("img0_p2*")), "img0_scene.glb"])  # the scene once everyone is fitted


def test_an_image_reader_message_names_the_file_once(tmp_path, capsys, loads):
    data = (SAMPLES / "synthetic_01.png").read_bytes()
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buf, "JPEG")
    trunc = tmp_path / "in" / "trunc.jpg"
    trunc.parent.mkdir()
    trunc.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    assert _predict(trunc, "--out", tmp_path / "o") == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{trunc} is a truncated JPEG (the file ends before the image does)" in lines
    assert _summary(tmp_path / "o")[0]["message"].startswith("trunc.jpg is a truncated JPEG")


def test_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit) as info:
        main(["predict", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "exit status:" in text
    for line in ("  0    every image done", "  1    an image failed", "  2    bad arguments"):
        assert line in text, line
    assert "no person found" in text and "crop camera" in text and "counted from 1" in text


def test_people_picture_labels_count_from_1(monkeypatch):
    from inference.detect import Person, draw

    labels = []
    put_text = draw.cv2.putText
    monkeypatch.setattr(draw.cv2, "putText", lambda img, text, *a, **k: (labels.append(text),
                                                                         put_text(img, text, *a, **k))[1])
    people = [Person(np.array([2, 2, 20, 40], np.float32), s, np.zeros((33, 3), np.float32)) for s in (0.9, 0.8)]
    draw.draw_people(np.zeros((48, 32, 3), np.uint8), people)
    assert labels == ["#1 0.90", "#2 0.80"]


# ------------------------------------------------------------------ several people: the folder stays consistent
def _noise(path: Path, seed: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 256, (72, 56, 3), np.uint8))
    return path


def _scene_nodes(path: Path) -> list[str]:
    from inference.export_gltf import glb_unpack

    doc, _ = glb_unpack(path.read_bytes())
    return [n["name"] for n in doc["nodes"]]


def test_overwrite_remakes_the_scene_and_removes_the_people_no_longer_found(tmp_path, capsys, crowd):
    """--overwrite of an image written with --all-people: the scene is remade from the people's files (it kept
    the old person 1), and when fewer people are found the outputs this tool wrote for the others and the scene
    are removed and left out of summary.csv (they stayed, listed as done beside the new row)."""
    img, out = _noise(tmp_path / "in" / "img0.png"), tmp_path / "out"
    crowd.people = {"img0.png": 3}
    assert _predict(img, "--out", out, "--all-people") == 0
    scene = out / "img0_scene.glb"
    assert _scene_nodes(scene) == ["person 1", "person 2", "person 3", "photo camera"]
    (out / "img0_p4.obj").write_text("mine")  # not on record: never removed
    before = _mtimes(out)
    assert _predict(img, "--out", out, "--overwrite") == 0  # person 1 alone, as the reviewer's --no-refine rerun
    changed = sorted(n for n, t in _mtimes(out).items() if before.get(n) != t)
    assert "img0.npz" in changed and "img0_scene.glb" in changed and "img0_p2.npz" not in changed
    assert _scene_nodes(scene) == ["person 1", "person 2", "person 3", "photo camera"]

    crowd.people = {"img0.png": 1}  # the image's people as a rerun finds them now
    capsys.readouterr()
    assert _predict(img, "--out", out, "--all-people", "--overwrite") == 0
    text = capsys.readouterr().out
    assert "removed the outputs of people not found now (img0_p2, img0_p3)" in text and "removed img0_scene" in text
    assert not list(out.glob("img0_p[23]*")) and not scene.exists() and (out / "img0_p4.obj").read_text() == "mine"
    assert [(r["output"], r["person"], r["people"], r["status"]) for r in _summary(out)] == [
        ("img0", "1", "1", "done")]

    # the whole image fitted (no person detected): the people picture of the earlier fit goes too
    assert (out / "img0_people.png").is_file()
    crowd.people = {"img0.png": 0}
    assert _predict(img, "--out", out, "--all-people", "--overwrite") == 0
    assert not (out / "img0_people.png").exists() and (out / "img0_parts.png").is_file()
    assert [(r["output"], r["person"], r["people"]) for r in _summary(out)] == [("img0", "", "0")]


def test_a_missing_scene_is_made_again_from_the_people_files(tmp_path, capsys, crowd):
    """NAME_scene.glb deleted (or a run stopped between the last person and the scene): a rerun makes it from
    the people's parameter files, fitting nobody again (it said "finished before" and never made it)."""
    img, out = _noise(tmp_path / "in" / "img0.png"), tmp_path / "out"
    assert _predict(img, "--out", out, "--all-people") == 0
    scene = out / "img0_scene.glb"
    made = scene.read_bytes()
    scene.unlink()
    crowd.calls.clear()
    capsys.readouterr()
    assert _predict(img, "--out", out, "--all-people") == 0
    assert "img0_scene.glb made from its 2 people's parameter files" in capsys.readouterr().out
    assert scene.read_bytes() == made and crowd.calls == []
    assert [(r["output"], r["status"]) for r in _summary(out)] == [("img0", "done"), ("img0_p2", "done")]


def test_an_image_named_like_another_ones_scene_gets_its_own_name(tmp_path, capsys, crowd):
    """x.jpg (two people) and x_scene.jpg in one folder: x_scene.jpg's outputs are x_scene_jpg.*, so x's
    x_scene.glb neither fails it ("outputs exist") nor is replaced by its body mesh (with --overwrite)."""
    src, out = tmp_path / "in", tmp_path / "out"
    _noise(src / "x.jpg"), _noise(src / "x_scene.jpg", seed=2)
    crowd.people = {"x.jpg": 2, "x_scene.jpg": 1}
    for extra in ((), ("--overwrite",)):
        assert _predict(src, "--out", out, "--all-people", *extra) == 0
        assert _scene_nodes(out / "x_scene.glb") == ["person 1", "person 2", "photo camera"]
        assert (out / "x_scene_jpg.obj").is_file()
    assert [r["output"] for r in _summary(out)] == ["x", "x_p2", "x_scene_jpg"]
    capsys.readouterr()


def test_a_person_in_the_way_fails_the_image_before_anyone_is_written(tmp_path, capsys, crowd):
    """--all-people --person 2 into the folder of a --person 1 run: NAME is in the way, found before NAME_p1 is
    written (it wrote a duplicate person 1 there first); a rerun as before keeps the first run's row and
    numbers (they became "skipped" with none)."""
    img, out = _noise(tmp_path / "in" / "img0.png"), tmp_path / "out"
    assert _predict(img, "--out", out) == 0
    first = _summary(out)[0]
    before = _mtimes(out)
    capsys.readouterr()
    assert _predict(img, "--out", out, "--all-people", "--person", "2") == 1
    text = capsys.readouterr().out
    assert "outputs exist (img0_parts.png" in text and "holding person 1 of img0.png" in text
    assert {n: t for n, t in _mtimes(out).items() if not n.startswith(RANK_LOGS)} == {
        n: t for n, t in before.items() if not n.startswith(RANK_LOGS)}
    assert [(r["output"], r["status"], r["people"]) for r in _summary(out)] == [("img0", "error", "2")]
    assert _predict(img, "--out", out, "--all-people") == 0
    rows = _summary(out)
    assert [(r["output"], r["status"]) for r in rows] == [("img0", "done"), ("img0_p2", "done")]
    assert (rows[0]["finished_at"], rows[0]["verdict"], rows[0]["pck"]) == (
        first["finished_at"], first["verdict"], first["pck"])
    capsys.readouterr()


def test_the_summary_lists_the_folder_whatever_the_path_and_the_images_given(tmp_path, capsys, crowd, monkeypatch):
    """summary.csv describes the output folder: the same image by a relative and then an absolute path keeps its
    people's rows and numbers (one "skipped" row was left), and rerunning one image keeps the rows of the
    other images whose outputs are there (they vanished)."""
    src, out = _images(tmp_path / "in", 3), tmp_path / "out"
    crowd.people = {"img0.png": 2, "x.jpg": 1, "x.png": 1}
    monkeypatch.chdir(tmp_path)
    assert _predict(Path("in") / "img0.png", "--out", out, "--all-people") == 0
    first = _summary(out)
    assert _predict(src / "img0.png", "--out", out, "--all-people") == 0
    again = _summary(out)
    assert [(r["output"], r["status"], r["pck"]) for r in again] == [
        (r["output"], "done", r["pck"]) for r in first]
    assert again[0]["image"] == str(src / "img0.png")  # the path as given now

    assert _predict(src, "--out", out, "--all-people") == 0
    assert _predict(src / "img0.png", "--out", out, "--all-people", "--overwrite") == 0
    rows = [(r["index"], Path(r["image"]).name, r["output"], r["status"]) for r in _summary(out)]
    assert rows == [("0", "img0.png", "img0", "done"), ("0", "img0.png", "img0_p2", "done"),
                    ("", "x.jpg", "x", "done"), ("", "x.png", "x_png", "done")]
    capsys.readouterr()
