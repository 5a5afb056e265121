"""Paper-style evaluation on a labelled set in UP-3D layout: the network from predicted and from
ground-truth parts, test-time refinement, and an SMPLify-style optimisation baseline.

    python main.py evaluate data/synth_test --out docs/eval
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from inference.body_model import BodyModel
from inference.optimize import FitWeights, GaussianPosePrior, fit_smpl
from inference.pipeline import Predictor
from inference.refine import refine_fit
from inference.types import BodyParams

from .datasets import list_cases, read_case
from .metrics import IoUAccumulator, mpjpe, pa_mpjpe, pve

ROWS = ("network, GT parts", "network, predicted parts", "network + refinement", "optimisation baseline")


def baseline_fit(body, lsp: np.ndarray, focal: float, size: int, prior: GaussianPosePrior) -> BodyParams:
    """SMPLify-style: from the mean pose, fit 13 LSP 2D joints; tries facing and back-facing starts."""
    best = None
    for yaw in (0.0, np.pi):
        init = BodyParams.zeros(depth=2 * focal / size)
        init = init.with_(global_orient=np.array([0.0, yaw, 0.0]))
        p, info = fit_smpl(body, init, focal, size, FitWeights(), joints2d=lsp[:13, :2], conf=lsp[:13, 2], prior=prior)
        if best is None or info["loss"] < best[1]:
            best = (p, info["loss"])
    return best[0]


def _errors(body, params: BodyParams, gt_mesh) -> dict:
    m = body.mesh(params)
    return {"mpjpe": float(mpjpe(m.joints[None], gt_mesh.joints[None])[0] * 1000),
            "pa_mpjpe": float(pa_mpjpe(m.joints[None], gt_mesh.joints[None])[0] * 1000),
            "pve": float(pve(m.vertices[None], gt_mesh.vertices[None], m.joints[None], gt_mesh.joints[None])[0] * 1000)}


def evaluate(data: Path, out: Path | None = None, split: str = "test", limit: int = 0, baseline_limit: int = 50,
             refine_limit: int = 100, device: str = "auto", weights_dir: Path | None = None, progress: bool = True) -> dict:
    """Run every method over the split; returns {'rows': {method: metrics}, 'cases': [...]} and writes
    eval.md / eval.json to `out`."""
    from tqdm import tqdm

    torch.manual_seed(0)
    # the paper's setting: people already cropped, so no detector
    pred = Predictor(weights_dir=weights_dir, device=device, detect="off")
    body = pred.body_model
    prior = GaussianPosePrior()
    ids = list_cases(data, split)
    if limit:
        ids = ids[:limit]
    acc = IoUAccumulator(13)
    cases = []
    for k, cid in enumerate(tqdm(ids, desc="evaluate", disable=not progress)):
        case = read_case(data, cid, body)
        gt_mesh = body.mesh(case.params)
        row = {"id": cid}
        t = time.perf_counter()
        p = pred.predict(case.image)
        row["t_network"] = time.perf_counter() - t
        full = cv2.resize(p.parts.labels, case.labels.shape[::-1], interpolation=cv2.INTER_NEAREST)
        acc.update(full, case.labels)
        cacc = IoUAccumulator(13)
        cacc.update(full, case.labels)
        row["miou"] = float(cacc.mean())
        row["pred"] = _errors(body, p.params, gt_mesh)
        gt_small = cv2.resize(case.labels, (pred.seg_res, pred.seg_res), interpolation=cv2.INTER_NEAREST)
        t = time.perf_counter()
        row["gt_parts"] = _errors(body, pred.fit(gt_small), gt_mesh)
        row["t_fit_gt"] = time.perf_counter() - t
        if k < refine_limit:
            t = time.perf_counter()
            r = refine_fit(body, p.params, p.parts, pred.focal, pred.size)
            row["t_refine"] = time.perf_counter() - t + row["t_network"]
            row["refined"] = _errors(body, r, gt_mesh)
        if k < baseline_limit:
            t = time.perf_counter()
            b = baseline_fit(body, case.lsp, case.focal, case.image.shape[0], prior)
            row["t_baseline"] = time.perf_counter() - t
            row["baseline"] = _errors(body, b, gt_mesh)
        cases.append(row)
    result = summarise(cases, acc)
    result["data"], result["split"], result["n"] = str(data), split, len(cases)
    result["device"] = str(pred.device)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "eval.json").write_text(json.dumps(result, indent=1))
        (out / "eval.md").write_text(markdown_table(result))
    return result


def summarise(cases: list[dict], acc: IoUAccumulator) -> dict:
    def agg(key: str, tkey: str) -> dict:
        rows = [c for c in cases if key in c]
        if not rows:
            return {}
        return {"n": len(rows), **{m: float(np.mean([c[key][m] for c in rows])) for m in ("mpjpe", "pa_mpjpe", "pve")},
                "seconds_per_image": float(np.mean([c[tkey] for c in rows]))}

    rows = {ROWS[0]: agg("gt_parts", "t_fit_gt"), ROWS[1]: agg("pred", "t_network"),
            ROWS[2]: agg("refined", "t_refine"), ROWS[3]: agg("baseline", "t_baseline")}
    # paired comparison on the cases every method ran on
    both = [c for c in cases if "baseline" in c]
    paired = {}
    if both:
        paired = {"n": len(both),
                  "network_pa_mpjpe": float(np.mean([c["pred"]["pa_mpjpe"] for c in both])),
                  "baseline_pa_mpjpe": float(np.mean([c["baseline"]["pa_mpjpe"] for c in both])),
                  "network_seconds": float(np.mean([c["t_network"] for c in both])),
                  "baseline_seconds": float(np.mean([c["t_baseline"] for c in both]))}
    refined = [c for c in cases if "refined" in c]
    pr = {}
    if refined:
        pr = {"n": len(refined), "network_pa_mpjpe": float(np.mean([c["pred"]["pa_mpjpe"] for c in refined])),
              "refined_pa_mpjpe": float(np.mean([c["refined"]["pa_mpjpe"] for c in refined]))}
    return {"rows": rows, "miou": float(acc.mean()), "per_class_iou": [float(x) for x in acc.per_class()],
            "paired_baseline": paired, "paired_refinement": pr, "cases": cases}


def markdown_table(r: dict) -> str:
    from inference.parts import PART_NAMES

    lines = [f"# Evaluation on {r['data']} ({r['split']} split, {r['n']} cases, {r['device']})", "",
             "| method | cases | MPJPE (mm) | PA-MPJPE (mm) | PVE (mm) | s / image |", "|---|---|---|---|---|---|"]
    for name, m in r["rows"].items():
        if m:
            lines.append(f"| {name} | {m['n']} | {m['mpjpe']:.1f} | {m['pa_mpjpe']:.1f} | {m['pve']:.1f} | "
                         f"{m['seconds_per_image']:.3f} |")
    lines += ["", f"Segmentation mIoU (12 parts + background): **{r['miou']:.3f}**", "",
              "| class | IoU |", "|---|---|", f"| background | {r['per_class_iou'][0]:.3f} |"]
    lines += [f"| {n} | {v:.3f} |" for n, v in zip(PART_NAMES, r["per_class_iou"][1:])]
    pb = r.get("paired_baseline")
    if pb:
        lines += ["", f"On the {pb['n']} cases the baseline ran on: network {pb['network_pa_mpjpe']:.1f} mm vs "
                  f"baseline {pb['baseline_pa_mpjpe']:.1f} mm PA-MPJPE (ratio "
                  f"{pb['network_pa_mpjpe'] / pb['baseline_pa_mpjpe']:.2f}); {pb['network_seconds']:.3f} s vs "
                  f"{pb['baseline_seconds']:.2f} s per image ({pb['baseline_seconds'] / pb['network_seconds']:.0f}x).",
                  "The baseline fits the ground-truth 2D LSP joints (the paper's SMPLify fitted DeepCut detections), "
                  "so it is favoured here."]
    pr = r.get("paired_refinement")
    if pr:
        lines += ["", f"Refinement on {pr['n']} cases: {pr['network_pa_mpjpe']:.1f} -> {pr['refined_pa_mpjpe']:.1f} mm PA-MPJPE."]
    return "\n".join(lines) + "\n"
