"""The Predictor given a weights folder of the user's: a training run's folder is said to be one, with how to package
it (the words `evaluate --weights` uses); a file that differs from the folder's manifest names the command that
records it, not the shipped folder's `git checkout`; the person detector reads the folder's own people.pt."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import inference.detect as detect
from inference.integrity import write_manifest
from inference.pipeline import WEIGHTS_DIR, PredictionError, Predictor
from tests.tiny_weights import write_tiny_weights

ROOT = Path(__file__).resolve().parents[2]


def _run_folder(folder: Path, kind: str | None) -> Path:
    folder.mkdir(parents=True)
    for name in ("best.pt", "latest.pt"):
        (folder / name).write_bytes(b"")  # found by name: nothing is loaded
    if kind:
        (folder / "config.json").write_text(json.dumps({"kind": kind}))
    return folder


@pytest.mark.parametrize("kind", ["seg", "fit", None])
def test_a_training_run_is_said_to_be_one_with_how_to_package_it(tmp_path, kind):
    """`Predictor(weights_dir=RUN)` said "weights not found: RUN/seg.pt (train them ...)" to a user who had just
    trained; it says what `evaluate --weights RUN` says, from the same function."""
    run = _run_folder(tmp_path / "run", kind)
    with pytest.raises(PredictionError) as info:
        Predictor(detect="off", weights_dir=run, device="cpu")
    said = str(info.value)
    net = {"seg": "segmentation ", "fit": "fitting ", None: ""}[kind]
    assert said.startswith(f"weights_dir {run} is a {net}training run (best.pt, latest.pt), not a weights folder"), said
    assert "python scripts/package_weights.py --seg " in said and "--dest FOLDER" in said
    assert "train them" not in said
    if kind:
        assert f"--{kind} {run / 'best.pt'}" in said
    from inference.weights_folder import training_run_problem

    assert said == training_run_problem(run, "weights_dir")


def _own_folder(folder: Path) -> Path:
    """A weights folder of the user's with its manifest, as `package_weights.py --dest` leaves it."""
    write_tiny_weights(folder)
    write_manifest(folder, ("seg.pt", "fit.pt"))
    return folder


def test_a_candidate_copied_over_a_manifest_listed_file_names_the_manifest_command(tmp_path):
    """A copy of resources/weights with a candidate's fit.pt copied over its own: the remedy was `git checkout
    resources/weights`, which mends the shipped folder, not this one. It names `package_weights.py --manifest-only
    --dest FOLDER`, which records the new file, after which the folder loads."""
    folder = _own_folder(tmp_path / "W")
    fit = torch.load(folder / "fit.pt", weights_only=True)
    fit["epoch"] = 20  # another checkpoint of the same network: a candidate
    torch.save(fit, folder / "fit.pt")
    with pytest.raises(PredictionError) as info:
        Predictor(detect="off", weights_dir=folder, device="cpu")
    said = str(info.value)
    assert said.startswith(f"model file {folder / 'fit.pt'} is damaged"), said
    assert f"`python scripts/package_weights.py --manifest-only --dest {folder}`" in said, said
    assert "git checkout" not in said
    done = subprocess.run([sys.executable, "scripts/package_weights.py", "--manifest-only", "--dest", str(folder)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Predictor(detect="off", weights_dir=folder, device="cpu").fit_res == 64


def test_damaged_values_in_a_folder_of_the_users_are_packaged_again(tmp_path):
    """NaN in a weights file of the user's: recording it in the manifest mends nothing, so the remedy is to package
    or copy it again (the shipped folder's `git checkout` is not theirs)."""
    folder = write_tiny_weights(tmp_path / "W")
    fit = torch.load(folder / "fit.pt", weights_only=True)
    next(v for v in fit["model"].values() if v.is_floating_point()).view(-1)[0] = float("nan")
    torch.save(fit, folder / "fit.pt")
    with pytest.raises(PredictionError, match="hold NaN or infinite") as info:
        Predictor(detect="off", weights_dir=folder, device="cpu")
    assert f"package it again from its training run (`python scripts/package_weights.py ... --dest {folder}`)" in \
        str(info.value) and "git checkout" not in str(info.value)


def test_the_shipped_folder_is_still_restored_from_git():
    from inference.weights_folder import manifest_remedy

    assert "git checkout resources/weights" in manifest_remedy(WEIGHTS_DIR)
    assert "git checkout resources/weights" in manifest_remedy(ROOT / "resources" / ".." / "resources" / "weights")


class _Recorder:
    """`shared_detector` in a test: records how it was asked, and stands for a detector with no problems."""

    def __init__(self):
        self.calls: list[dict] = []
        self.problems: list[str] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self


def test_the_detector_reads_the_weights_folders_people_pt(tmp_path, monkeypatch):
    """people.pt was always resources/weights/people.pt, whatever the weights folder held. A folder with its own
    people.pt has the detector's proposer read from it; a folder without one, and the shipped folder, keep the
    process's shared detector of the shipped proposer."""
    recorder = _Recorder()
    monkeypatch.setattr(detect, "shared_detector", recorder)
    folder = write_tiny_weights(tmp_path / "W")
    assert Predictor(weights_dir=folder, device="cpu").detector is recorder
    (folder / "people.pt").write_bytes(b"x")
    Predictor(weights_dir=folder, device="cpu")
    assert recorder.calls == [{}, {"people": folder / "people.pt"}]


def test_shared_detector_is_one_per_proposer(monkeypatch, tmp_path):
    """`shared_detector(people=P)` builds its detector with that people.pt, kept apart from the shipped one's."""
    built = []

    class Fake:
        def __init__(self, model_dir, **kwargs):
            built.append((model_dir, kwargs))

    monkeypatch.setattr(detect, "PersonDetector", Fake)
    monkeypatch.setattr(detect, "_SHARED", {})
    own = tmp_path / "people.pt"
    shipped = detect.shared_detector()
    assert detect.shared_detector(people=own) is detect.shared_detector(people=own) is not shipped
    assert detect.shared_detector() is shipped
    assert [kw for _, kw in built] == [{}, {"people": own}]


@pytest.mark.skipif(not detect.detector_available()[0], reason="person detector not installed")
def test_a_damaged_people_pt_of_the_folder_is_the_one_named(tmp_path):
    """End to end: the real detector reads the folder's people.pt (cut short here), and says so in the Predictor's
    warnings; the shipped people.pt is not used instead."""
    folder = write_tiny_weights(tmp_path / "W")
    shipped = detect.PEOPLE_WEIGHTS
    if not shipped.is_file():
        pytest.skip("shipped people.pt not there")
    (folder / "people.pt").write_bytes(shipped.read_bytes()[:1000])
    pred = Predictor(weights_dir=folder, device="cpu", detect="on")
    said = [w for w in pred.warnings if "people.pt" in w]
    assert len(said) == 1 and str(folder / "people.pt") in said[0], pred.warnings
    assert pred.detector.proposer is None


@pytest.mark.skipif(not detect.detector_available()[0], reason="person detector not installed")
def test_a_people_pt_copied_over_its_folders_manifest_names_the_manifest_command(tmp_path):
    """A weights folder of the user's whose models.json records another people.pt (a candidate copied over the packaged
    one): the detector's line names `package_weights.py --manifest-only` for that folder beside a copy of the
    project's people.pt (the file may as well be a damaged copy: the manifest cannot tell which)."""
    import shutil

    shipped = detect.PEOPLE_WEIGHTS
    if not shipped.is_file():
        pytest.skip("shipped people.pt not there")
    folder = write_tiny_weights(tmp_path / "W")
    shutil.copy(shipped, folder / "people.pt")
    write_manifest(folder, ["seg.pt", "fit.pt", "people.pt"])
    data = bytearray((folder / "people.pt").read_bytes())
    data[-100] ^= 0xFF  # same size, another digest: not the file the manifest recorded
    (folder / "people.pt").write_bytes(bytes(data))
    pred = Predictor(weights_dir=folder, device="cpu", detect="on")
    said = [w for w in pred.warnings if "people.pt" in w]
    assert len(said) == 1 and "--manifest-only" in said[0] and str(folder) in said[0], pred.warnings
