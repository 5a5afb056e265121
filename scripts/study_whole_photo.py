"""A last resort for the person detector, measured and not shipped: the whole photo as the landmark model's ROI
when faces, tiles and the proposer find nobody (docs/real_photos.md, "Measured and not shipped (stop 33)").

    OMP_NUM_THREADS=1 python scripts/study_whole_photo.py data/synth_tune2 --limit 200
    OMP_NUM_THREADS=1 python scripts/study_whole_photo.py --free data/photos_wallpapers/* data/photos_opencv/nobody/*

On a synthetic folder: for each test image in which `Predictor.people` finds nobody, the landmark model on the
whole image (`PersonDetector.person_at`, scored DET_MIN_SCORE so the witnesses of a doubtful person apply, the
part map as third witness) and the fraction of its 33 landmarks it sees (visibility > 0.5); for each person
found on them (hip centre within 0.15 of the body's height of the true one's), PA-MPJPE of the network's
fit without keypoints (what ships), with the found person's keypoints, and with their sides checked against the
keypoint-free fit (`refine.resolve_left_right`; mirrored when that agrees better).
With --free (photos without people): the photos where the last resort would add a person, with their seen
fraction. This is a study: the detector itself is not changed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MIN_SEEN = 2 / 3   # the seen fraction asked of a person found this way (the cartoon faces of the wallpapers: <= 0.58)
ON_PERSON = 0.15


def whole_photo_person(pred, image: np.ndarray):
    """(the person the landmark model finds with the whole image as its ROI and the witnesses of a doubtful
    person, or None; the fraction of the 33 landmarks it sees)."""
    from inference.detect.blazepose_model import DET_MIN_SCORE
    from inference.detect.roi import Roi

    h, w = image.shape[:2]
    p = pred.detector.person_at(image, Roi(w / 2, h / 2, float(max(w, h))), DET_MIN_SCORE, None, pred.parts_follow)
    return p, (float(np.mean(np.asarray(p.keypoints)[:, 2] > 0.5)) if p is not None else 0.0)


def synthetic(pred, data: Path, limit: int) -> None:
    from _study import synth_cases

    from inference.crop import crop_for_box
    from inference.datasets import read_case
    from inference.detect import Person
    from inference.detect.blazepose_model import MIRROR
    from inference.detect.person_inputs import crop_inputs, world_bones
    from inference.metrics import body_errors_mm
    from inference.refine import refine_fit, resolve_left_right

    body = pred.body_model
    ids = synth_cases(data, limit, split="test")
    missed, found, rows = 0, 0, []
    for cid in ids:
        case = read_case(data, cid, body)
        image = case.image
        if case.lsp is None or pred.people(image):  # (no ground-truth joints: whether it is the person is unknown)
            continue
        missed += 1
        person, seen = whole_photo_person(pred, image)
        if person is None or seen < MIN_SEEN:
            print(f"{cid}: nobody (seen {seen:.2f})", flush=True)
            continue
        height = float(np.ptp(case.lsp[:, 1]))
        if np.hypot(*(person.keypoints[[23, 24], :2].mean(0) - case.lsp[[2, 3], :2].mean(0))) > ON_PERSON * height:
            print(f"{cid}: a person off the true one", flush=True)
            continue
        found += 1
        frame = crop_for_box(None, image.shape, pred.size)
        gt = body.mesh(case.params)
        plain = pred.predict(image, crop=frame, require_person=False)
        j, c, _ = crop_inputs(person, plain.crop, image.shape)
        swapped = resolve_left_right(body, plain.params, pred.focal, pred.size, j, c)[2]
        other = Person(person.box, person.score, person.keypoints[MIRROR], person.mask,
                       None if person.world is None else person.world[MIRROR]) if swapped else person
        fits = [plain, pred.predict(image, crop=frame, found=person), pred.predict(image, crop=frame, found=other)]
        checked = fits[2]
        j2, c2, mask = crop_inputs(other, checked.crop, image.shape)
        refined = refine_fit(body, checked.params, checked.parts, pred.focal, pred.size, joints2d=j2, conf=c2,
                             silhouette=None if mask is None else mask > 0.5,
                             photo_area=checked.crop.photo_area(image.shape), bones=world_bones(other))
        errors = [body_errors_mm(body.mesh(p), gt).pa_mpjpe for p in (*(f.params for f in fits), refined)]
        rows.append((*errors, swapped))
        note = " (sides swapped)" if swapped else ""
        print(f"{cid}: PA-MPJPE {errors[0]:.0f} / {errors[1]:.0f} / {errors[2]:.0f} / refined {errors[3]:.0f} mm{note}",
              flush=True)
    r = np.array(rows, np.float64).reshape(-1, 5)
    print(f"\n{len(ids)} images, nobody found in {missed}; the whole photo finds {found} of them")
    if found:
        print(f"PA-MPJPE of the network on those {found}: without keypoints {r[:, 0].mean():.1f} mm, with the found "
              f"keypoints {r[:, 1].mean():.1f}, with their sides checked {r[:, 2].mean():.1f} "
              f"({int(r[:, 4].sum())} swapped), that refined {r[:, 3].mean():.1f}")


def free(pred, paths: list[Path]) -> None:
    from inference.image_io import readable_images

    added = kept = 0
    unreadable: list[str] = []
    for path, image in readable_images(paths, unreadable):
        if pred.people(image):
            continue
        person, seen = whole_photo_person(pred, image)
        if person is not None:
            added += 1
            kept += seen >= MIN_SEEN
            print(f"{path.name}: a person, seen {seen:.2f}{'' if seen >= MIN_SEEN else ' (refused)'}", flush=True)
    for message in unreadable:  # (each names its file)
        print(message)
    print(f"\n{len(paths)} photos; the whole photo adds a person to {added}, "
          f"{kept} of them with seen >= {MIN_SEEN:.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, nargs="?", help="a synthetic folder (main.py synth)")
    ap.add_argument("--limit", type=int, default=0, help="first N test cases only")
    ap.add_argument("--free", type=Path, nargs="+", default=None, help="photos without people")
    args = ap.parse_args(argv)
    from _study import study_predictor

    pred = study_predictor(detect="on")
    if pred.detector is None:
        print("error: the person detector is not installed (requirements-detect.txt)", file=sys.stderr)
        return 2
    if args.free:
        free(pred, args.free)
    elif args.data is not None:
        synthetic(pred, args.data, args.limit)
    else:
        ap.error("give a synthetic folder or --free PHOTOS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
