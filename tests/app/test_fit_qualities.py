"""The app's two fits (app.session.Fit) and their qualities (app.session.FitQualities): what the session holds
for a prediction, what a kept result takes of it, and the names Qt carries comparing equal to the fits."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from app.results import keep_result
from app.session import Fit, FitQualities, Session, ShownImage


def test_a_fit_is_its_name_and_a_name_that_is_no_fit_is_refused():
    assert Fit.REFINED == "refined" and Fit.NETWORK == "network"
    assert Fit("network") is Fit.NETWORK
    assert {Fit.REFINED: 1}["refined"] == 1  # (the fit box's data comes back from Qt as the name)
    refined, network = object(), object()
    q = FitQualities(refined, network)
    assert q.of(Fit.REFINED) is refined and q.of(Fit.NETWORK) is network and q.of("network") is network
    assert FitQualities().of(Fit.REFINED) is None and FitQualities().of(Fit.NETWORK) is None
    with pytest.raises(ValueError):
        q.of("refine")
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.refined = None


def test_the_session_holds_both_qualities_of_its_prediction_and_a_kept_result_takes_them(qtbot):
    s = Session()
    assert s.fit_qualities == FitQualities()
    image = np.zeros((4, 4, 3), np.uint8)
    s.set_image(ShownImage(image, image, 1.0, "a.png"))
    pred = SimpleNamespace(params=object(), network_params=object(), mesh=None, person=0)
    refined, network = object(), object()
    s.set_prediction(pred, refined, network, parts_display=np.zeros((4, 4), np.uint8))
    assert s.fit_qualities == FitQualities(refined, network) and s.quality is refined
    kept = keep_result(s)
    assert kept.quality is refined and kept.network_quality is network
    s.set_prediction(None)
    assert s.fit_qualities == FitQualities()
