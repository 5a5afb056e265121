"""The pose priors of resources/priors (inference/pose_priors.py), which refinement reads: a missing or damaged one
is refused in one line naming the file, with the way out (restore it, or fit without refinement), as a user error
(helper-109's sweep, F6: `predict` printed a traceback and exited 1; the app said only "BadZipFile: File is not a zip
file")."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import inference.pose_priors as priors
from inference.errors import USER_ERRORS, PredictionError
from inference.paths import RESOURCES

ASTRONAUT = RESOURCES / "photos" / "astronaut.jpg"


@pytest.fixture
def fresh_priors():
    """The priors read again from wherever the test points them, and again from the shipped files after it."""
    def clear():
        for name in ("default_pose_prior", "default_pose_gmm"):
            if hasattr(getattr(priors, name, None), "cache_clear"):
                getattr(priors, name).cache_clear()

    clear()
    yield
    clear()


def damaged(tmp_path: Path, which: str, how: str) -> Path:
    """A copy of resources/priors/`which` in tmp_path: cut short ("truncated") or not there ("missing")."""
    source = RESOURCES / "priors" / which
    path = tmp_path / which
    if how == "truncated":
        path.write_bytes(source.read_bytes()[:2000])
    return path


def point_at(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(priors, "PRIOR_PATH" if path.name == "pose_prior.npz" else "GMM_PATH", path)


def one_line_naming(exc: BaseException, path: Path) -> str:
    """The refusal a user sees: a user error (the CLI and the app show its message alone), one line naming the file
    and both ways out."""
    assert isinstance(exc, PredictionError) and isinstance(exc, USER_ERRORS), repr(exc)
    text = str(exc)
    assert "\n" not in text and str(path) in text, text
    assert "restore it" in text or "replace it" in text, text
    assert "--no-refine" in text and "Settings" in text, text
    return text


@pytest.mark.parametrize("how", ["truncated", "missing"])
@pytest.mark.parametrize("which", ["pose_prior.npz", "pose_gmm.npz"])
def test_a_damaged_or_missing_prior_is_one_line_naming_the_file(tmp_path, which, how):
    path = damaged(tmp_path, which, how)
    load = priors.GaussianPosePrior if which == "pose_prior.npz" else priors.PoseGMM
    with pytest.raises(Exception) as info:
        load(path)
    text = one_line_naming(info.value, path)
    assert ("damaged" if how == "truncated" else "missing") in text


def test_the_shipped_priors_read():
    assert priors.GaussianPosePrior().mean.shape == (69,)
    assert priors.PoseGMM().means.shape[1] == 69


@pytest.mark.parametrize("which", ["pose_prior.npz", "pose_gmm.npz"])
def test_a_refining_predictor_refuses_to_start(tmp_path, monkeypatch, fresh_priors, which):
    """Before its first photo (the app's banner says the same sentence); without refinement it starts."""
    from inference.pipeline import Predictor

    path = damaged(tmp_path, which, "truncated")
    point_at(monkeypatch, path)
    with pytest.raises(Exception) as info:
        Predictor(device="cpu", detect="off", refine=True)
    one_line_naming(info.value, path)
    assert Predictor(device="cpu", detect="off", refine=False).refine is False


def test_predict_without_the_prior_says_one_line_and_exits_2(tmp_path, monkeypatch, fresh_priors, capsys):
    """`main.py predict` (in process): one error line naming the file, exit 2 (weights or models that cannot be
    loaded, README), nothing predicted; with --no-refine, as the line suggests, the photo is done."""
    from cli.main import main

    path = damaged(tmp_path, "pose_prior.npz", "missing")
    point_at(monkeypatch, path)
    assert main(["predict", str(ASTRONAUT), "--out", str(tmp_path / "o"), "--detect", "off"]) == 2
    captured = capsys.readouterr()
    said = [line for line in (captured.out + captured.err).splitlines() if str(path) in line]
    assert len(said) == 1 and said[0].startswith("error: pose prior") and "Traceback" not in captured.err
    assert not (tmp_path / "o" / "astronaut.obj").exists()
    assert main(["predict", str(ASTRONAUT), "--out", str(tmp_path / "n"), "--detect", "off", "--no-refine"]) == 0


def test_a_prior_restored_is_read_again(tmp_path, monkeypatch, fresh_priors):
    """A failed read is not kept: once the file is back, refinement reads it (the app's next Predictor works)."""
    path = damaged(tmp_path, "pose_prior.npz", "missing")
    point_at(monkeypatch, path)
    with pytest.raises(PredictionError):
        priors.default_pose_prior()
    shutil.copy(RESOURCES / "priors" / "pose_prior.npz", path)
    assert priors.default_pose_prior().mean.shape == (69,)
