"""Which people does the animal check turn away, and how far from it are the people it keeps?

    OMP_NUM_THREADS=1 python scripts/study_animals.py data/photos_people/* data/photos_opencv/*.png \\
        data/photos_opencv/*.jpg resources/photos/*.jpg resources/photos/camera.png      # real people
    OMP_NUM_THREADS=1 python scripts/study_animals.py data/photos_wallpapers/* data/photos_textures/* \\
        data/photos_opencv/nobody/* data/photos_animals/*                                 # photos without people
    OMP_NUM_THREADS=1 python scripts/study_animals.py data/crowds_test/*_image.png          # synthetic crowds

Runs the app's search (`Predictor.people`, as `predict` and the app find people) on each photo and records every
check the detector asks of `inference/detect/animals.py` (since stop 65 every person the search settled on; a
doubtful one, scored under WITNESS_SCORE, before): one line per check with the photo, the detector's score, the
box height, the share of the classifier's probability on ImageNet's land mammals (`mammal`, the share the check
reads) and on all its 398 animal classes (`animal`) for the person's silhouette, its top class, whether the person
was turned away, and the check's time (`ms`: the square and the classifier's pass). With `--all`, also the
land-mammal share of every person kept (the same shares as the checks since stop 65). Last, the totals: photos
with a person, people kept, checks and their median time, people turned away, and the largest share among the people
kept. `--mirror` reads each photo's mirror image; `--flipped` adds each check's share for its square mirrored (a check
averaged over both would be mirror-symmetric). Findings: docs/crowds.md, "Animals taken for people", "Every person
checked for animals" and "The mirror image of a photo".
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--all", action="store_true", help="also the land-mammal share of every person kept")
    ap.add_argument("--mirror", action="store_true", help="each photo's mirror image instead")
    ap.add_argument("--flipped", action="store_true",
                    help="also the share of the check's square mirrored (`flipped`), which the check does not read")
    args = ap.parse_args(argv)

    from inference.detect import shared_detector
    from inference.detect.animals import LAND_MAMMALS
    from inference.image_io import readable_images
    from inference.pipeline import Predictor

    pred = Predictor(detect="on")
    check = shared_detector().animals
    if check is None:
        raise SystemExit("the detector runs without the animal check (resources/weights/imagenet_lite0.pt missing)")
    calls: list[dict] = []
    is_animal = check.is_animal  # the class's, bound

    def recorded(image: np.ndarray, person) -> bool:
        t0 = time.perf_counter()
        square = check.look(image, person)
        prob = check.probabilities(square)
        ms = 1000 * (time.perf_counter() - t0)
        share = float(prob[list(LAND_MAMMALS)].sum())
        calls.append({"score": round(float(person.score), 3), "px": round(float(person.box[3] - person.box[1])),
                      "mammal": round(share, 3), "animal": round(float(prob[:398].sum()), 3), "top": int(prob.argmax()),
                      "box": [round(float(v)) for v in person.box], "ms": round(ms, 1)})
        if args.flipped:
            calls[-1]["flipped"] = round(float(check.probabilities(square[:, ::-1])[list(LAND_MAMMALS)].sum()), 3)
        verdict = is_animal(image, person)
        calls[-1]["turned_away"] = verdict
        return verdict

    check.is_animal = recorded  # this process's detector only, until the end of main()
    skipped: list[str] = []
    read = photos = people_kept = 0
    checks: list[dict] = []
    kept_shares: list[float] = []
    try:
        for path, rgb in readable_images(args.photos, skipped):
            if args.mirror:
                rgb = np.ascontiguousarray(rgb[:, ::-1])
            calls.clear()
            read += 1
            shared_detector().forget()  # a photo seen before in this process would come from the cache, unchecked
            people = pred.people(rgb)
            photos += bool(people)
            people_kept += len(people)
            for c in calls:
                print(json.dumps({"photo": path.name, **c}), flush=True)
            checks += calls
            kept_shares += [c["mammal"] for c in calls if not c["turned_away"]]  # every person kept (stop 65)
            if args.all:
                for i, p in enumerate(people):
                    share = check.animal_share(rgb, p)
                    print(json.dumps({"photo": path.name, "kept": i, "score": round(float(p.score), 3),
                                      "px": round(float(p.box[3] - p.box[1])), "mammal": round(share, 3)}), flush=True)
    finally:
        del check.is_animal  # the class's method again
    away = sum(c["turned_away"] for c in checks)
    largest = max(kept_shares) if kept_shares else float("nan")
    ms = float(np.median([c["ms"] for c in checks])) if checks else float("nan")
    print(f"{photos} of {read} photos with a person, {people_kept} people kept; {len(checks)} people "
          f"checked ({ms:.0f} ms median per check), {away} turned away as animals; largest land-mammal share among "
          f"the people kept: {largest:.3f}")
    for line in skipped:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
