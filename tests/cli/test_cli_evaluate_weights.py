"""`main.py evaluate --weights DIR`: eval.md and eval.json say which networks were evaluated (the folder, each file's
SHA-256, the checkpoint's epoch and validation scores), and the person detector reads DIR's own people.pt."""
from __future__ import annotations

import json
import shutil

import pytest
import torch

import inference.detect as detect
from cli.main import main
from inference.integrity import sha256_of


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """Two synthetic cases in UP-3D layout and tiny untrained networks whose checkpoints hold an epoch and
    validation scores, as a training run's best.pt packaged by scripts/package_weights.py does."""
    from tests.app.support import make_dataset
    from tests.tiny_weights import write_tiny_weights

    root = tmp_path_factory.mktemp("evaluate_weights")
    make_dataset(root / "set", 2)
    weights = write_tiny_weights(root / "weights")
    for name, epoch, val in (("seg.pt", 10, {"miou": 0.0428, "per_class": [0.4, 0.01]}),
                             ("fit.pt", 1, {"mpjpe_mm": 286.59, "pa_mpjpe_mm": 187.81})):
        ck = torch.load(weights / name, weights_only=True)
        torch.save({**ck, "epoch": epoch, "val": val}, weights / name)
    return root / "set", weights


def _evaluate(data, out, weights, *extra):
    return main(["evaluate", str(data), "--out", str(out), "--weights", str(weights), "--device", "cpu",
                 "--precision", "float32", "--baseline-limit", "0", "--refine-limit", "0", *extra])


def test_the_results_name_the_weights_evaluated(labelled, tmp_path, capsys):
    """A candidate's table could not be told from the shipped weights' one: neither file named the networks."""
    data, weights = labelled
    out = tmp_path / "out"
    assert _evaluate(data, out, weights, "--keypoints", "none") == 0, capsys.readouterr().err
    ev = json.loads((out / "eval.json").read_text())
    seg, fit = sha256_of(weights / "seg.pt"), sha256_of(weights / "fit.pt")
    assert ev["weights"] == {"folder": str(weights.resolve()), "files": {
        "seg.pt": {"sha256": seg, "epoch": 10, "val": {"miou": 0.0428, "per_class": [0.4, 0.01]}},
        "fit.pt": {"sha256": fit, "epoch": 1, "val": {"mpjpe_mm": 286.59, "pa_mpjpe_mm": 187.81}}}}
    md = (out / "eval.md").read_text().splitlines()
    assert md[2] == (f"Weights: {weights.resolve()}: seg.pt {seg[:12]} (epoch 10; val miou 0.0428), fit.pt "
                     f"{fit[:12]} (epoch 1; val mpjpe_mm 286.6, pa_mpjpe_mm 187.8) (SHA-256, first 12 hex digits).")
    assert md[4].startswith("| method |")


def test_the_detector_reads_the_weights_folders_people_pt(labelled, tmp_path, capsys, monkeypatch):
    """people.pt came from resources/weights whatever --weights held: the folder's own is read, and recorded."""
    _, weights = labelled
    data = tmp_path / "set"
    shutil.copytree(labelled[0], data)
    own = tmp_path / "W"
    shutil.copytree(weights, own)
    (own / "people.pt").write_bytes(b"not read: the detector is replaced below")
    asked = []

    def unavailable(**kwargs):
        asked.append(kwargs)
        raise detect.DetectorUnavailable("no detector in this test")

    monkeypatch.setattr(detect, "shared_detector", unavailable)
    assert _evaluate(data, tmp_path / "out", own, "--keypoints", "detect") == 0, capsys.readouterr().err
    assert asked == [{"people": own / "people.pt"}]
    ev = json.loads((tmp_path / "out" / "eval.json").read_text())
    assert list(ev["weights"]["files"]) == ["seg.pt", "fit.pt"]  # no detector ran: its people.pt read nothing


@pytest.mark.skipif(not detect.detector_available()[0], reason="person detector not installed")
def test_the_folders_people_pt_is_recorded_when_the_detector_reads_it(labelled, tmp_path, capsys):
    shipped = detect.PEOPLE_WEIGHTS
    if not shipped.is_file():
        pytest.skip("shipped people.pt not there")
    data, weights = labelled
    own = tmp_path / "W"
    shutil.copytree(weights, own)
    shutil.copy(shipped, own / "people.pt")
    assert _evaluate(data, tmp_path / "out", own, "--keypoints", "detect") == 0, capsys.readouterr().err
    files = json.loads((tmp_path / "out" / "eval.json").read_text())["weights"]["files"]
    assert list(files) == ["seg.pt", "fit.pt", "people.pt"]
    assert files["people.pt"]["sha256"] == sha256_of(shipped) and files["people.pt"]["epoch"] == 11
    assert f"people.pt {sha256_of(shipped)[:12]} (epoch 11; val f1 0.9469" in (tmp_path / "out" / "eval.md").read_text()
