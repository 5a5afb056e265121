"""Real photos, no ground truth: for every person the detector finds, the network's fit and the refined
fit side by side, measured against the detector's own evidence, with a picture per person.

    python scripts/eval_real_photos.py resources/photos/*.jpg resources/photos/camera.png --out docs/real_fits

Per person and fit (network, refined), from `inference.fit_quality.assess`:
  PCK    fitted LSP joints projected through the photo camera within half the torso length (neck to
         mid-hips) of the detector's confident keypoints;
  IoU    the mesh's silhouette in the photo against the detector's person mask, and the share of that
         silhouette inside the mask ("inside": loose clothes and hair fill the mask, not the body);
  agreement  keypoint-part agreement of the part map (the same for both fits);
and the betas' range, the body's height (rest pose; one photo does not show it: `inference.refine.SIZE_BETA`),
the seconds of the network and of the refinement. The picture: detected keypoints,
part map, the network's and the refined mesh over the photo, then each mesh from the front and from the
subject's left (does the body stand, sit or kick as the person does?).
Writes results.json and results.md to --out, one picture per person (named as `predict` names its outputs where
two photos share a file name; results.json's "picture"). A photo that cannot be read is named on stderr and left
out; exit 1 when none can be read (nothing written) or a picture cannot be written, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TILE = 360  # picture height per tile (pixels)


def person_view(box, shape, margin: float = 0.15) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) around the person's box with a margin, inside the image (also
    scripts/eval_real_parts.py's)."""
    h, w = shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box)
    m = margin * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = max(0, int(x0 - m)), max(0, int(y0 - m)), min(w, int(x1 + m + 1)), min(h, int(y1 + m + 1))
    return (x0, y0, x1, y1) if x1 - x0 >= 8 and y1 - y0 >= 8 else (0, 0, w, h)


def _label(img: np.ndarray, text: str) -> np.ndarray:
    img = np.ascontiguousarray(img)
    cv2.putText(img, text, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def _mesh_views(renderer, vertices: np.ndarray) -> list[np.ndarray]:
    """Front and side (subject's left) shaded views (TILE, TILE, 3) on white."""
    from inference.render.cameras import OrbitCamera, view_pose
    from inference.render.overlay import blend_rgba

    out = []
    for view in ("front", "side"):
        camera = OrbitCamera(view_pose(vertices, view), TILE, TILE)
        out.append(blend_rgba(255.0, renderer.shaded(vertices, camera)))
    return out


def fmt(x) -> str:
    """A measure in a table or caption: 2 decimals, "-" for None or NaN (also scripts/eval_real_parts.py's)."""
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.2f}"


def results_markdown(rows: list[dict]) -> str:
    """results.md: one line per row of results.json (person counted from 1), then the means."""
    fitted = [r for r in rows if "refined" in r]
    lines = ["| photo | person | PCK network | PCK refined | IoU network | IoU refined | inside network | "
             "inside refined | agreement | "
             "betas network | betas refined | cm network | cm refined | s network | s refine |", "|" + "---|" * 15]
    for r in rows:
        if "refined" not in r:
            lines.append(f"| {r['photo']} | - | {r['result']} |" + " |" * 12)
            continue
        n, f = r["network"], r["refined"]
        lines.append(f"| {r['photo']} | {r['person']} of {r['people']} | {fmt(n['pck'])} | {fmt(f['pck'])} | "
                     f"{fmt(n['mask_iou'])} | {fmt(f['mask_iou'])} | {fmt(n['mask_inside'])} | "
                     f"{fmt(f['mask_inside'])} | {fmt(n['agreement'])} | "
                     f"{n['betas_min']:+.1f}..{n['betas_max']:+.1f} | {f['betas_min']:+.1f}..{f['betas_max']:+.1f} | "
                     f"{n['height_cm']:.0f} | {f['height_cm']:.0f} | {r['seconds_network']:.2f} | "
                     f"{r['seconds_refine']:.2f} |")
    if fitted:
        def mean(fit: str, key: str) -> float:
            return float(np.nanmean([r[fit][key] for r in fitted]))

        lines.append(f"| **mean over {len(fitted)} people** | | {mean('network', 'pck'):.2f} | "
                     f"{mean('refined', 'pck'):.2f} | {mean('network', 'mask_iou'):.2f} | "
                     f"{mean('refined', 'mask_iou'):.2f} | {mean('network', 'mask_inside'):.2f} | "
                     f"{mean('refined', 'mask_inside'):.2f} | {mean('network', 'agreement'):.2f} | "
                     f"{min(r['network']['betas_min'] for r in fitted):+.1f}.."
                     f"{max(r['network']['betas_max'] for r in fitted):+.1f} | "
                     f"{min(r['refined']['betas_min'] for r in fitted):+.1f}.."
                     f"{max(r['refined']['betas_max'] for r in fitted):+.1f} | "
                     f"{mean('network', 'height_cm'):.0f} | {mean('refined', 'height_cm'):.0f} | "
                     f"{np.mean([r['seconds_network'] for r in fitted]):.2f} | "
                     f"{np.mean([r['seconds_refine'] for r in fitted]):.2f} |")
    return "\n".join(lines) + "\n"


def picture_name(stem: str, person: int, taken: set[str]) -> str:
    """The picture of a photo's `person` (from 1): STEM, STEM_person2, ...; with _2, _3 added to a name another
    picture of the run has (x_person2.jpg beside x.jpg's second person), kept in `taken` (lower case: one file on a
    case-insensitive disk)."""
    name = stem if person == 1 else f"{stem}_person{person}"
    base, k = name, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name


def main(argv: list[str] | None = None) -> int:
    from cli.out_arg import out_folder_and_photos, out_path, write_tables
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--out", type=out_path, default=Path("docs/real_fits"))
    ap.add_argument("--max-people", type=whole_number(1), default=3, help="people per photo, largest first")
    a = ap.parse_args(argv)
    readable, status = out_folder_and_photos(a.out, a.photos)  # (each photo read again by predict_each)
    if status:
        return status
    from inference.render.context import configure_gl

    configure_gl()
    from inference.body_measure import measure
    from inference.crop import uncrop_parts
    from inference.detect.draw import draw_people
    from inference.fit_quality import assess
    from inference.pipeline import PredictionError, Predictor
    from inference.render.overlay import mesh_overlay, parts_overlay
    from inference.render.renderer import MeshRenderer

    pred = Predictor(detect="on", refine=True)
    body = pred.body_model
    renderer = MeshRenderer(body.faces, body.weights)
    rows, taken, failed = [], set(), []
    for path, label, stem in readable:
        try:
            # people counted from 1, as everywhere a user reads them (README "People and exit status")
            for person, p in enumerate(pred.predict_each(path, a.max_people), start=1):
                n_people = len(p.people)
                # refinement that kept the network's fit (the pose check) leaves no separate network answer
                net_params = p.network_params if p.network_params is not None else p.params
                network = body.mesh(net_params)
                picture = f"{picture_name(stem, person, taken)}.png"
                row = {"photo": label, "person": person, "people": n_people, "picture": picture,
                       "seconds_network": p.timings.total - p.timings.refine, "seconds_refine": p.timings.refine}
                for name, params, mesh in (("network", net_params, network), ("refined", p.params, p.mesh)):
                    q = assess(p, params, mesh)
                    row[name] = {"pck": q.pck, "mask_iou": q.mask_iou, "mask_inside": q.mask_inside,
                                 "agreement": q.agreement,
                                 "betas_min": float(np.min(params.betas)), "betas_max": float(np.max(params.betas)),
                                 "height_cm": measure(body, params.betas).height_m * 100}
                full_parts = uncrop_parts(p.parts, p.crop, p.image.shape, photo=p.image)  # as the app shows it
                x0, y0, x1, y1 = person_view(p.people[p.person].box, p.image.shape)
                photo_tiles = [draw_people(p.image, p.people, fitted=p.person, set_aside=p.set_aside),
                               parts_overlay(p.image, full_parts),
                               mesh_overlay(renderer, p, vertices=network.vertices), mesh_overlay(renderer, p)]
                # (mesh_overlay draws a photo over 1024 px on a smaller copy: back to the photo's size before the
                # person's view is cut out in photo pixels)
                h, w = p.image.shape[:2]
                photo_tiles = [t if t.shape[:2] == (h, w) else cv2.resize(t, (w, h)) for t in photo_tiles]
                photo_tiles = [cv2.resize(t[y0:y1, x0:x1], (max(1, int((x1 - x0) * TILE / (y1 - y0))), TILE),
                                          interpolation=cv2.INTER_AREA) for t in photo_tiles]
                labels = ("detected", "parts", f"network PCK {fmt(row['network']['pck'])} "
                          f"IoU {fmt(row['network']['mask_iou'])}",
                          f"refined PCK {fmt(row['refined']['pck'])} IoU {fmt(row['refined']['mask_iou'])}")
                tiles = [_label(t, s) for t, s in zip(photo_tiles, labels)]
                for name, mesh in (("network", network), ("refined", p.mesh)):
                    front, side = _mesh_views(renderer, mesh.vertices)
                    tiles += [_label(front, f"{name}, front"), _label(side, f"{name}, side")]
                if not cv2.imwrite(str(a.out / picture), np.concatenate(tiles, 1)[..., ::-1]):
                    failed.append(picture)  # (cv2 says only False: a full disk, a file made read-only meanwhile)
                    print(f"error: cannot write {a.out / picture}", file=sys.stderr)
                rows.append(row)
                print(json.dumps(row))
        except PredictionError as exc:
            print(f"{label}: {exc}")
            rows.append({"photo": label, "result": str(exc)})
    table = results_markdown(rows)
    if write_tables(a.out, "results", rows, table):
        return 1
    print(table, end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
