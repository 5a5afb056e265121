"""How one prediction scores against its labelled case (`inference.datasets.Case`): the one scoring of a dataset
case, which `main.py evaluate` (training/evaluate.py) and the app's Dataset tab (app/dataset_runner.py) both use.

The predicted parts are scored on the case's image (`inference.crop.uncrop_parts`, along the photo's edges), the
body by the paper's errors in millimetres (`inference.metrics.body_errors_mm`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from inference.crop import uncrop_parts
from inference.metrics import BodyErrors, IoUAccumulator, body_errors_mm, confusion_matrix

if TYPE_CHECKING:
    from inference.body_model import BodyModel
    from inference.datasets import Case
    from inference.types import Prediction


@dataclass(frozen=True)
class CaseScore:
    """One prediction against its case's ground truth (`score_case`).

    labels: (H, W) uint8, the predicted part labels on the case's image: the map scored (and the one shown).
    body: the predicted body's errors (mm) against the ground-truth body; None without one (or without a body model
    to pose it). network_body: the fitting network's own body's, when the prediction's body is the refined one
    (did the refinement help this case?); None otherwise. confusion: (13, 13) int64 pixel counts of `labels`
    against the ground-truth parts (rows ground truth, columns prediction; label 0 background); None without
    ground-truth parts."""

    labels: np.ndarray
    body: BodyErrors | None = None
    network_body: BodyErrors | None = None
    confusion: np.ndarray | None = None

    @property
    def part_iou(self) -> np.ndarray:
        """(13,) float64 IoU of each class (background first; NaN for a class in neither map, and all NaN without
        ground-truth parts)."""
        if self.confusion is None:
            return np.full(13, np.nan)
        return IoUAccumulator.of(self.confusion).per_class()

    @property
    def miou(self) -> float:
        """Mean IoU over the classes in either map (NaN without ground-truth parts)."""
        return float("nan") if self.confusion is None else IoUAccumulator.of(self.confusion).mean()

    @property
    def swaps(self) -> float:
        """Left/right swaps of the part map (`inference.metrics.left_right_swaps`; NaN without ground-truth parts)."""
        return float("nan") if self.confusion is None else IoUAccumulator.of(self.confusion).left_right_swaps()


def score_case(prediction: Prediction, truth: Case, body_model: BodyModel | None) -> CaseScore:
    """`prediction` (`Predictor.predict_case` of the case's image) against the ground truth of `truth`: the part map
    on the ground truth's pixels where there are ground-truth parts (else on the prediction's image), the body
    posed by `body_model` (None: no body errors)."""
    shape = truth.labels.shape if truth.labels is not None else prediction.image.shape
    labels = uncrop_parts(prediction.parts, prediction.crop, shape, photo=prediction.image)
    body = network_body = confusion = None
    if truth.params is not None and body_model is not None:
        gt_mesh = body_model.mesh(truth.params)
        body = body_errors_mm(prediction.mesh, gt_mesh)
        if prediction.refined and prediction.network_mesh is not None:
            network_body = body_errors_mm(prediction.network_mesh, gt_mesh)
    if truth.labels is not None:
        confusion = confusion_matrix(labels, truth.labels)
    return CaseScore(labels, body, network_body, confusion)
