"""One scoring of a dataset case (`inference.dataset_scoring.score_case`), which `main.py evaluate` and the app's
Dataset tab share: its numbers are those of `inference.metrics` on the map shown and the posed bodies."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.crop import uncrop_parts
from inference.dataset_scoring import score_case
from inference.datasets import read_case
from inference.metrics import body_errors_mm, left_right_swaps, miou, part_iou
from inference.pipeline import Predictor
from tests.app.support import make_dataset
from tests.tiny_weights import write_tiny_weights


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = tmp_path_factory.mktemp("scoring")
    (cid,) = make_dataset(root / "data", 1)
    body = BodyModel()
    pred = Predictor(body_model=body, detect="off", weights_dir=write_tiny_weights(root / "w"), device="cpu")
    case = read_case(root / "data", cid, body)
    return case, pred.predict_case(case.image), body


def test_the_scores_are_the_metrics_of_the_map_and_the_body(scored):
    case, p, body = scored
    s = score_case(p, case, body)
    assert s.labels.shape == case.labels.shape and s.labels.dtype == np.uint8
    np.testing.assert_array_equal(s.labels, uncrop_parts(p.parts, p.crop, case.labels.shape, photo=p.image))
    np.testing.assert_array_equal(s.part_iou, part_iou(s.labels, case.labels))
    assert s.miou == miou(s.labels, case.labels) and s.confusion.shape == (13, 13)
    np.testing.assert_equal(s.swaps, left_right_swaps(s.confusion))  # (NaN equals NaN here)
    assert s.body == body_errors_mm(body.mesh(p.params), body.mesh(case.params))
    assert s.network_body is None  # not refined: one body


def test_a_case_without_parts_or_body_scores_what_it_has(scored):
    case, p, body = scored
    no_parts = score_case(p, replace(case, labels=None), body)
    assert no_parts.confusion is None and np.isnan(no_parts.miou) and np.isnan(no_parts.swaps)
    assert no_parts.part_iou.shape == (13,) and np.isnan(no_parts.part_iou).all()
    assert no_parts.labels.shape == p.image.shape[:2] and no_parts.body is not None
    assert score_case(p, replace(case, params=None), body).body is None
    assert score_case(p, case, None).body is None


def test_a_refined_body_is_scored_beside_the_networks_own(scored):
    case, p, body = scored
    network = p.params
    moved = replace(network, transl=network.transl + np.float32(0.05))
    refined = replace(p, params=moved, mesh=body.mesh(moved), refined=True, network_params=network,
                      network_mesh=p.mesh)
    s = score_case(refined, case, body)
    gt = body.mesh(case.params)
    assert s.body == body_errors_mm(body.mesh(moved), gt)
    assert s.network_body == body_errors_mm(p.mesh, gt)
