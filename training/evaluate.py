"""Paper-style evaluation on a labelled set in UP-3D layout: the network from predicted and from
ground-truth parts, test-time refinement, and the SMPLify optimisation baseline (training/smplify.py).

    python main.py evaluate data/synth_test --out docs/eval
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch

from inference.crop import uncrop_parts
from inference.datasets import list_cases, parts_to_render, read_case
from inference.detect import Person
from inference.metrics import BodyErrors, IoUAccumulator, body_errors_mm
from inference.pipeline import Predictor
from inference.refine import refine_fit
from inference.types import BodyParams, Prediction

from .smplify import SMPLify

ROWS = ("network, GT parts", "network, predicted parts", "network + refinement",
        "optimisation baseline, GT 2D joints", "optimisation baseline, detected 2D joints")


@dataclass(frozen=True, kw_only=True)
class CaseResult:
    """One test case: errors of each method and seconds per image. A method that did not run on the case
    (refinement and the baselines run on the first cases only, the detected-joints baseline needs a
    detection) is None and left out of eval.json."""
    id: str
    empty_in_silhouette: bool = False  # the detector's silhouette held no parts: predicted from the image alone
    t_network: float
    miou: float
    pred: BodyErrors
    gt_parts: BodyErrors
    t_fit_gt: float
    detected: bool
    t_refine: float | None = None
    refined: BodyErrors | None = None
    t_baseline: float | None = None
    baseline: BodyErrors | None = None
    t_baseline_det: float | None = None
    baseline_det: BodyErrors | None = None

    def to_json(self) -> dict:
        """eval.json's case: the fields in order, without the methods that did not run."""
        d = asdict(self)
        if not self.empty_in_silhouette:
            del d["empty_in_silhouette"]
        return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True)
class MethodResult:
    """One row of the table: a method's mean errors (mm) and seconds per image over the cases it ran on."""
    n: int
    mpjpe: float
    pa_mpjpe: float
    pve: float
    seconds_per_image: float


@dataclass(frozen=True)
class Paired:
    """The network against another method on the cases where that method ran."""
    n: int
    network_pa_mpjpe: float
    other_pa_mpjpe: float
    network_seconds: float
    other_seconds: float


@dataclass(frozen=True)
class EvalResult:
    """What `evaluate` returns and eval.json holds (`to_json`): a method that ran on no case is None
    (written as {})."""
    rows: dict[str, MethodResult | None]
    miou: float
    per_class_iou: list[float]
    paired_baseline: Paired | None
    paired_baseline_detected: Paired | None
    paired_refinement: Paired | None
    cases: list[CaseResult]
    left_right_swaps: float = float("nan")
    data: str = ""
    split: str = ""
    n: int = 0
    device: str = ""
    keypoints: str = "none"
    precision: str = ""

    def to_json(self) -> dict:
        def part(x):
            return {} if x is None else asdict(x)

        d = {f: getattr(self, f) for f in self.__dataclass_fields__}
        d["rows"] = {name: part(m) for name, m in self.rows.items()}
        for k in ("paired_baseline", "paired_baseline_detected", "paired_refinement"):
            d[k] = part(d[k])
        d["cases"] = [c.to_json() for c in self.cases]
        d["per_class_iou"] = list(self.per_class_iou)
        return d


def baseline_fit(fitter: SMPLify, lsp: np.ndarray, focal: float, size: int) -> BodyParams:
    """SMPLify (training/smplify.py): the body fitted to LSP 2D joints lsp (13 or 14, 3) x, y, confidence
    in crop pixels (the 14th, when given, the head top), from several global-orientation starts."""
    return fitter.fit(lsp[:, :2], lsp[:, 2], focal, size)[0]


def _errors(body, params: BodyParams, gt_mesh) -> BodyErrors:
    return body_errors_mm(body.mesh(params), gt_mesh)


@dataclass(frozen=True)
class NetworkRun:
    """One test case run as the app's Dataset tab runs it (`Predictor.predict_case`): the app's person search on
    the whole image, the test image as the network's crop. person: the first person found (or None);
    joints2d (14, 2), conf (14,) and mask (S, S) are their keypoints and silhouette in the crop (None without
    one); `empty_in_silhouette`: their silhouette left no part, so the network ran on the image alone."""

    prediction: Prediction
    person: Person | None
    joints2d: np.ndarray | None
    conf: np.ndarray | None
    mask: np.ndarray | None
    empty_in_silhouette: bool
    t_detect: float
    t_network: float  # seconds, the detector included

    def refine_inputs(self, image_shape: tuple[int, ...]) -> dict:
        """refine_fit's evidence keywords for this run (keypoints, silhouette, photo area, 3D bones)."""
        from inference.detect.person_inputs import world_bones

        p = self.prediction
        return dict(joints2d=self.joints2d, conf=self.conf, silhouette=None if self.mask is None else self.mask > 0.5,
                    photo_area=p.crop.photo_area(image_shape),
                    bones=world_bones(self.person) if self.person is not None else None)


def run_network(pred: Predictor, image: np.ndarray) -> NetworkRun:
    """`pred` on a test image (S, S, 3) as the app's Dataset tab runs a case (`Predictor.predict_case`), with the
    first person its search finds (or none: `pred` built with detect="off", or nobody found)."""
    from inference.detect.person_inputs import crop_inputs

    t = time.perf_counter()
    p = pred.predict_case(image)
    t_network = time.perf_counter() - t
    person = p.people[0] if p.people else None
    j2d, conf, mask = crop_inputs(person, p.crop, image.shape) if person is not None else (None, None, None)
    return NetworkRun(p, person, j2d, conf, mask, person is not None and p.person < 0, p.timings.detect, t_network)


def detecting_predictor(keypoints: str, **kwargs) -> Predictor:
    """A Predictor that searches each test image for its person as the app does (keypoints == "detect", when
    the detector is installed: a note is printed when it is not) or never (any other value)."""
    pred = Predictor(detect="auto" if keypoints == "detect" else "off", **kwargs)
    if keypoints == "detect" and pred.detector is None:
        print("no person detector: refinement uses the part map only, no detected-joints baseline")
    return pred


def evaluate(data: Path, out: Path | None = None, split: str = "test", limit: int = 0, baseline_limit: int = 50,
             refine_limit: int = 100, device: str = "auto", weights_dir: Path | None = None, progress: bool = True,
             keypoints: str = "detect", precision: str = "auto") -> EvalResult:
    """Run every method over the split; returns the table's rows and every case, and writes eval.md /
    eval.json to `out`.

    keypoints="detect" runs the pretrained BlazePose detector on each image (as the app does): its
    keypoints feed a keypoint-conditioned segmentation network, its silhouette restricts the parts, and
    its 2D joints drive the refinement and a second baseline (the paper's SMPLify fitted detected
    joints, from DeepCut). The crop is the whole test image; the part map is compared at the image's
    resolution. precision: the networks' number format (`inference.nets.precision`)."""
    from tqdm import tqdm

    torch.manual_seed(0)
    pred = detecting_predictor(keypoints, weights_dir=weights_dir, device=device, precision=precision)
    body = pred.body_model
    smplify = SMPLify(body)
    ids = list_cases(data, split)
    if limit:
        ids = ids[:limit]
    if not ids:  # main.py evaluate says so before loading models (cli/cmd_evaluate.py); this is for callers
        raise ValueError(f"no cases found in {data}: expected NNNNN_image.png files (and a {split}.txt split list)")
    # a real UP-3D case has no part map of ours: its labels are rendered from its body pickle
    renderer = None
    if any(parts_to_render(data, cid) for cid in ids):
        from inference.render.renderer import MeshRenderer

        renderer = MeshRenderer(body.faces, body.weights)
    acc = IoUAccumulator(13)
    cases: list[CaseResult] = []
    # first calls allocate and pick kernels: keep them out of the timings (mirrored: the detector's cache of
    # recent photos must not answer the first case)
    warm = np.ascontiguousarray(read_case(data, ids[0], body).image[:, ::-1])
    for _ in range(3):
        pred.predict_case(warm)
    for k, cid in enumerate(tqdm(ids, desc="evaluate", disable=not progress)):
        case = read_case(data, cid, body, renderer)
        gt_mesh = body.mesh(case.params)
        extra: dict = {}  # the methods that ran only on some cases
        # as the app does: the detector's keypoints and silhouette, on the whole image
        run = run_network(pred, case.image)
        p, j2d, conf, t_network = run.prediction, run.joints2d, run.conf, run.t_network
        full = uncrop_parts(p.parts, p.crop, case.image.shape, photo=case.image)
        acc.update(full, case.labels)
        cacc = IoUAccumulator(13)
        cacc.update(full, case.labels)
        pred_errors = _errors(body, p.params, gt_mesh)
        gt_small = cv2.resize(case.labels, (pred.seg_res, pred.seg_res), interpolation=cv2.INTER_NEAREST)
        t = time.perf_counter()
        gt_parts = _errors(body, pred.fit(gt_small, j2d, conf), gt_mesh)  # the same detector keypoints
        t_fit_gt = time.perf_counter() - t
        kp = run.person.lsp13(case.image.shape) if run.person is not None else None  # detected-joints baseline
        if k < refine_limit:
            t = time.perf_counter()
            r = refine_fit(body, p.params, p.parts.painted(), pred.focal, pred.size,  # the map the pipeline refines on
                           **run.refine_inputs(case.image.shape))
            extra["t_refine"] = time.perf_counter() - t + t_network
            extra["refined"] = _errors(body, r, gt_mesh)
        if k < baseline_limit:
            t = time.perf_counter()
            b = baseline_fit(smplify, case.lsp, case.focal, case.image.shape[0])
            extra["t_baseline"] = time.perf_counter() - t
            extra["baseline"] = _errors(body, b, gt_mesh)
            if kp is not None:
                t = time.perf_counter()
                b = baseline_fit(smplify, kp, case.focal, case.image.shape[0])
                extra["t_baseline_det"] = time.perf_counter() - t
                extra["baseline_det"] = _errors(body, b, gt_mesh)
        cases.append(CaseResult(id=cid, empty_in_silhouette=run.empty_in_silhouette, t_network=t_network,
                                miou=float(cacc.mean()), pred=pred_errors, gt_parts=gt_parts, t_fit_gt=t_fit_gt,
                                detected=kp is not None,
                                **extra))
    result = replace(summarise(cases, acc), left_right_swaps=acc.left_right_swaps(), data=str(data), split=split,
                     n=len(cases), device=str(pred.device), precision=pred.precision,
                     keypoints="BlazePose (detected)" if pred.detector is not None else "none")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "eval.json").write_text(json.dumps(result.to_json(), indent=1))
        (out / "eval.md").write_text(markdown_table(result))
    return result


def _paired(cases: list[CaseResult], key: str, tkey: str) -> Paired | None:
    """Network vs `key` on the cases where `key` ran: mean PA-MPJPE and seconds of each."""
    both = [c for c in cases if getattr(c, key) is not None]
    if not both:
        return None
    return Paired(n=len(both),
                  network_pa_mpjpe=float(np.mean([c.pred.pa_mpjpe for c in both])),
                  other_pa_mpjpe=float(np.mean([getattr(c, key).pa_mpjpe for c in both])),
                  network_seconds=float(np.mean([c.t_network for c in both])),
                  other_seconds=float(np.mean([getattr(c, tkey) for c in both])))


def summarise(cases: list[CaseResult], acc: IoUAccumulator) -> EvalResult:
    def agg(key: str, tkey: str) -> MethodResult | None:
        rows = [c for c in cases if getattr(c, key) is not None]
        if not rows:
            return None
        means = {m: float(np.mean([getattr(getattr(c, key), m) for c in rows])) for m in ("mpjpe", "pa_mpjpe", "pve")}
        return MethodResult(n=len(rows), **means, seconds_per_image=float(np.mean([getattr(c, tkey) for c in rows])))

    rows = {ROWS[0]: agg("gt_parts", "t_fit_gt"), ROWS[1]: agg("pred", "t_network"),
            ROWS[2]: agg("refined", "t_refine"), ROWS[3]: agg("baseline", "t_baseline"),
            ROWS[4]: agg("baseline_det", "t_baseline_det")}
    return EvalResult(rows=rows, miou=float(acc.mean()), per_class_iou=[float(x) for x in acc.per_class()],
                      paired_baseline=_paired(cases, "baseline", "t_baseline"),
                      paired_baseline_detected=_paired(cases, "baseline_det", "t_baseline_det"),
                      paired_refinement=_paired(cases, "refined", "t_refine"), cases=cases)


def _speed(network: float, other: float) -> str:
    """'the network 2.5x faster' or '... 1.3x slower': one decimal and the direction, since the network is not
    always the faster one (on a GPU-less machine with refinement, or against a quick baseline) and a rounded
    '(1x)' hid which."""
    if network <= other:
        return f"the network {other / network:.1f}x faster" if network > 0 else "the network faster"
    return f"the network {network / other:.1f}x slower" if other > 0 else "the network slower"


def markdown_table(r: EvalResult) -> str:
    from inference.parts import PART_NAMES

    lines = [f"# Evaluation on {r.data} ({r.split} split, {r.n} cases, {r.device}"
             f"{', networks in ' + r.precision if r.precision else ''})", "",
             "| method | cases | MPJPE (mm) | PA-MPJPE (mm) | PVE (mm) | s / image |", "|---|---|---|---|---|---|"]
    for name, m in r.rows.items():
        if m:
            lines.append(f"| {name} | {m.n} | {m.mpjpe:.1f} | {m.pa_mpjpe:.1f} | {m.pve:.1f} | "
                         f"{m.seconds_per_image:.3f} |")
    lines += ["", f"Segmentation mIoU (12 parts + background): **{r.miou:.3f}**; left/right limb pixels "
              f"given the mirrored part: {100 * r.left_right_swaps:.1f} %", "",
              "| class | IoU |", "|---|---|", f"| background | {r.per_class_iou[0]:.3f} |"]
    lines += [f"| {n} | {v:.3f} |" for n, v in zip(PART_NAMES, r.per_class_iou[1:])]
    for pb, what in ((r.paired_baseline, "the baseline on ground-truth 2D joints (an oracle: the paper's SMPLify "
                                         "had only detections)"),
                     (r.paired_baseline_detected, "the baseline on detected 2D joints (the paper's protocol)")):
        if pb:
            lines += ["", f"Network vs {what}, on the {pb.n} cases it ran on: {pb.network_pa_mpjpe:.1f} vs "
                      f"{pb.other_pa_mpjpe:.1f} mm PA-MPJPE "
                      f"(ratio {pb.network_pa_mpjpe / pb.other_pa_mpjpe:.2f}); "
                      f"{pb.network_seconds:.3f} vs {pb.other_seconds:.2f} s per image "
                      f"({_speed(pb.network_seconds, pb.other_seconds)})."]
    pr = r.paired_refinement
    if pr:
        n_kp = sum(1 for c in r.cases if c.refined is not None and c.detected)
        lines += ["", f"Refinement on {pr.n} cases ({n_kp} with detected keypoints, {r.keypoints}): "
                  f"{pr.network_pa_mpjpe:.1f} -> {pr.other_pa_mpjpe:.1f} mm PA-MPJPE."]
    return "\n".join(lines) + "\n"
