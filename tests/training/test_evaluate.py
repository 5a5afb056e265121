"""training/evaluate.py's typed results write the eval.json and eval.md they always wrote: the shipped
docs/eval/eval.json, read back into EvaluatedCases and summarised again, gives the same JSON and table."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from inference.paths import RESOURCES
from training.evaluate import ROWS, BodyErrors, EvalResult, EvaluatedCase, markdown_table, summarise

EVAL = RESOURCES.parent / "docs" / "eval"
METHODS = ("pred", "gt_parts", "refined", "baseline", "baseline_det")


def _case(d: dict) -> EvaluatedCase:
    return EvaluatedCase(**{**d, **{k: BodyErrors(**d[k]) for k in METHODS if k in d}})


class _Acc:
    """The IoU accumulator's answers as eval.json recorded them."""

    def __init__(self, ev: dict):
        self.ev = ev

    def mean(self) -> float:
        return self.ev["miou"]

    def per_class(self) -> list[float]:
        return self.ev["per_class_iou"]


@pytest.fixture(scope="module")
def shipped() -> dict:
    if not (EVAL / "eval.json").is_file():
        pytest.skip("docs/eval/eval.json not there")
    return json.loads((EVAL / "eval.json").read_text())


def _rebuilt(ev: dict) -> EvalResult:
    r = summarise([_case(c) for c in ev["cases"]], _Acc(ev))
    return replace(r, left_right_swaps=ev["left_right_swaps"], data=ev["data"], split=ev["split"], n=ev["n"],
                   device=ev["device"], keypoints=ev["keypoints"], precision=ev.get("precision", ""),
                   weights=ev.get("weights", {}))  # (tables written before the weights were recorded lack them)


def test_cases_write_the_same_json(shipped):
    for c in shipped["cases"]:
        j = _case(c).to_json()
        assert j == c and list(j) == list(c)  # same keys in the same order, absent methods left out


def test_summary_writes_the_same_json_and_table(shipped):
    r = _rebuilt(shipped)
    assert list(r.rows) == list(ROWS)
    j = json.loads(json.dumps(r.to_json()))
    assert j == shipped and list(j) == list(shipped)
    if (EVAL / "eval.md").is_file():
        assert markdown_table(r) == (EVAL / "eval.md").read_text()


def test_methods_that_did_not_run_are_left_out():
    e = BodyErrors(mpjpe=1.0, pa_mpjpe=2.0, pve=3.0)
    c = EvaluatedCase(id="00000", t_network=0.1, miou=0.5, pred=e, gt_parts=e, t_fit_gt=0.01, detected=False)
    assert list(c.to_json()) == ["id", "t_network", "miou", "pred", "gt_parts", "t_fit_gt", "detected"]
    r = summarise([c], _Acc({"miou": 0.5, "per_class_iou": [0.5] * 13})).to_json()
    assert r["rows"][ROWS[2]] == {} and r["paired_baseline"] == {} and r["rows"][ROWS[1]]["n"] == 1


def test_body_errors_are_the_metrics_one_in_eval_json_order():
    """evaluate scores with inference.metrics' BodyErrors (the app's dataset panel does too): eval.json's
    case keys are its fields, in this order."""
    import dataclasses

    from inference.body_model import BodyModel
    from inference.metrics import BodyErrors as MetricsBodyErrors
    from inference.metrics import body_errors_mm
    from inference.types import BodyParams

    assert BodyErrors is MetricsBodyErrors
    mesh = BodyModel().mesh(BodyParams.zeros(3.0))
    e = body_errors_mm(mesh, mesh)
    assert isinstance(e, BodyErrors) and [f.name for f in dataclasses.fields(e)] == ["mpjpe", "pa_mpjpe", "pve"]
    assert max(abs(e.mpjpe), abs(e.pa_mpjpe), abs(e.pve)) < 1e-3

def test_a_case_without_a_person_is_scored_not_dropped():
    """An image where the segmentation finds no one stops `predict` with "no person found", but an evaluation
    scores the network's fit of its (empty) part map instead of stopping or leaving the case out."""
    import numpy as np

    from inference.errors import PredictionError
    from inference.pipeline import MIN_PERSON_FRACTION, Predictor
    from training.evaluate import run_network

    pred = Predictor(detect="off")
    grey = np.full((256, 256, 3), 128, np.uint8)
    with pytest.raises(PredictionError, match="no person found"):
        pred.predict(grey)
    run = run_network(pred, grey)
    p = run.prediction
    assert (p.parts.labels > 0).mean() < MIN_PERSON_FRACTION and not run.empty_in_silhouette
    assert p.params.body_pose.shape == (69,) and np.isfinite(p.mesh.joints).all()


def test_speed_says_faster_or_slower_with_one_decimal(shipped):
    """The network vs baseline speed: one decimal and the right direction (it printed '(1x)' for a network
    slower than the baseline)."""
    r = _rebuilt(shipped)
    slow = replace(r.paired_baseline, network_seconds=1.2, other_seconds=0.95)
    fast = replace(r.paired_baseline_detected, network_seconds=0.468, other_seconds=0.95)
    text = markdown_table(replace(r, paired_baseline=slow, paired_baseline_detected=fast))
    assert "1.200 vs 0.95 s per image (the network 1.3x slower)." in text
    assert "0.468 vs 0.95 s per image (the network 2.0x faster)." in text


def test_a_real_up3d_case_is_scored_on_labels_rendered_from_its_body(tmp_path):
    """`main.py evaluate` on a folder whose cases have body pickles and no part maps of ours (real UP-3D): the
    labels are rendered from the bodies, so the table has an mIoU; on our renders, whose part maps are removed
    here, it is the mIoU of the same folder with them."""
    import math

    from tests.app.support import make_dataset
    from tests.tiny_weights import write_tiny_weights
    from training.evaluate import evaluate

    weights = write_tiny_weights(tmp_path / "w")
    with_parts = tmp_path / "ours"
    make_dataset(with_parts, 2)
    kw = dict(baseline_limit=0, refine_limit=0, device="cpu", weights_dir=weights, progress=False, keypoints="off",
              precision="float32")
    ours = evaluate(with_parts, **kw)
    from training.evaluate import markdown_table

    assert ours.precision == "float32" and "cpu, networks in float32)" in markdown_table(ours).splitlines()[0]
    per_image = [c.miou_gt_classes for c in ours.cases]  # each case's mIoU over its truth's classes, and their mean
    assert len(per_image) == 2 and all(c.miou_gt_classes >= c.miou for c in ours.cases)
    assert ours.miou_per_image == pytest.approx(sum(per_image) / 2)
    for f in with_parts.glob("*_parts.png"):
        f.unlink()
    up3d = evaluate(with_parts, **kw)
    assert math.isfinite(up3d.miou) and abs(up3d.miou - ours.miou) < 0.01


def test_cases_left_out_are_said_in_the_table_and_json(shipped):
    """Cases that could not be read are listed above the table (at most MAX_SKIPPED_SHOWN by name) and in eval.json's
    "skipped"; cases the ground-truth-joints baseline left out for want of joints are flagged and counted. A table
    without either is written as before (test_summary_writes_the_same_json_and_table)."""
    from training.evaluate import MAX_SKIPPED_SHOWN

    r = _rebuilt(shipped)
    flagged = replace(r.cases[0], no_gt_joints=True, baseline=None, t_baseline=None)
    one = replace(r, skipped={"00900": "00900_body.pkl missing"}, cases=[flagged, *r.cases[1:]])
    md = markdown_table(one).splitlines()
    assert md[2] == "1 listed case could not be read and is left out: 00900 (00900_body.pkl missing)."
    assert md[4].startswith("| method |")
    assert ("1 case within the baseline's limit had no ground-truth 2D joints (NNNNN_joints.npy missing or "
            "unreadable): the baseline on ground-truth joints left it out.") in md
    j = json.loads(json.dumps(one.to_json()))
    assert j["skipped"] == {"00900": "00900_body.pkl missing"} and j["cases"][0]["no_gt_joints"] is True
    many = replace(r, skipped={f"{i:05d}": "x" for i in range(MAX_SKIPPED_SHOWN + 2)})
    line = markdown_table(many).splitlines()[2]
    assert line.startswith(f"{MAX_SKIPPED_SHOWN + 2} listed cases could not be read and are left out: 00000 (x)")
    assert line.endswith("; and 2 more (eval.json lists them).") and f"{MAX_SKIPPED_SHOWN - 1:05d} (x)" in line


def test_a_case_without_its_body_or_part_labels_cannot_be_scored():
    """`unscorable`: why a case read leniently is left out, the file's own problem when it could not be read."""
    import numpy as np

    from inference.datasets import Case
    from inference.types import BodyParams
    from training.evaluate import unscorable

    image, labels, params = np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.uint8), BodyParams.zeros(3.0)
    bad_body = "cannot read parameters from /d/00001_body.pkl: ValueError"
    bad_joints = "00001_joints.npy: cannot read the joints (ValueError)"
    assert unscorable(Case("00001", image, labels, None, None, 5000.0)) == "00001_body.pkl missing"
    assert unscorable(Case("00001", image, labels, None, None, 5000.0, (bad_joints, bad_body))) == bad_body
    assert unscorable(Case("00001", image, None, params, None, 5000.0, (bad_joints,))) == "00001_parts.png missing"
    assert unscorable(Case("00001", image, labels, params, None, 5000.0, (bad_joints,))) == ""


def test_the_weights_evaluated_are_written_to_both_files():
    """eval.json keeps the weights record whole (`weights_record`: full SHA-256, epoch, val); eval.md names the folder
    and each file's first 12 hex digits under the title. Without a record (a table of an earlier release) neither
    file has it, and the table is as it was."""
    e = BodyErrors(mpjpe=1.0, pa_mpjpe=2.0, pve=3.0)
    c = EvaluatedCase(id="00000", t_network=0.1, miou=0.5, pred=e, gt_parts=e, t_fit_gt=0.01, detected=False)
    bare = summarise([c], _Acc({"miou": 0.5, "per_class_iou": [0.5] * 13}))
    assert "weights" not in bare.to_json() and "Weights:" not in markdown_table(bare)
    record = {"folder": "resources/weights", "files": {
        "seg.pt": {"sha256": "5af3c0c9fd135f4e" + "0" * 48, "epoch": 30, "val": {"miou": 0.702864, "per_class": [1]}},
        "fit.pt": {"sha256": "8329c20d2fa0119c" + "0" * 48}}}
    r = replace(bare, weights=record)
    assert json.loads(json.dumps(r.to_json()))["weights"] == record
    lines = markdown_table(r).splitlines()
    assert lines[1:4] == ["", "Weights: resources/weights: seg.pt 5af3c0c9fd13 (epoch 30; val miou 0.7029), fit.pt "
                              "8329c20d2fa0 (SHA-256, first 12 hex digits).", ""]
    assert markdown_table(r).replace("\n".join(lines[1:3]) + "\n", "") == markdown_table(bare)
