"""People whose face the frame cuts off: each person cut just below the shoulders, and whether `predict` still
takes them as a person (issue 13, "people cut by the edge of the photo"; docs/crowds.md, "A person whose face the
frame cuts off").

    OMP_NUM_THREADS=1 python scripts/study_cut_people.py data/synth_test --limit 100
    OMP_NUM_THREADS=1 python scripts/study_cut_people.py --photos data/photos_people/* resources/photos/*.jpg

Synthetic folder (renders with ground-truth joints, `main.py synth`): each render whose ankles lie inside the frame
is cut 0.1 torso below its shoulders (ground truth), the square below the cut centred on the hips taken and resized
to the render's size (a pre-cropped image, as users crop one), and counted by the route that takes it: the search
(`Predictor.people`), the square rule on the part map read without keypoints (`undetected_person`), the skeleton
rule (`FRAME_SKELETON_CONFIDENCE`), or none ("no person found").
--photos (real photos): the search's default person, when it sees both shoulders and hips, is cut 0.15 torso below
the shoulders (the photo's full width kept, not square); counted are the cut photos in which the search finds a
person whose hips lie within half a torso of the uncut person's, or the photo is still taken as one person.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cut_render(image: np.ndarray, lsp: np.ndarray) -> np.ndarray | None:
    """The (S, S, 3) render cut 0.1 torso below the shoulders, as a square below the cut centred on the hips and
    resized to S; lsp (14, 3) the LSP ground truth (x, y, visible; `Case.lsp`). None when the ankles leave the frame
    or the square would be under 96 px."""
    size = image.shape[0]
    shoulders, hips = lsp[[8, 9], 1].max(), lsp[[2, 3], 1].mean()
    y0 = int(shoulders + 0.1 * (hips - shoulders))
    side = size - y0
    if side < 96 or lsp[[0, 5], 1].max() > size:
        return None
    x0 = int(np.clip(lsp[[2, 3], 0].mean() - side / 2, 0, image.shape[1] - side))
    return cv2.resize(np.ascontiguousarray(image[y0:, x0:x0 + side]), (size, size), interpolation=cv2.INTER_LINEAR)


def route(pred, rgb: np.ndarray) -> str:
    """Which route takes the image as a person: "search", "square", "skeleton" or "none"."""
    from inference.crop import apply_crop, crop_for_box
    from inference.person_evidence import undetected_person

    if pred.people(rgb):
        return "search"
    # the whole image as the crop, read without keypoints, as `predict` reads a photo the search finds nobody in
    whole = pred.segment(apply_crop(rgb, crop_for_box(None, rgb.shape, pred.size)))
    if undetected_person(rgb.shape, whole):
        return "square"
    return "skeleton" if pred.one_person_image(rgb, whole) else "none"


def renders(pred, folder: Path, limit: int) -> dict[str, int]:
    from _study import synth_cases

    from inference.datasets import read_case

    counts = {"search": 0, "square": 0, "skeleton": 0, "none": 0}
    for cid in synth_cases(folder, limit):
        case = read_case(folder, cid)
        cut = None if case.lsp is None else cut_render(case.image, case.lsp)
        if cut is None:
            continue
        r = route(pred, np.ascontiguousarray(cut))
        counts[r] += 1
        if r == "none":
            print(f"{cid}: no person found", flush=True)
    return counts


def photos(pred, paths: list[Path]) -> dict[str, int]:
    from inference.image_io import readable_images

    counts = {"cut": 0, "found": 0}
    for path, rgb in readable_images(paths, []):
        people = pred.people(rgb)
        if not people:
            continue
        kp = people[0].keypoints
        if not (kp[[11, 12, 23, 24], 2] > 0.5).all():
            continue
        shoulders, hips = max(kp[11, 1], kp[12, 1]), (kp[23, 1] + kp[24, 1]) / 2
        torso, hip_x = hips - shoulders, (kp[23, 0] + kp[24, 0]) / 2
        y = int(shoulders + 0.15 * torso)
        cut = np.ascontiguousarray(rgb[y:])
        same = [q for q in pred.people(cut) if abs((q.keypoints[23, 0] + q.keypoints[24, 0]) / 2 - hip_x) < torso / 2]
        found = bool(same) or pred.person_without_detection(cut)
        counts["cut"] += 1
        counts["found"] += found
        print(f"{path.name}: cut at y={y}, {'found' if found else 'no person found'}", flush=True)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, help="a synthetic folder (main.py synth)")
    ap.add_argument("--limit", type=int, default=0, help="the first N renders (0: all)")
    ap.add_argument("--photos", nargs="+", type=Path, default=[], help="real photos instead")
    args = ap.parse_args(argv)
    if (args.folder is None) == (not args.photos):
        ap.error("give a synthetic folder or --photos")
    from inference.pipeline import Predictor

    pred = Predictor(detect="on")
    counts = photos(pred, args.photos) if args.photos else renders(pred, args.folder, args.limit)
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
