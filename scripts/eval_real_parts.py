"""Real photos, no ground-truth part maps: measure the predicted part map against the person detector.

Per photo and detected person: keypoint-part agreement (the fraction of confident BlazePose keypoints inside the
photo whose neighbourhood's majority label is a part the joint belongs to; inside by one rule with the app's badge,
inference.fit_quality.photo_keypoints, though the badge reads them on the crop's part map), the fraction of
left/right swaps, both also over the 17 body keypoints alone (inference.metrics.BODY_KEYPOINTS: no mouth, fingers,
heels, toe tips), and the IoU of the union of the parts with the detector's silhouette (inference.metrics); all on the
part map in the photo's own frame (inference.crop.uncrop_parts). Writes a markdown table
(OUT/real_parts.md, also printed), OUT/real_parts.json and one picture per photo (per person a row:
photo with keypoints | parts over the photo | parts).

    python scripts/eval_real_parts.py resources/photos/*.jpg resources/photos/*.png --out docs/real_parts

Note: the pipeline clears every label outside the person's (slightly grown) silhouette and, inside it, weighs
the network's background against the silhouette (inference.detect.person_inputs.restrict_parts), so the parts
fill the silhouette nearly by construction and its IoU says little; the keypoint agreement is the measure of the
parts themselves.

A photo that cannot be read is named on stderr and left out; exit 1 when none can be read (nothing written), 2 for
bad arguments. Photos that share a file name (a/x.jpg, b/x.jpg) are named by their paths in the table and their
pictures as `predict` names its outputs (x.png, x_jpg.png).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.eval_real_photos import fmt, person_view  # noqa: E402  (one copy of the box and number helpers)

TILE_H = 360


def _keypoint_picture(image: np.ndarray, agreement) -> np.ndarray:
    """The photo with every checked keypoint as a dot: green agrees, red a left/right swap, orange other."""
    out = image.copy()
    rad = max(2, int(round(agreement.radius)))
    for k in agreement.keypoints:
        colour = (0, 220, 0) if k.agrees else (255, 0, 0) if k.swapped else (255, 150, 0)
        centre = (int(round(k.xy[0])), int(round(k.xy[1])))
        cv2.circle(out, centre, rad + 2, (0, 0, 0), -1, cv2.LINE_AA)
        cv2.circle(out, centre, rad + 1, colour, -1, cv2.LINE_AA)
    return out


def main(argv: list[str] | None = None) -> int:
    from cli.cmd_evaluate import EvaluateInputError, check_weights
    from cli.out_arg import out_folder_and_photos, out_path, write_tables

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--out", type=out_path, default=Path("docs/real_parts"))
    ap.add_argument("--weights", type=Path, default=None, help="folder with seg.pt and fit.pt (default: shipped)")
    ap.add_argument("--painted", action="store_true",
                    help="the maps as the segmentation painted them: a half-length person's unseen legs kept "
                         "(inference/unseen_legs.py off)")
    a = ap.parse_args(argv)
    try:  # before any work: a missing --weights folder was a PredictionError traceback
        if a.weights is not None:
            check_weights(a.weights)
    except EvaluateInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    readable, status = out_folder_and_photos(a.out, a.photos)  # (each photo read again by predict)
    if status:
        return status
    import torch

    torch.set_num_threads(1)
    from inference.crop import uncrop_parts
    from inference.fit_quality import photo_keypoints
    from inference.metrics import BODY_KEYPOINTS, keypoint_part_agreement, silhouette_iou
    from inference.parts import colorize
    from inference.pipeline import PredictionError, Predictor
    from inference.render.overlay import parts_overlay

    try:
        pred = Predictor(weights_dir=a.weights, unseen_legs=not a.painted)
    except PredictionError as exc:  # (weights that do not load)
        print(f"error: {exc}", file=sys.stderr)
        return 2 if a.weights is not None else 1
    for w in pred.warnings:
        print(f"warning: {w}")
    rows, failed = [], []
    for path, label, stem in readable:
        try:
            first = pred.predict(path)
        except PredictionError as exc:
            print(f"{label}: {exc}")
            rows.append({"photo": label, "result": str(exc)})
            continue
        if first.person < 0:
            rows.append({"photo": label, "result": "no person detected (whole image segmented)"})
            print(f"{label}: no person detected")
            continue
        strips = []
        for k in range(len(first.people)):
            p = first if k == first.person else pred.predict(path, person=k)
            person = p.people[p.person]
            labels = uncrop_parts(p.parts, p.crop, p.image.shape, photo=p.image)
            agr = keypoint_part_agreement(labels, photo_keypoints(person.keypoints, p.image.shape))
            body = agr.among(BODY_KEYPOINTS)
            iou = silhouette_iou(labels, person.mask.full()) if person.mask is not None else float("nan")
            row = {"photo": label, "person": k + 1, "people": len(p.people), "n_keypoints": agr.n,
                   "agreement": agr.agreement, "swaps": agr.swaps, "silhouette_iou": iou,
                   "n_body": body.n, "body_agreement": body.agreement, "body_swaps": body.swaps,
                   "radius_px": agr.radius, "confidence": p.parts.confidence(),
                   "disagree": [f"{q.name}->{q.label}" for q in agr.keypoints if not q.agrees]}
            rows.append(row)
            print(json.dumps(row))
            tiles = [_keypoint_picture(p.image, agr), parts_overlay(p.image, labels), colorize(labels)]
            x0, y0, x1, y1 = person_view(person.box, p.image.shape)
            wt = max(1, int(round((x1 - x0) * TILE_H / (y1 - y0))))
            tiles = [cv2.resize(t[y0:y1, x0:x1], (wt, TILE_H), interpolation=cv2.INTER_AREA) for t in tiles]
            # (its own name: the photo's `label` was the next person's "photo" in the table and the JSON)
            for t, caption in zip(tiles, (f"person {k + 1}: keypoints", f"agreement {fmt(agr.agreement)}, "
                                          f"swaps {fmt(agr.swaps)}", f"silhouette IoU {fmt(iou)}")):
                (tw, th), _ = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
                t[:th + 12, :tw + 12] //= 3     # a dark band under the caption
                cv2.putText(t, caption, (6, th + 6), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                            cv2.LINE_AA)
            strips.append(np.concatenate(tiles, 1))
        width = max(s.shape[1] for s in strips)
        strips = [np.pad(s, ((0, 0), (0, width - s.shape[1]), (0, 0))) for s in strips]
        if not cv2.imwrite(str(a.out / f"{stem}.png"), np.concatenate(strips, 0)[..., ::-1]):
            failed.append(stem)  # (cv2 says only False: a full disk, a file made read-only meanwhile)
            print(f"error: cannot write {a.out / stem}.png", file=sys.stderr)
    lines = ["| photo | person | keypoints checked | keypoint-part agreement | left/right swaps | "
             "17 body keypoints: agreement, swaps | parts vs silhouette IoU |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        if "agreement" in row:
            lines.append(f"| {row['photo']} | {row['person']} of {row['people']} | {row['n_keypoints']} | "
                         f"{fmt(row['agreement'])} | {fmt(row['swaps'])} | {fmt(row['body_agreement'])}, "
                         f"{fmt(row['body_swaps'])} | {fmt(row['silhouette_iou'])} |")
        else:
            lines.append(f"| {row['photo']} | - | - | {row['result']} | | | |")
    done = [r for r in rows if "agreement" in r and r["n_keypoints"]]
    if done:
        def pooled(key: str, n_key: str) -> float:  # over every checked keypoint of every person
            n = sum(r[n_key] for r in done if r[n_key])
            return sum(r[key] * r[n_key] for r in done if r[n_key]) / n if n else float("nan")

        n = sum(r["n_keypoints"] for r in done)
        lines.append(f"| all ({len(done)} people; agreement and swaps pooled over keypoints) | | {n} | "
                     f"{pooled('agreement', 'n_keypoints'):.2f} | "
                     f"{pooled('swaps', 'n_keypoints'):.2f} | {pooled('body_agreement', 'n_body'):.2f}, "
                     f"{pooled('body_swaps', 'n_body'):.2f} | "
                     f"{np.nanmean([r['silhouette_iou'] for r in done]):.2f} (mean per person) |")
    text = "\n".join(lines) + "\n"
    if write_tables(a.out, "real_parts", rows, text):
        return 1
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
