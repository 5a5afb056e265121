"""Bad input to `train-seg`, `train-fit` and `train-people`, regressions a reviewer found (helper-84): each is refused
before any work with one line and exit 2 (bad values, data or weights of the wrong kind) or 1 (a file that does not
read, a full disk), without leaving an empty --out folder; a run goes on only with its own settings."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from cli.main import main
from inference.paths import RESOURCES
from tests.crowd_frames import write_small_crowd
from training.cache import build_cache

SHIPPED_LITE0 = RESOURCES / "weights" / "imagenet_lite0.pt"
B = ("--epochs", "1", "--batch-size", "4", "--max-samples", "8")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A tiny RGB cache: 16 samples in 2 shards at 64 px."""
    out = tmp_path_factory.mktemp("cache") / "rgb"
    build_cache(out, seed=3, n=16, rgb=True, res=64, workers=1, shard=8)
    return out


@pytest.fixture(scope="module")
def labels_only(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cache") / "labels"
    build_cache(out, seed=4, n=8, rgb=False, res=64, workers=1, shard=8)
    return out


@pytest.fixture(scope="module")
def crowd(tmp_path_factory) -> Path:
    """Two small synth-crowd frames."""
    return write_small_crowd(tmp_path_factory.mktemp("crowd"), 2)


@pytest.fixture(scope="module")
def seg_run(cache, tmp_path_factory) -> Path:
    """A finished one-epoch train-seg run (copy it before going on with it)."""
    out = tmp_path_factory.mktemp("runs") / "seg"
    assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, "--width", "4"]) == 0
    return out


def _status(argv: list[str]) -> int:
    """main's exit status, an argparse refusal's included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    # the bound is on the message's own words: the test's folders, under however long a $TMPDIR, count as "/tmp"
    words = err.replace(str(Path(tempfile.gettempdir()).resolve()), "/tmp")
    assert "Traceback" not in err and len(err.splitlines()) == 1 and len(words) < 600, err
    return err


@pytest.mark.parametrize("command", ["train-seg", "train-fit", "train-people"])
def test_an_empty_out_is_refused_not_read_as_the_current_folder(command, cache, crowd, capsys, tmp_path, monkeypatch):
    """It trained into the current folder (latest.pt there: a later run from there would go on with it)."""
    monkeypatch.chdir(tmp_path)
    data = ["--data", str(crowd), "--pretrained", str(SHIPPED_LITE0)] if command == "train-people" else \
        ["--data", str(cache)]
    assert _status([command, *data, "--out", "", *B]) == 2
    assert "--out: is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# (command, arguments, what the message says); argparse's refusals (a usage line and the error) marked "usage"
BAD_VALUES = [
    ("train-seg", ["--threads", "-3"], "usage: argument --threads: must be 0 (torch's default) or more, not -3"),
    ("train-seg", ["--width", "0"], "usage: argument --width: must be 1 or more, not 0"),
    ("train-seg", ["--width", "-4"], "usage: argument --width: must be 1 or more, not -4"),
    ("train-people", ["--width", "0"], "usage: argument --width: must be 1 or more, not 0"),
    ("train-fit", ["--epochs", "0"], "usage: argument --epochs: must be 1 or more, not 0"),
    ("train-fit", ["--batch-size", "0"], "usage: argument --batch-size: must be 1 or more, not 0"),
    ("train-fit", ["--epochs", "1.5"], "usage: argument --epochs: not a whole number: '1.5'"),
    ("train-fit", ["--res", "0"], "--res must be a multiple of 16"),
    ("train-fit", ["--res", "-64"], "--res must be a multiple of 16"),
    ("train-fit", ["--res", "7"], "--res must be a multiple of 16"),
    ("train-fit", ["--res", "100"], "--res must be a multiple of 16"),
    ("train-people", ["--crop", "0"], "--crop must be a multiple of 16"),
    ("train-people", ["--crop", "7"], "--crop must be a multiple of 16"),
    ("train-fit", ["--loss-weights", '{"j2d": "a"}'], "usage: the weight of j2d is a number"),
    ("train-fit", ["--loss-weights", '{"lat": -1}'], "usage: the weight of lat is a number, 0 (the term off) or more"),
    ("train-seg", ["--max-samples", "-5"], "usage: argument --max-samples: must be 0 (all the data) or more, not -5"),
    ("train-people", ["--max-samples", "-3"],
     "usage: argument --max-samples: must be 0 (all the data) or more, not -3"),
    ("train-seg", ["--dice", "-1"], "usage: argument --dice: must be 0 (cross-entropy alone) or more, not -1"),
    ("train-seg", ["--dice", "nan"], "usage: argument --dice: not a finite number: 'nan'"),
    ("train-seg", ["--empty", "2"], "usage: a share of samples is between 0 and 1, not 2"),
    ("train-seg", ["--minutes", "-1"], "usage: argument --minutes: must be 0 (no budget) or more, not -1"),
    ("train-seg", ["--minutes", "inf"], "usage: argument --minutes: not a finite number: 'inf'"),
    ("train-seg", ["--lr", "0"], "--lr must be a positive number, not 0"),
    ("train-seg", ["--arch", "lite"], "--arch lite needs --pretrained, the encoder's ImageNet weights (shipped: "
                                      f"{SHIPPED_LITE0})"),
    ("train-seg", ["--pretrained", str(SHIPPED_LITE0)], "--pretrained is the encoder of --arch lite"),
    ("train-seg", ["--deep-limbs"], "--deep-limbs feeds the keypoints' limb maps to every scale: it needs --keypoints"),
    ("train-seg", ["--init", ""], "usage: is empty: give a weights file, or leave the option out"),
    ("train-seg", ["--seed", "-1"], "usage: argument --seed: "),  # (training/set_settings.py seed_type's words)
    # (a folder was "no such checkpoint file", a file "no such folder", an empty name "--data : no shards in it")
    ("train-seg", ["--init", str(Path(__file__).parent)],
     f"{Path(__file__).parent} is a folder, not a checkpoint file: give one of the .pt files of a run"),
    ("train-seg", ["--data", __file__], f"--data {__file__} is a file, not a folder: give the folder that holds the "
                                        f"cache's shards"),
    ("train-people", ["--data", __file__], f"--data {__file__} is a file, not a folder: give the folder that holds "
                                           f"the crowd frames"),
    ("train-seg", ["--data", ""], "--data '' holds an empty folder name: give cache folders, separated by commas"),
    ("train-fit", ["--data", "x,,"], "--data 'x,,' holds an empty folder name: give cache folders"),
]


@pytest.mark.parametrize("command, argv, needle", BAD_VALUES, ids=[f"{c} {' '.join(a)}" for c, a, _ in BAD_VALUES])
def test_bad_values_are_refused_before_any_work(command, argv, needle, cache, crowd, tmp_path, capsys):
    """They ended in tracebacks (exit 1, an empty --out left) or trained on nonsense without a word."""
    weights = ["--pretrained", str(SHIPPED_LITE0)] if command == "train-people" else []
    _refused_before_work(command, [*weights, *argv], needle, crowd if command == "train-people" else cache,
                         tmp_path / "run", capsys)


def _refused_before_work(command: str, argv: list[str], needle: str, data: Path, out: Path, capsys) -> None:
    """The command with `argv` exits 2 with `needle` (argparse's usage message when it starts so), no traceback,
    and makes no `out`."""
    assert _status([command, "--data", str(data), "--out", str(out), *B, *argv]) == 2
    if needle.startswith("usage: "):
        err = capsys.readouterr().err
        assert needle.removeprefix("usage: ") in err and "Traceback" not in err, err
    else:
        assert _one_line(capsys).startswith(f"{command}: {needle}")
    assert not out.exists()


def test_caches_a_run_cannot_use_are_named(cache, labels_only, tmp_path, capsys):
    """A labels-only cache for train-seg ("Could not infer dtype of NoneType"), one beside an RGB cache (IndexError),
    a cut-short shard (zipfile.BadZipFile) and a file that is no .npz at all: one line naming the folder or file."""
    out = tmp_path / "run"
    for data in (str(labels_only), f"{cache},{labels_only}"):
        assert main(["train-seg", "--data", data, "--out", str(out), *B]) == 2
        assert _one_line(capsys) == (f"train-seg: --data {labels_only} is a labels-only cache; train-seg needs images "
                                     f"(a cache made without --labels-only)")
    cut, foreign = tmp_path / "cut", tmp_path / "foreign"
    for folder in (cut, foreign):
        shutil.copytree(cache, folder)
    shard = cut / "shard_00001.npz"
    shard.write_bytes(shard.read_bytes()[:20000])
    (foreign / "shard_00000.npz").write_text("not an archive")
    for folder, name, why in ((cut, "shard_00001.npz", "damaged or cut short"),
                              (foreign, "shard_00000.npz", "not an .npz file")):
        assert main(["train-seg", "--data", str(folder), "--out", str(out), *B]) == 1
        err = _one_line(capsys)
        assert f"cannot read the shard {folder / name} ({why}" in err and "remove it and make it again" in err
    assert not out.exists()


def test_a_damaged_shard_read_by_load_cache_is_named(cache, tmp_path):
    """load_cache itself (other callers than the commands) names the shard it cannot read."""
    from training.cache import load_cache

    cut = tmp_path / "cut"
    shutil.copytree(cache, cut)
    (cut / "shard_00000.npz").write_bytes((cut / "shard_00000.npz").read_bytes()[:20000])
    with pytest.raises(OSError, match=r"cannot read the shard .*shard_00000.npz \(damaged or cut short\)"):
        load_cache(cut)


def test_pretrained_weights_that_do_not_load_are_one_line(cache, crowd, tmp_path, capsys):
    """A garbage file (KeyError: 105) and another network's weights (a page of state-dict keys) for --pretrained;
    a missing one names the shipped file (the message sent users to the build requirements)."""
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"x" * 1000)
    fit = RESOURCES / "weights" / "fit.pt"
    out = tmp_path / "run"
    for path, needle in ((garbage, "not a PyTorch checkpoint, or a damaged one"),
                         (fit, "not the EfficientNet-Lite0 encoder's weights")):
        assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, "--arch", "lite",
                     "--pretrained", str(path)]) == 2
        assert _one_line(capsys).startswith(f"train-seg: --pretrained {path}: {needle}")
    missing = tmp_path / "efficientnet_lite0.pt"
    assert main(["train-people", "--data", str(crowd), "--out", str(out), *B, "--pretrained", str(missing)]) == 2
    said = _one_line(capsys)
    assert f"--pretrained {missing}: no such file; make it with `python scripts/convert_efficientnet_lite.py`" in said
    assert f"--pretrained {SHIPPED_LITE0}" in said  # (where it is: resources/... worked only from the repo root)
    assert not out.exists()
    from cli.cmd_train import _bad_pretrained

    assert _bad_pretrained(str(SHIPPED_LITE0)) == ""  # what the messages offer does load


def test_an_init_of_another_network_says_so(cache, tmp_path, capsys):
    out = tmp_path / "run"
    fit = RESOURCES / "weights" / "fit.pt"
    assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, "--init", str(fit)]) == 2
    assert _one_line(capsys) == (f"train-seg: --init {fit} is a train-fit checkpoint (another network): train-seg "
                                 f"warm-starts from a train-seg checkpoint")
    assert not out.exists()


def test_train_people_needs_crowd_frames(cache, crowd, tmp_path, capsys):
    """An empty folder (a SystemExit), a training cache and a UP-3D set ("[Errno 2] ... 00000_people.npz")."""
    empty, up3d = tmp_path / "empty", tmp_path / "up3d"
    empty.mkdir()
    up3d.mkdir()
    shutil.copy(crowd / "00000_image.png", up3d / "00000_image.png")  # a case of `synth`: no _people.npz
    out = tmp_path / "run"
    for folder in (empty, cache, up3d):
        assert main(["train-people", "--data", str(folder), "--out", str(out), *B,
                     "--pretrained", str(SHIPPED_LITE0)]) == 2
        assert _one_line(capsys) == (f"train-people: --data {folder} holds no synth-crowd frames (NNNNN_image.png with "
                                     f"its NNNNN_people.npz): train-people trains on the frames of `main.py "
                                     f"synth-crowd`")
    assert not out.exists()


def test_train_people_max_samples_counts_over_all_folders(crowd, tmp_path):
    """--max-samples 2 with three folders read 2 frames from the first, then one from each of the others: 4."""
    import torch

    from training.config import PeopleConfig
    from training.train_people import PeopleTask

    cfg = PeopleConfig(data=",".join([str(crowd)] * 3), out=str(tmp_path / "r"), max_samples=2, backgrounds=None)
    assert PeopleTask(cfg).load(torch.device("cpu")) == 2
    cfg = PeopleConfig(data=",".join([str(crowd)] * 3), out=str(tmp_path / "r"), max_samples=1, backgrounds=None)
    assert PeopleTask(cfg).load(torch.device("cpu")) == 1


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_resume_with_other_settings_is_refused(seg_run, cache, tmp_path, capsys):
    """It went on and rewrote config.json: the run then claimed lr 0.5 and dice 3 for all of it."""
    run = tmp_path / "seg"
    shutil.copytree(seg_run, run)
    before = _files(run)
    other_data = tmp_path / "other"
    shutil.copytree(cache, other_data)
    for argv, needle in (
        (["--data", str(cache), "--epochs", "2", "--batch-size", "2", "--max-samples", "16", "--lr", "0.5", "--dice",
          "3", "--width", "4"],
         "(--batch-size 4 there, 2 now; --lr 0.001 there, 0.5 now; --max-samples 8 there, 16 now; --dice 0.5 there, "
         "3.0 now)"),
        (["--data", str(other_data), *B, "--width", "4"], f"(--data '{cache}' there, '{other_data}' now)"),
        (["--data", str(cache), *B, "--width", "8"], "(--width 4 there, 8 now)"),
    ):
        assert main(["train-seg", "--out", str(run), *argv]) == 2
        err = _one_line(capsys)
        assert f"train-seg: --out {run} holds a run made with other settings {needle}" in err, err
        assert "use another --out" in err and "only --epochs, --minutes, --threads, --bf16 may change" in err
    assert _files(run) == before


def test_a_resume_may_go_on_longer_and_says_so(seg_run, cache, tmp_path, capsys):
    """More epochs, another budget and thread count are recorded; an --init, not read on a resume, is not."""
    run = tmp_path / "seg"
    shutil.copytree(seg_run, run)
    init = run / "best.pt"
    assert main(["train-seg", "--data", f"{cache}/", "--out", str(run), "--epochs", "2", "--batch-size", "4",
                 "--max-samples", "8", "--width", "4", "--threads", "1", "--minutes", "5", "--init", str(init)]) == 0
    assert "(--init not used: the run goes on from its own weights)" in capsys.readouterr().out
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["epochs"], cfg["threads"], cfg["minutes"], cfg["init"]) == (2, 1, 5.0, None)
    assert "resumed at epoch 1 step 1 (--epochs 1 -> 2, --threads 0 -> 1, --minutes 0.0 -> 5.0)" in \
        (run / "log.txt").read_text()


def test_a_run_folder_of_another_network_or_a_damaged_latest_is_named(seg_run, cache, tmp_path, capsys):
    """train-fit into a train-seg run listed some 40 weight names; a damaged latest.pt did not say what to do."""
    run = tmp_path / "seg"
    shutil.copytree(seg_run, run)
    assert main(["train-fit", "--data", str(cache), "--out", str(run), *B]) == 2
    assert _one_line(capsys) == f"train-fit: --out {run} holds a train-seg run (another network's): use another --out"
    (run / "latest.pt").write_bytes(b"x" * 1000)
    assert main(["train-seg", "--data", str(cache), "--out", str(run), *B, "--width", "4"]) == 2
    assert _one_line(capsys) == (f"train-seg: {run / 'latest.pt'}: not a PyTorch checkpoint, or a damaged one: "
                                 f"remove it (the run then starts afresh) or use another --out")


@pytest.mark.skipif(not (Path("/proc/self").exists() and Path("/sys/kernel").is_dir()), reason="needs /proc and /sys")
def test_an_out_in_proc_or_sys_is_an_unusable_out(cache, capsys):
    """/proc/nbf was exit 2 and /sys/nbf exit 1 (an OSError of the first write)."""
    for out in ("/proc/nbf", "/sys/nbf"):
        assert main(["train-seg", "--data", str(cache), "--out", out, *B]) == 2
        assert _one_line(capsys).startswith(f"train-seg: --out {out}: cannot create the folder (")


def _mount_tmpfs(folder: Path, options: str) -> bool:
    return shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a small tmpfs (root)")
def test_a_full_disk_keeps_the_previous_checkpoint(seg_run, cache, tmp_path, capsys):
    """A run going on in a tmpfs with room for its files and little more: the save of its next latest.pt fails. It
    ended in torch's '[enforce fail at inline_container.cc]' traceback and left latest.pt.tmp half-written."""
    full = tmp_path / "full"
    full.mkdir()
    room = sum(p.stat().st_size for p in seg_run.iterdir()) // 1024 + 100  # kB: its files, not another latest.pt
    if not _mount_tmpfs(full, f"size={room}k"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        for p in seg_run.iterdir():
            shutil.copy(p, full / p.name)
        latest = (full / "latest.pt").read_bytes()
        assert main(["train-seg", "--data", str(cache), "--out", str(full), "--epochs", "2", "--batch-size", "4",
                     "--max-samples", "8", "--width", "4"]) == 1
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith("train-seg: cannot save the") and err.endswith(": the disk is full"), err
        assert (full / "latest.pt").read_bytes() == latest  # the previous checkpoint, whole
        assert sorted(p.name for p in full.iterdir()) == ["best.pt", "config.json", "latest.pt", "log.txt"]
    finally:
        subprocess.run(["umount", "--lazy", str(full)], capture_output=True)  # (lazy: a file left open fails no umount)


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test (an AssertionError out of main) if a run gets as far as training: the values below crashed
    torch, filled the memory or asked for terabytes once it started."""
    import training.train_fit
    import training.train_people
    import training.train_seg

    def refuse(cfg):
        raise AssertionError("the run started: the value was not refused")

    for module, name in ((training.train_seg, "train_seg"), (training.train_fit, "train_fit"),
                         (training.train_people, "train_people")):
        monkeypatch.setattr(module, name, refuse)


def _max_threads() -> int:
    return 4 * (os.cpu_count() or 1)


# sizes past their bounds (the sweep's: --threads 100000 segfaulted, --res 1024 was killed by the OOM killer,
# --width 100000 and --crop 100000 ended in allocation tracebacks, --lr 1e300 overflowed in AdamW's step)
BOUNDS = [
    ("train-seg", ["--threads", "100000"],
     f"usage: argument --threads: must be at most {_max_threads()} (4 per CPU core), not 100000"),
    ("train-fit", ["--threads", str(_max_threads() + 1)], "usage: argument --threads: must be at most"),
    ("train-seg", ["--width", "100000"], "usage: argument --width: must be at most 256, not 100000"),
    ("train-people", ["--width", "257"], "usage: argument --width: must be at most 256, not 257"),
    ("train-fit", ["--res", "1024"], "--res 1024 is too large: at most 512"),
    ("train-people", ["--crop", "100000"], "--crop 100000 is too large: at most 1024"),
    ("train-seg", ["--lr", "1e300"], "--lr 1e+300 is too large: a learning rate is at most 1"),
    ("train-fit", ["--lr", "1e8"], "--lr 1e+08 is too large: a learning rate is at most 1"),
]


@pytest.mark.parametrize("command, argv, needle", BOUNDS, ids=[f"{c} {' '.join(a)}" for c, a, _ in BOUNDS])
def test_sizes_past_their_bounds_are_refused_before_any_work(command, argv, needle, cache, crowd, tmp_path, capsys,
                                                             no_training):
    _refused_before_work(command, argv, needle, crowd if command == "train-people" else cache, tmp_path / "run",
                         capsys)


@pytest.mark.parametrize("command, argv", [
    ("train-seg", ["--threads", str(_max_threads()), "--width", "256", "--lr", "1"]),
    ("train-fit", ["--res", "512", "--lr", "1"]),
    ("train-people", ["--width", "256", "--crop", "1024", "--pretrained", str(SHIPPED_LITE0), "--backgrounds", ""]),
])
def test_the_bounds_themselves_are_taken_and_said_in_the_help(command, argv, cache, crowd, tmp_path, capsys,
                                                              no_training):
    data = crowd if command == "train-people" else cache
    with pytest.raises(AssertionError, match="the run started"):  # (every check passed: the run would start)
        main([command, "--data", str(data), "--out", str(tmp_path / "run"), *B, *argv])
    assert _status([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"at most 4 per CPU core ({_max_threads()} here)" in text and "at most 1 " in text
    assert {"train-seg": "(1 to 256)", "train-fit": "at most 512)", "train-people": "at most 1024)"}[command] in text


def test_train_people_default_weights_are_found_from_any_folder(crowd, tmp_path, monkeypatch, capsys, no_training):
    """Its default --pretrained, the float32 conversion people.pt was trained from, was named from the current folder
    (data/pretrained/efficientnet_lite0.pt): now beside the code. Where it has not been made, the message says how,
    and offers the shipped copy; where it has, the run starts from it."""
    from training.config import CONVERTED_LITE0, PeopleConfig, default

    monkeypatch.chdir(tmp_path)
    assert default(PeopleConfig, "pretrained") == CONVERTED_LITE0 and Path(CONVERTED_LITE0).is_absolute()
    argv = ["train-people", "--data", str(crowd), "--out", str(tmp_path / "run"), *B, "--backgrounds", ""]
    if not Path(CONVERTED_LITE0).is_file():
        assert main(argv) == 2
        said = _one_line(capsys)
        assert "scripts/convert_efficientnet_lite.py" in said and str(SHIPPED_LITE0) in said, said
        assert not (tmp_path / "run").exists()
    else:
        with pytest.raises(AssertionError, match="the run started"):  # (the weights were found and load)
            main(argv)


class _CallsSystem:
    """Unpickled, it would run a shell command: pickled as posix.system, a module torch 2.13 blocks by name (its
    refusal reads "Trying to load unsupported GLOBAL posix.system whose module posix is blocked")."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_weights_that_would_run_a_blocked_function_are_refused_as_code(cache, tmp_path, capsys):
    """They were called "not a PyTorch checkpoint, or a damaged one": the words for a module torch blocks outright
    were not known. The code never ran, and still does not."""
    import torch

    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.pt"
    torch.save({"model": {}, "payload": _CallsSystem(marker)}, evil)
    out = tmp_path / "run"
    for argv, said in ((["--init", str(evil)], f"train-seg: {evil}: "),
                       (["--arch", "lite", "--pretrained", str(evil)], f"train-seg: --pretrained {evil}: ")):
        assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, *argv]) == 2
        assert _one_line(capsys) == (f"{said}it holds {os.system.__module__}.system, more than tensors and plain "
                                     f"data (refused: loading it could run code)")
    assert not marker.exists() and not out.exists()


def test_a_plain_pickle_as_weights_is_one_line_without_torch_s_warning(cache, tmp_path, capsys, recwarn):
    """A pickle of protocol 4 printed torch's two-line "UserWarning: Detected pickle protocol 4" before the error."""
    import pickle

    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps({"model": [1, 2, 3]}, protocol=4))
    out = tmp_path / "run"
    for argv in (["--init", str(plain)], ["--arch", "lite", "--pretrained", str(plain)]):
        assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, *argv]) == 2
        assert _one_line(capsys).endswith(f"{plain}: not a PyTorch checkpoint, or a damaged one")
    assert [str(w.message) for w in recwarn if "pickle protocol" in str(w.message)] == []


def test_a_failed_allocation_is_one_line_and_other_errors_keep_their_traceback(cache, tmp_path, capsys, monkeypatch):
    """What the bounds still let through (a large batch on a small machine): torch's "[enforce fail at
    alloc_cpu.cpp:127] ... you tried to allocate N bytes" was a traceback."""
    import training.train_seg

    def fails(error):
        def train_seg(cfg):
            raise error
        return train_seg

    out = tmp_path / "run"
    for error in (RuntimeError("[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: not enough memory: "
                               "you tried to allocate 68719476736 bytes."), MemoryError()):
        monkeypatch.setattr(training.train_seg, "train_seg", fails(error))
        assert main(["train-seg", "--data", str(cache), "--out", str(out), *B]) == 1
        assert _one_line(capsys) == ("train-seg: out of memory: a smaller --batch-size (or --res, --crop, --width) "
                                     "needs less")
        assert not out.exists()
    monkeypatch.setattr(training.train_seg, "train_seg", fails(RuntimeError("a bug")))
    with pytest.raises(RuntimeError, match="a bug"):
        main(["train-seg", "--data", str(cache), "--out", str(out), *B])
    assert not out.exists()  # (a traceback, Ctrl-C and SIGTERM left their --out behind, empty)
    from cli.main import Terminated

    for stop, status in ((KeyboardInterrupt(), 130), (Terminated(), 143)):
        monkeypatch.setattr(training.train_seg, "train_seg", fails(stop))
        assert main(["train-seg", "--data", str(cache), "--out", str(out), *B]) == status
        assert not out.exists()


def _edit_shard(folder: Path, name: str, **arrays) -> None:
    """Rewrite one shard of `folder` with some of its arrays replaced."""
    import numpy as np

    with np.load(folder / name) as z:
        held = {k: z[k] for k in z.files}
    np.savez(folder / name, **{**held, **arrays})


def test_a_shard_with_labels_out_of_range_or_arrays_that_disagree_is_named(cache, tmp_path, capsys):
    """Labels of 200 ended in an IndexError traceback mid-run, images cut to 5 rows in another, labels of another
    size in numpy's concatenation message naming no file; each left an empty --out behind."""
    import numpy as np

    out = tmp_path / "run"
    with np.load(cache / "shard_00001.npz") as z:
        labels, images = z["labels"], z["images"]
    for case, arrays, needle in (
        ("lab", {"labels": np.full_like(labels, 200)}, "its labels are not part indices 0 to 12 (uint8, 200 to 200)"),
        ("n", {"images": images[:5]}, "its arrays hold different numbers of samples (labels 8, images 5"),
        ("shape", {"labels": labels[:, :10, :20]}, "its images and labels are not square maps of one size"),
        ("res", {"labels": labels[:, :32, :32], "images": images[:, :32, :32]},
         "its labels are (32, 32) a sample, those of"),
    ):
        data = tmp_path / case
        shutil.copytree(cache, data)
        _edit_shard(data, "shard_00001.npz", **arrays)
        assert main(["train-seg", "--data", str(data), "--out", str(out), *B, "--max-samples", "0"]) == 2
        err = _one_line(capsys)
        assert err.startswith(f"train-seg: the shard {data / 'shard_00001.npz'}: ") and needle in err, err
        assert err.endswith("make it again with `python -m training.cache`") or "one --res" in err, err
        assert not out.exists()


def test_a_crowd_frame_that_does_not_read_is_named(crowd, tmp_path, capsys):
    """An empty people file was "not an .npz file (...)" with no file named, an object array numpy's "Object arrays
    cannot be loaded when allow_pickle=False", an empty image its bare name (a FileNotFoundError's text)."""
    import numpy as np

    mend = "remove the frame's files, or make them again with `main.py synth-crowd`"
    for case, name, spoil, why in (
        ("empty", "00000_people.npz", lambda p: p.write_bytes(b""), "the file is empty"),
        ("objects", "00000_people.npz", lambda p: np.savez(p, box=np.array([{"a": 1}], dtype=object)),
         "it holds pickled objects, not plain arrays"),
        ("image", "00001_image.png", lambda p: p.write_bytes(b""), "missing, or not an image that decodes"),
    ):
        data = tmp_path / case
        shutil.copytree(crowd, data)
        spoil(data / name)
        out = tmp_path / f"run_{case}"
        assert main(["train-people", "--data", str(data), "--out", str(out), "--epochs", "1", "--batch-size", "1",
                     "--pretrained", str(SHIPPED_LITE0), "--backgrounds", ""]) == 2
        err = _one_line(capsys)
        assert err.startswith(f"train-people: {data / name}: {why}") and err.endswith(mend), err
        assert "allow_pickle" not in err and not out.exists()


def test_a_resume_with_fewer_epochs_than_trained_is_refused_and_a_finished_one_says_so(seg_run, cache, tmp_path,
                                                                                       capsys):
    """--epochs 3 on a run at epoch 19 "resumed", trained nothing and named best.pt with exit 0, without a word."""
    import torch

    run = tmp_path / "seg"
    shutil.copytree(seg_run, run)
    ck = torch.load(run / "latest.pt", weights_only=True)
    ck["epoch"] = 3  # a run that has trained 3 epochs
    torch.save(ck, run / "latest.pt")
    before = _files(run)
    assert main(["train-seg", "--data", str(cache), "--out", str(run), *B, "--width", "4", "--epochs", "2"]) == 2
    assert _one_line(capsys) == (f"train-seg: --out {run} holds a run that has trained 3 epochs: --epochs 2 would "
                                 f"train nothing; give --epochs above 3 to go on with it, or another --out")
    assert _files(run) == before
    assert main(["train-seg", "--data", str(cache), "--out", str(run), *B, "--width", "4", "--epochs", "3"]) == 0
    assert "the run has trained its 3 epochs: nothing to train (a larger --epochs goes on)" in capsys.readouterr().out


def test_a_second_run_into_a_folder_a_run_is_writing_into_is_refused(seg_run, cache, tmp_path, capsys):
    """sweep129: two runs into one --out both ran and both said "best checkpoint": one's best.pt was left beside the
    other's latest.pt and config.json. The run holds OUT/.run.lock while it trains (and removes it at the end)."""
    import os
    import shutil

    from inference.file_writes import lock_folder, unlock_folder

    assert not (seg_run / ".run.lock").exists()  # a finished run leaves only what it made
    out = tmp_path / "seg"
    shutil.copytree(seg_run, out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    held = lock_folder(out)  # another run, as far as the lock goes
    try:
        capsys.readouterr()
        assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, "--width", "4", "--epochs", "2"]) == 2
        err = capsys.readouterr().err
        assert f"train-seg: another run is writing into {out} (process {os.getpid()})" in err, err
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != ".run.lock"} == before
    finally:
        unlock_folder(held)
    assert main(["train-seg", "--data", str(cache), "--out", str(out), *B, "--width", "4", "--epochs", "2"]) == 0
    assert not (out / ".run.lock").exists()
