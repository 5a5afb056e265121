"""`main.py predict` with careless or hostile input: bad --out / --mesh-formats refused before the models
load, full disks, colliding names, the output folder as input, pipes, damaged JPEGs, SIGTERM."""
from __future__ import annotations

import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

import inference.pipeline as pipeline_module
from cli.main import main
from inference.batch_log import people_logged
from inference.export_gltf import glb_unpack
from inference.paths import RESOURCES
from inference.predict_outputs import output_stems

PREDICTOR = pipeline_module.Predictor  # the class (the fixtures below replace the module's name with factories)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = RESOURCES / "samples"
PHOTOS = sorted((RESOURCES / "photos").glob("*.jpg"))
RESULT_SET = 9  # with --detect off: 4 PNGs (no _people.png) + obj + glb + npz + json + _body.pkl
SUMMARY_FILES = ("summary.csv", "summary_ranks")  # the run's summary and per-writer logs (inference/batch_log.py)


@pytest.fixture
def no_models(monkeypatch):
    """Fail the test if the command gets as far as building the models."""
    def refuse(*a, **k):
        raise AssertionError("the models were loaded before the arguments were checked")

    monkeypatch.setattr(pipeline_module, "Predictor", refuse)


def _predict(*argv) -> int:
    return main(["predict", *map(str, argv), "--detect", "off"])


def _one_line_error(capsys, needle: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and needle in err and "\n" not in err and "Traceback" not in err, err


# ------------------------------------------------------------------ refused before the models load
@pytest.mark.parametrize("case, needle", [
    ("file", "is a file, not a folder"),
    ("under-file", "a part of this path is a file"),
])
def test_out_that_cannot_be_a_folder(tmp_path, capsys, no_models, case, needle):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    out = afile if case == "file" else afile / "sub"
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out) == 2
    _one_line_error(capsys, needle)
    assert afile.read_text() == "keep me"


@pytest.mark.parametrize("formats, needle", [("obj,stl", "unknown stl"), ("", "empty list"), (" , ", "empty list")])
def test_bad_mesh_formats_write_nothing(tmp_path, capsys, no_models, formats, needle):
    assert _predict(SAMPLES / "synthetic_01.png", "--out", tmp_path / "o", "--mesh-formats", formats) == 2
    _one_line_error(capsys, f"--mesh-formats: {needle}")
    assert not (tmp_path / "o").exists()


def test_a_body_model_that_does_not_load_makes_no_output_folder(tmp_path, capsys, no_models):
    """Refused before OUT is made (it left OUT/summary_ranks/ behind)."""
    bad = tmp_path / "SMPL_NEUTRAL.pkl"
    bad.write_text("not a pickle")
    assert _predict(SAMPLES / "synthetic_01.png", "--out", tmp_path / "o", "--body-model", bad) == 2
    _one_line_error(capsys, "SMPL_NEUTRAL.pkl")
    assert not (tmp_path / "o").exists()


def test_empty_folder_is_an_error(tmp_path, capsys, no_models):
    (tmp_path / "empty").mkdir()
    assert _predict(tmp_path / "empty", "--out", tmp_path / "o") == 2
    _one_line_error(capsys, "no images found in")


def test_read_only_out(tmp_path, capsys, no_models):
    out = tmp_path / "ro"
    out.mkdir()
    mounted = _mount_tmpfs(out, "ro,size=64k") if os.geteuid() == 0 else False
    if not mounted:
        out.chmod(0o555)
        if os.access(out, os.W_OK):
            pytest.skip("cannot make a read-only folder here (root without mount)")
    try:
        assert _predict(SAMPLES / "synthetic_01.png", "--out", out) == 2
        _one_line_error(capsys, "cannot write there")
    finally:
        _umount(out) if mounted else out.chmod(0o755)


def _mount_tmpfs(folder: Path, options: str) -> bool:
    return shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True).returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True)


# ------------------------------------------------------------------ names
def test_output_stems_are_unique(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    paths = [a / "photo.jpg", b / "photo.jpg", b / "photo.png", b / "Photo.JPG", b / "photo_png.jpg"]
    stems = output_stems(paths)
    assert stems[:3] == ["photo", "photo_2", "photo_png"]  # (given out in the paths' order: b/Photo.JPG first)
    assert len({s.lower() for s in stems}) == len(stems)
    # whatever order the photos are named in, each gets the same name (a rerun finds its outputs again)
    assert output_stems(paths[::-1]) == stems[::-1]
    assert output_stems([b / "photo.jpg", a / "photo.jpg"]) == ["photo_jpg", "photo"]
    # a name another image's person N takes with --all-people (a.png's person 2 is a_p2) is not given out
    assert output_stems([Path("x/a_p2.png"), Path("a.png"), Path("b_p3.png")]) == ["a_p2_png", "a", "b_p3"]
    # and so is the name of its scene (a.png's a_scene.glb would be a_scene.png's own mesh)
    assert output_stems([Path("a.png"), Path("a_scene.png"), Path("b_scene.png")]) == ["a", "a_scene_png", "b_scene"]


def test_same_stem_keeps_both_results_and_reruns_in_place(tmp_path, capsys, cached_predictor):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(SAMPLES / "synthetic_01.png", a / "photo.png")
    shutil.copy(SAMPLES / "synthetic_02.png", b / "photo.png")
    out = tmp_path / "out"
    assert _predict(a / "photo.png", b / "photo.png", "--out", out, "--overwrite") == 0
    assert "2/2 images done" in capsys.readouterr().out
    assert sorted(p.name for p in out.glob("*_body.pkl")) == ["photo_body.pkl", "photo_png_body.pkl"]
    # --out is the input folder: a rerun reads only the photo, not the files written beside it
    assert _predict(b, "--out", b) == 0 and _predict(b, "--out", b, "--overwrite") == 0
    assert "1/1 images done" in capsys.readouterr().out.splitlines()[-1]
    assert len([p for p in b.iterdir() if p.name not in SUMMARY_FILES]) == 1 + RESULT_SET


def test_a_photo_named_like_one_written_before_is_not_skipped_in_its_place(tmp_path, capsys, cached_predictor):
    """b/photo.png predicted alone takes the name `photo`; then a/photo.png and b/photo.png together: a/photo.png
    gets `photo`, whose files hold b's fit. It was skipped as finished (the logs compared file names only), so the
    folder said a's result was b's; now those files stay b's (an error names them) and b/photo.png is written anew
    as photo_png."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(SAMPLES / "synthetic_01.png", a / "photo.png")
    shutil.copy(SAMPLES / "synthetic_02.png", b / "photo.png")
    out = tmp_path / "out"
    assert _predict(b / "photo.png", "--out", out) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("photo[._]*")}
    capsys.readouterr()
    assert _predict(a / "photo.png", b / "photo.png", "--out", out) == 1
    said = capsys.readouterr()
    # (the other photo's path: "of photo.png" read as a's own files)
    assert f"holding the whole image of {b / 'photo.png'}" in said.out + said.err and "finished before" not in said.out
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("photo[._]*") if p.name in stamps} == stamps
    assert (out / "photo_png_body.pkl").is_file()


def test_a_photo_of_the_same_name_refused_names_the_other_and_the_table_keeps_its_fit(tmp_path, capsys,
                                                                                     cached_predictor):
    """a/x.png, then b/x.png into the same folder: the refusal said "holding the whole image of x.png", b's own name,
    and summary.csv held b's error row alone, the 'done' row of a's fit, whose files are there, hidden by it."""
    from inference.predict_outputs import read_summary

    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    a.mkdir(), b.mkdir()
    shutil.copy(SAMPLES / "synthetic_01.png", a / "x.png")
    shutil.copy(SAMPLES / "synthetic_02.png", b / "x.png")
    assert _predict(a / "x.png", "--out", out) == 0
    capsys.readouterr()
    assert _predict(b / "x.png", "--out", out) == 1
    assert f"{b / 'x.png'}: outputs exist" in capsys.readouterr().out
    rows = read_summary(out / "summary.csv")
    assert [(r.image, r.output, r.status) for r in rows] == [(str(b / "x.png"), "x", "error"),
                                                             (str(a / "x.png"), "x", "done")]
    assert f"holding the whole image of {a / 'x.png'})" in rows[0].message


def test_param_files_carry_the_photo_camera(tmp_path, capsys, cached_predictor):
    """A person left of centre in a wide photo: the written _body.pkl (f, rt, t: the photo's camera, about its
    centre) projects the body's joints, in plain numpy, onto the written photo-pixel joints within 1 px,
    and the .json / .npz carry the same camera and joints."""
    import json

    import cv2
    import numpy as np

    from inference import safe_pickle
    from inference.body_model import BodyModel
    from inference.types import BodyParams

    person = cv2.imread(str(SAMPLES / "synthetic_01.png"))
    photo = np.zeros((256, 420, 3), np.uint8)
    photo[:, 10:266] = person
    cv2.imwrite(str(tmp_path / "wide.png"), photo)
    assert _predict(tmp_path / "wide.png", "--out", tmp_path / "out") == 0
    with open(tmp_path / "out" / "wide_body.pkl", "rb") as fh:
        d = safe_pickle.load(fh)
    np.testing.assert_array_equal(d["image_size"], [420, 256])
    j = BodyModel().mesh(BodyParams.from_pose(d["pose"], d["betas"], d["trans"])).joints.astype(np.float64)
    assert np.allclose(d["rt"], [np.pi, 0, 0])  # R(rt) = diag(1, -1, -1)
    p = j * [1, -1, -1] + d["t"]
    uv = d["f"] * p[:, :2] / p[:, 2:] + [210.0, 128.0]
    assert np.abs(uv - d["joints2d"]).max() < 1.0
    assert uv[:, 0].mean() < 200  # on the person, left of centre
    doc = json.loads((tmp_path / "out" / "wide.json").read_text())
    assert doc["photo_focal"] == d["f"] and doc["photo_principal_point"] == [210.0, 128.0]
    np.testing.assert_allclose(doc["joints2d"], d["joints2d"], atol=1e-5)
    with np.load(tmp_path / "out" / "wide.npz") as z:
        np.testing.assert_allclose(z["lsp2d"], d["lsp2d"], atol=1e-5)
        assert (int(z["photo_width"]), int(z["photo_height"])) == (420, 256)


def test_a_large_photos_part_map_keeps_its_size_and_its_pictures_the_display_size(tmp_path, capsys,
                                                                                 cached_predictor):
    """NAME_parts.png has the photo's width and height (issue 18); the pictures to look at are at most the app's
    display size across (at 48 megapixels each was a 30 MB PNG and seconds to encode)."""
    import cv2

    from inference.image_io import DISPLAY_MAX_SIDE

    photo = tmp_path / "big.png"
    img = cv2.imread(str(SAMPLES / "synthetic_01.png"))
    cv2.imwrite(str(photo), cv2.resize(img, (3000, 2200), interpolation=cv2.INTER_CUBIC))
    out = tmp_path / "out"
    assert _predict(photo, "--out", out) == 0
    capsys.readouterr()
    assert cv2.imread(str(out / "big_parts.png")).shape[:2] == (2200, 3000)
    assert cv2.imread(str(out / "big_parts_overlay.png")).shape[:2] == (round(2200 * DISPLAY_MAX_SIDE / 3000),
                                                                        DISPLAY_MAX_SIDE)


def test_existing_outputs_are_one_line_and_nothing_partial(tmp_path, capsys, cached_predictor):
    out = tmp_path / "out"
    out.mkdir()
    (out / "synthetic_01.glb").write_text("mine")
    assert _predict(SAMPLES / "synthetic_01.png", SAMPLES / "synthetic_02.png", "--out", out) == 1
    captured = capsys.readouterr().out
    assert "synthetic_01.png: outputs exist (synthetic_01.glb); use --overwrite" in captured
    assert "1/2 images done" in captured
    assert sorted(p.name for p in out.glob("synthetic_01*")) == ["synthetic_01.glb"]
    assert (out / "synthetic_01.glb").read_text() == "mine"
    assert len(list(out.glob("synthetic_02*"))) == RESULT_SET


def test_a_mesh_made_from_the_parameter_file_takes_the_frame_of_the_persons_other_meshes(tmp_path, capsys,
                                                                                          cached_predictor):
    """A first run in the camera frame, then one (body frame by default) that asks for .ply too: the .ply is made
    from NAME.npz in the camera frame its .obj states, so one person's files agree, and the output says so. With
    no mesh left to go by, this run's --frame decides."""
    from inference.export import stated_frame

    out = tmp_path / "out"
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out, "--mesh-formats", "obj", "--frame", "camera") == 0
    capsys.readouterr()
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out, "--mesh-formats", "obj,ply") == 0
    text = capsys.readouterr().out
    assert "synthetic_01.ply made from synthetic_01.npz" in text and "camera frame of its other meshes" in text, text
    assert stated_frame(out / "synthetic_01.ply") == stated_frame(out / "synthetic_01.obj") == "camera"
    (out / "synthetic_01.obj").unlink()
    (out / "synthetic_01.ply").unlink()
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out, "--mesh-formats", "obj") == 0
    assert "other meshes" not in capsys.readouterr().out and stated_frame(out / "synthetic_01.obj") == "body"


def test_a_folder_of_iphone_photos_is_predicted(tmp_path, capsys, cached_predictor):
    """A HEIC photo (synthetic_01.png encoded by libheif's heif-enc at quality 90, tests/inference/images/) in a
    folder is listed and read (inference/heif.py): a whole result set, its part map the photo's size and as the
    PNG's within the codec's loss."""
    heic = Path(__file__).resolve().parents[1] / "inference" / "images" / "synthetic_01.heic"
    d = tmp_path / "iphone"
    d.mkdir()
    shutil.copy(heic, d / "IMG_0001.HEIC")
    out, ref = tmp_path / "out", tmp_path / "ref"
    assert _predict(d, "--out", out) == 0
    assert len(list(out.glob("IMG_0001*"))) == RESULT_SET
    assert _predict(SAMPLES / "synthetic_01.png", "--out", ref) == 0
    a, b = (cv2.imread(str(p)) for p in (out / "IMG_0001_parts.png", ref / "synthetic_01_parts.png"))
    assert a.shape == b.shape == (256, 256, 3) and (a == b).all(-1).mean() > 0.9


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a small tmpfs (root)")
def test_full_disk_stops_with_a_summary_and_no_partial_files(tmp_path, capsys, cached_predictor):
    out = tmp_path / "full"
    out.mkdir()
    if not _mount_tmpfs(out, "size=64k"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        assert _predict(SAMPLES / "synthetic_01.png", SAMPLES / "synthetic_02.png", "--out", out) == 1
        captured = capsys.readouterr()
        assert "the disk is full" in captured.out + captured.err
        assert "error: stopped" in captured.err and "0/2 images done, 1 not run" in captured.err
        # on a line of its own: it was glued to the progress bar ("...1.36s/image]error: stopped: ...")
        assert any(line.startswith("error: stopped") for line in captured.err.split("\n")), captured.err
        assert [p for p in out.iterdir() if p.name not in SUMMARY_FILES] == []  # no partial set, no temporary file
        assert not [p for p in (out / "summary_ranks").iterdir() if p.suffix != ".csv" and p.name != ".lock"]
        # the table says which image and why (the partial set's removal made room for it; it was not merged)
        from inference.predict_outputs import read_summary

        rows = read_summary(out / "summary.csv")
        assert [r.status for r in rows] == ["error", "pending"] and "the disk is full" in rows[0].message
    finally:
        _umount(out)


def test_a_parameter_file_cut_short_is_predicted_again_not_counted_as_finished(tmp_path, capsys, cached_predictor):
    """NAME.npz cut short and NAME.obj deleted: the rerun could not make the mesh from the file, warned, counted the
    image as finished before and exited 0, and so did every rerun after; now the image is predicted again (its
    files are this tool's, the logs say) and the mesh is there."""
    from inference.export import load_params
    from inference.predict_outputs import read_summary

    out = tmp_path / "out"
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out) == 0
    npz = out / "synthetic_01.npz"
    npz.write_bytes(npz.read_bytes()[:1000])
    (out / "synthetic_01.obj").unlink()
    capsys.readouterr()
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out) == 0
    text = capsys.readouterr().out
    assert f"note: {SAMPLES / 'synthetic_01.png'}: cannot read parameters from {npz}: " in text, text
    assert "the image is predicted again" in text and "1/1 images done" in text and "finished before" not in text
    assert (out / "synthetic_01.obj").is_file() and load_params(npz).pose.shape == (72,)
    assert [r.status for r in read_summary(out / "summary.csv")] == ["done"]


def test_a_mesh_that_cannot_be_made_from_the_parameter_file_fails_the_image(tmp_path, capsys, cached_predictor):
    """A mesh format asked for later whose file cannot be written (a folder in its place): it was a warning, the image
    'finished before' and exit 0, although its outputs stay incomplete; now an error row and exit 1."""
    from inference.predict_outputs import read_summary

    out = tmp_path / "out"
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out) == 0
    (out / "synthetic_01.ply").mkdir()
    capsys.readouterr()
    assert _predict(SAMPLES / "synthetic_01.png", "--out", out, "--mesh-formats", "obj,glb,ply") == 1
    said = capsys.readouterr()
    assert f"error: {SAMPLES / 'synthetic_01.png'}: no synthetic_01.ply (" in said.out, said.out
    assert "finished before" not in said.out and "0/1 images done" in said.out
    rows = read_summary(out / "summary.csv")
    assert [r.status for r in rows] == ["error"] and rows[0].message.startswith("no synthetic_01.ply (")


def test_damaged_jpeg_is_reported(tmp_path, capsys, cached_predictor):
    data = PHOTOS[0].read_bytes()
    holey = tmp_path / "holey.jpg"
    holey.write_bytes(data[: len(data) // 2] + data[-2:])
    assert _predict(holey, "--out", tmp_path / "o") == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "damaged" in x)
    assert line.startswith(f"warning: {holey} is damaged: the bottom") and line.count("holey.jpg") == 1, line


def test_bad_and_awkward_inputs_one_line_each_and_the_batch_goes_on(tmp_path, capsys, cached_predictor):
    """Issue 19's bad-input rows through the CLI: zero-byte, text and an unsupported format each get one line
    naming the file; a CMYK JPEG with a non-ASCII, space-containing name and an animated GIF still give full
    results; exit status 1 (work was lost). (A missing file is refused before anything runs, exit 2:
    tests/cli/test_sweep118_cli.py.)"""
    from PIL import Image

    d = tmp_path / "Fotos – Strand"
    d.mkdir()
    (d / "empty.jpg").write_bytes(b"")
    (d / "notes.png").write_text("not an image")
    Image.open(SAMPLES / "synthetic_01.png").convert("RGB").resize((32, 32)).save(d / "logo.ico")
    cmyk = d / "Straße am Meer 写真.jpg"
    Image.open(SAMPLES / "synthetic_01.png").convert("RGB").convert("CMYK").save(cmyk, quality=95)
    gif = d / "zweites bild.gif"
    frames = [Image.open(SAMPLES / f"synthetic_0{k}.png").convert("RGB").convert("P") for k in (2, 3)]
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    inputs = [d / "empty.jpg", d / "notes.png", d / "logo.ico", cmyk, gif]
    out = tmp_path / "out"
    assert _predict(*inputs, "--out", out) == 1
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    for needle in ("empty.jpg is empty (0 bytes)", "notes.png could not be read: not an image",
                   "logo.ico is in ICO format, which this app cannot read"):
        lines = [line for line in text.splitlines() if needle in line]
        assert len(lines) == 1, (needle, text)
        name = needle.split(":")[0].split(" ")[0]
        assert lines[0].startswith(str(d / name)) and lines[0].count(name) == 1, lines[0]  # the path, once
    assert "2/5 images done" in text
    for stem in ("Straße am Meer 写真", "zweites bild"):
        assert (out / f"{stem}_parts.png").is_file() and (out / f"{stem}_body.pkl").is_file(), stem
    assert not any(p.name.startswith(("empty", "notes", "logo")) for p in out.iterdir())


def test_summary_sorts_failures_by_their_class(tmp_path, cached_predictor, capsys):
    """summary.csv's status of a failed image comes from the exception's class: NoPersonFound is "no person",
    an unreadable file "error"; with the person search on, the way to fit such an image anyway is named."""
    from inference.predict_outputs import read_summary
    from tests.app.support import grey_image, write_png

    d = tmp_path / "in"
    d.mkdir()
    write_png(d / "nobody.png", grey_image())
    (d / "notes.png").write_text("not an image")
    out = tmp_path / "out"
    assert _predict(d, "--out", out) == 1
    rows = {Path(r.image).name: r for r in read_summary(out / "summary.csv")}
    assert rows["nobody.png"].status == "no person" and rows["nobody.png"].message.startswith("no person")
    assert rows["notes.png"].status == "error"
    assert "--detect off fits" not in capsys.readouterr().out  # it was off
    assert main(["predict", str(d / "nobody.png"), "--out", str(tmp_path / "out2")]) == 1
    assert "1 with no person found" in capsys.readouterr().out

# ------------------------------------------------------------------ through main.py (subprocesses)
def _run(*argv, timeout=60, **kw):
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "predict", *map(str, argv), "--detect", "off"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, **kw)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    proc = _run(fifo, "--out", tmp_path / "o")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "pipe.jpg is a pipe (FIFO), not an image file" in out
    assert "Traceback" not in out


def test_sigterm_leaves_no_temporary_or_partial_files(tmp_path):
    images = tmp_path / "in"
    images.mkdir()
    for k in range(12):
        shutil.copy(SAMPLES / "synthetic_01.png", images / f"img{k:02d}.png")
    out = tmp_path / "out"
    proc = _run(images, "--out", out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("img00*")):
        time.sleep(0.02)
    time.sleep(0.3)  # mid-batch, likely mid-image
    proc.send_signal(signal.SIGTERM)
    text, _ = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, text
    assert "terminated" in text and "Traceback" not in text
    names = [p.name for p in out.iterdir()]
    assert not [n for n in names if n.endswith(".tmp")]
    complete = []
    for k in range(12):
        n = len([x for x in names if x.startswith(f"img{k:02d}")])
        assert n in (0, RESULT_SET), f"img{k:02d}: {n} files"  # a whole set or nothing
        complete += [f"img{k:02d}"] if n else []
    # the table is merged on the way out too (only the rank logs were left): every image, the finished done
    from inference.predict_outputs import read_summary

    rows = read_summary(out / "summary.csv")
    assert [r.output for r in rows] == [f"img{k:02d}" for k in range(12)]
    assert [r.output for r in rows if r.status == "done"] == complete, text


def test_export_of_a_predicted_file_keeps_its_photo_camera(tmp_path, capsys, cached_predictor):
    """`export --pose NAME.npz --out x_body.pkl` (or .json / .npz) writes the photo camera that predict recorded
    (f, t, image_size, joints2d of the _body.pkl; the photo_* keys), as predict's own files have it; a body
    whose shape --betas changes is written without it, as is a file made from one that has none."""
    import json

    import cv2
    import numpy as np

    from inference import safe_pickle

    person = cv2.imread(str(SAMPLES / "synthetic_01.png"))
    photo = np.zeros((256, 420, 3), np.uint8)
    photo[:, 10:266] = person
    cv2.imwrite(str(tmp_path / "wide.png"), photo)
    out = tmp_path / "out"
    assert _predict(tmp_path / "wide.png", "--out", out, "--no-refine") == 0

    def pkl(path):
        with open(path, "rb") as fh:
            return safe_pickle.load(fh)

    want = pkl(out / "wide_body.pkl")
    for src in ("wide.npz", "wide.json", "wide_body.pkl"):
        dst = tmp_path / f"from_{src.replace('.', '_')}_body.pkl"
        assert main(["export", "--pose", str(out / src), "--out", str(dst)]) == 0
        got = pkl(dst)
        assert got["f"] == pytest.approx(want["f"]) and got["crop_f"] == pytest.approx(want["crop_f"])
        np.testing.assert_allclose(got["t"], want["t"], atol=1e-6)
        np.testing.assert_allclose(got["crop_t"], want["crop_t"], atol=1e-6)
        np.testing.assert_array_equal(got["image_size"], [420, 256])
        np.testing.assert_allclose(got["joints2d"], want["joints2d"], atol=1e-4)
    assert main(["export", "--pose", str(out / "wide_body.pkl"), "--out", str(tmp_path / "again.json")]) == 0
    doc, before = json.loads((tmp_path / "again.json").read_text()), json.loads((out / "wide.json").read_text())
    for key in ("photo_focal", "photo_width", "photo_height", "photo_principal_point"):
        assert doc[key] == pytest.approx(before[key])
    np.testing.assert_allclose(doc["photo_transl"], before["photo_transl"], atol=1e-6)
    # another shape: the photo camera no longer fits the body, and is said to be left out
    assert main(["export", "--pose", str(out / "wide.npz"), "--betas", "1", "--out", str(tmp_path / "b.npz")]) == 0
    assert "photo camera" in capsys.readouterr().err
    with np.load(tmp_path / "b.npz") as z:
        assert "photo_focal" not in z.files
    assert main(["export", "--pose", str(tmp_path / "b.npz"), "--out", str(tmp_path / "c_body.pkl")]) == 0
    assert "image_size" not in pkl(tmp_path / "c_body.pkl")  # no photo camera in, none out: as before
    # another body model: every file says which model it was fitted with (the _body.pkl beside UP-3D's keys),
    # and the photo camera, solved for that model's body, is left out with the reason
    assert pkl(out / "wide_body.pkl")["body_model"] == "embedded NBF-anny neutral"
    other = tmp_path / "other_model.npz"
    from inference.body_model import EMBEDDED_MODEL

    with np.load(EMBEDDED_MODEL) as z:
        np.savez(other, **{k: z[k] * 1.1 if k == "v_template" else z[k] for k in z.files})
    for src in ("wide.npz", "wide.json", "wide_body.pkl"):
        capsys.readouterr()
        dst = tmp_path / f"other_{src.replace('.', '_')}.json"
        assert main(["export", "--pose", str(out / src), "--body-model", str(other), "--out", str(dst)]) == 0
        err = capsys.readouterr().err
        assert "photo camera" in err and "embedded NBF-anny neutral" in err and "other_model.npz" in err, src
        assert "photo_focal" not in json.loads(dst.read_text())


def test_all_people_rerun_completes_a_person_whose_file_was_deleted(tmp_path, capsys, monkeypatch,
                                                                    detecting_predictor):
    """two_people.jpg with the real detector: after deleting one of person 2's files, a rerun with --all-people
    writes person 2's set again (the rank logs say it holds person 2 of this image) and keeps person 1's; a
    deleted mesh is made from its parameter file, no model loaded; a --person 2 run into the folder still does not
    take person 1's files for its own."""
    import trimesh

    photo, out = RESOURCES / "photos" / "two_people.jpg", tmp_path / "out"
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert (out / "two_people.obj").is_file() and (out / "two_people_p2.obj").is_file()
    (out / "two_people_p2_overlay.png").unlink()
    person1 = {p.name: p.stat().st_mtime_ns for p in out.glob("two_people[._]*")
               if "_p2" not in p.name and "_scene" not in p.name}
    # both people in the photo's camera: each body on its own half of the montage (astronaut | Grace Hopper)
    doc, blob = glb_unpack((out / "two_people_scene.glb").read_bytes())
    assert [n["name"] for n in doc["nodes"]] == ["person 1", "person 2", "photo camera"]
    h, w = 512, 949
    focal = h / 2 / math.tan(doc["cameras"][0]["perspective"]["yfov"] / 2)
    centres = []
    for k in range(2):
        acc = doc["accessors"][doc["meshes"][k]["primitives"][0]["attributes"]["POSITION"]]
        v = np.frombuffer(blob, "<f4", acc["count"] * 3, doc["bufferViews"][acc["bufferView"]]["byteOffset"])
        v = v.reshape(-1, 3)
        centres.append(float(np.mean(w / 2 + focal * v[:, 0] / -v[:, 2])))
    assert sorted(centres)[0] < w * 0.45 and sorted(centres)[1] > w * 0.55, centres
    scene_time = (out / "two_people_scene.glb").stat().st_mtime_ns
    capsys.readouterr()
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    text = capsys.readouterr().out
    assert "outputs exist" not in text and "1/1 images done" in text
    assert (out / "two_people_p2_overlay.png").is_file()
    assert {n: (out / n).stat().st_mtime_ns for n in person1} == person1  # person 1's files kept
    assert (out / "two_people_scene.glb").stat().st_mtime_ns != scene_time  # remade with person 2 written anew
    # a mesh deleted: made from the person's .npz, the same body, nobody fitted again
    fitted = trimesh.load(out / "two_people_p2.obj", process=False).vertices
    (out / "two_people_p2.obj").unlink()
    built = []
    fresh = pipeline_module.Predictor
    monkeypatch.setattr(pipeline_module, "Predictor", lambda *a, **k: built.append(1) or fresh(*a, **k))
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert not built and "two_people_p2.obj made from two_people_p2.npz" in capsys.readouterr().out
    assert np.abs(trimesh.load(out / "two_people_p2.obj", process=False).vertices - fitted).max() < 1e-5
    monkeypatch.setattr(pipeline_module, "Predictor", fresh)
    (out / "two_people.obj").unlink()
    assert main(["predict", str(photo), "--out", str(out), "--person", "2", "--no-refine"]) == 1
    assert "holding person 1 of two_people.jpg" in capsys.readouterr().out


# ------------------------------------------------------------------ --box: one person of one photo, by place
@pytest.mark.parametrize("extra, needle", [
    (["--box", "10", "10", "nan", "50"], "give four finite numbers"),
    (["--box", "10", "10", "inf", "50"], "give four finite numbers"),
    (["--box", "50", "10", "20", "60"], "X1 > X0, Y1 > Y0"),
    (["--box", "10", "10", "50", "60", "--all-people"], "use one or the other"),
    (["--box", "10", "10", "50", "60", "--person", "2"], "--person 2 by rank"),
    (["--box", "10", "10", "50", "60", "--detect", "off"], "with --detect off there is none"),
    (["--box", "10", "10", "50", "60", "TWO"], "2 images were given"),
])
def test_bad_box_is_refused_before_the_models_load(tmp_path, capsys, no_models, extra, needle):
    images = [str(PHOTOS[0])] + [str(PHOTOS[1])] * ("TWO" in extra)
    assert main(["predict", *images, *(a for a in extra if a != "TWO"), "--out", str(tmp_path / "out")]) == 2
    _one_line_error(capsys, needle)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("box", [["1", "2", "3"], ["a", "b", "c", "d"]])
def test_a_box_that_is_not_four_numbers_is_a_usage_error(tmp_path, capsys, no_models, box):
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(PHOTOS[0]), "--out", str(tmp_path / "out"), "--box", *box])
    assert exc.value.code == 2 and "--box" in capsys.readouterr().err


def test_box_fits_a_person_the_search_missed(tmp_path, capsys, monkeypatch, detecting_predictor):
    """The camera man with his face painted over: the search finds nobody; --box around him fits him (person 1, the
    one in the box, with his keypoints: NAME_people.png is written); a box around empty sky says so, exit 1."""
    import cv2

    from inference.image_io import load_image

    img = load_image(RESOURCES / "photos" / "camera.png").copy()
    img[80:210, 185:275] = img[80:210, 185:275].mean((0, 1)).astype(np.uint8)
    # padded on the left: another image than tests/inference's and tests/widgets' (the process's detector keeps
    # the people found in boxes with their photos)
    img = np.ascontiguousarray(np.pad(img, ((0, 0), (40, 0), (0, 0)), mode="edge"))
    photo, out = tmp_path / "faceless.png", tmp_path / "out"
    cv2.imwrite(str(photo), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    assert main(["predict", str(photo), "--out", str(out), "--no-refine"]) == 1
    assert "no person found" in capsys.readouterr().out
    h, w = img.shape[:2]
    # (a negative corner, clipped to the photo: written as is after --box)
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "-20", "0", str(w), str(h)]) == 0
    text = capsys.readouterr().out
    assert "person 1 (the one in the box)" in text and "1/1 images done" in text
    assert (out / "faceless.obj").is_file() and (out / "faceless_people.png").is_file()
    import csv

    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["status"], r["person"], r["people"]) for r in rows] == [("done", "1", "1")]
    # (a cell beginning with "-" is written after a "'", which spreadsheets show as text rather than run as a
    # formula; the project's reader gives the message back as written)
    assert rows[0]["message"] == f"'--box -20 0 {w} {h}"
    from inference.predict_outputs import read_summary

    assert read_summary(out / "summary.csv")[0].message == f"--box -20 0 {w} {h}"
    recalls = []
    recall = PREDICTOR.recall_boxes
    monkeypatch.setattr(PREDICTOR, "recall_boxes", lambda self, *a: recalls.append(1) or recall(self, *a))
    for box, needle in ((["0", "0", "60", "40"], "no person found in the box"),
                        ([str(w + 10), "0", str(w + 300), "300"], f"lies outside the {w} x {h} px image")):
        recalls.clear()
        assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--overwrite", "--box", *box]) == 1
        text = capsys.readouterr().out
        assert needle in text and "--detect off" not in text, text
        # the earlier box is recalled (a search of seconds) only for a box that can hold someone
        assert len(recalls) == (0 if "outside" in needle else 1), needle
        # the failed box wrote nothing: the table keeps the boxed man's row, whose files are there
        rows = list(csv.DictReader((out / "summary.csv").open()))
        assert [(r["status"], r["person"]) for r in rows] == [("done", "1")] and (out / "faceless.obj").is_file()
    # the boxed man under the image's own name is there by his .npz for --all-people too (the search finds nobody to
    # write more formats): no model loads, no "no person found"
    capsys.readouterr()
    built = []
    fresh = pipeline_module.Predictor
    monkeypatch.setattr(pipeline_module, "Predictor", lambda *a, **k: built.append(1) or fresh(*a, **k))
    for _ in range(2):
        assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--all-people", "--mesh-formats",
                     "obj,glb,ply"]) == 0
    assert not built and "faceless (fitted from --box -20 0" in capsys.readouterr().out
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["status"], r["person"], r["people"]) for r in rows] == [("done", "1", "1")]


def test_a_person_boxed_into_an_all_people_folder_joins_its_scene(tmp_path, capsys, detecting_predictor):
    """The camera man with his face painted over beside two_people.jpg: --all-people finds the two of two_people and
    writes their scene; a box around the faceless man adds person 3, and the scene is remade with all three (before,
    it kept the two it was made of: the records it read were those from before the run)."""
    import cv2
    import torch

    from inference.image_io import load_image
    from inference.scene import scene_people

    cam = load_image(RESOURCES / "photos" / "camera.png")
    face = cam.copy()
    # (his head and shoulders painted over: with the face alone, the search found him on some CPUs, and a tripod
    # leg as a small false person on others)
    face[0:260, 130:330] = face[0:260, 130:330].mean((0, 1)).astype(np.uint8)
    two = load_image(RESOURCES / "photos" / "two_people.jpg")
    photo, out = tmp_path / "trio.png", tmp_path / "out"
    cv2.imwrite(str(photo), np.concatenate([face, two], 1)[..., ::-1])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # (the search's answer on this photo depends on the thread count: with two it finds him)
    try:
        assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
        assert scene_people(out / "trio_scene.glb") == ("person 1", "person 2")
        assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "5", "40",
                     "300", "505"]) == 0
    finally:
        torch.set_num_threads(threads)
    assert "person 3 (the one in the box)" in capsys.readouterr().out
    assert scene_people(out / "trio_scene.glb") == ("person 1", "person 2", "person 3")


def test_a_boxed_person_joins_an_all_people_folder(tmp_path, capsys, monkeypatch, detecting_predictor):
    """camera.png with the face painted over beside the original: --all-people finds the right man only; a box
    around the left one adds him as person 2, written as NAME_p2 beside person 1's files (untouched); a box around
    the right man is person 1, whose outputs are there: skipped."""
    import csv

    import cv2

    from inference.image_io import load_image

    cam = load_image(RESOURCES / "photos" / "camera.png")
    face = cam.copy()
    face[80:210, 185:275] = face[80:210, 185:275].mean((0, 1)).astype(np.uint8)
    photo, out = tmp_path / "pair.png", tmp_path / "out"
    cv2.imwrite(str(photo), np.concatenate([face, cam], 1)[..., ::-1])
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert (out / "pair.obj").is_file() and not (out / "pair_p2.obj").exists()
    before = {q.name: q.stat().st_mtime_ns for q in out.glob("pair*")}
    capsys.readouterr()
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "5", "40", "300", "505"]) == 0
    assert "person 2 (the one in the box)" in capsys.readouterr().out
    assert (out / "pair_p2.obj").is_file() and (out / "pair_p2_people.png").is_file()
    assert {n: (out / n).stat().st_mtime_ns for n in before} == before  # person 1's files kept
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert ("pair_p2", "done", "2", "2") in [(r["output"], r["status"], r["person"], r["people"]) for r in rows]
    # the same box again: skipped before any model loads (nothing searched or fitted), the table as it was
    boxed = (out / "pair_p2.npz").stat().st_mtime_ns
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "5", "40", "300", "505"]) == 0
    text = capsys.readouterr().out
    assert "1 finished before (skipped)" in text and "the one in the box" not in text, text
    assert list(csv.DictReader((out / "summary.csv").open())) == rows
    assert (out / "pair_p2.npz").stat().st_mtime_ns == boxed
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "517", "40", "812", "505"]) == 0
    assert "1 finished before (skipped)" in capsys.readouterr().out
    assert {n: (out / n).stat().st_mtime_ns for n in before} == before
    # the table lists both people, and an --all-people rerun fits nobody again (the logs count two people) and
    # makes the scene of both from their files
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["output"], r["person"]) for r in rows] == [("pair", "1"), ("pair_p2", "2")]
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert "pair_scene.glb made from its 2 people's parameter files" in capsys.readouterr().out
    assert {n: (out / n).stat().st_mtime_ns for n in before} == before and (out / "pair_scene.glb").is_file()
    # person 1's files lost one: an --all-people rerun searches again (one person found), writes person 1 anew and
    # keeps the boxed man (not one of the search's people): in the table, and in the scene remade of both
    (out / "pair.obj").unlink()
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert "removed" not in capsys.readouterr().out
    assert (out / "pair.obj").is_file() and (out / "pair_p2.npz").stat().st_mtime_ns == boxed
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["output"], r["status"], r["person"]) for r in rows] == [("pair", "done", "1"), ("pair_p2", "done", "2")]
    doc, _ = glb_unpack((out / "pair_scene.glb").read_bytes())
    assert [n["name"] for n in doc["nodes"]] == ["person 1", "person 2", "photo camera"]
    # --overwrite redoes the search's people; the boxed man stays until his files are deleted
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine", "--overwrite"]) == 0
    assert (out / "pair_p2.npz").stat().st_mtime_ns == boxed
    assert [r["output"] for r in csv.DictReader((out / "summary.csv").open())] == ["pair", "pair_p2"]
    # more --mesh-formats than the runs wrote: made from each person's .npz, the boxed man's too, nobody fitted
    capsys.readouterr()
    formats = ["--mesh-formats", "obj,glb,ply"]
    built = []
    fresh = pipeline_module.Predictor
    monkeypatch.setattr(pipeline_module, "Predictor", lambda *a, **k: built.append(1) or fresh(*a, **k))
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine", *formats]) == 0
    text = capsys.readouterr().out
    assert "pair.ply made from pair.npz" in text and "pair_p2.ply made from pair_p2.npz" in text, text
    assert not built and "lacks" not in text and "1/1 images done" in text
    assert (out / "pair_p2.ply").is_file() and (out / "pair_p2.npz").stat().st_mtime_ns == boxed
    # a picture of the boxed man deleted: the search cannot find him to write it again, a note says how; he stays
    # in the scene, and the next run fits nobody
    (out / "pair_p2_overlay.png").unlink()
    monkeypatch.setattr(pipeline_module, "Predictor", fresh)
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine", *formats]) == 0
    text = capsys.readouterr().out
    assert "pair_p2 (fitted from --box 5 40 300 505) lacks pair_p2_overlay.png" in text, text
    command = shlex.split(text.split("`")[1])  # the note's command, as printed, writes them
    assert command[:3] == ["python", "main.py", "predict"] and main([*command[2:], "--no-refine"]) == 0
    assert (out / "pair_p2_overlay.png").is_file() and (out / "pair_p2.npz").stat().st_mtime_ns != boxed
    doc, _ = glb_unpack((out / "pair_scene.glb").read_bytes())
    assert [n["name"] for n in doc["nodes"]] == ["person 1", "person 2", "photo camera"]
    monkeypatch.setattr(pipeline_module, "Predictor", lambda *a, **k: built.append(1) or fresh(*a, **k))
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine", *formats]) == 0
    assert "1 finished before (skipped)" in capsys.readouterr().out and not built
    # the user deletes the boxed man's files: the count follows them (a skipped run's row does not hold it up), the
    # scene of two is removed, nobody is fitted
    for q in out.glob("pair_p2*"):
        q.unlink()
    for _ in range(2):
        assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine", *formats]) == 0
        assert not built and not (out / "pair_scene.glb").exists()
        assert people_logged(out)["pair"] == 1
        rows = list(csv.DictReader((out / "summary.csv").open()))
        assert [(r["output"], r["people"]) for r in rows] == [("pair", "1")]
    assert "removed pair_scene.glb" in capsys.readouterr().out


def test_a_second_box_around_another_missed_person_is_a_new_person(tmp_path, capsys, monkeypatch,
                                                                   detecting_predictor):
    """Two missed people boxed one after the other, each run a new process: the second is person K + 1 beside the
    first (before, a fresh detector did not know the first, gave the second the same number and skipped it, or
    wrote over the first with --overwrite); a box drawn differently around the first finds him done."""
    import csv

    import cv2

    from inference.image_io import load_image

    cam = load_image(RESOURCES / "photos" / "camera.png")
    face = cam.copy()
    face[80:210, 185:275] = face[80:210, 185:275].mean((0, 1)).astype(np.uint8)
    photo, out = tmp_path / "trio.png", tmp_path / "out"
    cv2.imwrite(str(photo), np.concatenate([face, face, cam], 1)[..., ::-1])

    def box(*corners):
        return main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", *map(str, corners)])

    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]) == 0
    n = len(list(out.glob("trio*.npz")))
    capsys.readouterr()
    assert box(5, 40, 300, 505) == 0
    assert f"person {n + 1} (the one in the box)" in capsys.readouterr().out
    first = (out / f"trio_p{n + 1}.npz").read_bytes()
    assert box(517, 40, 812, 505) == 0
    assert f"person {n + 2} (the one in the box)" in capsys.readouterr().out
    second = (out / f"trio_p{n + 2}.npz").stat().st_mtime_ns
    assert box(10, 30, 305, 500) == 0  # the first man, boxed a little differently: his outputs are there
    text = capsys.readouterr().out
    assert "the one in the box" not in text and "1 finished before (skipped)" in text, text
    assert box(517, 40, 812, 505, "--overwrite") == 0  # written again under his own number, the first man kept
    assert f"person {n + 2} (the one in the box)" in capsys.readouterr().out
    assert (out / f"trio_p{n + 1}.npz").read_bytes() == first
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["output"], r["person"], r["people"]) for r in rows][-2:] == [
        (f"trio_p{n + 1}", str(n + 1), str(n + 2)), (f"trio_p{n + 2}", str(n + 2), str(n + 2))]
    assert (out / f"trio_p{n + 2}.npz").stat().st_mtime_ns != second
    # the user deletes the first boxed man while the second stays: nobody is fitted again, the scene shows the others,
    # the table counts the people there (person numbers keep their gap)
    allp = ["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]
    assert main(allp) == 0
    doc, _ = glb_unpack((out / "trio_scene.glb").read_bytes())
    assert [x["name"] for x in doc["nodes"]][-3:] == [f"person {n + 1}", f"person {n + 2}", "photo camera"]
    for q in out.glob(f"trio_p{n + 1}[._]*"):
        q.unlink()
    built = []
    fresh = pipeline_module.Predictor
    monkeypatch.setattr(pipeline_module, "Predictor", lambda *a, **k: built.append(1) or fresh(*a, **k))
    capsys.readouterr()
    for _ in range(2):
        assert main(allp) == 0
    assert not built and "made from its" in capsys.readouterr().out
    doc, _ = glb_unpack((out / "trio_scene.glb").read_bytes())
    assert [x["name"] for x in doc["nodes"]][-3:] == [f"person {n}", f"person {n + 2}", "photo camera"]
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["output"], r["people"]) for r in rows][-2:] == [(f"trio_p{n}", str(n + 1)),
                                                               (f"trio_p{n + 2}", str(n + 1))]
    # a box the detector no longer finds anyone in is still numbered around: a new person never takes the number of
    # a boxed one whose files are there (the detector made blind to earlier boxes)
    second = (out / f"trio_p{n + 2}.npz").read_bytes()

    def blind(*args, **kwargs):
        pred = fresh(*args, **kwargs)
        pred.recall_boxes = lambda image, boxes: tuple(None for _ in boxes)
        return pred

    monkeypatch.setattr(pipeline_module, "Predictor", blind)
    assert box(517, 40, 812, 505, "--overwrite") == 0
    assert f"person {n + 3} (the one in the box)" in capsys.readouterr().out
    assert (out / f"trio_p{n + 2}.npz").read_bytes() == second


def test_a_photo_of_the_same_name_leaves_the_others_scene(tmp_path, capsys, detecting_predictor):
    """a.jpg (two people) and png/a.png write the same output names: a.png's run is refused (the names hold a.jpg's
    fits) and wrote nothing, so a rerun of a.jpg keeps its count and its scene (before, the refused run's newer rows
    gave the count, and the rerun removed a.jpg's scene as showing people that were gone)."""
    a_jpg, out = tmp_path / "a.jpg", tmp_path / "out"
    shutil.copy(RESOURCES / "photos" / "two_people.jpg", a_jpg)
    (tmp_path / "png").mkdir()
    shutil.copy(RESOURCES / "photos" / "camera.png", tmp_path / "png" / "a.png")
    assert main(["predict", str(a_jpg), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert main(["predict", str(tmp_path / "png" / "a.png"), "--out", str(out), "--all-people", "--no-refine"]) == 1
    assert people_logged(out)["a"] == 2
    capsys.readouterr()
    assert main(["predict", str(a_jpg), "--out", str(out), "--all-people", "--no-refine"]) == 0
    assert "removed" not in capsys.readouterr().out and (out / "a_scene.glb").is_file()


def test_a_box_in_a_folder_of_another_persons_layout_keeps_its_names(tmp_path, capsys, detecting_predictor):
    """An `--all-people --person 2` folder holds person 2 under the image's name and person 1 as NAME_p1: a box around
    either person names them as that run did, finds their outputs there and skips (before, a box around person 1
    took the image's name, holding person 2: refused, and with --overwrite written over person 2)."""
    photo, out = RESOURCES / "photos" / "two_people.jpg", tmp_path / "out"
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--person", "2", "--no-refine"]) == 0
    before = {q.name: q.stat().st_mtime_ns for q in out.glob("two_people*")}
    assert "two_people_p1.obj" in before and "two_people.obj" in before
    for box in (["0", "0", "474", "512"], ["475", "0", "949", "512"]):  # the montage's halves
        capsys.readouterr()
        assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", *box]) == 0
        assert "1 finished before (skipped)" in capsys.readouterr().out
    assert {q.name: q.stat().st_mtime_ns for q in out.glob("two_people*")} == before


@pytest.mark.slow
def test_a_half_length_portrait_writes_its_unseen_legs_only_in_the_crop_map(tmp_path):
    """The grey astronaut, cut at the waist: `NAME_parts.png` (what a user sees) has no leg, `NAME_parts_crop.png`
    (the map the fitting network read, as painted) keeps the thighs the network painted on her lap
    (inference/unseen_legs.py)."""
    import cv2

    from inference.detect import detector_available
    from inference.parts import decode_colors
    from inference.pipeline import WEIGHTS_DIR

    if not (WEIGHTS_DIR / "seg.pt").is_file() or not detector_available()[0]:
        pytest.skip("no trained weights or no person detector")
    photo = RESOURCES / "photos" / "astronaut_grey.jpg"
    assert main(["predict", str(photo), "--out", str(tmp_path), "--no-refine", "--mesh-formats", "obj"]) == 0
    full = decode_colors(cv2.imread(str(tmp_path / "astronaut_grey_parts.png"))[..., ::-1])
    crop = decode_colors(cv2.imread(str(tmp_path / "astronaut_grey_parts_crop.png"))[..., ::-1])
    legs = (5, 6, 11, 12)
    assert not np.isin(full, legs).any() and np.isin(crop, legs).sum() > 50
