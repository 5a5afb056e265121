"""Fixtures of the command tests: the real Predictor, built once per module, for commands run in this process."""
from __future__ import annotations

import pytest

import inference.pipeline as pipeline_module


@pytest.fixture(scope="module")
def predictor():
    """The shipped networks on the CPU, without the person detector (the whole image is the person's crop)."""
    from inference.pipeline import WEIGHTS_DIR, Predictor

    if not (WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    return Predictor(device="cpu", detect="off")


@pytest.fixture
def cached_predictor(monkeypatch, predictor):
    """Build the models once for these tests (the command still runs everything else for real)."""
    monkeypatch.setattr(pipeline_module, "Predictor", lambda *a, **k: predictor)
