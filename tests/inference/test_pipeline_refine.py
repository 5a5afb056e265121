"""`Predictor.refined_params`, the refinement of a prediction made, is the pipeline's own: on a real photo it gives
the body `predict` gives with refinement on, also where the part map shown leaves the legs out
(`PartMap.absent`), for a leaning person read with the crop turned upright, and for the second person of a photo.

The photo tests need the shipped weights and the person detector (skipped, with the reason, without them)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.errors import Cancelled, PersonNotThere
from inference.image_io import load_image
from inference.paths import RESOURCES
from inference.pipeline import WEIGHTS_DIR, Predictor
from tests.tiny_weights import write_tiny_weights

PHOTOS = RESOURCES / "photos"


@pytest.fixture(scope="module")
def refining() -> Predictor:
    missing = [n for n in ("seg.pt", "fit.pt") if not (WEIGHTS_DIR / n).exists()]
    if missing:
        pytest.skip(f"shipped weights not there yet: {', '.join(missing)}")
    pred = Predictor(device="cpu", refine=True)
    if pred.detector is None:
        pytest.skip("needs the person detector runtime (requirements-detect.txt): nothing to refine towards")
    return pred


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("global_orient", "body_pose", "betas", "transl"))


def test_a_prediction_refined_afterwards_is_the_one_predict_refines(refining, monkeypatch):
    """The astronaut's legs are outside the photo (absent from the map shown): refined afterwards from a prediction
    made without refinement, and again from the refined prediction, the body is the one `predict` refined, on the
    map `predict` refined on (`PartMap.painted()`, the networks' map, not the one shown)."""
    import inference.refine as refine_module

    read: list[tuple[np.ndarray, tuple]] = []  # the labels and absent parts of the map each refinement read
    real = refine_module.refine_fit

    def spy(body_model, params, parts, *args, **kwargs):
        read.append((parts.labels.copy(), parts.absent))
        return real(body_model, params, parts, *args, **kwargs)

    monkeypatch.setattr(refine_module, "refine_fit", spy)
    photo = PHOTOS / "astronaut.jpg"
    on = refining.predict(photo)
    assert on.refined and on.parts.absent
    refining.refine = False
    try:
        off = refining.predict(photo)
    finally:
        refining.refine = True
    assert not off.refined and _same(off.params, on.network_params)
    assert _same(refining.refined_params(off), on.params)
    assert _same(refining.refined_params(on), on.params)
    painted = on.parts.painted()
    assert len(read) == 3 and painted.absent == ()
    assert all(np.array_equal(labels, painted.labels) and absent == () for labels, absent in read)
    with pytest.raises(Cancelled):  # a refinement cut short is no answer, as in `predict`
        refining.refined_params(off, cancel=lambda: True)


def test_a_leaning_person_and_a_second_person_are_refined_as_predict_refines_them(refining):
    photo = load_image(PHOTOS / "camera.png")
    h, w = photo.shape[:2]
    lying = cv2.warpAffine(photo, cv2.getRotationMatrix2D((w / 2, h / 2), 90, 1.0), (w, h))
    turned = refining.predict(lying)
    assert turned.turn != 0 and turned.refined  # read in the crop turned upright
    assert _same(refining.refined_params(turned), turned.params)
    second = refining.predict(PHOTOS / "two_people.jpg", person=1)
    assert second.person == 1 and second.refined
    assert _same(refining.refined_params(second), second.params)


def test_without_a_person_the_networks_body_comes_back(tmp_path):
    """Nobody detected (person -1): nothing to refine towards, the network's own body (the same object); a person
    index beyond those found is refused as `predict` refuses it."""
    pred = Predictor(body_model=BodyModel(), detect="off", weights_dir=write_tiny_weights(tmp_path), device="cpu")
    p = pred.predict_case(np.full((128, 128, 3), 128, np.uint8))
    assert p.person == -1 and pred.refined_params(p) is p.params
    with pytest.raises(PersonNotThere):
        pred.refined_params(p, person=0)
