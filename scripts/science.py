"""The paper's experiments at our scale, written to docs/science.md with PNG figures in docs/science/:

1. the model-based baseline (SMPLify, training/smplify.py) against the network, with ground-truth and with
   detected 2D joints, speed measured in the same run on the same cases;
2. how much 3D supervision the fitting network needs (scripts/run_share_3d.py);
3. pose accuracy against segmentation accuracy per test image, and the worst fits as galleries;
4. the input-representation and supervision ablations (docs/ablations.json), when present.

    python scripts/science.py                       # tables and figures from the results already computed
    python scripts/science.py --evaluate            # first re-run the evaluation (network + baseline rows)
    python scripts/science.py --train               # first train the missing 3D-supervision runs

Results read: docs/science/eval/eval.json (`main.py evaluate`), docs/science/share_3d.json,
docs/ablations.json; durations of the steps this script ran are kept in docs/science/durations.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = Path("docs/science")
EVAL_DIR = OUT / "eval"
TEST_DATA = Path("data/synth_test")
EVAL_CMD = ["main.py", "evaluate", str(TEST_DATA), "--out", str(EVAL_DIR), "--overwrite", "--baseline-limit", "60",
            "--refine-limit", "0"]
SHARE_CMD = ["scripts/run_share_3d.py"]


# ------------------------------------------------------------------ plotting with OpenCV (no matplotlib here)
class Axes:
    """A plot canvas: data coordinates -> pixels, axes with ticks and labels. Image (H, W, 3) uint8 BGR."""

    def __init__(self, xlim, ylim, xlabel: str, ylabel: str, title: str, size=(720, 520), logx: bool = False):
        self.W, self.H = size
        self.img = np.full((self.H, self.W, 3), 255, np.uint8)
        self.l, self.r, self.t, self.b = 80, 20, 40, 60
        self.logx = logx
        self.xlim = (np.log10(xlim[0]), np.log10(xlim[1])) if logx else xlim
        self.ylim = ylim
        self._text(title, (self.l, 25), 0.6)
        self._text(xlabel, (self.l + (self.W - self.l - self.r) // 2 - 4 * len(xlabel), self.H - 15), 0.5)
        ylab = np.full((30, 10 * len(ylabel) + 20, 3), 255, np.uint8)
        cv2.putText(ylab, ylabel, (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        ylab = np.rot90(ylab)
        y0 = max(0, (self.H - ylab.shape[0]) // 2)
        h = min(ylab.shape[0], self.H - y0)
        self.img[y0:y0 + h, 0:ylab.shape[1]] = ylab[:h]
        cv2.rectangle(self.img, (self.l, self.t), (self.W - self.r, self.H - self.b), (0, 0, 0), 1)

    def _text(self, s: str, org, scale=0.45, color=(0, 0, 0)) -> None:
        cv2.putText(self.img, s, (int(org[0]), int(org[1])), cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)

    def px(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = np.log10(np.maximum(np.asarray(x, float), 1e-9)) if self.logx else np.asarray(x, float)
        u = self.l + (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * (self.W - self.l - self.r)
        v = self.H - self.b - (np.asarray(y, float) - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * (
            self.H - self.t - self.b)
        return u, v

    def ticks(self, xt, yt, xfmt="{:g}", yfmt="{:g}") -> None:
        for x in xt:
            u, _ = self.px(x, self.ylim[0])
            cv2.line(self.img, (int(u), self.H - self.b), (int(u), self.H - self.b + 5), (0, 0, 0), 1)
            cv2.line(self.img, (int(u), self.t), (int(u), self.H - self.b), (230, 230, 230), 1)
            s = xfmt(x) if callable(xfmt) else xfmt.format(x)
            self._text(s, (u - 4 * len(s), self.H - self.b + 20))
        for y in yt:
            _, v = self.px(self.xlim[0] if not self.logx else 10 ** self.xlim[0], y)
            cv2.line(self.img, (self.l - 5, int(v)), (self.l, int(v)), (0, 0, 0), 1)
            cv2.line(self.img, (self.l, int(v)), (self.W - self.r, int(v)), (230, 230, 230), 1)
            s = yfmt.format(y)
            self._text(s, (self.l - 10 - 8 * len(s), v + 5))
        cv2.rectangle(self.img, (self.l, self.t), (self.W - self.r, self.H - self.b), (0, 0, 0), 1)

    def scatter(self, x, y, color, r=3) -> None:
        for u, v in zip(*self.px(x, y)):
            cv2.circle(self.img, (int(round(u)), int(round(v))), r, color, -1, cv2.LINE_AA)

    def line(self, x, y, color, thickness=2, marker=True) -> None:
        u, v = self.px(x, y)
        pts = np.stack([u, v], 1).round().astype(np.int32)
        cv2.polylines(self.img, [pts], False, color, thickness, cv2.LINE_AA)
        if marker:
            for p in pts:
                cv2.circle(self.img, tuple(int(c) for c in p), 5, color, -1, cv2.LINE_AA)

    def legend(self, items: list[tuple[str, tuple]]) -> None:
        for k, (s, color) in enumerate(items):
            y = self.t + 18 + 20 * k
            cv2.circle(self.img, (self.W - self.r - 250, y - 4), 5, color, -1, cv2.LINE_AA)
            self._text(s, (self.W - self.r - 240, y))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), self.img)


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    step = 10 ** np.floor(np.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    return list(np.arange(np.ceil(lo / step) * step, hi + 1e-9, step))


# ------------------------------------------------------------------ 1. baseline
def baseline_section(ev: dict, durations: dict) -> list[str]:
    rows = ev["rows"]
    cases = ev["cases"]
    both = [c for c in cases if "baseline" in c]
    det = [c for c in both if "baseline_det" in c]
    mean = lambda cs, k, m="pa_mpjpe": float(np.mean([c[k][m] for c in cs])) if cs else float("nan")  # noqa: E731
    tmean = lambda cs, k: float(np.mean([c[k] for c in cs])) if cs else float("nan")  # noqa: E731
    lines = ["## 1. Model-based baseline: SMPLify against the network", "",
             f"Fixed synthetic test split (`{ev['data']}`, {ev['n']} cases; the baseline on the first {len(both)}), "
             f"device {ev['device']}, keypoints {ev['keypoints']}. Command: "
             f"`OMP_NUM_THREADS=1 python {' '.join(EVAL_CMD)}` (`python scripts/science.py --evaluate` runs it; one "
             "thread for the network and SMPLify alike, on a machine loaded by other work)"
             + (f" ({durations['evaluate']['seconds'] / 60:.0f} min)" if "evaluate" in durations else "") + ".", "",
             "SMPLify here (`training/smplify.py`): an 8-component Gaussian mixture pose prior fitted by EM to the "
             "project's pose sampler (`python -m training.pose_gmm --out resources/priors/pose_gmm.npz --n 40000 "
             "--components 8 --seed 0`, 7 min; 60 EM steps, held-out log-likelihood 31.4 against 31.7 on the "
             "40,000 poses it was fitted to); camera and "
             "global orientation from the torso joints, from 4 yaw starts (0, 90, 180, 270 degrees) fitted as one "
             "batch, the start with the lowest final objective kept; pose with the prior annealed over 4 weights; "
             "then shape; bend prior on elbows and knees; Adam (lr 0.02; 60 steps per stage and annealing weight, "
             "80 for shape). Ground-truth joints "
             "are the 14 LSP joints (13 SMPL joints and the head-top vertex); detected joints are BlazePose's 13.", "",
             "| method | cases | MPJPE (mm) | PA-MPJPE (mm) | PVE (mm) | s / image |", "|---|---|---|---|---|---|"]
    for name, m in rows.items():
        if m and "refinement" not in name:
            lines.append(f"| {name} | {m['n']} | {m['mpjpe']:.1f} | {m['pa_mpjpe']:.1f} | {m['pve']:.1f} | "
                         f"{m['seconds_per_image']:.3f} |")
    lines += ["", "Paired, on the same cases in the same run (PA-MPJPE, mm; seconds per image):", "",
              "| cases | network, predicted parts | network, GT parts | SMPLify, GT joints | SMPLify, detected joints "
              "| s network | s SMPLify (GT joints) | speed ratio |", "|---|---|---|---|---|---|---|---|"]
    for what, cs in (("baseline cases", both), ("with a detection", det)):
        if cs:
            tn, tb = tmean(cs, "t_network"), tmean(cs, "t_baseline")
            b_det = f"{mean(cs, 'baseline_det'):.1f}" if cs is det else "-"
            lines.append(f"| {len(cs)} ({what}) | {mean(cs, 'pred'):.1f} | {mean(cs, 'gt_parts'):.1f} | "
                         f"{mean(cs, 'baseline'):.1f} | {b_det} | {tn:.3f} | {tb:.2f} | {tb / tn:.0f}x |")
    return lines


def detection_section(ev: dict) -> list[str]:
    """How far the detector's 13 LSP joints are from the true ones on the detected-joints baseline's cases,
    whether their left and right are swapped, and how that goes with SMPLify's error (re-detects, ~50 ms each)."""
    from scipy.stats import spearmanr

    from inference.datasets import read_case
    from training.evaluate import detecting_predictor

    pred = detecting_predictor("detect")  # the search `main.py evaluate` ran for baseline_det's keypoints
    if pred.detector is None:
        return []
    swap = [3, 4, 5, 0, 1, 2, 11, 10, 9, 8, 7, 6, 12]  # LSP order with left and right exchanged
    rows = []
    for c in ev["cases"]:
        if "baseline_det" not in c:
            continue
        case = read_case(Path(ev["data"]), c["id"], None)
        people = pred.people(case.image)
        if not people or case.lsp is None:  # (no ground-truth joints to measure against)
            continue
        kp = people[0].lsp13(case.image.shape)
        seen, gt = kp[:, 2] > 0, case.lsp[:13, :2]
        err = float(np.linalg.norm(kp[:, :2] - gt, axis=1)[seen].mean())
        err_sw = float(np.linalg.norm(kp[swap, :2] - gt, axis=1)[seen].mean())
        rows.append((err, err_sw < err, c["baseline_det"]["pa_mpjpe"], c["baseline"]["pa_mpjpe"]))
    if not rows:
        return []
    e = np.array([r[0] for r in rows])
    sw = np.array([r[1] for r in rows])
    pa, pa_gt = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
    rho = spearmanr(e, pa)[0]
    size = read_case(Path(ev["data"]), ev["cases"][0]["id"], None).image.shape[0]
    n_det = sum("baseline_det" in c for c in ev["cases"])
    lost = n_det - len(rows)
    which = (f"these {n_det} cases" if not lost else
             f"{len(rows)} of these {n_det} cases ({'one is' if lost == 1 else f'{lost} are'} not re-detected)")
    return [f"Detected joints, re-detected by this script, on {which}: mean distance to the true "
            f"LSP joints {e.mean():.1f} px (median {np.median(e):.1f}) on {size}-px images; left and right "
            f"swapped on {sw.sum()} of them (SMPLify {pa[sw].mean():.0f} mm there, {pa[~sw].mean():.0f} mm on "
            f"the others, whose ground-truth-joint fits score {pa_gt[~sw].mean():.0f} mm). Spearman correlation "
            f"of the joints' pixel error with SMPLify's PA-MPJPE: {rho:.2f}.", ""]


# ------------------------------------------------------------------ 2. 3D supervision
def share_section(sh: dict | None) -> list[str]:
    lines = ["## 2. How much 3D supervision", ""]
    if not sh or not sh.get("rows"):
        return lines + ["Not run yet: `python scripts/run_share_3d.py` (or `python scripts/science.py --train`).", ""]
    rows = sorted(sh["rows"], key=lambda r: r["share_3d"])
    lines += [f"The fitting network (parts only, no keypoints) trained from scratch on the first {sh['max_samples']} "
              f"samples of `{sh['data']}` (ground-truth part maps, augmented), {sh['epochs']} epochs, batch 64, "
              f"lr 1e-3, seed {sh['seed']}, one thread, one run at a time. A fixed seeded draw per sample decides "
              "which samples keep their 3D labels (`train-fit --share-3d S`): on those, L_lat (rotations and "
              "betas), L_3D and the camera anchor; on all, L_2D (projected joints). Smaller shares' labelled "
              "samples are subsets of larger shares'. Errors on the 5 % validation samples (ground-truth part "
              "maps; every run sees the same ones); the final epoch, and the best epoch (chosen with 3D labels, "
              "so an optimistic number for the small shares).", "",
              "| share of 3D labels | labelled training samples | PA-MPJPE final (mm) | MPJPE final (mm) | "
              "PA-MPJPE best (mm) | steps | train time (s) |", "|---|---|---|---|---|---|---|"]
    n_tr = sh["max_samples"] - max(1, int(sh["max_samples"] * 0.05))
    for r in rows:
        lines.append(f"| {100 * r['share_3d']:g} % | {round(r['labelled_fraction_of_train'] * n_tr)} | "
                     f"{r['final_val']['pa_mpjpe_mm']:.1f} | {r['final_val']['mpjpe_mm']:.1f} | "
                     f"{r['best_val']['pa_mpjpe_mm']:.1f} | {r['steps']} | {r['train_seconds']:.0f} |")
    lines += ["", "![PA-MPJPE against the share of 3D labels](science/share_3d.png)", "",
              "Commands: " + "; ".join(f"`{r['command']}`" for r in rows), ""]
    xs = [max(r["share_3d"], 0.003) for r in rows]
    ys = [r["final_val"]["pa_mpjpe_mm"] for r in rows]
    yb = [r["best_val"]["pa_mpjpe_mm"] for r in rows]
    lo, hi = min(ys + yb) - 10, max(ys + yb) + 10
    ax = Axes((0.002, 1.5), (lo, hi), "share of training samples with 3D labels (log scale; 0 % at the left)",
              "PA-MPJPE (mm), validation", "Fitting network: error against the share of 3D supervision", logx=True)
    ax.ticks([0.003, 0.01, 0.05, 0.2, 0.5, 1.0], nice_ticks(lo, hi),
             xfmt=lambda x: "0 %" if x < 0.005 else f"{100 * x:g} %")
    ax.line(xs, ys, (200, 80, 0))
    ax.line(xs, yb, (0, 140, 0), thickness=1)
    ax.legend([("final epoch", (200, 80, 0)), ("best epoch", (0, 140, 0))])
    ax.save(OUT / "share_3d.png")
    return lines


# ------------------------------------------------------------------ 3. pose vs segmentation
def correlation_section(ev: dict) -> tuple[list[str], dict]:
    from scipy.stats import pearsonr, spearmanr

    cs = [c for c in ev["cases"] if "miou" in c]
    miou = np.array([c["miou"] for c in cs])
    pa = np.array([c["pred"]["pa_mpjpe"] for c in cs])
    pa_gt = np.array([c["gt_parts"]["pa_mpjpe"] for c in cs])
    gap = pa - pa_gt
    stats = {}
    for name, y in (("pred", pa), ("gt", pa_gt), ("gap", gap)):
        stats[name] = (pearsonr(miou, y), spearmanr(miou, y))
    lines = ["## 3. Pose accuracy against segmentation accuracy", "",
             f"Per test image ({len(cs)} cases, `{ev['data']}`): the mIoU of the predicted part map against the "
             "PA-MPJPE of the fit from it; the fit from the ground-truth part map of the same image as a control "
             "(its error does not depend on the segmentation, so a correlation there measures how hard the pose "
             "is, not how good the parts are), and the gap between the two.", "",
             "| PA-MPJPE of | Pearson r (p) | Spearman rho (p) |", "|---|---|---|"]
    for name, what in (("pred", "fit from predicted parts"), ("gt", "fit from ground-truth parts (control)"),
                       ("gap", "predicted minus ground-truth parts")):
        (r, p), (rho, q) = stats[name]
        lines.append(f"| {what} | {r:.3f} ({p:.1e}) | {rho:.3f} ({q:.1e}) |")
    hi = float(np.percentile(pa, 99.5)) + 10
    lines += ["", "![mIoU against PA-MPJPE](science/miou_vs_pampjpe.png)", "",
              f"(Errors above {hi:.0f} mm, {int((pa > hi).sum())} of the fits from predicted parts, are drawn on the "
              "top edge; the least-squares line is fitted to all.)", ""]
    ax = Axes((float(miou.min()) - 0.02, float(miou.max()) + 0.02), (0, hi), "mIoU of the predicted part map",
              "PA-MPJPE (mm)", f"Per test image: r = {stats['pred'][0][0]:.2f} (pred. parts), "
                               f"{stats['gt'][0][0]:.2f} (GT parts)")
    ax.ticks(nice_ticks(float(miou.min()), float(miou.max()) + 0.02), nice_ticks(0, hi), xfmt="{:.2f}")
    ax.scatter(miou, np.minimum(pa_gt, hi), (60, 170, 60), 2)
    ax.scatter(miou, np.minimum(pa, hi), (200, 80, 0), 3)
    # least-squares line of the predicted-parts errors
    k, c0 = np.polyfit(miou, pa, 1)
    xs = np.array([miou.min(), miou.max()])
    ax.line(xs, k * xs + c0, (0, 0, 200), 2, marker=False)
    ax.legend([("fit from predicted parts", (200, 80, 0)), ("fit from GT parts", (60, 170, 60)),
               (f"least squares: {k / 10:.0f} mm per 0.1 mIoU", (0, 0, 200))])
    ax.save(OUT / "miou_vs_pampjpe.png")
    return lines, {"pearson_pred": stats["pred"][0][0], "spearman_pred": stats["pred"][1][0],
                   "slope_mm_per_0.1": k / 10}


def galleries(ev: dict, k: int = 8) -> None:
    """Contact sheets of the k worst fits from ground-truth parts and from predicted parts: per case the
    image, ground-truth parts, predicted parts, and the ground-truth body, the fit from GT parts and the
    fit from predicted parts drawn as part maps, from the camera and from the side."""
    from inference.render.context import configure_gl

    configure_gl()
    from inference.camera import focal_for_size
    from inference.crop import uncrop_parts
    from inference.datasets import read_case
    from inference.parts import colorize
    from inference.render.cameras import OrbitCamera, PinholeCamera, orbit_pose
    from inference.render.renderer import MeshRenderer
    from training.evaluate import detecting_predictor, run_network

    # the cases run as the evaluation that wrote `ev` ran them (with or without the person search)
    pred = detecting_predictor("detect" if "detected" in ev.get("keypoints", "") else "none")
    body = pred.body_model
    ren = MeshRenderer(body.faces, body.weights)
    data = Path(ev["data"])

    def side(vertices: np.ndarray) -> np.ndarray:
        v = vertices - vertices.mean(0)
        return colorize(ren.labels(v, OrbitCamera(orbit_pose(np.pi / 2, 0.0, 3.2, np.zeros(3)), 128, 128)))

    def cam(vertices: np.ndarray, focal: float, size: int) -> np.ndarray:
        return colorize(ren.labels(vertices, PinholeCamera(focal_for_size(128, focal, size), 128, 128)))

    for key, _, fname in GALLERIES:
        worst = sorted(ev["cases"], key=lambda c: -c[key]["pa_mpjpe"])[:k]
        rows = []
        for c in worst:
            case = read_case(data, c["id"], body)
            size = case.image.shape[0]
            run = run_network(pred, case.image)
            p, j2d, conf = run.prediction, run.joints2d, run.conf
            gt_small = cv2.resize(case.labels, (pred.seg_res, pred.seg_res), interpolation=cv2.INTER_NEAREST)
            fit_gt = pred.fit(gt_small, j2d, conf)
            small = lambda im: cv2.resize(im, (128, 128), interpolation=cv2.INTER_NEAREST)  # noqa: E731
            meshes = [body.mesh(q).vertices for q in (case.params, fit_gt, p.params)]
            img = np.ascontiguousarray(cv2.resize(case.image, (128, 128), interpolation=cv2.INTER_AREA))
            if run.person is not None:
                kp = run.person.lsp13(case.image.shape)
                for j, (x, y, v) in enumerate(kp):
                    if v > 0.3:
                        right = j in (0, 1, 2, 6, 7, 8)
                        col = (255, 255, 255) if j == 12 else (255, 40, 40) if right else (40, 255, 40)
                        cv2.circle(img, (int(x * 128 / size), int(y * 128 / case.image.shape[0])), 2, col, -1)
            parts = uncrop_parts(p.parts, p.crop, case.image.shape, photo=case.image)
            tiles = [img, small(colorize(case.labels)), small(colorize(parts))]
            tiles += [cam(v, case.focal, size) for v in meshes] + [side(v) for v in meshes]
            row = np.concatenate(tiles, 1)
            txt = f"{c['id']}  GT parts {c['gt_parts']['pa_mpjpe']:.0f} mm  pred. parts {c['pred']['pa_mpjpe']:.0f} " \
                  f"mm  mIoU {c['miou']:.2f}"
            band = np.full((22, row.shape[1], 3), 255, np.uint8)
            cv2.putText(band, txt, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
            rows.append(np.concatenate([band, row], 0))
        sheet = np.concatenate(rows, 0)
        (OUT / fname).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(OUT / fname), sheet[..., ::-1])
    ren.close()


GALLERIES = (("gt_parts", "from ground-truth parts", "worst_gt_parts.png"),
             ("pred", "from predicted parts", "worst_pred_parts.png"))


def gallery_lines(k: int = 8) -> list[str]:
    """The galleries' section of science.md (the PNGs made by `galleries`)."""
    lines = ["### Worst fits", "",
             "Columns: image with the detector's 13 LSP joints (red: the subject's right side, green: left, "
             "white: neck; none when nobody was detected), ground-truth parts, predicted parts (as in the "
             "evaluation: the detector's keypoints as limb maps, its silhouette restricting the parts), then the "
             "ground-truth body, the fit from ground-truth parts and the fit from predicted parts, each seen from "
             "the camera and from the side (90 degrees about the vertical, centred on the body; part colours). "
             "Numbers: PA-MPJPE (mm) of the fit from GT parts / predicted parts, and the image's mIoU.", ""]
    for _, title, fname in GALLERIES:
        if (OUT / fname).exists():
            lines += [f"The {k} worst fits {title}:", "", f"![worst fits {title}](science/{fname})", ""]
    return lines


# ------------------------------------------------------------------ 4. ablations
def ablation_section() -> list[str]:
    path = Path("docs/ablations.json")
    lines = ["## 4. Input representation and supervision ablations", ""]
    seeded = OUT / "ablations_seeds.md"
    if seeded.exists():  # several seeds (scripts/run_ablations.py --seeds ...): the table with its spread
        body = seeded.read_text().strip().splitlines()[1:]
        intro = ("Re-run with the current code at the old scale, one run per row and seed (the seed also draws the "
                 "5 % validation samples, so the spread includes that draw). The '12 parts' row is also the "
                 "supervision group's 'L_lat + L_3D + L_2D' (the same configuration, trained once):")
        return lines + [intro] + body + [""]
    if not path.exists():
        return lines + ["Not run (`python scripts/run_ablations.py`).", ""]
    rows = json.loads(path.read_text())
    lines += ["Not re-run in this round: the table of `docs/ablations.md` (one seed, 4,000 samples, 3 epochs; no "
              "spread measured, so differences of a few mm are within run-to-run noise):", "",
              "| ablation | variant | PA-MPJPE (mm) |", "|---|---|---|"]
    lines += [f"| {r['group']} | {r['variant']} | {r['val']['pa_mpjpe_mm']:.1f} |" for r in rows]
    return lines + [""]


def run_step(name: str, cmd: list[str], durations: dict) -> None:
    t0 = time.time()
    print(" ".join(cmd), flush=True)
    import os

    # one thread: the network and SMPLify timed alike, and the run leaves a core to other work
    subprocess.run([sys.executable, *cmd], cwd=ROOT, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    durations[name] = {"command": "OMP_NUM_THREADS=1 python " + " ".join(cmd), "seconds": time.time() - t0,
                       "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    (ROOT / OUT / "durations.json").write_text(json.dumps(durations, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evaluate", action="store_true", help="re-run the evaluation first")
    ap.add_argument("--train", action="store_true", help="train the missing 3D-supervision runs first")
    ap.add_argument("--no-galleries", action="store_true", help="skip the galleries (they need GL rendering)")
    ap.add_argument("--notes", type=Path, default=OUT / "notes.md",
                    help="hand-written discussion appended to the generated text")
    a = ap.parse_args()
    import os

    os.chdir(ROOT)
    dpath = OUT / "durations.json"
    durations = json.loads(dpath.read_text()) if dpath.exists() else {}
    if a.evaluate:
        run_step("evaluate", EVAL_CMD, durations)
    if a.train:
        run_step("share_3d", SHARE_CMD, durations)
    t0 = time.time()
    ev = json.loads((EVAL_DIR / "eval.json").read_text())
    sh = json.loads((OUT / "share_3d.json").read_text()) if (OUT / "share_3d.json").exists() else None
    lines = ["# NBF's experiments at our scale", "",
             "Written by `python scripts/science.py` from results computed by the commands quoted in each section "
             "(2-core CPU shared with other work, no GPU). Everything is synthetic (the project's renderer); the "
             "paper's numbers are on Human3.6M and UP-3D and are quoted for their ordering only.", ""]
    lines += baseline_section(ev, durations) + [""] + detection_section(ev)
    lines += share_section(sh)
    corr, _ = correlation_section(ev)
    lines += corr
    if not a.no_galleries:
        galleries(ev)
    lines += gallery_lines()
    lines += ablation_section()
    if a.notes.exists():
        lines += [a.notes.read_text().strip(), ""]
    lines += ["## Durations", "", "| step | command | minutes |", "|---|---|---|"]
    for name, d in durations.items():
        lines.append(f"| {name} | `{d['command']}` | {d['seconds'] / 60:.1f} |")
    if sh and sh.get("rows") and "share_3d" not in durations:
        secs = sum(r["train_seconds"] for r in sh["rows"])
        lines.append(f"| 3D-supervision runs ({len(sh['rows'])}, training time only) | "
                     f"`python scripts/run_share_3d.py` | {secs / 60:.1f} |")
    abl = OUT / "ablations_seeds.json"
    if abl.exists():
        runs = json.loads(abl.read_text())
        lines.append(f"| seeded ablations ({len(runs)} runs) | see section 4 | "
                     f"{sum(r['seconds'] for r in runs) / 60:.1f} |")
    lines.append(f"| tables and figures | `python scripts/science.py` | {(time.time() - t0) / 60:.1f} |")
    (Path("docs") / "science.md").write_text("\n".join(lines) + "\n")
    print(f"wrote docs/science.md and {OUT}/*.png")


if __name__ == "__main__":
    main()
