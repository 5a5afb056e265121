"""train-people's --backgrounds: its default is found beside the code (where scripts/extract_backgrounds.py writes
the photos), a named folder that is missing or holds no photo is refused in one line (exit 2) unless `--backgrounds
''` asks for none, and the log says how many were loaded. Also: the training commands' help states the defaults of
--epochs, --batch-size and --seed, and under torchrun only rank 0 names the best checkpoint.

Found by a sweep: the default was "data/backgrounds" of the working folder, and a run without it trained on the drawn
backgrounds alone, silently, with config.json naming the folder as if it had been used."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from cli.main import main
from inference.paths import RESOURCES
from tests.crowd_frames import write_small_crowd

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_LITE0 = RESOURCES / "weights" / "imagenet_lite0.pt"
SMALL = ("--epochs", "1", "--batch-size", "1", "--crop", "64", "--width", "4", "--threads", "1",
         "--pretrained", str(SHIPPED_LITE0))


@pytest.fixture(scope="module")
def crowd(tmp_path_factory) -> Path:
    return write_small_crowd(tmp_path_factory.mktemp("crowd"), 2)


@pytest.fixture
def no_training(monkeypatch):
    import training.train_people

    def refuse(cfg):
        raise AssertionError("the run started")

    monkeypatch.setattr(training.train_people, "train_people", refuse)


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_the_default_backgrounds_are_where_extract_backgrounds_writes_them(tmp_path, monkeypatch):
    from training.config import BACKGROUNDS, PeopleConfig, default

    spec = importlib.util.spec_from_file_location("extract_backgrounds", ROOT / "scripts" / "extract_backgrounds.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.chdir(tmp_path)  # (the working folder plays no part)
    assert default(PeopleConfig, "backgrounds") == BACKGROUNDS == str(script.DEFAULT_OUT)
    assert Path(BACKGROUNDS).is_absolute() and Path(BACKGROUNDS) == ROOT / "data" / "backgrounds"


@pytest.mark.parametrize("case", ["missing", "empty", "default"])
def test_backgrounds_that_are_not_there_are_refused(case, crowd, tmp_path, monkeypatch, capsys, no_training):
    from training.config import BACKGROUNDS

    folder = tmp_path / case
    if case == "empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("no photo here")
    argv = [] if case == "default" else ["--backgrounds", str(folder)]
    if case == "default":
        if Path(BACKGROUNDS).is_dir():
            pytest.skip(f"{BACKGROUNDS} has been made here")
        folder = Path(BACKGROUNDS)
    out = tmp_path / "run"
    assert main(["train-people", "--data", str(crowd), "--out", str(out), *SMALL, *argv]) == 2
    said = _one_line(capsys)
    why = "no such folder" if case != "empty" else "holds no images"
    assert said.startswith(f"train-people: --backgrounds {folder}") and why in said, said
    assert "scripts/extract_backgrounds.py" in said and "--backgrounds ''" in said, said
    assert not out.exists()


def test_the_log_says_how_many_backgrounds_were_loaded(crowd, tmp_path, capsys):
    rng = np.random.default_rng(0)
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(2):
        cv2.imwrite(str(photos / f"{i}.png"), rng.integers(0, 255, (80, 96, 3), dtype=np.uint8))
    cv2.imwrite(str(photos / "tiny.png"), np.zeros((8, 8, 3), np.uint8))  # too small to crop: not used
    argv = ["train-people", "--data", str(crowd), *SMALL, "--max-samples", "2"]
    assert main([*argv, "--out", str(tmp_path / "with"), "--backgrounds", str(photos)]) == 0
    assert f"2 real backgrounds from {photos}" in (tmp_path / "with" / "log.txt").read_text()
    assert main([*argv, "--out", str(tmp_path / "without"), "--backgrounds", ""]) == 0  # none, asked for
    assert "no real backgrounds (--backgrounds '')" in (tmp_path / "without" / "log.txt").read_text()
    (photos / "0.png").unlink(), (photos / "1.png").unlink()  # only a photo too small to use: refused
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "small"), "--backgrounds", str(photos)]) == 2
    assert "holds no photo of at least 64 px a side" in _one_line(capsys)
    assert not (tmp_path / "small").exists()


@pytest.mark.parametrize("command", ["train-seg", "train-fit", "train-people"])
def test_the_help_states_the_defaults_of_epochs_batch_size_and_seed(command, capsys):
    from training.config import FitConfig, PeopleConfig, SegConfig, default

    cls = {"train-fit": FitConfig, "train-people": PeopleConfig}.get(command, SegConfig)
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, field in (("--epochs", "epochs"), ("--batch-size", "batch_size"), ("--seed", "seed")):
        at = text.index(f"{option} {field.upper()} ")
        said = text[at:text.index(" --", at + 3)]
        assert f"default {default(cls, field)})" in said, said


def test_under_torchrun_only_rank_0_names_the_best_checkpoint(tmp_path, monkeypatch, capsys):
    """The processes of a torchrun job each run the command: rank 0 writes the checkpoints and says where."""
    import training.train_fit

    best = tmp_path / "run" / "best.pt"

    def trained(cfg):
        best.parent.mkdir(exist_ok=True)
        best.write_bytes(b"")
        return best

    monkeypatch.setattr(training.train_fit, "train_fit", trained)
    cache = tmp_path / "cache"
    cache.mkdir()
    n = 4
    np.savez(cache / "shard_00000.npz", labels=np.zeros((n, 8, 8), np.uint8), pose=np.zeros((n, 72)),
             betas=np.zeros((n, 10)), transl=np.zeros((n, 3)), joints3d=np.zeros((n, 24, 3)),
             joints2d=np.zeros((n, 24, 2)))
    argv = ["train-fit", "--data", str(cache), "--out", str(tmp_path / "run")]
    said = {}
    for rank in ("1", "0"):
        monkeypatch.setenv("RANK", rank)
        assert main(argv) == 0
        said[rank] = capsys.readouterr().out
    assert said == {"1": "", "0": f"best checkpoint: {best}\n"}
