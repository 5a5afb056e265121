"""Fixtures of the command tests: the real Predictor, built once per module, for commands run in this process."""
from __future__ import annotations

import inspect

import pytest

import inference.pipeline as pipeline_module

PREDICTOR = pipeline_module.Predictor  # the class, whatever a test puts in its place


@pytest.fixture(scope="module")
def predictor():
    """The shipped networks on the CPU, without the person detector (the whole image is the person's crop)."""
    from inference.pipeline import WEIGHTS_DIR, Predictor

    if not (WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    return Predictor(device="cpu", detect="off")


@pytest.fixture
def cached_predictor(monkeypatch, predictor) -> list[dict]:
    """Build the models once for these tests (the command still runs everything else for real). Returns the
    arguments of every Predictor the command asked for, in order, by parameter name with the Predictor's defaults
    filled in: the models are shared, the options the command chose are kept for a test to read (a flag wired to
    nothing, or a keyword the Predictor has not, shows there)."""
    signature = inspect.signature(PREDICTOR)
    asked: list[dict] = []

    def shared(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # TypeError for a call the real class would refuse
        bound.apply_defaults()
        asked.append(dict(bound.arguments))
        return predictor

    monkeypatch.setattr(pipeline_module, "Predictor", shared)
    return asked
