"""`main.py render` and `main.py export` through cli.main.main (in process) and main.py (one subprocess)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import inference.body_model as body_model_module
from cli.main import main
from inference.export import load_params
from inference.parts import PALETTE, PART_NAMES
from inference.poses import PRESET_NAMES, preset_pose

ROOT = Path(__file__).resolve().parents[2]
LABEL = {name: k + 1 for k, name in enumerate(PART_NAMES)}


@pytest.fixture(scope="module")
def embedded():
    return body_model_module.BodyModel()


@pytest.fixture
def cached_model(monkeypatch, embedded):
    """Load the embedded model once for these tests; a --body-model path still loads for real."""
    real = body_model_module.BodyModel

    def factory(path=None, *args, **kwargs):
        return embedded if path is None else real(path, *args, **kwargs)

    monkeypatch.setattr(body_model_module, "BodyModel", factory)


def _rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    code = cv2.COLOR_BGRA2RGBA if img.shape[-1] == 4 else cv2.COLOR_BGR2RGB
    return cv2.cvtColor(img, code)


def _labels(rgb: np.ndarray) -> np.ndarray:
    match = (rgb[:, :, None, :3] == PALETTE[None, None]).all(-1)
    assert match.any(-1).all(), "label map has non-palette pixels"
    return match.argmax(-1)


@pytest.mark.parametrize("command", ["render", "export"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"main.py {command}" in out and "--body-model" in out and "--preset" in out


def test_render_preset_views(tmp_path, cached_model, capsys):
    out = tmp_path / "wave.png"
    assert main(["render", "--preset", "wave", "--views", "front,side,back", "--size", "96", "--out", str(out)]) == 0
    names = ["wave.png", "wave_labels.png", "wave_side.png", "wave_side_labels.png", "wave_back.png",
             "wave_back_labels.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    printed = [w for w in capsys.readouterr().out.split() if w.endswith(".png")]
    assert printed == [str(tmp_path / n) for n in names]
    shaded = _rgb(out)
    assert shaded.shape == (96, 96, 4)
    lab = _labels(_rgb(tmp_path / "wave_labels.png"))
    assert len(set(np.unique(lab)) - {0}) >= 10
    # same camera, same silhouette: antialiased shaded edges only add partly covered pixels
    body, alpha = lab > 0, shaded[..., 3]
    assert (body & (alpha == 0)).sum() <= 0.01 * body.sum()
    assert ((alpha == 255) & ~body).sum() <= 0.01 * body.sum()
    top = lambda k: np.nonzero(lab == k)[0].min()  # noqa: E731
    assert top(LABEL["right forearm+hand"]) < top(LABEL["head"])
    # framed: the body fills most of the crop height and is centred
    rows, cols = np.nonzero(lab)
    assert rows.max() - rows.min() > 0.75 * 96 and abs((cols.min() + cols.max()) / 2 - 48) < 12
    side = _labels(_rgb(tmp_path / "wave_side_labels.png"))
    # seen from the subject's left, the left thigh hides most of the right one
    assert (side == LABEL["left thigh"]).sum() > (side == LABEL["right thigh"]).sum()


def test_export_then_render_from_the_file_reproduces_the_image(tmp_path, cached_model):
    assert main(["export", "--preset", "walk", "--betas=-1,0.5", "--out", str(tmp_path / "walk.npz")]) == 0
    p = load_params(tmp_path / "walk.npz")
    np.testing.assert_array_equal(p.pose, preset_pose("walk"))
    np.testing.assert_array_equal(p.betas, [-1, 0.5] + [0] * 8)
    assert p.transl[2] < 0
    for name in ("walk_body.pkl", "walk.json"):
        assert main(["export", "--pose", str(tmp_path / "walk.npz"), "--out", str(tmp_path / name)]) == 0
        np.testing.assert_array_equal(load_params(tmp_path / name).transl, p.transl)
    args = ["--size", "64", "--no-labels"]
    assert main(["render", "--pose", str(tmp_path / "walk_body.pkl"), "--out", str(tmp_path / "a.png"), *args]) == 0
    assert main(["render", "--preset", "walk", "--betas=-1,0.5", "--out", str(tmp_path / "b.png"), *args]) == 0
    np.testing.assert_array_equal(_rgb(tmp_path / "a.png"), _rgb(tmp_path / "b.png"))


def test_export_mesh_and_comma_lists(tmp_path, cached_model, embedded):
    import trimesh

    pose = ",".join(f"{x:.6g}" for x in preset_pose("sit"))
    out = tmp_path / "sit.glb"
    assert main(["export", "--pose", pose, "--betas", "0.5", "--transl", "0,0,0", "--part-colors",
                 "--out", str(out)]) == 0
    mesh = trimesh.load(out, process=False, force="mesh")
    assert mesh.vertices.shape == (embedded.num_vertices, 3)
    assert abs(mesh.vertices[:, 2].mean()) < 0.5          # body-centred with --transl 0,0,0
    assert len(np.unique(mesh.visual.vertex_colors[:, :3], axis=0)) == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sit.glb"]


def test_render_pose_as_72_long_numbers(tmp_path, cached_model):
    """72 values as --pose's help offers: a string far over a file name's 255 bytes, never looked up as a path."""
    pose = preset_pose("walk") + 1e-9
    text = ",".join(f"{x:.12f}" for x in pose)
    assert len(text) > 255
    assert main(["render", f"--pose={text}", "--out", str(tmp_path / "long.png"), "--no-labels"]) == 0
    assert main(["render", "--preset", "walk", "--out", str(tmp_path / "preset.png"), "--no-labels"]) == 0
    a, b = _rgb(tmp_path / "long.png"), _rgb(tmp_path / "preset.png")
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1  # the same body
    spaced = " ".join(f"{x:.12f}" for x in pose[3:])  # 69 values, spaces
    assert main(["render", f"--pose={spaced}", "--out", str(tmp_path / "s.png"), "--no-labels"]) == 0


@pytest.mark.parametrize("argv, needle", [
    (["--pose", "1,2,3"], "--pose: expected 72 or 69 numbers, got 3"),
    (["--pose", ",".join(["0.123456789"] * 71) + ",x"], "--pose: expected comma-separated numbers"),
    (["--betas", "a,b"], "--betas"),
    (["--transl", "0,0"], "--transl"),
    (["--transl", "0,0,5"], "in front of the camera has z < 0"),  # behind it: a pyrender traceback before
    (["--views", "top"], "--views"),
    (["--pose", "nope.npz"], "nope.npz"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, cached_model, capsys, argv, needle):
    assert main(["render", *argv, "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and needle in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_exit_1_unless_overwrite(tmp_path, cached_model, capsys):
    out = tmp_path / "t.json"
    out.write_text("{}")
    assert main(["export", "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err and out.read_text() == "{}"
    assert main(["export", "--out", str(out), "--overwrite"]) == 0
    np.testing.assert_array_equal(load_params(out).pose, np.zeros(72))


@pytest.mark.parametrize("command, name", [("render", "x.png"), ("export", "x.obj"), ("export", "x_body.pkl")])
@pytest.mark.parametrize("where", ["under a file", "proc", "a folder"])
def test_out_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, cached_model, capsys, command, name, where):
    """An --out whose folder is a file (photo.jpg/x.obj), one nobody may write (/proc) or that is a folder
    itself is refused before anything is rendered (it was a FileExistsError or FileNotFoundError traceback)."""
    (tmp_path / "photo.jpg").write_bytes(b"jpeg")
    (tmp_path / name).mkdir()
    out = {"under a file": tmp_path / "photo.jpg" / name, "proc": Path("/proc") / name,
           "a folder": tmp_path / name}[where]
    if where == "proc" and not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    assert main([command, "--preset", "walk", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --out {out}") and "\n" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["photo.jpg", name])
    assert (tmp_path / "photo.jpg").read_bytes() == b"jpeg"


def test_bad_body_model_path_is_exit_2_without_traceback(tmp_path):
    """Through the real entry point: main.py in a fresh interpreter, GL configured by run()."""
    bad = tmp_path / "SMPL_NEUTRAL.pkl"
    bad.write_text("not a model")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "render", "--body-model", str(bad),
                           "--out", str(tmp_path / "x.png")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and str(bad) in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_presets_are_the_documented_ones():
    assert set(PRESET_NAMES) == {"tpose", "apose", "walk", "sit", "wave"}
    assert not preset_pose("tpose").any()
    with pytest.raises(KeyError, match="walk"):
        preset_pose("dance")


def test_a_parameter_file_with_a_focal_of_0_is_refused(tmp_path, cached_model, capsys):
    """A hand-edited file whose focal is 0 (or a size is negative) is one line and exit 2 (it rendered a blank
    picture, and export wrote the 0 back)."""
    from inference.export import export

    good = tmp_path / "good.npz"
    assert main(["export", "--preset", "walk", "--out", str(good)]) == 0
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}
    for key, value in (("focal", 0.0), ("crop_size", -256.0)):
        bad = tmp_path / f"bad_{key}.npz"
        np.savez(bad, **{**arrays, key: np.array(value)})
        capsys.readouterr()
        assert main(["render", "--pose", str(bad), "--out", str(tmp_path / f"{key}.png")]) == 2
        err = capsys.readouterr().err
        assert f"{key} must be positive" in err and "Traceback" not in err
        assert main(["export", "--pose", str(bad), "--out", str(tmp_path / f"{key}.json")]) == 2
    assert not list(tmp_path.glob("*.png")) and export  # nothing rendered


def test_a_folder_named_as_another_output_is_refused_before_anything_is_written(tmp_path, cached_model, capsys):
    """A folder X_labels.png was "exist(s); pass --overwrite", and with --overwrite X.png was written before the
    run stopped at the folder (exit 1): half a set."""
    (tmp_path / "lab_labels.png").mkdir()
    for extra in ([], ["--overwrite"]):
        assert main(["render", "--out", str(tmp_path / "lab.png"), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert err == (f"error: --out {tmp_path / 'lab.png'}: {tmp_path / 'lab_labels.png'} is a folder where an "
                       f"output file goes: remove it, or give another --out"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab_labels.png"]


def test_a_body_out_of_view_is_said_and_still_written(tmp_path, cached_model, capsys):
    """--transl 0,0,-1e5 wrote a fully transparent front view with exit 0 and no word; the side view, which frames the
    body, is not named."""
    out = tmp_path / "far.png"
    assert main(["render", "--out", str(out), "--transl=0,0,-1e5", "--views", "front,side"]) == 0
    err = capsys.readouterr().err.strip()
    assert err == ("note: the body is not in the front view (an empty image): look at --transl and --focal, or the "
                   "--pose file's"), err
    assert not _rgb(out)[..., 3].any() and _rgb(tmp_path / "far_side.png")[..., 3].any()
    assert main(["render", "--out", str(tmp_path / "near.png")]) == 0
    assert capsys.readouterr().err == ""


def test_the_render_command_writes_each_image_layout_as_it_is(tmp_path, cached_model, monkeypatch, capsys):
    """The command's writer (`export.png_bytes`) keeps an RGBA image and a grey one pixel for pixel (a grey image was
    read as RGB)."""
    import cli.cmd_render as cmd_render

    rng = np.random.default_rng(5)
    made = {("front", "shaded"): rng.integers(0, 256, (16, 16, 4), dtype=np.uint8),
            ("front", "labels"): rng.integers(0, 256, (16, 16), dtype=np.uint8)}
    monkeypatch.setattr(cmd_render, "render_views", lambda *args, **kwargs: (made, []))
    out = tmp_path / "x.png"
    assert main(["render", "--size", "16", "--out", str(out)]) == 0
    np.testing.assert_array_equal(_rgb(out), made[("front", "shaded")])
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / "x_labels.png"), cv2.IMREAD_UNCHANGED),
                                  made[("front", "labels")])


def test_render_help_says_the_shaded_view_is_rgb_on_a_background(capsys):
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    assert "RGBA, or RGB with --background white or black" in " ".join(capsys.readouterr().out.split())


def _fits(tmp_path: Path) -> tuple[Path, Path]:
    """(a parameter file fitted with another body model, one that names none)."""
    other, plain = tmp_path / "other.npz", tmp_path / "plain.npz"
    np.savez(other, pose=np.zeros(72), betas=np.zeros(10), transl=np.array([0, 0, -40.0]),
             body_model=np.str_("SMPL_NEUTRAL.pkl"))
    np.savez(plain, pose=np.zeros(72), betas=np.zeros(10), transl=np.array([0, 0, -40.0]))
    return other, plain


def test_the_body_model_note_speaks_of_the_file_it_is_about(tmp_path, cached_model, capsys):
    """With --pose F --betas G the note looked at G's record but named F: no note for a pose file of another model,
    and a false one for a plain pose file with a betas file of another model."""
    other, plain = _fits(tmp_path)
    assert main(["export", "--pose", str(other), "--betas", str(plain), "--out", str(tmp_path / "a.npz")]) == 0
    err = capsys.readouterr().err.strip()
    assert err == f"note: {other} was fitted with the body model 'SMPL_NEUTRAL.pkl'; its pose is shown on " \
                  f"'embedded NBF-anny neutral'", err
    assert main(["export", "--pose", str(plain), "--betas", str(other), "--out", str(tmp_path / "b.npz")]) == 0
    err = capsys.readouterr().err.strip()
    assert str(plain) not in err and err.startswith(f"note: {other} was fitted with") and "its shape is" in err, err


@pytest.mark.parametrize("command, name", [("export", "x.obj"), ("export", "x.bvh"), ("export", "x.glb"),
                                           ("render", "x.png"), ("export", "x.npz")])
def test_the_body_model_note_comes_with_every_output(tmp_path, cached_model, capsys, command, name):
    """The note that the fit's pose and shape are shown on another body model came with parameter files only, not
    with the meshes, BVH and render, where the shape is seen."""
    other, _ = _fits(tmp_path)
    assert main([command, "--pose", str(other), "--out", str(tmp_path / name)]) == 0
    assert f"note: {other} was fitted with the body model 'SMPL_NEUTRAL.pkl'" in capsys.readouterr().err


def test_absurd_betas_are_refused_and_extreme_ones_noted(tmp_path, cached_model, capsys):
    """--betas=1e8 wrote a body 7,758 km tall without a word (the only limit was VALUE_LIMIT, 1e9, for focal lengths);
    the app's sliders span +-3."""
    assert main(["export", "--betas=1e8", "--out", str(tmp_path / "huge.obj")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --betas: beta 1 is 1e+08; a shape value is at most +-100") and "\n" not in err
    np.savez(tmp_path / "huge.npz", pose=np.zeros(72), betas=np.array([0, 0, -500.0]))
    assert main(["render", "--pose", str(tmp_path / "huge.npz"), "--out", str(tmp_path / "huge.png")]) == 2
    assert f"error: {tmp_path / 'huge.npz'}: beta 3 is -500" in capsys.readouterr().err
    assert not list(tmp_path.glob("huge.[op]*"))
    assert main(["export", "--betas=0 6", "--out", str(tmp_path / "big.obj")]) == 0
    assert capsys.readouterr().err.startswith("note: --betas: beta 2 is 6, an extreme shape (beyond +-5")
    assert main(["export", "--betas=0 3", "--out", str(tmp_path / "fine.obj")]) == 0
    assert capsys.readouterr().err == ""
