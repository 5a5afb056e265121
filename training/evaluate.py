"""Paper-style evaluation on a labelled set in UP-3D layout: the network from predicted and from
ground-truth parts, test-time refinement, and the SMPLify optimisation baseline (training/smplify.py).

    python main.py evaluate data/synth_test --out docs/eval
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import torch

from inference.dataset_scoring import score_case
from inference.datasets import Case, case_id_problem, list_cases, parts_to_render, read_case
from inference.detect import Person
from inference.errors import USER_ERRORS
from inference.file_writes import atomic_write
from inference.metrics import BodyErrors, IoUAccumulator, body_errors_mm, miou_over_truth_classes
from inference.pipeline import Predictor
from inference.types import BodyParams, Prediction

from .smplify import SMPLify

MAX_SKIPPED_SHOWN = 10  # eval.md names this many cases that could not be read (eval.json all of them)
ROWS = ("network, GT parts", "network, predicted parts", "network + refinement",
        "optimisation baseline, GT 2D joints", "optimisation baseline, detected 2D joints")


@dataclass(frozen=True, kw_only=True)
class EvaluatedCase:
    """One test case of eval.json: errors of each method and seconds per image. A method that did not run on the case
    (refinement and the baselines run on the first cases only, the detected-joints baseline needs a
    detection, the ground-truth-joints one the case's NNNNN_joints.npy) is None and left out of eval.json.
    no_gt_joints: the baseline was due on the case but it has no (readable) ground-truth 2D joints, so the
    ground-truth-joints baseline left it out (written to eval.json only when true).
    miou: the image's mIoU over the classes in either map (`inference.metrics.miou`, as the app's Dataset tab shows
    it); miou_gt_classes: over the classes in its ground truth only (`inference.metrics.miou_over_truth_classes`,
    the part-segmentation issue's per-image measure; None in tables written before it was recorded)."""
    id: str
    empty_in_silhouette: bool = False  # the detector's silhouette held no parts: predicted from the image alone
    t_network: float
    miou: float
    miou_gt_classes: float | None = None
    pred: BodyErrors
    gt_parts: BodyErrors
    t_fit_gt: float
    detected: bool
    no_gt_joints: bool = False
    t_refine: float | None = None
    refined: BodyErrors | None = None
    t_baseline: float | None = None
    baseline: BodyErrors | None = None
    t_baseline_det: float | None = None
    baseline_det: BodyErrors | None = None

    def to_json(self) -> dict:
        """eval.json's case: the fields in order, without the methods that did not run."""
        d = asdict(self)
        for flag in ("empty_in_silhouette", "no_gt_joints"):  # (eval.json tables written before these held neither)
            if not d[flag]:
                del d[flag]
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
    (written as {}). skipped: case id -> why the case could not be read (left out of every row and of n; written
    only when there is one). weights: which networks were evaluated (`weights_record`: the folder, and per file its
    SHA-256 and the checkpoint's epoch and validation scores), so that a candidate's table can be told from the
    shipped weights' one (written only when known: tables of earlier releases lack it).
    The part maps' two mIoU figures: miou, pixels pooled over every image (each class's intersection and union
    summed over the set, then the mean over the 13 classes; per_class_iou is that pooling's); miou_per_image, the
    mean over the images of each one's mIoU over the classes in its ground truth (`EvaluatedCase.miou_gt_classes`:
    the part-segmentation issue's check, ../shared/checks/G-parts, averages this way). None (and not written)
    when no case recorded it (tables of earlier releases). PA-MPJPE and MPJPE are over SMPL's 24 joints."""
    rows: dict[str, MethodResult | None]
    miou: float
    per_class_iou: list[float]
    paired_baseline: Paired | None
    paired_baseline_detected: Paired | None
    paired_refinement: Paired | None
    cases: list[EvaluatedCase]
    left_right_swaps: float = float("nan")
    data: str = ""
    split: str = ""
    n: int = 0
    device: str = ""
    keypoints: str = "none"
    precision: str = ""
    skipped: dict[str, str] = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    miou_per_image: float | None = None

    def to_json(self) -> dict:
        def part(x):
            return {} if x is None else asdict(x)

        names = list(self.__dataclass_fields__)  # the per-image mIoU written next to the pooled one
        names.remove("miou_per_image")
        names.insert(names.index("miou") + 1, "miou_per_image")
        d = {f: getattr(self, f) for f in names}
        if d["miou_per_image"] is None:
            del d["miou_per_image"]
        d["rows"] = {name: part(m) for name, m in self.rows.items()}
        for k in ("paired_baseline", "paired_baseline_detected", "paired_refinement"):
            d[k] = part(d[k])
        d["cases"] = [c.to_json() for c in self.cases]
        d["per_class_iou"] = list(self.per_class_iou)
        for k in ("skipped", "weights"):
            if not d[k]:
                del d[k]
        return d


class NoCaseScored(ValueError):
    """Not one case of the split could be read (each was reported as it was left out): nothing to tabulate."""


def baseline_fit(fitter: SMPLify, lsp: np.ndarray, focal: float, size: int) -> BodyParams:
    """SMPLify (training/smplify.py): the body fitted to LSP 2D joints lsp (13 or 14, 3) x, y, confidence
    in crop pixels (the 14th, when given, the head top), from several global-orientation starts."""
    return fitter.fit(lsp[:, :2], lsp[:, 2], focal, size).params


def _plain(value):
    """`value` with only what JSON holds (numbers, text, lists, dicts of them); None for anything else."""
    if isinstance(value, dict):
        return {str(k): v for k, v in ((k, _plain(v)) for k, v in value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value if isinstance(value, (bool, int, float, str)) else None


def _shown_folder(folder: Path) -> str:
    """A weights folder as eval.md and eval.json name it: relative to the project when inside it (the committed
    tables name resources/weights, not this machine's path), else its absolute path."""
    from inference.paths import RESOURCES, resolved

    full = Path(resolved(folder))
    try:
        return full.relative_to(Path(resolved(RESOURCES.parent))).as_posix()
    except ValueError:
        return str(full)


def weights_record(pred: Predictor) -> dict:
    """Which networks `pred` runs, for eval.json's "weights": {"folder": ..., "files": {name: {"sha256", and the
    checkpoint's "epoch" and "val" when it holds them}}}: seg.pt and fit.pt, part_head.pt when the Predictor
    applies one, and the folder's own people.pt when the person detector reads it."""
    from inference.integrity import load_weights, sha256_of
    from inference.weights_folder import PEOPLE_FILE, people_weights

    folder = Path(pred.weights_dir)
    names = ["seg.pt", "fit.pt"] + (["part_head.pt"] if pred.part_head is not None else [])
    if people_weights(folder) is not None and getattr(pred.detector, "proposer", None) is not None:
        names.append(PEOPLE_FILE)
    files = {}
    for name in names:
        entry: dict = {"sha256": sha256_of(folder / name)}
        ck = load_weights(folder / name)  # (the Predictor loaded it: it loads again)
        if isinstance(ck, dict):
            entry.update({k: _plain(ck[k]) for k in ("epoch", "val") if k in ck})
        files[name] = entry
    return {"folder": _shown_folder(folder), "files": files}


def weights_line(weights: dict) -> str:
    """eval.md's line naming the networks of `weights` (`weights_record`): each file's SHA-256 (its first 12 hex
    digits; eval.json has it whole), epoch and the validation scores that are single numbers."""
    said = []
    for name, entry in weights.get("files", {}).items():
        about = [f"epoch {entry['epoch']}"] if "epoch" in entry else []
        val = {k: v for k, v in (entry.get("val") or {}).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if val:
            about.append("val " + ", ".join(f"{k} {v:.4g}" for k, v in val.items()))
        said.append(f"{name} {str(entry.get('sha256', ''))[:12]}" + (f" ({'; '.join(about)})" if about else ""))
    return f"Weights: {weights.get('folder', '?')}: {', '.join(said)} (SHA-256, first 12 hex digits)."


def _errors(body, params: BodyParams, gt_mesh) -> BodyErrors:
    return body_errors_mm(body.mesh(params), gt_mesh)


@dataclass(frozen=True)
class NetworkRun:
    """One test case run as the app's Dataset tab runs it (`Predictor.predict_case`): the app's person search on
    the whole image, the test image as the network's crop. person: the first person found (or None);
    joints2d (14, 2) and conf (14,) are their keypoints in the crop (None without one); `empty_in_silhouette`:
    their silhouette left no part, so the network ran on the image alone."""

    prediction: Prediction
    person: Person | None
    joints2d: np.ndarray | None
    conf: np.ndarray | None
    empty_in_silhouette: bool
    t_network: float  # seconds, the detector included


def run_network(pred: Predictor, image: np.ndarray) -> NetworkRun:
    """`pred` on a test image (S, S, 3) as the app's Dataset tab runs a case (`Predictor.predict_case`), with the
    first person its search finds (or none: `pred` built with detect="off", or nobody found)."""
    from inference.detect.person_inputs import crop_inputs

    t = time.perf_counter()
    p = pred.predict_case(image)
    t_network = time.perf_counter() - t
    person = p.people[0] if p.people else None
    j2d, conf, _ = crop_inputs(person, p.crop, image.shape) if person is not None else (None, None, None)
    return NetworkRun(p, person, j2d, conf, person is not None and p.person < 0, t_network)


def detecting_predictor(keypoints: str, **kwargs) -> Predictor:
    """A Predictor that searches each test image for its person as the app does (keypoints == "detect", when
    the detector is installed: a note is printed when it is not) or never (any other value)."""
    pred = Predictor(detect="auto" if keypoints == "detect" else "off", **kwargs)
    if keypoints == "detect" and pred.detector is None:
        print("no person detector: refinement uses the part map only, no detected-joints baseline")
    return pred


def unscorable(case: Case) -> str:
    """Why a case read leniently (`read_case`) cannot be scored, '' when it can: every method is scored against
    the ground-truth body, and the mIoU and the GT-parts row need the part labels."""
    for missing, name in ((case.params is None, f"{case.id}_body.pkl"), (case.labels is None, f"{case.id}_parts.png")):
        if missing:  # the file's own problem (read_case's messages name the file), else it is not there
            said = [p for p in case.problems if name in p]
            return "; ".join(said) if said else f"{name} missing"
    return ""


def _say(text: str) -> None:
    """A line on stderr that leaves the progress bar whole."""
    from tqdm import tqdm

    tqdm.write(text, file=sys.stderr)


def evaluate(data: Path, out: Path | None = None, split: str = "test", limit: int = 0, baseline_limit: int = 50,
             refine_limit: int = 100, device: str = "auto", weights_dir: Path | None = None, progress: bool = True,
             keypoints: str = "detect", precision: str = "auto") -> EvalResult:
    """Run every method over the split; returns the table's rows and every case, and writes eval.md /
    eval.json to `out` (`write_results`) when given.

    keypoints="detect" runs the pretrained BlazePose detector on each image (as the app does): its
    keypoints feed a keypoint-conditioned segmentation network, its silhouette restricts the parts, and
    its 2D joints drive the refinement and a second baseline (the paper's SMPLify fitted detected
    joints, from DeepCut). The crop is the whole test image; the part map is compared at the image's
    resolution. precision: the networks' number format (`inference.nets.precision`).

    A case that cannot be read (its image, ground-truth body or part labels missing or unreadable) is reported on
    stderr, left out and listed in the result's `skipped`; a case without ground-truth 2D joints is scored but
    left out of the baseline on them. Refinement and the baselines run on the first refine_limit /
    baseline_limit cases scored. NoCaseScored when no case could be read."""
    from tqdm import tqdm

    if min(limit, baseline_limit, refine_limit) < 0:  # a negative slice would drop the last cases quietly
        raise ValueError(f"limits are 0 or more, not {limit}, {baseline_limit}, {refine_limit}")
    torch.manual_seed(0)
    pred = detecting_predictor(keypoints, weights_dir=weights_dir, device=device, precision=precision)
    body = pred.body_model
    smplify = SMPLify(body)
    ids = list_cases(data, split)
    if limit:
        ids = ids[:limit]
    if not ids:  # main.py evaluate says so before loading models (cli/cmd_evaluate.py); this is for callers
        raise ValueError(f"no cases found in {data}: expected NNNNN_image.png files (and a {split}.txt split list)")
    skipped: dict[str, str] = {}
    for cid in ids:  # (main.py evaluate refuses such a list first: this is for other callers)
        why = case_id_problem(data, cid)
        if why:  # every look for its files would raise (ValueError, OSError): left out, as a missing case is
            skipped[cid] = f"the split list's line {cid[:30] + '...' if len(cid) > 30 else cid!r} {why}"
            _say(f"case left out: {skipped[cid]}")
    ids = [cid for cid in ids if cid not in skipped]
    # a real UP-3D case has no part map of ours: its labels are rendered from its body pickle
    renderer = None
    if any(parts_to_render(data, cid) for cid in ids):
        from inference.render.renderer import MeshRenderer

        renderer = MeshRenderer(body.faces, body.weights)
    acc = IoUAccumulator(13)
    cases: list[EvaluatedCase] = []
    for cid in tqdm(ids, desc="evaluate", disable=not progress):
        try:  # leniently: an unreadable label file is missing, and the case says so (as in the app's Dataset tab)
            # (the renderer only for a case without a part map: an unreadable one leaves the case out, it is
            # not replaced by labels rendered from the body just because another case of the set needed them)
            case = read_case(data, cid, body, renderer if parts_to_render(data, cid) else None, lenient=True)
        except (*USER_ERRORS, OSError) as exc:  # the image: missing, unreadable
            case, why = None, " ".join(str(exc).split()) or type(exc).__name__
        else:
            why = unscorable(case)
        if why:
            skipped[cid] = why
            _say(f"case {cid} left out: {why}")
            continue
        k = len(cases)  # the limits count the cases scored, so a case left out does not use up a baseline's turn
        notes = [f"{p} (read as missing)" for p in case.problems]
        no_gt_joints = case.lsp is None and k < baseline_limit
        if no_gt_joints:
            notes.append("no ground-truth 2D joints: left out of the baseline on them")
        if notes:
            _say(f"case {cid}: {'; '.join(notes)}")
        if not cases:
            # first calls allocate and pick kernels: keep them out of the timings (mirrored: the detector's cache
            # of recent photos must not answer the first case)
            warm = np.ascontiguousarray(case.image[:, ::-1])
            for _ in range(3):
                pred.predict_case(warm)
        gt_mesh = body.mesh(case.params)
        extra: dict = {}  # the methods that ran only on some cases
        # as the app does: the detector's keypoints and silhouette, on the whole image
        run = run_network(pred, case.image)
        p, j2d, conf, t_network = run.prediction, run.joints2d, run.conf, run.t_network
        score = score_case(p, case, body)  # as the app's Dataset tab scores the case
        acc.add(score.confusion)
        gt_small = cv2.resize(case.labels, (pred.seg_res, pred.seg_res), interpolation=cv2.INTER_NEAREST)
        t = time.perf_counter()
        gt_parts = _errors(body, pred.fit(gt_small, j2d, conf), gt_mesh)  # the same detector keypoints
        t_fit_gt = time.perf_counter() - t
        kp = run.person.lsp13(case.image.shape) if run.person is not None else None  # detected-joints baseline
        if k < refine_limit:
            t = time.perf_counter()
            # towards the first person found, also where their silhouette left no part and the network read the image
            # alone (`Predictor.predict_case`): their keypoints still say where the body is
            r = pred.refined_params(p, person=0 if run.person is not None else None)
            extra["t_refine"] = time.perf_counter() - t + t_network
            extra["refined"] = _errors(body, r, gt_mesh)
        if k < baseline_limit:
            if case.lsp is not None:  # (never fitted to made-up joints: the row would be a number about nothing)
                t = time.perf_counter()
                b = baseline_fit(smplify, case.lsp, case.focal, case.image.shape[0])
                extra["t_baseline"] = time.perf_counter() - t
                extra["baseline"] = _errors(body, b, gt_mesh)
            if kp is not None:
                t = time.perf_counter()
                b = baseline_fit(smplify, kp, case.focal, case.image.shape[0])
                extra["t_baseline_det"] = time.perf_counter() - t
                extra["baseline_det"] = _errors(body, b, gt_mesh)
        cases.append(EvaluatedCase(id=cid, empty_in_silhouette=run.empty_in_silhouette, t_network=t_network,
                                   miou=score.miou, miou_gt_classes=miou_over_truth_classes(score.confusion),
                                   pred=score.body, gt_parts=gt_parts, t_fit_gt=t_fit_gt,
                                   detected=kp is not None, no_gt_joints=no_gt_joints, **extra))
    if not cases:
        raise NoCaseScored(f"none of the {len(ids)} cases of {data} ({split} split) could be read (each is named "
                           "above with why): nothing to evaluate")
    result = replace(summarise(cases, acc), left_right_swaps=acc.left_right_swaps(), data=str(data), split=split,
                     n=len(cases), device=str(pred.device), precision=pred.precision,
                     keypoints="BlazePose (detected)" if pred.detector is not None else "none", skipped=skipped,
                     weights=weights_record(pred))
    if out is not None:
        write_results(result, out)
    return result


def write_results(result: EvalResult, out: Path) -> None:
    """eval.json and eval.md in `out` (made if need be), each written whole or not at all (`atomic_write`: a full
    disk leaves the previous table, not an empty file). OSError naming the file that could not be written; the
    JSON goes first, so a table is never newer than its data."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in (("eval.json", json.dumps(result.to_json(), indent=1)), ("eval.md", markdown_table(result))):
        try:
            atomic_write(out / name, text, overwrite=True)
        except OSError as exc:
            if exc.errno is not None and not exc.filename:  # (a full disk's error names no file: say which)
                raise type(exc)(exc.errno, exc.strerror, str(out / name)) from None
            raise


def _paired(cases: list[EvaluatedCase], key: str, tkey: str) -> Paired | None:
    """Network vs `key` on the cases where `key` ran: mean PA-MPJPE and seconds of each."""
    both = [c for c in cases if getattr(c, key) is not None]
    if not both:
        return None
    return Paired(n=len(both),
                  network_pa_mpjpe=float(np.mean([c.pred.pa_mpjpe for c in both])),
                  other_pa_mpjpe=float(np.mean([getattr(c, key).pa_mpjpe for c in both])),
                  network_seconds=float(np.mean([c.t_network for c in both])),
                  other_seconds=float(np.mean([getattr(c, tkey) for c in both])))


def summarise(cases: list[EvaluatedCase], acc: IoUAccumulator) -> EvalResult:
    def agg(key: str, tkey: str) -> MethodResult | None:
        rows = [c for c in cases if getattr(c, key) is not None]
        if not rows:
            return None
        means = {m: float(np.mean([getattr(getattr(c, key), m) for c in rows])) for m in ("mpjpe", "pa_mpjpe", "pve")}
        return MethodResult(n=len(rows), **means, seconds_per_image=float(np.mean([getattr(c, tkey) for c in rows])))

    rows = {ROWS[0]: agg("gt_parts", "t_fit_gt"), ROWS[1]: agg("pred", "t_network"),
            ROWS[2]: agg("refined", "t_refine"), ROWS[3]: agg("baseline", "t_baseline"),
            ROWS[4]: agg("baseline_det", "t_baseline_det")}
    per_image = [c.miou_gt_classes for c in cases if c.miou_gt_classes is not None]
    return EvalResult(rows=rows, miou=float(acc.mean()), per_class_iou=[float(x) for x in acc.per_class()],
                      miou_per_image=float(np.nanmean(per_image)) if per_image else None,
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
             f"{', networks in ' + r.precision if r.precision else ''})"]
    if r.weights:  # which networks: a candidate's table told from the shipped weights' one
        lines += ["", weights_line(r.weights)]
    if r.skipped:  # above the table: its numbers are over fewer cases than the split lists
        shown = [f"{cid} ({why})" for cid, why in list(r.skipped.items())[:MAX_SKIPPED_SHOWN]]
        more = len(r.skipped) - len(shown)
        lines += ["", f"{len(r.skipped)} listed case{'s' if len(r.skipped) > 1 else ''} could not be read and "
                      f"{'are' if len(r.skipped) > 1 else 'is'} left out: {'; '.join(shown)}"
                      f"{f'; and {more} more (eval.json lists them)' if more else ''}."]
    lines += ["", "| method | cases | MPJPE, SMPL's 24 joints (mm) | PA-MPJPE, SMPL's 24 joints (mm) | PVE (mm) | "
                  "s / image |", "|---|---|---|---|---|---|"]
    for name, m in r.rows.items():
        if m:
            lines.append(f"| {name} | {m.n} | {m.mpjpe:.1f} | {m.pa_mpjpe:.1f} | {m.pve:.1f} | "
                         f"{m.seconds_per_image:.3f} |")
    per_image = ("" if r.miou_per_image is None else
                 f"; the mean over the images of each image's mIoU over the classes in its ground truth (the "
                 f"part-segmentation issue's measure): **{r.miou_per_image:.3f}**")
    lines += ["", f"Segmentation mIoU (12 parts + background), pixels pooled over all {len(r.cases)} images: "
              f"**{r.miou:.3f}**{per_image}; left/right limb pixels given the mirrored part: "
              f"{100 * r.left_right_swaps:.1f} %", "",
              "| class | IoU, pixels pooled over all images |", "|---|---|",
              f"| background | {r.per_class_iou[0]:.3f} |"]
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
    no_joints = sum(1 for c in r.cases if c.no_gt_joints)
    if no_joints:
        lines += ["", f"{no_joints} case{'s' if no_joints > 1 else ''} within the baseline's limit had no ground-truth "
                  "2D joints (NNNNN_joints.npy missing or unreadable): the baseline on ground-truth joints left "
                  f"{'them' if no_joints > 1 else 'it'} out."]
    pr = r.paired_refinement
    if pr:
        n_kp = sum(1 for c in r.cases if c.refined is not None and c.detected)
        lines += ["", f"Refinement on {pr.n} cases ({n_kp} with detected keypoints, {r.keypoints}): "
                  f"{pr.network_pa_mpjpe:.1f} -> {pr.other_pa_mpjpe:.1f} mm PA-MPJPE."]
    return "\n".join(lines) + "\n"
