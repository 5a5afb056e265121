"""Fixtures of the script tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def predictor():
    """The shipped Predictor with the person detector; the test is skipped where the detector is not installed."""
    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    from inference.pipeline import Predictor

    return Predictor(detect="on")
