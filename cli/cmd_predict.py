"""`predict`: run the two-stage model on images; per image write the part map, overlays, mesh and parameters."""
from __future__ import annotations

from pathlib import Path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def add_arguments(p, name: str) -> None:
    p.add_argument("images", nargs="+", type=Path, help="image files or folders of images")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--refine", action="store_true", help="test-time refinement (seconds per image)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")
    p.add_argument("--mesh-formats", default="obj,glb", help="comma list of obj, ply, glb")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument("--detect", default="auto", choices=("auto", "on", "off"),
                   help="person detector (auto: use it when its runtime is installed; off: whole image is the crop)")
    p.add_argument("--person", type=int, default=0, help="which detected person to fit (0: the largest)")
    p.add_argument("--all-people", action="store_true", help="fit every detected person (outputs _p1, _p2, ...)")


def expand(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
        else:
            out.append(p)
    return out


def run(args) -> int:
    from inference.gl import configure_gl

    configure_gl()
    import cv2
    from tqdm import tqdm

    from inference.body_model import BodyModel, BodyModelError
    from inference.export import export_mesh, save_params
    from inference.overlay import mesh_overlay, parts_overlay
    from inference.parts import colorize
    from inference.pipeline import PredictionError, Predictor
    from inference.render import Renderer

    try:
        body = BodyModel(args.body_model)
        pred = Predictor(body_model=body, device=args.device, refine=args.refine, detect=args.detect)
    except (BodyModelError, PredictionError) as exc:
        print(f"error: {exc}")
        return 2
    for w in pred.warnings:
        print(f"warning: {w}")
    renderer = Renderer(body.faces, body.weights, 256)
    args.out.mkdir(parents=True, exist_ok=True)
    images = expand(args.images)
    failed = 0
    jobs = [(path, args.person, "") for path in images]
    for path, person, tag in tqdm(jobs, desc="predict", unit="image", disable=len(jobs) < 2):
        stem = args.out / (path.stem + tag)
        try:
            p = pred.predict(path, person=person)
        except PredictionError as exc:
            tqdm.write(f"{path}: {exc}")
            failed += 1
            continue
        if args.all_people and not tag and len(p.people) > 1:  # queue the others
            jobs += [(path, k, f"_p{k + 1}") for k in range(len(p.people)) if k != person]
        if p.people:
            from inference.detect.draw import draw_people

            png_people = draw_people(p.image, p.people)
        try:
            def png(suffix, rgb):
                ok, buf = cv2.imencode(".png", rgb[..., ::-1])
                from inference.export import atomic_write

                atomic_write(str(stem) + suffix, buf.tobytes(), args.overwrite)

            png("_parts.png", colorize(p.parts.labels))
            if p.people:
                png("_people.png", png_people)
            png("_parts_overlay.png", parts_overlay(p.crop_image, p.parts.labels))
            png("_overlay.png", mesh_overlay(renderer, p))
            for fmt in args.mesh_formats.split(","):
                export_mesh(str(stem) + "." + fmt.strip(), p.mesh.vertices, p.mesh.faces, overwrite=args.overwrite)
            for suffix in (".npz", ".json", "_body.pkl"):
                save_params(str(stem) + suffix, p.params, p.camera.focal, p.camera.size, body.name, args.overwrite)
        except FileExistsError as exc:
            tqdm.write(f"{path}: output exists ({exc}); use --overwrite")
            failed += 1
            continue
        t = p.timings
        tqdm.write(f"{path.name}: segment {t.segment * 1000:.0f} ms, fit {t.fit * 1000:.0f} ms, "
                   f"total {t.total * 1000:.0f} ms -> {stem}_*")
    print(f"{len(images) - failed}/{len(images)} images done, outputs in {args.out}")
    return 1 if failed else 0
