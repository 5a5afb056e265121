"""`main.py evaluate` gives the part maps' two mIoU figures, each named: pixels pooled over all images, and the mean
over images of each image's mIoU over the classes in its ground truth (the part-segmentation issue's check,
../shared/checks/G-parts, averages this way), on two hand-made 2 x 3 images whose figures are worked out by hand."""
from __future__ import annotations

import json

import numpy as np
import pytest

from inference.metrics import IoUAccumulator, confusion_matrix, miou, miou_over_truth_classes
from training.evaluate import BodyErrors, EvaluatedCase, markdown_table, summarise

# image A: ground truth background (0) and part 1; one part-1 pixel predicted as part 2, absent from A's truth
GT_A, PRED_A = np.array([[0, 0, 1], [0, 1, 1]]), np.array([[0, 0, 1], [0, 2, 1]])
# image B: ground truth background and part 2; one part-2 pixel predicted as background
GT_B, PRED_B = np.array([[0, 2, 2], [0, 2, 2]]), np.array([[0, 0, 2], [0, 2, 2]])


def test_one_image_s_miou_over_its_truth_classes():
    """A: background 3/3, part 1 2/3 (part 2, predicted but not in the truth, left out) -> 5/6, where `miou` counts
    part 2 as 0 -> 5/9. B: background 2/3, part 2 3/4 -> 17/24 (both definitions: nothing predicted outside its
    truth)."""
    a, b = confusion_matrix(PRED_A, GT_A), confusion_matrix(PRED_B, GT_B)
    assert miou_over_truth_classes(a) == pytest.approx(5 / 6) and miou(PRED_A, GT_A) == pytest.approx(5 / 9)
    assert miou_over_truth_classes(b) == pytest.approx(17 / 24) and miou(PRED_B, GT_B) == pytest.approx(17 / 24)
    assert np.isnan(miou_over_truth_classes(np.zeros((13, 13), np.int64)))


def test_the_table_and_json_give_both_figures_named():
    """Pooled over the 12 pixels: background 5/6, part 1 2/3, part 2 3/5 -> 0.700. Per image over the truth's
    classes: (5/6 + 17/24) / 2 = 37/48 -> 0.771."""
    acc, cases = IoUAccumulator(13), []
    e = BodyErrors(mpjpe=1.0, pa_mpjpe=2.0, pve=3.0)
    for cid, pred, gt in (("00000", PRED_A, GT_A), ("00001", PRED_B, GT_B)):
        conf = confusion_matrix(pred, gt)
        acc.add(conf)  # as evaluate does with each case's score
        cases.append(EvaluatedCase(id=cid, t_network=0.1, miou=miou(pred, gt), miou_gt_classes=
                                   miou_over_truth_classes(conf), pred=e, gt_parts=e, t_fit_gt=0.01, detected=False))
    r = summarise(cases, acc)
    assert r.miou == pytest.approx(0.7) and r.miou_per_image == pytest.approx(37 / 48)
    j = json.loads(json.dumps(r.to_json()))
    assert list(j)[1:3] == ["miou", "miou_per_image"]
    assert j["miou"] == pytest.approx(0.7) and j["miou_per_image"] == pytest.approx(37 / 48)
    assert [c["miou_gt_classes"] for c in j["cases"]] == pytest.approx([5 / 6, 17 / 24])
    md = markdown_table(r)
    assert ("Segmentation mIoU (12 parts + background), pixels pooled over all 2 images: **0.700**; the mean over "
            "the images of each image's mIoU over the classes in its ground truth (the part-segmentation issue's "
            "measure): **0.771**;") in md
    assert "| class | IoU, pixels pooled over all images |" in md


def test_the_table_names_the_joints_of_its_errors():
    e = BodyErrors(mpjpe=1.0, pa_mpjpe=2.0, pve=3.0)
    c = EvaluatedCase(id="00000", t_network=0.1, miou=0.5, pred=e, gt_parts=e, t_fit_gt=0.01, detected=False)
    acc = IoUAccumulator.of(confusion_matrix(PRED_A, GT_A))
    md = markdown_table(summarise([c], acc)).splitlines()
    assert ("| method | cases | MPJPE, SMPL's 24 joints (mm) | PA-MPJPE, SMPL's 24 joints (mm) | PVE (mm) | "
            "s / image |") in md


def test_a_table_without_per_image_figures_writes_none():
    """eval.json of an earlier release (no case with miou_gt_classes): no per-image figure is made up."""
    e = BodyErrors(mpjpe=1.0, pa_mpjpe=2.0, pve=3.0)
    c = EvaluatedCase(id="00000", t_network=0.1, miou=0.5, pred=e, gt_parts=e, t_fit_gt=0.01, detected=False)
    r = summarise([c], IoUAccumulator.of(confusion_matrix(PRED_A, GT_A)))
    assert r.miou_per_image is None and "miou_per_image" not in r.to_json()
    assert "classes in its ground truth" not in markdown_table(r)
