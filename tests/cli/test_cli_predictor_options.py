"""`main.py predict`'s model options reach the Predictor it builds: --refine / --no-refine, --detect, --precision
and --device, each as the Predictor's own argument (the in-process command tests share one set of built models,
so a flag wired to nothing would pass all of them)."""
from __future__ import annotations

import pytest

from cli.main import main
from inference.nets.precision import ENV
from inference.paths import RESOURCES

SAMPLE = RESOURCES / "samples" / "synthetic_01.png"
DEFAULTS = {"refine": True, "detect": "auto", "precision": "auto", "device": "auto"}  # `predict --help`'s


CASES = [
    ([], {}),
    (["--no-refine"], {"refine": False}),
    (["--refine"], {"refine": True}),
    (["--detect", "off"], {"detect": "off"}),
    (["--detect", "on"], {"detect": "on"}),
    (["--precision", "float32"], {"precision": "float32"}),
    (["--precision", "bfloat16"], {"precision": "bfloat16"}),
    (["--device", "cpu"], {"device": "cpu"}),
    (["--device", "cuda"], {"device": "cuda"}),
    (["--no-refine", "--detect", "off", "--precision", "float32", "--device", "cpu"],
     {"refine": False, "detect": "off", "precision": "float32", "device": "cpu"}),
]


@pytest.mark.parametrize("flags, chosen", CASES, ids=[" ".join(flags) or "defaults" for flags, _ in CASES])
def test_each_model_option_reaches_the_predictor(tmp_path, capsys, monkeypatch, cached_predictor, flags, chosen):
    """One Predictor is built per run, with the flag's value and every other option at its command-line default
    (refinement on: the Predictor's own default is off)."""
    monkeypatch.delenv(ENV, raising=False)  # (--precision sets it for the process: restored after the test)
    assert main(["predict", str(SAMPLE), "--out", str(tmp_path / "out"), "--mesh-formats", "obj", *flags]) == 0, \
        capsys.readouterr().err
    expected = {**DEFAULTS, **chosen}
    assert [{k: asked[k] for k in expected} for asked in cached_predictor] == [expected]
