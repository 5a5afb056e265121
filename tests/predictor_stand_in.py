"""One stand-in for `inference.pipeline.Predictor` in tests that run commands in this process: every request for a
Predictor answers with one already built (the models are read once), and the arguments of each request are kept, so
a test can see which options the command chose (a flag wired to nothing, or a keyword the Predictor has not, shows
there)."""
from __future__ import annotations

import inspect

import inference.pipeline as pipeline_module

PREDICTOR = pipeline_module.Predictor  # the class, whatever a test puts in its place


def recording_predictor(monkeypatch, predictor) -> list[dict]:
    """Put `predictor` in the place of the Predictor class for this test; returns the arguments of every Predictor
    asked for meanwhile, in order, by parameter name with the class's defaults filled in. A call the real class
    would refuse raises its TypeError."""
    signature = inspect.signature(PREDICTOR)
    asked: list[dict] = []

    def shared(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        asked.append(dict(bound.arguments))
        return predictor

    monkeypatch.setattr(pipeline_module, "Predictor", shared)
    return asked
