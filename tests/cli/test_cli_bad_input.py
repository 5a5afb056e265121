"""Bad input to `predict`, `export` and `render`, regressions a reviewer found (helper-79): each gets a one-line
message and its exit status, and a batch goes on past the image that cannot be written."""
from __future__ import annotations

import csv
import json
import os
import shutil

import pytest

from cli.main import main
from inference.paths import RESOURCES

PHOTO = RESOURCES / "photos" / "astronaut.jpg"


@pytest.mark.parametrize("command", [["predict", str(PHOTO)], ["export", "--preset", "walk"],
                                     ["render", "--preset", "walk"]])
def test_an_empty_out_is_refused_not_read_as_the_current_folder(command, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([*command, "--out", ""])
    assert exc.value.code == 2 and "--out: is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_photo_whose_output_names_are_too_long_fails_alone(tmp_path, capsys):
    """A 240-character photo name: its NAME_parts_overlay.png is over the file system's 255 bytes. Before, the
    first look for its outputs raised OSError (a traceback, the later images not run)."""
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    shutil.copy(PHOTO, folder / ("a" * 240 + ".jpg"))
    shutil.copy(PHOTO, folder / "short.jpg")
    assert main(["predict", str(folder), "--out", str(out), "--detect", "off", "--no-refine"]) == 1
    err = capsys.readouterr().err
    assert "longer name than the file system takes" in err and "Traceback" not in err
    assert (out / "short.obj").exists()
    rows = {r["output"][:5]: r for r in csv.DictReader((out / "summary.csv").open())}
    assert rows["short"]["status"] == "done"
    assert rows["aaaaa"]["status"] == "error" and "rename the photo" in rows["aaaaa"]["message"]


@pytest.mark.parametrize("command, name", [(["export", "--preset", "walk"], "b" * 300 + ".obj"),
                                           (["render", "--preset", "walk"], "c" * 240 + ".png")])
def test_an_out_name_too_long_is_refused_before_any_work(command, name, tmp_path, capsys):
    """render writes NAME_labels.png beside NAME.png: 240 characters fit for the one, not for the other. (A name
    over the file system's 255 bytes is refused by --out's argparse type, with its usage line.)"""
    assert _status([*command, "--out", str(tmp_path / name)]) == 2
    assert "longer than the file system takes" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _status(argv: list[str]) -> int:
    """main's exit status, an argparse refusal's included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


LONG = "y" * 300  # one path part over the file system's 255 bytes


@pytest.mark.parametrize("argv", [
    ["synth", "--n", "1", "--out", f"e/{LONG}"],
    ["synth-crowd", "--n", "1", "--out", f"e/{LONG}"],
    ["evaluate", "data", "--out", f"e/{LONG}"],
    ["train-seg", "--data", "data", "--out", f"e/{LONG}"],
    ["train-people", "--data", "data", "--out", LONG],
    ["export", "--preset", "walk", "--out", f"e/{LONG}/a.obj"],
    ["render", "--preset", "walk", "--out", f"e/{LONG}/a.png"],
    ["predict", "data", "--out", f"e/{LONG}/out"],
], ids=lambda argv: argv[0])
def test_an_out_with_a_folder_name_too_long_is_refused_before_anything_is_made(argv, tmp_path, capsys, monkeypatch):
    """Path.exists() and is_dir() raise for such a name (ENAMETOOLONG): a traceback where each command first asked
    whether --out was a folder (synth, synth-crowd, train-*, render and export through a long folder), and evaluate,
    which got past it when the folder above did not exist yet, left that folder behind."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name in ("00000_image.png", "00000_body.pkl"):  # a case to evaluate, by name: nothing reads it
        (tmp_path / "data" / name).write_bytes(b"")
    assert _status(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1].endswith(
        f"error: argument --out: the name {LONG[:40]}...{LONG[-20:]} is 300 bytes long, longer than the file system "
        "takes (255 bytes): give a shorter one"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no e/ left


def test_an_out_folder_made_by_a_caller_is_checked_too(tmp_path):
    """make_out_folder (the scripts' and predict's --out) says so too, without leaving the folders above; a name of
    255 bytes is made."""
    from cli.out_arg import make_out_folder

    why = make_out_folder(tmp_path / "a" / LONG)
    assert why.startswith(f"--out {tmp_path / 'a' / LONG}: the name {LONG[:40]}...") and "300 bytes long" in why
    assert list(tmp_path.iterdir()) == []
    assert make_out_folder(tmp_path / "a" / ("z" * 255)) == "" and (tmp_path / "a" / ("z" * 255)).is_dir()


@pytest.mark.parametrize("focal", ["inf", "1e300", "1e40", "nan", "0", "-5", "0.001"])
@pytest.mark.parametrize("command, name", [("render", "f.png"), ("export", "f.obj"), ("export", "f.npz")])
def test_a_focal_beyond_any_camera_is_refused(command, name, focal, tmp_path, capsys):
    """--focal was checked for > 0 alone: inf and 1e300 ended in tracebacks (pyrender's "zfar must be >0", "vertices
    contain NaN or inf"), 1e300 wrote a parameter file with an inf translation that --pose then refused, and 0.001
    rendered an empty picture (exit 0). Now it is held to what a parameter file's focal may be."""
    assert main([command, "--preset", "walk", f"--focal={focal}", "--out", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --focal {float(focal):g}: a focal length is 1 to 1e+09 pixels of the 256-px crop")
    assert "\n" not in err and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


def test_the_longest_focal_writes_a_file_that_reads_back(tmp_path, capsys):
    params = tmp_path / "far.npz"
    assert main(["export", "--preset", "walk", "--focal", "1e9", "--out", str(params)]) == 0
    assert main(["export", "--pose", str(params), "--out", str(tmp_path / "far.obj")]) == 0
    assert main(["render", "--preset", "walk", "--focal", "1", "--out", str(tmp_path / "wide.png")]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_symlink_loop_is_a_photo_that_cannot_be_read(tmp_path, capsys):
    loop = tmp_path / "loop.jpg"
    os.symlink(loop, loop)
    assert main(["predict", str(loop), "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "could not be read" in captured.out + captured.err and "Traceback" not in captured.err


def test_numbers_past_float32_are_refused_on_the_command_line_and_in_files(tmp_path, capsys):
    """1e39 is inf in float32, where bodies are posed: a traceback ('vertices contain NaN or inf') before, or a
    parameter file written with inf betas that the program's own reader then refused."""
    for arg in ("--betas=1e39", "--transl=0,0,-1e39", "--pose=" + ",".join(["2e9"] * 72)):
        assert main(["export", arg, "--out", str(tmp_path / "x.obj")]) == 2, arg
        assert "beyond +-1e+09" in capsys.readouterr().err
    good = tmp_path / "walk.json"
    assert main(["export", "--preset", "walk", "--out", str(good)]) == 0
    doc = json.loads(good.read_text())
    doc["betas"][0] = 1e39
    bad = tmp_path / "big.json"
    bad.write_text(json.dumps(doc))
    assert main(["export", "--pose", str(bad), "--out", str(tmp_path / "big.npz")]) == 2
    assert "betas holds a value beyond" in capsys.readouterr().err
    assert not (tmp_path / "big.npz").exists() and not (tmp_path / "x.obj").exists()


def test_an_empty_number_list_is_not_read_as_the_current_folder(tmp_path, capsys):
    """`--betas=` was taken for a parameter file named "" (Path("") is "."): "unknown parameter file kind ''"."""
    assert main(["export", "--betas=", "--out", str(tmp_path / "x.obj")]) == 2
    assert "--betas: expected 1 to 10 numbers, got none" in capsys.readouterr().err
    assert main(["render", "--preset", "walk", "--views=", "--out", str(tmp_path / "x.png")]) == 2
    assert "--views: none given" in capsys.readouterr().err  # ("unknown empty list" before)


def test_betas_past_the_tenth_are_said_to_be_left_out(tmp_path, capsys):
    """A parameter file with 16 betas (another tool's body model): the first ten pose the body, and the others,
    not zero, are named instead of dropped without a word; zeros past the tenth are nothing to say."""
    from inference.body_model import BodyModel
    from inference.export import load_params_file

    good = tmp_path / "walk.json"
    assert main(["export", "--preset", "walk", "--out", str(good)]) == 0
    doc = json.loads(good.read_text())
    doc["betas"] = [0.5] * 10 + [5.0] * 6
    many = tmp_path / "many.json"
    many.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["export", "--pose", str(many), "--out", str(tmp_path / "many.npz")]) == 0
    assert "holds 16 betas" in capsys.readouterr().err
    rec = load_params_file(many, BodyModel())
    assert list(rec.params.betas) == [0.5] * 10 and "betas 11-16 (up to 5) are left out" in rec.notes[0]
    doc["betas"] = [0.5] * 10 + [0.0] * 6
    many.write_text(json.dumps(doc))
    assert load_params_file(many, BodyModel()).notes == ()


def test_a_pose_file_without_betas_is_the_mean_shape_and_says_so(tmp_path, capsys):
    """helper-79: a pose file without betas (another tool's) was refused with "no betas", though --betas says its
    default is the pose file's, else 0. It now poses the mean shape with a note; --betas given, nothing to say."""
    import numpy as np

    from inference.body_model import BodyModel
    from inference.export import load_params_file

    pose = np.zeros(72)
    pose[50] = 0.7
    for name, doc in (("pose.json", {"pose": pose.tolist()}), ("null.json", {"pose": pose.tolist(), "betas": None})):
        path = tmp_path / name
        path.write_text(json.dumps(doc))
        rec = load_params_file(path, BodyModel())
        assert np.array_equal(rec.params.betas, np.zeros(10)) and np.allclose(rec.params.pose, pose)
        assert rec.notes == (f"{name} holds no betas: the body has the mean shape (betas 0)",)
    capsys.readouterr()
    assert main(["export", "--pose", str(path), "--out", str(tmp_path / "a.npz")]) == 0
    assert "holds no betas" in capsys.readouterr().err
    assert main(["export", "--pose", str(path), "--betas", "1,2", "--out", str(tmp_path / "b.npz")]) == 0
    assert "holds no betas" not in capsys.readouterr().err
    assert list(np.load(tmp_path / "b.npz")["betas"][:3]) == [1, 2, 0]


def test_a_json_with_a_byte_order_mark_reads_and_complex_numbers_do_not(tmp_path, capsys):
    """helper-80: Notepad's UTF-8 (with a BOM) was refused with a raw JSONDecodeError; a complex .npz was taken with
    its imaginary part dropped and only a ComplexWarning on stderr."""
    import numpy as np

    from inference.body_model import BodyModel
    from inference.errors import ParamsFileError
    from inference.export import load_params_file

    good = tmp_path / "walk.json"
    assert main(["export", "--preset", "walk", "--out", str(good)]) == 0
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + good.read_bytes())
    body = BodyModel()
    assert np.allclose(load_params_file(bom, body).params.pose, load_params_file(good, body).params.pose)
    npz = tmp_path / "walk.npz"
    assert main(["export", "--preset", "walk", "--out", str(npz)]) == 0
    with np.load(npz) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["betas"] = arrays["betas"].astype(np.complex128) + 1j
    np.savez(tmp_path / "complex.npz", **arrays)
    with pytest.raises(ParamsFileError, match="betas holds complex numbers"):
        load_params_file(tmp_path / "complex.npz", body)


@pytest.mark.parametrize("key, value, said", [("focal", "5000", "focal is not numeric"),
                                              ("focal", True, "focal is not numeric"),
                                              ("crop_size", 2.5, "crop_size counts pixels"),
                                              ("pose", None, "pose is not numeric")])
def test_parameter_values_that_are_not_numbers_are_refused(key, value, said, tmp_path):
    """helper-79: numpy read "5000" and true as numbers, a crop_size of 2.5 became 2, and a null in the pose was
    reported as NaN or inf."""
    from inference.body_model import BodyModel
    from inference.errors import ParamsFileError
    from inference.export import load_params_file

    good = tmp_path / "walk.json"
    assert main(["export", "--preset", "walk", "--out", str(good)]) == 0
    doc = json.loads(good.read_text())
    if key == "pose":
        doc["pose"][5] = None
    else:
        doc[key] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ParamsFileError, match=said):
        load_params_file(bad, BodyModel())
