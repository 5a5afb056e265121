"""`main.py synth`: the UP-3D layout it writes, reading cases back, resuming, determinism, splits."""
from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

import cli.cmd_synth as cmd_synth
from cli.main import main
from inference.camera import CROP_SIZE, FOCAL
from inference.datasets import list_cases, read_case
from inference.parts import PALETTE

SEED = 7
N = 4
CASE_FILES = ("_image.png", "_body.pkl", "_joints.npy", "_parts.png", "_silhouette.png", "_joints3d.npy")


@pytest.fixture(scope="module", autouse=True)
def renderer():
    """The synth command builds a SampleRenderer per run (~3 s) and closes it when the run ends; build it once for
    the module (the first run still goes through the command's real initialisation) and release it afterwards."""
    mp = pytest.MonkeyPatch()
    real = cmd_synth._init

    def init_once(body_model):
        if cmd_synth._W.get("_key") != body_model or "r" not in cmd_synth._W:
            real(body_model)
            cmd_synth._W["_key"] = body_model

    mp.setattr(cmd_synth, "_init", init_once)
    mp.setattr(cmd_synth, "_close", lambda: None)  # kept for the module's runs; closed below
    yield lambda: cmd_synth._W["r"]
    mp.undo()
    r = cmd_synth._W.pop("r", None)
    cmd_synth._W.pop("_key", None)
    if r is not None:
        r.renderer.close()


def _synth(out: Path, *extra: str) -> int:
    return main(["synth", "--out", str(out), "--n", str(N), "--seed", str(SEED), *extra])


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One synthetic set (4 cases, seed 7) written through the CLI, and its file digests."""
    out = tmp_path_factory.mktemp("synth") / "a"
    assert _synth(out) == 0
    return out, _digests(out)


def test_layout_is_up3d(first):
    out, digests = first
    for i in range(N):
        for suffix in CASE_FILES:
            assert f"{i:05d}{suffix}" in digests, f"missing {i:05d}{suffix}"
    for split in ("train", "val", "test"):
        assert f"{split}.txt" in digests
    assert not [n for n in digests if n.endswith(".tmp")], "temporary files left behind"
    # default split: 80/10/10 by index
    lines = {s: (out / f"{s}.txt").read_text().splitlines() for s in ("train", "val", "test")}
    assert sum(len(v) for v in lines.values()) == N
    assert lines["train"][0] == "/00000_image.png"
    assert sorted(list_cases(out, None)) == [f"{i:05d}" for i in range(N)]
    # file contents
    img = cv2.imread(str(out / "00000_image.png"), cv2.IMREAD_UNCHANGED)
    assert img.shape == (CROP_SIZE, CROP_SIZE, 3) and img.dtype == np.uint8
    parts = cv2.imread(str(out / "00000_parts.png"), cv2.IMREAD_COLOR)[..., ::-1]
    assert (parts[:, :, None, :] == PALETTE[None, None]).all(-1).any(-1).all(), "parts.png holds non-palette colours"
    sil = cv2.imread(str(out / "00000_silhouette.png"), cv2.IMREAD_UNCHANGED)
    assert sil.ndim == 2 and set(np.unique(sil)) <= {0, 255}
    assert np.load(out / "00000_joints.npy").shape == (3, 14)
    assert np.load(out / "00000_joints3d.npy").shape == (24, 3)


def test_read_case_gives_back_the_sample(first, renderer):
    """read_case's params reproduce the generator's 3D joints; image, labels and LSP joints round-trip."""
    out, _ = first
    r = renderer()
    body = r.body
    for i in (0, 2):
        s = r.render(SEED, i)
        case = read_case(out, f"{i:05d}", body)
        assert case.id == f"{i:05d}" and case.focal == FOCAL
        np.testing.assert_array_equal(case.image, s.image)
        np.testing.assert_array_equal(case.labels, s.labels)
        np.testing.assert_allclose(case.lsp, s.lsp2d, atol=1e-5)
        np.testing.assert_allclose(body.mesh(case.params).joints, s.joints3d, atol=1e-4)  # metres
        np.testing.assert_allclose(body.mesh(case.params).vertices, s.vertices, atol=1e-4)
        np.testing.assert_array_equal(np.load(out / f"{i:05d}_joints3d.npy"), s.joints3d.astype(np.float32))
        sil = cv2.imread(str(out / f"{i:05d}_silhouette.png"), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(sil > 0, s.labels > 0)


def test_a_body_model_that_does_not_load_is_refused_before_the_folder_is_made(tmp_path, capsys):
    bad = tmp_path / "SMPL_NEUTRAL.pkl"
    bad.write_bytes(b"\x80\x04 nope")
    assert _synth(tmp_path / "out", "--body-model", str(bad)) == 2
    assert "error:" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_rerun_skips_complete_cases_and_resumes(first, tmp_path, capsys):
    out, digests = first
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if not p.name.endswith(".txt")}
    assert _synth(out) == 0
    assert "(0 rendered now, 4 already there)" in capsys.readouterr().out
    assert _digests(out) == digests
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if not p.name.endswith(".txt")} == mtimes
    # an interrupted case (its image, written last, is missing) is rendered again, identically
    (out / "00002_image.png").unlink()
    (out / "00002_parts.png").write_bytes(b"half written")
    assert _synth(out) == 0
    assert "(1 rendered now, 3 already there)" in capsys.readouterr().out
    assert _digests(out) == digests


def test_same_seed_in_another_folder_is_byte_identical_and_split_test(first, tmp_path):
    out, digests = first
    other = tmp_path / "b"
    assert _synth(other, "--split", "test") == 0
    got = _digests(other)
    cases = {k: v for k, v in digests.items() if not k.endswith((".txt", ".json"))}  # the cases, not the lists
    assert {k: v for k, v in got.items() if not k.endswith((".txt", ".json"))} == cases
    assert '"split": "test"' in (other / "synth.json").read_text()
    assert (other / "test.txt").read_text().splitlines() == [f"/{i:05d}_image.png" for i in range(N)]
    assert (other / "train.txt").read_text() == "" and (other / "val.txt").read_text() == ""
    assert list_cases(other, "test") == [f"{i:05d}" for i in range(N)]
    assert list_cases(other, "train") == []


def test_split_lists_and_image_kinds(tmp_path):
    """Split lists may hold comments, blank lines, Windows paths, other case files or repeats; images may be JPEG;
    a case without a body pickle has no params; a part map of another size is mapped onto the image."""
    from inference.datasets import default_split, image_path, is_dataset_folder
    from inference.parts import colorize

    rgb = np.zeros((16, 12, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "00000_image.png"), rgb)
    cv2.imwrite(str(tmp_path / "00001_image.jpg"), rgb)
    labels = np.zeros((8, 6), np.uint8)
    labels[2:6, 2:4] = 5
    cv2.imwrite(str(tmp_path / "00001_parts.png"), colorize(labels)[..., ::-1])
    assert is_dataset_folder(tmp_path) and default_split(tmp_path) is None
    assert list_cases(tmp_path, None) == list_cases(tmp_path, "test") == ["00000", "00001"]
    (tmp_path / "val.txt").write_text("# held out\n\n\\\\data\\00001_image.jpg\n00000_body.pkl\n/00001_image.jpg\n")
    assert default_split(tmp_path) == "val" and list_cases(tmp_path, "val") == ["00001", "00000"]
    assert image_path(tmp_path, "00001").name == "00001_image.jpg"
    case = read_case(tmp_path, "00001")
    assert case.params is None and case.image.shape == (16, 12, 3)
    assert case.labels.shape == (16, 12) and set(np.unique(case.labels)) == {0, 5}
    assert read_case(tmp_path, "00000").labels is None


def test_joints_missing_or_unreadable_are_none_not_zeros(tmp_path):
    """A case without NNNNN_joints.npy has lsp None: it was all zeros, which evaluate's baseline fitted as joints at
    the crop's corner and reported as a result. Unreadable joints: an error, or (lenient) None and said so."""
    from inference.errors import ParamsFileError

    cv2.imwrite(str(tmp_path / "00000_image.png"), np.zeros((16, 12, 3), np.uint8))
    assert read_case(tmp_path, "00000").lsp is None
    joints = tmp_path / "00000_joints.npy"
    np.save(joints, np.ones((3, 14)))
    assert read_case(tmp_path, "00000").lsp.shape == (14, 3)
    joints.write_bytes(joints.read_bytes()[:60])  # truncated
    with pytest.raises(ParamsFileError, match="00000_joints.npy"):
        read_case(tmp_path, "00000")
    case = read_case(tmp_path, "00000", lenient=True)
    assert case.lsp is None and len(case.problems) == 1 and "00000_joints.npy" in case.problems[0]


@pytest.mark.parametrize("bad, said", [(np.nan, "NaN or inf"), (np.inf, "NaN or inf"), (1j, "expected real numbers")])
def test_joints_that_are_not_finite_real_numbers_are_refused(tmp_path, bad, said):
    """A NaN in a joints file (even at confidence 0: 0 * NaN is NaN) made evaluate's baseline fit NaN parameters,
    and the run died in the Procrustes SVD (LinAlgError, sweep187): now the file is refused, or (lenient, as
    evaluate reads) read as missing and said so."""
    from inference.errors import ParamsFileError

    cv2.imwrite(str(tmp_path / "00000_image.png"), np.zeros((16, 12, 3), np.uint8))
    joints = np.ones((3, 14), complex if isinstance(bad, complex) else float)
    joints[0, 5] = bad
    np.save(tmp_path / "00000_joints.npy", joints)
    with pytest.raises(ParamsFileError, match=f"00000_joints.npy: .*{said}"):
        read_case(tmp_path, "00000")
    case = read_case(tmp_path, "00000", lenient=True)
    assert case.lsp is None and said in case.problems[0]


def test_a_set_is_not_mixed_with_other_settings_nor_shrunk(first, tmp_path, capsys):
    """Another --seed or --split into a set's folder, or a smaller --n, is refused with one line and changes
    nothing (it added people of another seed under the first one's lists, and rewrote the lists without the
    cases beyond --n); a larger --n with the same settings adds cases. synth-crowd's crowd.json the same."""
    out, digests = first
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    for argv, needle in ((["--seed", str(SEED + 1)], "seed 7 there, 8 now"),
                         (["--split", "test"], "split None there, 'test' now"),
                         (["--n", str(N - 1)], f"holds {N} cases; --n {N - 1} would leave 1 of them out")):
        assert main(["synth", "--out", str(out), "--n", str(N), "--seed", str(SEED), *argv]) == 2, argv
        text = capsys.readouterr().err
        assert needle in text and len(text.strip().splitlines()) == 1, text
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert main(["synth", "--out", str(tmp_path / "neg"), "--n", "0"]) == 2 and not (tmp_path / "neg").exists()
    with pytest.raises(SystemExit):
        main(["synth", "--out", str(tmp_path / "neg"), "--n", "1", "--seed", "-5"])
    crowd = tmp_path / "crowd"
    crowd.mkdir()
    (crowd / "00000_image.png").write_bytes(b"")  # a frame of a set made with seed 1
    (crowd / "crowd.json").write_text('{"seed": 1, "n": 1, "width": 1024, "height": 640, "min_people": 4, '
                                      '"max_people": 8, "min_height": 50.0, "max_height": 320.0}')
    assert main(["synth-crowd", "--out", str(crowd), "--n", "2", "--seed", "9"]) == 2
    assert "seed 1 there, 9 now" in capsys.readouterr().err
    assert '"seed": 1' in (crowd / "crowd.json").read_text()


@pytest.mark.parametrize("layout", [(6, 5, 3), (6, 5, 4), (6, 5)], ids=["rgb", "rgba", "grey"])
def test_write_png_round_trips_every_layout(tmp_path, layout):
    """`write_png` is `export.png_bytes` written whole: RGB, RGBA (an alpha is not a blue) and grey come back as
    they were, and no temporary file is left beside it."""
    from inference.datasets import write_png

    image = np.random.default_rng(len(layout) + layout[-1]).integers(0, 256, layout, dtype=np.uint8)
    write_png(tmp_path / "x.png", image)
    back = cv2.imread(str(tmp_path / "x.png"), cv2.IMREAD_UNCHANGED)
    if back.ndim == 3:
        back = cv2.cvtColor(back, cv2.COLOR_BGR2RGB if back.shape[2] == 3 else cv2.COLOR_BGRA2RGBA)
    np.testing.assert_array_equal(back, image)
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]
