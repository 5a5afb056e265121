"""Fixtures of the command tests: the real Predictor, built once per module, for commands run in this process;
the real Predictor with a person detector built afresh for each command run (`detecting_predictor`)."""
from __future__ import annotations

import copy
import functools

import pytest

import inference.pipeline as pipeline_module
from tests.predictor_stand_in import recording_predictor


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
    arguments of every Predictor the command asked for (`tests.predictor_stand_in.recording_predictor`)."""
    return recording_predictor(monkeypatch, predictor)


@functools.cache
def _embedded_body():
    """The embedded body model, read once for the module's CLI runs: a BodyModel holds no state between runs
    (arrays and an eval-mode smplx layer), unlike the detector, which each run builds afresh."""
    from inference.body_model import BodyModel

    return BodyModel()


@functools.cache
def _detector_installed() -> bool:
    """Whether the shipped networks come with a person detector here (asked once: the answer does not change)."""
    from inference.pipeline import Predictor

    return Predictor(device="cpu", detect="on", refine=False, body_model=_embedded_body()).detector is not None


@pytest.fixture(scope="module")
def searches() -> dict:
    """The person search's answers in this module's CLI runs, by image content and search options (see
    `detecting_predictor`)."""
    return {}


@pytest.fixture
def detecting_predictor(monkeypatch, searches):
    """The shipped networks with the real person detector, built afresh for each CLI run as in a new process (a
    detector keeps the people boxed in its photos: a shared one would find them in later runs), with the options the
    command gave (the device aside: the CPU) and the embedded body model read once.
    Each fresh detector answers a search it has not made itself from `searches`, the answers of earlier runs' searches
    of the same image (its pixels) with the same options and thread count: the search is deterministic, so that is
    what a new process would find, without the seconds of a wide photo's search every run. Everything else a
    detector keeps (the people boxed, its own cache, the figures set aside) starts empty each run."""
    import torch

    from inference.detect.search import image_key
    from inference.pipeline import WEIGHTS_DIR, Predictor

    if not (WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    if not _detector_installed():
        pytest.skip("no person detector installed")

    def fresh(*args, **kwargs):
        import inference.detect as detect

        detect._SHARED.clear()  # the process's detector (`shared_detector`) built again, as in a new process
        pred = Predictor(*args, **{**kwargs, "device": "cpu", "body_model": _embedded_body()})
        search = pred.detector._detect

        def remembered(image, max_people, min_score, zoom, wide, parts=None):
            # (`detect`'s own cache key, and the thread count: the answer on some photos depends on it)
            key = (image_key(image), max_people, min_score, zoom, wide, parts is not None, torch.get_num_threads())
            if key not in searches:
                searches[key] = search(image, max_people, min_score, zoom, wide, parts)
            return copy.deepcopy(searches[key])  # (this run's own people: nothing it does reaches the next run)

        pred.detector._detect = remembered
        return pred

    monkeypatch.setattr(pipeline_module, "Predictor", fresh)
    yield
    import inference.detect as detect

    detect._SHARED.clear()  # the last run's detector, its search answered from `searches`, is no later test's
