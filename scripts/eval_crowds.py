"""Wide shots on synthetic crowds: person detection recall / precision and per-person fitting error by size.

    python main.py synth-crowd --out data/crowds_test --n 60 --seed 20183
    python scripts/eval_crowds.py data/crowds_test --out crowds_table.md --pictures docs/crowds

(--out writes the tables alone: docs/crowds.md is a longer hand-written report whose tables are copied from it,
so --out docs/crowds.md would overwrite the report.)

For every frame (training/synth/crowd.py) the person detector runs as the app and `predict` run it (tiled wide-shot
passes included), every person found is fitted (`Predictor.predict(frame, person=k)`: cropped around the person
and resized to the network's 256 px input, upscaled for small people), and detections are matched one-to-one to
the ground-truth people (IoU >= 0.5 with the visible or the frame-clipped whole-body box). Recall counts people at
least half visible (`visible` >= 0.5); precision counts every detection (one matched to a person below the
size or visibility bar is not a false one); recall is also given by view (facing the camera, back to it,
side-on: `facing`, from the ground-truth joints) and for people hidden by nearer ones. PA-MPJPE compares the
24 fitted SMPL joints with the person's own (similarity Procrustes), per matched person, bucketed by the
person's full height in pixels.

--verdicts also judges the app's fit verdict (`inference/fit_quality.py`) against ground truth: every matched
person is fitted as the app fits (refinement on, so the PA-MPJPE table is then of refined fits), a fit is wrong when
its PA-MPJPE is over WRONG_MM or it faces more than 90 degrees away from the person's own joints, and the verdicts are
counted right / wrong, with and without the rule that leaves the keypoint numbers out where the fit and the
detector's 3D landmarks face opposite ways (FACING_LIMIT_DEG).

A frame that does not read (a truncated NNNNN_people.npz) is named on stderr and left out, and counted in the
title; exit 1 when none reads (nothing written). A folder that holds no crowd frames (a synth set's cases), an
--out or --rows that is a folder and a negative --limit are one line and exit 2 before the run.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUCKETS = ((50, 60), (60, 90), (90, 150), (150, 400))
MIN_VISIBLE = 0.5
SIDE_ON = 0.015    # |facing| below this: side-on (see facing)
OCCLUDED = 0.2     # more than this fraction of the body inside the frame hidden by nearer people
# --verdicts: a fit further than this from the person (PA-MPJPE, mm) is wrong. The crowd fits' errors have their middle
# half at 54-118 mm and no fit facing the wrong way is under it (sweep122, 321 people)
WRONG_MM = 100.0
VERDICTS = ("good", "doubtful", "bad", "unknown")
# what the run reads of each frame's NNNNN_people.npz
PEOPLE_KEYS = ("height", "visible", "in_frame", "head_in_frame", "lsp2d", "full_box", "joints3d", "box")


def facing(lsp2d: np.ndarray, height: float) -> float:
    """How squarely a person faces the camera, from the ground-truth LSP joints (14, 3) in frame px: the mean
    of the subject's left-minus-right shoulder and hip x offsets over the body height; > 0 facing the camera
    (their left on the image's right), < 0 back to it, about 0 side-on."""
    return float((lsp2d[9, 0] - lsp2d[8, 0] + lsp2d[3, 0] - lsp2d[2, 0]) / 2 / max(height, 1.0))


def judge_fit(out, gt_joints: np.ndarray, pa_mm: float) -> dict:
    """One matched fit's verdict against ground truth (--verdicts): the verdict, the verdict the same fit gets without
    the detector's 3D landmarks (before the facing rule), the angles between the ways the fit, the person (gt_joints
    (24, 3)) and the detector's landmarks face, and whether the fit is wrong (PA-MPJPE over WRONG_MM or facing more
    than FACING_LIMIT_DEG away from the person)."""
    from dataclasses import replace

    from inference.fit_quality import FACING_LIMIT_DEG, angle_deg, assess, body_forward, landmarks_forward

    q = assess(out)
    person = out.people[out.person] if 0 <= out.person < len(out.people) else None
    landmarks = person is not None and person.world is not None
    blind = replace(out, people=tuple(replace(p, world=None) if n == out.person else p
                                      for n, p in enumerate(out.people))) if landmarks else out
    truth = body_forward(gt_joints)
    fit_gt = angle_deg(body_forward(out.mesh.joints), truth)
    return dict(verdict=q.verdict, verdict_before=assess(blind).verdict if landmarks else q.verdict,
                facing=q.facing_deg, fit_gt_deg=fit_gt,
                det_gt_deg=angle_deg(landmarks_forward(person.world), truth) if landmarks else float("nan"),
                wrong=bool(pa_mm > WRONG_MM or fit_gt > FACING_LIMIT_DEG))


def verdict_lines(judged: list[dict]) -> list[str]:
    """The --verdicts section of the table (markdown lines)."""
    from inference.fit_quality import FACING_LIMIT_DEG

    lines = ["", f"## Fit verdicts against ground truth ({len(judged)} matched fits, refined as in the app)", "",
             f"A fit is wrong when its PA-MPJPE is over {WRONG_MM:.0f} mm or it faces more than "
             f"{FACING_LIMIT_DEG:.0f} degrees away from the person. \"before\": the same fits judged without the "
             "detector's 3D landmarks, i.e. without the rule that leaves part agreement and PCK out where the fit and "
             "the landmarks face opposite ways.", "",
             "| verdict | right | wrong | wrong share | before: right | before: wrong |", "|---|---|---|---|---|---|"]
    for v in VERDICTS:
        now = [j["wrong"] for j in judged if j["verdict"] == v]
        old = [j["wrong"] for j in judged if j["verdict_before"] == v]
        if now or old:
            share = f"{np.mean(now):.2f}" if now else "-"
            lines.append(f"| {v} | {now.count(False)} | {now.count(True)} | {share} | {old.count(False)} | "
                         f"{old.count(True)} |")
    fired = [j for j in judged if j["facing"] > FACING_LIMIT_DEG]
    fit_right = sum(j["fit_gt_deg"] <= FACING_LIMIT_DEG for j in fired)
    det_right = sum(j["det_gt_deg"] <= FACING_LIMIT_DEG for j in fired)
    lines += ["", f"- The facing rule fired on {len(fired)} fits: the fit faced the person's way in {fit_right}, the "
                  f"detector's landmarks in {det_right}.",
              f"- Bad verdicts on right fits: {sum(j['verdict'] == 'bad' and not j['wrong'] for j in judged)} "
              f"(before: {sum(j['verdict_before'] == 'bad' and not j['wrong'] for j in judged)}); good verdicts on "
              f"wrong fits: {sum(j['verdict'] == 'good' and j['wrong'] for j in judged)} (before: "
              f"{sum(j['verdict_before'] == 'good' and j['wrong'] for j in judged)})."]
    return lines


def crowd_folder_refusal(data: Path) -> str:
    """Why `data` is no folder of crowd frames to score ('' when it is one): a UP-3D set (main.py synth) also has
    NNNNN_image.png files, and its first frame's missing NNNNN_people.npz was a FileNotFoundError traceback."""
    from training.set_settings import other_kind
    from training.synth.crowd import frame_indices

    if not data.is_dir():
        why = "not a folder" if data.exists() else "no such folder"
        return f"{data}: {why} (give a folder made by main.py synth-crowd)"
    other = other_kind(data, "crowd.json")
    if other:
        tip = "; score its cases with main.py evaluate" if other.startswith("a synth set") else ""
        return f"{data} is not a synth-crowd folder: it holds {other}{tip}"
    if not frame_indices(data):
        return f"{data} is not a synth-crowd folder: no NNNNN_image.png frames (make them with main.py synth-crowd)"
    return ""


def file_out_refusal(flag: str, path: Path | None, example: str) -> str:
    """Why a file cannot be written at `path` ('' when it can, or None: not asked for), checked before the run: a
    folder given as --out was an IsADirectoryError after every frame had been scored."""
    from cli.out_arg import make_out_folder

    if path is None:
        return ""
    if path.is_dir():
        return f"{flag} {path} is a folder: give the file to write (e.g. {path / example})"
    return make_out_folder(path.parent, f"{flag} {path}: its folder {path.parent}")


def read_crowd_frame(data: Path, index: int):
    """(the frame, '') or (None, why it does not read, one line): a truncated NNNNN_people.npz was a BadZipFile
    traceback that ended the run."""
    from inference.file_writes import describe_os_error
    from training.synth.crowd import read_frame

    name = f"{index:05d}"
    try:
        f = read_frame(data, index)
    except OSError as exc:
        return None, describe_os_error(exc) if exc.errno is not None else f"{exc} does not read"
    except ValueError as exc:  # (read_frame's words name the file, what is wrong with it and what to do)
        return None, str(exc)
    missing = [k for k in PEOPLE_KEYS if k not in f.people]
    if missing:
        return None, f"{name}_people.npz lacks {', '.join(missing)}"
    return f, ""


def main(argv=None) -> int:
    from cli.out_arg import make_out_folder, out_path
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a crowd folder (main.py synth-crowd)")
    ap.add_argument("--out", type=out_path, default=None, help="write the tables here (markdown)")
    ap.add_argument("--limit", type=whole_number(0), default=0, help="first N frames only (default: 0, all)")
    ap.add_argument("--no-fit", action="store_true", help="detection only")
    ap.add_argument("--verdicts", action="store_true",
                    help="also judge the app's fit verdicts against ground truth (fits refined, as in the app)")
    ap.add_argument("--pictures", type=out_path, default=None, help="folder for a few frames with boxes drawn")
    ap.add_argument("--rows", type=out_path, default=None,
                    help="write one JSON row per ground-truth person here (frame, height, visibility, found, and "
                         "the fitting error as \"err\")")
    args = ap.parse_args(argv)
    # every argument checked before the run: a run of minutes ended on them
    why = (crowd_folder_refusal(args.data) or file_out_refusal("--out", args.out, "crowds_table.md")
           or file_out_refusal("--rows", args.rows, "rows.json")
           or (make_out_folder(args.pictures).replace("--out", "--pictures", 1) if args.pictures else ""))
    if args.verdicts and args.no_fit:
        why = "--verdicts judges fits: not with --no-fit"
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2

    from inference.render.context import configure_gl

    configure_gl()
    import cv2
    import torch

    from inference.file_writes import atomic_write, describe_os_error
    from inference.metrics import pa_mpjpe
    from inference.pipeline import PredictionError, Predictor
    from training.synth.crowd import frame_indices, match_people

    torch.set_num_threads(1)  # the detector has its own threads; 2 torch threads on a shared 2-core machine thrash
    frames = frame_indices(args.data)[: args.limit or None]
    pred = None  # loaded at the first frame that reads (none reads: exit 1 without loading the models)
    rows, fps, det_times, fit_times, frame_times, scored, left_out = [], 0, [], [], [], [], []
    judged = []  # --verdicts: judge_fit of every matched fit
    n_det = 0
    for i in frames:
        f, why = read_crowd_frame(args.data, i)
        if f is None:
            print(f"left out: frame {i}: {why}", file=sys.stderr)
            left_out.append(i)
            continue
        if pred is None:
            pred = Predictor(detect="on", refine=args.verdicts)
        scored.append(i)
        shape = f.image.shape
        P = f.people
        t0 = time.perf_counter()
        people = pred.people(f.image)  # the detector's, less doubtful people the part map does not follow
        t1 = time.perf_counter()
        det_times.append(t1 - t0)
        m = match_people(P, f.image.shape, np.array([p.box for p in people], np.float32).reshape(-1, 4))
        n_det += len(people)
        fps += int((m < 0).sum())
        err = {}
        if not args.no_fit:
            for k in range(len(people)):
                t2 = time.perf_counter()
                try:
                    out = pred.predict(f.image, person=k)
                except PredictionError:
                    continue
                fit_times.append(time.perf_counter() - t2)
                if m[k] >= 0:
                    err[int(m[k])] = float(pa_mpjpe(out.mesh.joints[None], P["joints3d"][m[k]][None])[0]) * 1000
                    if args.verdicts:
                        judged.append(judge_fit(out, P["joints3d"][m[k]], err[int(m[k])]))
        frame_times.append(time.perf_counter() - t0)
        for g in range(len(f)):
            rows.append(dict(frame=i, height=float(P["height"][g]), visible=float(P["visible"][g]),
                             cut=bool(P["in_frame"][g] < 0.98), head=bool(P["head_in_frame"][g]),
                             facing=facing(P["lsp2d"][g], float(P["height"][g])),
                             hidden=1 - float(P["visible"][g]) / max(float(P["in_frame"][g]), 1e-6),
                             found=bool((m == g).any()), err=err.get(g, np.nan)))
        if args.pictures is not None and i < frames[0] + 4:
            img = f.image.copy()
            for g in range(len(f)):
                b = P["full_box"][g].astype(int)
                counted = P["visible"][g] >= MIN_VISIBLE and P["height"][g] >= 60
                col = (0, 200, 0) if (m == g).any() else ((255, 40, 40) if counted else (150, 150, 150))
                cv2.rectangle(img, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])), col, 1)
            for k, p in enumerate(people):
                b = p.box.astype(int)
                cv2.rectangle(img, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])),
                              (255, 230, 0) if m[k] >= 0 else (255, 0, 255), 2)
                cv2.putText(img, str(k + 1), (int(b[0]) + 2, int(b[1]) + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                            (255, 230, 0), 1)
            cv2.imwrite(str(args.pictures / f"frame_{i:05d}.png"), img[..., ::-1])
        print(f"frame {i}: {len(f)} people, {len(people)} found, {int((m >= 0).sum())} matched, "
              f"{t1 - t0:.2f} s detect, {frame_times[-1]:.2f} s in all", flush=True)
    if not scored:
        print(f"error: none of the {len(frames)} frames in {args.data} could be read: nothing to score",
              file=sys.stderr)
        return 1

    h = np.array([r["height"] for r in rows])
    vis = np.array([r["visible"] for r in rows]) >= MIN_VISIBLE
    found = np.array([r["found"] for r in rows])
    cut = np.array([r["cut"] for r in rows])
    head = np.array([r["head"] for r in rows])
    err = np.array([r["err"] for r in rows])
    face = np.array([r["facing"] for r in rows])
    hidden = np.array([r["hidden"] for r in rows]) > OCCLUDED
    big = vis & (h >= 60)

    def share(s: np.ndarray) -> str:
        return f"{found[s].mean() if s.any() else float('nan'):.3f} ({found[s].sum()} of {s.sum()})"

    recall = found[big].mean()
    precision = (n_det - fps) / max(n_det, 1)
    unread = f" ({len(left_out)} more left out: unreadable)" if left_out else ""
    lines = [f"# Wide shots: synthetic crowds ({args.data}, {len(scored)} frames{unread}, {len(rows)} people)", "",
             "Measured by `python scripts/eval_crowds.py " + " ".join(argv if argv is not None else sys.argv[1:])
             + "` (2-core CPU, shared).", "",
             f"- Detection recall, people >= 60 px tall and at least half visible: **{recall:.3f}** "
             f"({found[big].sum()} of {big.sum()})",
             f"- Detection precision: **{precision:.3f}** ({n_det - fps} of {n_det} detections are people)",
             f"- Recall of those cut by the frame (< 98 % of the body inside): {found[big & cut].mean():.3f} "
             f"({found[big & cut].sum()} of {(big & cut).sum()}); with the head outside the frame: "
             f"{found[big & ~head].mean() if (big & ~head).any() else float('nan'):.3f} "
             f"({found[big & ~head].sum()} of {(big & ~head).sum()})",
             f"- Recall by view (same people): facing the camera {share(big & (face > SIDE_ON))}, back to it "
             f"{share(big & (face < -SIDE_ON))}, side-on {share(big & (np.abs(face) <= SIDE_ON))}; more than "
             f"{OCCLUDED:.0%} of the body in the frame hidden by nearer people {share(big & hidden)}",
             f"- Time per frame ({shape[1]} x {shape[0]}): detection median "
             f"{np.median(det_times):.2f} s"
             + ("" if args.no_fit else f", one fit median {np.median(fit_times) * 1000:.0f} ms, detection and all "
                f"fits median {np.median(frame_times):.2f} s"), "",
             "| height (px) | people (>= half visible) | recall | PA-MPJPE mean (mm) | median | fitted |",
             "|---|---|---|---|---|---|"]
    for lo, hi in BUCKETS:
        s = vis & (h >= lo) & (h < hi)
        e = err[s & ~np.isnan(err)]
        lines.append(f"| {lo}-{hi} | {s.sum()} | {found[s].mean() if s.any() else float('nan'):.3f} | "
                     + (f"{e.mean():.1f} | {np.median(e):.1f} | {len(e)} |" if len(e) else "- | - | 0 |"))
    if args.verdicts:
        lines += verdict_lines(judged)
    text = "\n".join(lines) + "\n"
    print(text)
    import json

    for path, data in ((args.rows, lambda: json.dumps([{k: (None if isinstance(v, float) and np.isnan(v) else v)
                                                         for k, v in r.items()} for r in rows], indent=0)),
                       (args.out, lambda: text)):
        if path is not None:
            try:
                atomic_write(path, data(), overwrite=True)
            except OSError as exc:
                print(f"error: cannot write {describe_os_error(exc)}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
