"""`main.py evaluate`: a data folder or split with nothing to evaluate, a negative limit, an --out it cannot use or a
--weights folder without the networks is one line and exit 2, before any model loads; the default split still falls
back to every case in a folder made without split lists. A case that cannot be read is named and left out, and the
rest are still scored and written; a write that fails is one line and leaves the previous results."""
from __future__ import annotations

import errno
import json
import shutil

import pytest

import inference.pipeline as pipeline_module
from cli.cmd_evaluate import check_cases
from cli.main import main
from inference.file_writes import describe_os_error


@pytest.fixture
def no_models(monkeypatch):
    """Fail the test if the command gets as far as building the models."""
    def refuse(*a, **k):
        raise AssertionError("the models were loaded before the arguments were checked")

    monkeypatch.setattr(pipeline_module, "Predictor", refuse)


def _cases(folder, ids):
    folder.mkdir(exist_ok=True)
    for i in ids:
        for suffix in ("_image.png", "_body.pkl"):  # listed by name only: nothing here reads them
            (folder / f"{i}{suffix}").write_bytes(b"")
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
    assert "default: docs/eval: the committed tables, replaced only with --overwrite" in out
    assert "--split NAME" in out and "default: test" in out


def test_a_misspelt_precision_in_the_environment_is_one_line(tmp_path, capsys, monkeypatch):
    """NBF_PRECISION decides the networks' number format (inference/nets/precision.py): a word it does not know
    stops the run with the variable named, no traceback (the Predictor refuses before it loads anything)."""
    monkeypatch.setenv("NBF_PRECISION", "half")
    data = _cases(tmp_path / "set", ["00000"])
    assert main(["evaluate", str(data), "--out", str(tmp_path / "X"), "--baseline-limit", "0",
                 "--refine-limit", "0"]) == 2
    _one_line_error(capsys, "NBF_PRECISION", "half")


@pytest.mark.parametrize("flag", ["--limit", "--baseline-limit", "--refine-limit"])
def test_a_negative_limit_is_refused(tmp_path, capsys, no_models, flag):
    """--limit -1 evaluated all cases but the last (a slice), and negative baseline / refinement limits passed."""
    data = _cases(tmp_path / "set", ["00000"])
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", str(data), "--out", str(tmp_path / "X"), flag, "-1"])
    assert exit_.value.code == 2
    assert f"argument {flag}: must be 0 or more, not -1" in capsys.readouterr().err
    assert not (tmp_path / "X").exists()


def test_a_folder_of_crowd_frames_or_without_bodies_is_refused(tmp_path, capsys, no_models):
    """synth-crowd's frames are NNNNN_image.png too: evaluate took such a folder for a labelled set and failed on its
    first case with a traceback. It is refused before any model loads, by its crowd.json or (a folder of an older
    release) its NNNNN_people.npz; a folder of images without any body pickle likewise."""
    crowd = tmp_path / "crowd"
    assert main(["synth-crowd", "--out", str(crowd), "--n", "1", "--size", "128x96", "--people", "1-1",
                 "--heights", "60-90"]) == 0
    capsys.readouterr()
    out = tmp_path / "X"
    assert main(["evaluate", str(crowd), "--out", str(out)]) == 2
    _one_line_error(capsys, "holds a synth-crowd set (crowd.json)", "UP-3D layout", "scripts/eval_crowds.py")
    (crowd / "crowd.json").unlink()
    assert main(["evaluate", str(crowd), "--out", str(out)]) == 2
    _one_line_error(capsys, "holds a synth-crowd set (*_people.npz)")
    images = tmp_path / "images"
    images.mkdir()
    shutil.copy(crowd / "00000_image.png", images / "00000_image.png")
    assert main(["evaluate", str(images), "--out", str(out)]) == 2
    _one_line_error(capsys, "has no NNNNN_body.pkl files")
    assert not out.exists()


@pytest.mark.parametrize("where", ["file", "under_file", "proc"])
def test_an_out_that_cannot_be_used_is_refused_before_any_work(tmp_path, capsys, no_models, where):
    """--out was first used after the whole evaluation: a file in its place, or /proc, ended the run with a
    traceback and nothing written."""
    data = _cases(tmp_path / "set", ["00000"])
    afile = tmp_path / "afile.txt"
    afile.write_text("keep")
    out = {"file": afile, "under_file": afile / "sub", "proc": "/proc/nbf-evaluate-test"}[where]
    assert main(["evaluate", str(data), "--out", str(out)]) == 2
    _one_line_error(capsys, f"--out {out}")
    assert afile.read_text() == "keep"


@pytest.mark.parametrize("kind", ["seg", "fit"])
def test_a_training_run_given_as_weights_is_said_to_be_one(tmp_path, capsys, no_models, kind):
    """A training run's folder (best.pt, latest.pt, config.json: training/loop.py) is no weights folder: the
    Predictor's "weights not found ... train them" told a user who had just trained them to train again."""
    data = _cases(tmp_path / "set", ["00000"])
    run = tmp_path / "run"
    run.mkdir()
    for name in ("best.pt", "latest.pt"):
        (run / name).write_bytes(b"")  # found by name: nothing is loaded
    (run / "config.json").write_text(json.dumps({"kind": kind}))
    assert main(["evaluate", str(data), "--out", str(tmp_path / "X"), "--weights", str(run)]) == 2
    net = {"seg": "segmentation", "fit": "fitting"}[kind]
    _one_line_error(capsys, f"is a {net} training run (best.pt, latest.pt)", "seg.pt and fit.pt",
                    "scripts/package_weights.py", f"--{kind} {run / 'best.pt'}", "--weights FOLDER")
    assert main(["evaluate", str(data), "--out", str(tmp_path / "X"), "--weights", str(tmp_path / "set")]) == 2
    _one_line_error(capsys, "no seg.pt or fit.pt there")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """Two synthetic cases in UP-3D layout (both in test.txt) and tiny untrained networks: the plumbing, fast."""
    from tests.app.support import make_dataset
    from tests.tiny_weights import write_tiny_weights

    root = tmp_path_factory.mktemp("evaluate")
    make_dataset(root / "set", 2)
    return root / "set", write_tiny_weights(root / "weights")


def _copy(labelled, tmp_path):
    data = tmp_path / "set"
    shutil.copytree(labelled[0], data)
    return data


def _evaluate(data, out, weights, *extra):
    return main(["evaluate", str(data), "--out", str(out), "--weights", str(weights), "--device", "cpu",
                 "--precision", "float32", "--keypoints", "none", "--baseline-limit", "0", "--refine-limit", "0",
                 *extra])


def _lines(text):
    """The lines of a captured stream, the progress bar's redraws split off."""
    return [x.strip() for x in text.replace("\r", "\n").splitlines() if x.strip()]


def test_unreadable_cases_are_named_and_left_out_and_the_rest_written(labelled, tmp_path, capsys):
    """Each way a case can fail to read stopped the whole run with a traceback, after the cases before it were
    scored, and wrote nothing: now each is one line naming the case and why, is left out of the table (and listed
    in eval.md and eval.json), the readable case is scored and the results written; exit 1 as `predict`'s failed
    images."""
    data = _copy(labelled, tmp_path)
    for i in range(2, 6):  # cases 00002..00005: copies of case 00000, each damaged below
        for f in data.glob("00000_*"):
            shutil.copy(f, data / f.name.replace("00000", f"{i:05d}"))
    image = (data / "00000_image.png").read_bytes()
    (data / "00001_body.pkl").unlink()
    (data / "00002_body.pkl").write_text("garbage")
    (data / "00003_image.png").write_bytes(image[:100])
    (data / "00004_image.png").write_bytes(b"")
    (data / "00005_parts.png").write_text("garbage")
    (data / "test.txt").write_text("".join(f"/{i:05d}_image.png\n" for i in range(7)))  # 00006: not there
    out = tmp_path / "out"
    assert _evaluate(data, out, labelled[1]) == 1
    captured = capsys.readouterr()
    err = _lines(captured.err)
    assert "Traceback" not in captured.err
    said = {x.split()[1]: x for x in err if x.startswith("case ")}
    assert sorted(said) == [f"{i:05d}" for i in range(1, 7)], err
    for cid, needle in (("00001", "00001_body.pkl missing"), ("00002", "00002_body.pkl"),
                        ("00003", "00003_image.png"), ("00004", "00004_image.png"),
                        ("00005", "00005_parts.png: cannot read the part map"),
                        ("00006", "00006_image.png: file not found")):
        assert said[cid].startswith(f"case {cid} left out: ") and needle in said[cid], said[cid]
    assert err[-1] == "error: 6 of the 7 cases could not be read and are left out (named above and in eval.md)"
    ev = json.loads((out / "eval.json").read_text())
    assert ev["n"] == 1 and [c["id"] for c in ev["cases"]] == ["00000"]
    assert sorted(ev["skipped"]) == [f"{i:05d}" for i in range(1, 7)] and ev["rows"]["network, GT parts"]["n"] == 1
    md = (out / "eval.md").read_text()
    assert "1 cases" in md.splitlines()[0] and "6 listed cases could not be read and are left out: 00001 (" in md
    assert md in captured.out


def test_no_readable_case_writes_nothing(labelled, tmp_path, capsys):
    """Every listed case unreadable: one line, exit 1, and the previous results stay (no empty table over them)."""
    data = _copy(labelled, tmp_path)
    for f in data.glob("*_image.png"):
        f.unlink()
    out = tmp_path / "out"
    out.mkdir()
    (out / "eval.json").write_text("previous")
    assert _evaluate(data, out, labelled[1], "--overwrite") == 1
    err = _lines(capsys.readouterr().err)
    assert err[-1].startswith("error: none of the 2 cases of") and "nothing to evaluate" in err[-1], err
    assert (out / "eval.json").read_text() == "previous" and not (out / "eval.md").exists()


def test_cases_without_ground_truth_joints_are_left_out_of_the_baseline(labelled, tmp_path, capsys):
    """A missing NNNNN_joints.npy was read as fourteen joints at (0, 0) and the baseline fitted to them, a made-up
    row; a truncated one stopped the run. Both cases are scored, left out of that baseline, and said so."""
    data = _copy(labelled, tmp_path)
    (data / "00000_joints.npy").unlink()
    joints = data / "00001_joints.npy"
    joints.write_bytes(joints.read_bytes()[:60])
    out = tmp_path / "out"
    assert _evaluate(data, out, labelled[1], "--baseline-limit", "2") == 0
    err = _lines(capsys.readouterr().err)
    notes = [x for x in err if x.startswith("case ")]
    assert notes == ["case 00000: no ground-truth 2D joints: left out of the baseline on them",
                     "case 00001: 00001_joints.npy: cannot read the joints (not an .npy file, or one cut short or "
                     "damaged) (read as missing); no ground-truth 2D joints: left out of the baseline on them"], err
    ev = json.loads((out / "eval.json").read_text())
    assert ev["n"] == 2 and ev["rows"]["optimisation baseline, GT 2D joints"] == {}
    assert [c.get("no_gt_joints") for c in ev["cases"]] == [True, True] and "skipped" not in ev
    assert "2 cases within the baseline's limit had no ground-truth 2D joints" in (out / "eval.md").read_text()


def test_a_failed_write_is_one_line_and_keeps_the_previous_table(labelled, tmp_path, capsys):
    """The results were written with write_text after the run: a write that failed was a traceback (and a full
    disk left an empty eval.json). Now eval.json and eval.md are each written whole or not at all."""
    out = tmp_path / "out"
    (out / "eval.json").mkdir(parents=True)  # in the way of the file: its write fails after the run
    (out / "eval.md").write_text("previous")
    assert _evaluate(labelled[0], out, labelled[1], "--overwrite") == 1
    err = _lines(capsys.readouterr().err)
    # the file as describe_os_error names it: shortened when long (a long $TMPDIR makes tmp_path so)
    named = describe_os_error(IsADirectoryError(errno.EISDIR, "", str(out / "eval.json")))
    assert err[-1] == f"error: results not written: {named} (earlier results there are left as they were)", err
    assert named.endswith("eval.json: a folder has this name"), named
    assert (out / "eval.md").read_text() == "previous"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("line, why", [("\0", "holds a NUL byte"),
                                       ("/" + "a" * 300 + "_image.png", "is 300 bytes long, too long for its files'"),
                                       (bytes(range(1, 256)).decode("latin-1") + "\0", "is not text")],
                         ids=["nul", "long", "random bytes"])
def test_a_split_line_that_cannot_name_a_case_is_refused_before_the_models_load(tmp_path, capsys, no_models, line,
                                                                                  why):
    """Every look for such a case's files raised (ValueError: embedded null byte; OSError: File name too long): a
    traceback after the models had loaded, and the readable cases were lost with it."""
    data = _cases(tmp_path / "set", ["00000"])
    (data / "test.txt").write_text(f"/00000_image.png\n{line}\n", encoding="latin-1")
    assert main(["evaluate", str(data), "--out", str(tmp_path / "X")]) == 2
    _one_line_error(capsys, f"error: --split test: {data / 'test.txt'} lists ", f", which {why}",
                    "not a case name (NNNNN, as in /NNNNN_image.png)", "mend the list or make it again")
    assert not (tmp_path / "X").exists()


def test_evaluate_itself_leaves_such_a_line_out_and_scores_the_rest(labelled, tmp_path, capsys):
    """training.evaluate.evaluate for callers other than the command: the line is named and left out, as a missing
    case is, and the readable cases are scored."""
    from training.evaluate import evaluate

    data = _copy(labelled, tmp_path)
    (data / "test.txt").write_text("/00000_image.png\n\0\n/" + "a" * 300 + "_image.png\n")
    r = evaluate(data, None, "test", 0, 0, 0, "cpu", labelled[1], progress=False, keypoints="none",
                 precision="float32")
    assert r.n == 1 and len(r.skipped) == 2
    err = _lines(capsys.readouterr().err)
    assert "case left out: the split list's line '\\x00' holds a NUL byte" in err, err
    assert any(x.startswith("case left out: the split list's line 'aaaaaaaaaa") and "300 bytes long" in x
               for x in err), err


def test_an_empty_data_or_a_split_outside_data_is_refused(tmp_path, capsys, no_models, monkeypatch):
    """`evaluate "" --out X` evaluated the current folder ("no cases found in ."), although --out "" is refused;
    `--split ../other/test` read a list outside DATA."""
    monkeypatch.chdir(tmp_path)
    _cases(tmp_path, ["00000"])  # (cases in the current folder: "" must not find them)
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "", "--out", str(tmp_path / "X")])
    assert info.value.code == 2 and "argument DATA: is empty: give the folder to read" in capsys.readouterr().err
    data = _cases(tmp_path / "set", ["00001"])
    other = _cases(tmp_path / "other", ["00001"])
    (other / "test.txt").write_text("/00001_image.png\n")
    for split in ("../other/test", str(other / "test"), ".."):
        assert main(["evaluate", str(data), "--split", split, "--out", str(tmp_path / "X")]) == 2
        _one_line_error(capsys, f"--split {split}: a split is the name of a NAME.txt list in DATA, not a path")
    assert not (tmp_path / "X").exists()


def test_a_run_that_fails_after_making_its_out_leaves_no_empty_folder(tmp_path, capsys, monkeypatch):
    """--device cuda without a GPU (a PredictionError once the models load) left the --out it had made, empty; so did
    a traceback."""
    from inference.pipeline import PredictionError

    data = _cases(tmp_path / "set", ["00000"])
    out = tmp_path / "X"
    import training.evaluate

    for exc in (PredictionError("CUDA was asked for, but this machine has no usable GPU"), RuntimeError("a bug")):
        def fail(*a, raised=exc, **k):
            raise raised

        monkeypatch.setattr(pipeline_module, "Predictor", fail)
        monkeypatch.setattr(training.evaluate, "evaluate", fail)
        if isinstance(exc, PredictionError):
            assert main(["evaluate", str(data), "--out", str(out), "--device", "cuda"]) == 2
            _one_line_error(capsys, "no usable GPU")
        else:
            with pytest.raises(RuntimeError, match="a bug"):
                main(["evaluate", str(data), "--out", str(out)])
        assert not out.exists()
    out.mkdir()
    with pytest.raises(RuntimeError, match="a bug"):  # an --out that was there before, empty: left as it was
        main(["evaluate", str(data), "--out", str(out)])
    assert out.is_dir()
