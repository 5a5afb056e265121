"""Real photos: detect, crop, segment, fit (with and without refinement) and measure how well the
rendered mesh silhouette overlaps the detected person's mask (IoU), with a picture per photo.

    python scripts/eval_real_photos.py resources/photos/*.jpg --out docs/real_fits
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def silhouette(renderer, pred, vertices, shape) -> np.ndarray:
    """Mesh silhouette (H, W) bool on the original image through the predicted camera."""
    from inference.overlay import image_camera

    h, w = shape[:2]
    renderer.resize(w, h)
    f, c = image_camera(pred)
    renderer.set_crop_camera(f, center=c)
    return renderer.render_shaded(vertices)[..., 3] > 0


def _view(people, shape, margin: float = 0.15) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) around every detected person, with a margin, inside the image: the
    figure zooms in on small people instead of showing the whole frame."""
    h, w = shape[:2]
    boxes = np.array([q.box for q in people], np.float32)
    x0, y0 = boxes[:, :2].min(0)
    x1, y1 = boxes[:, 2:].max(0)
    m = margin * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = max(0, int(x0 - m)), max(0, int(y0 - m)), min(w, int(x1 + m + 1)), min(h, int(y1 + m + 1))
    return (x0, y0, x1, y1) if x1 - x0 >= 8 and y1 - y0 >= 8 else (0, 0, w, h)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("docs/real_fits"))
    a = ap.parse_args()
    from inference.gl import configure_gl

    configure_gl()
    from inference.crop import uncrop_labels
    from inference.detect.draw import draw_people
    from inference.overlay import mesh_overlay, parts_overlay
    from inference.pipeline import PredictionError, Predictor
    from inference.refine import refine_fit
    from inference.render import Renderer

    pred = Predictor(detect="on")
    body = pred.body_model
    r = Renderer(body.faces, body.weights, 256)
    a.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in a.photos:
        try:
            p = pred.predict(path)
        except PredictionError as exc:
            print(f"{path.name}: {exc}")
            rows.append({"photo": path.name, "result": str(exc)})
            continue
        if p.person < 0:
            print(f"{path.name}: no person detected")
            rows.append({"photo": path.name, "result": "no person detected"})
            continue
        person = p.people[p.person]
        mask = person.mask > 0.5 if person.mask is not None else None
        from inference.detect.nbf import crop_inputs

        j2d, conf, mcrop = crop_inputs(person, p.crop, p.image.shape)
        refined = refine_fit(body, p.params, p.parts, p.camera.focal, p.camera.size, joints2d=j2d, conf=conf,
                             silhouette=None if mcrop is None else mcrop > 0.5,
                             photo_area=p.crop.photo_area(p.image.shape))
        v_ref = body.mesh(refined).vertices
        row = {"photo": path.name, "people": len(p.people), "seconds_network": p.timings.total}
        for name, v in (("network", p.mesh.vertices), ("refined", v_ref)):
            sil = silhouette(r, p, v, p.image.shape)
            if mask is not None:
                row[f"iou_{name}"] = float((sil & mask).sum() / max(1, (sil | mask).sum()))
        full_parts = uncrop_labels(p.parts.labels, p.crop, p.image.shape)
        tiles = [draw_people(p.image, p.people), parts_overlay(p.image, full_parts),
                 mesh_overlay(r, p), mesh_overlay(r, p, vertices=v_ref)]
        x0, y0, x1, y1 = _view(p.people, p.image.shape)
        h = 360
        tiles = [cv2.resize(t[y0:y1, x0:x1], (int((x1 - x0) * h / (y1 - y0)), h), interpolation=cv2.INTER_AREA)
                 for t in tiles]
        for t, label in zip(tiles, ("detected", "parts", "network", "refined")):
            cv2.putText(t, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
        cv2.imwrite(str(a.out / f"{path.stem}.png"), np.concatenate(tiles, 1)[..., ::-1])
        rows.append(row)
        print(json.dumps(row))
    (a.out / "results.json").write_text(json.dumps(rows, indent=1))
    lines = ["| photo | people | mask IoU, network | mask IoU, refined |", "|---|---|---|---|"]
    for row in rows:
        if "iou_network" in row:
            lines.append(f"| {row['photo']} | {row['people']} | {row['iou_network']:.2f} | {row['iou_refined']:.2f} |")
        else:
            lines.append(f"| {row['photo']} | - | {row.get('result', 'no mask')} | |")
    (a.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
