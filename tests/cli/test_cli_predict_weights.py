"""`main.py predict --weights DIR`: a researcher's own packaged networks (seg.pt, fit.pt, optionally people.pt) run
in `predict`, as in `evaluate --weights`; a folder that is not one is refused in evaluate's words, before any model
loads or --out is made."""
from __future__ import annotations

import json

import pytest

import inference.pipeline as pipeline_module
from cli.cmd_evaluate import EvaluateInputError, check_weights
from cli.main import main
from inference.paths import RESOURCES
from tests.tiny_weights import write_tiny_weights

PREDICTOR = pipeline_module.Predictor
PHOTO = RESOURCES / "photos" / "two_people.jpg"


@pytest.fixture
def no_models(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the models were loaded before the arguments were checked")

    monkeypatch.setattr(pipeline_module, "Predictor", refuse)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err[len("error: "):]


def test_predict_runs_the_given_weights(tmp_path, capsys, monkeypatch):
    """--weights DIR reaches the Predictor as its weights_dir: the images are fitted by DIR's networks."""
    built = []

    def recording(*args, **kwargs):
        built.append(kwargs)
        return PREDICTOR(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "Predictor", recording)
    weights = write_tiny_weights(tmp_path / "W")
    out = tmp_path / "out"
    assert main(["predict", str(PHOTO), "--out", str(out), "--weights", str(weights), "--detect", "off",
                 "--no-refine", "--device", "cpu", "--precision", "float32", "--mesh-formats", "obj"]) == 0, \
        capsys.readouterr().err
    assert [k["weights_dir"] for k in built] == [weights]
    assert (out / "two_people.obj").is_file()


def test_without_weights_the_shipped_ones_are_used(tmp_path, monkeypatch):
    """No --weights: weights_dir None, the Predictor's default (resources/weights)."""
    seen = []

    def stop(*args, **kwargs):
        seen.append(kwargs.get("weights_dir", "absent"))
        raise pipeline_module.PredictionError("stop here")

    monkeypatch.setattr(pipeline_module, "Predictor", stop)
    assert main(["predict", str(PHOTO), "--out", str(tmp_path / "out"), "--detect", "off"]) == 2
    assert seen == [None]


@pytest.mark.parametrize("kind", ["seg", "fit"])
def test_a_training_run_is_refused_in_evaluates_words(tmp_path, capsys, no_models, kind):
    """A training run's folder given as --weights: exit 2 with the very line `evaluate --weights` prints (one check,
    `inference.weights_folder`), and no --out made."""
    run = tmp_path / "run"
    run.mkdir()
    for name in ("best.pt", "latest.pt"):
        (run / name).write_bytes(b"")
    (run / "config.json").write_text(json.dumps({"kind": kind}))
    out = tmp_path / "out"
    assert main(["predict", str(PHOTO), "--out", str(out), "--weights", str(run)]) == 2
    said = _one_line_error(capsys)
    with pytest.raises(EvaluateInputError) as evaluate_said:
        check_weights(run)
    assert said == str(evaluate_said.value)
    assert said.startswith(f"--weights {run} is a ") and f"--{kind} {run / 'best.pt'}" in said
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing", "file", "empty"])
def test_a_folder_without_the_networks_is_refused(tmp_path, capsys, no_models, case):
    weights = tmp_path / "W"
    if case == "file":
        weights.write_text("x")
    if case == "empty":
        weights.mkdir()
    out = tmp_path / "out"
    assert main(["predict", str(PHOTO), "--out", str(out), "--weights", str(weights)]) == 2
    said = _one_line_error(capsys)
    needle = {"missing": "no such folder", "file": "a file, not a folder", "empty": "no seg.pt or fit.pt there"}[case]
    assert said.startswith(f"--weights {weights}") and needle in said, said
    assert not out.exists()


def test_help_names_the_option_and_that_the_app_uses_the_shipped_weights(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--weights DIR" in text and "scripts/package_weights.py --dest" in text and "people.pt" in text
    assert "The app always uses the shipped weights" in text
