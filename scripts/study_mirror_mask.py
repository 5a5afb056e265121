"""Study (stop 51, not shipped): the mirror's second look also averaging each person's silhouette with the mirrored
pass's, patched into the detector, then any `main.py` command run with it.

    OMP_NUM_THREADS=1 python scripts/study_mirror_mask.py evaluate data/synth_tune2 --baseline-limit 0 \
        --refine-limit 100 --out X
    OMP_NUM_THREADS=1 python main.py evaluate data/synth_tune2 --baseline-limit 0 --refine-limit 100 --out Y  # shipped

The mirrored silhouette is cleaned as the person's own was (`own_silhouette`, `near_keypoints`) and the two are
averaged; the box and the keypoints stay the second look's. Measured on the 200 tuning people: photo-frame mIoU 0.734
-> 0.735 (per case +0.0016 +- 0.0004), PA-MPJPE from predicted parts 72.1 -> 71.9 mm (-0.12 +- 0.31), refined (cases
0-99) 71.0 -> 70.6 mm (-0.43 +- 0.53); not shipped: too small a gain to carry through every crowd, wallpaper and photo
measure this stop (docs/real_photos.md, "How it works", 4).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inference.openmp import shorten_openmp_spin  # noqa: E402

shorten_openmp_spin()  # as the app and the CLI do (cli.main.main)

import numpy as np  # noqa: E402

import inference.detect.blazepose as bp  # noqa: E402
from inference.detect import Person  # noqa: E402
from inference.types import Silhouette  # noqa: E402

_shipped = bp.PersonDetector.second_look


def second_look_with_mask(self: bp.PersonDetector, person: Person) -> Person:
    """`PersonDetector.second_look`, the silhouette averaged with the mirrored pass's too."""
    out = _shipped(self, person)
    look = (self._looks or {}).get(id(person))
    if out is person or look is None or person.mask is None:
        return out
    _, image, roi, _ = look
    x = roi.sample(image, bp.LM_SIZE)[:, ::-1].astype(np.float32) / 255.0
    res = self.landmarker(np.ascontiguousarray(x))
    seg = bp.sigmoid(res[bp.LM_SIZE * bp.LM_SIZE].reshape(bp.LM_SIZE, bp.LM_SIZE))[:, ::-1].astype(np.float32)
    mask = bp.warped_mask(np.ascontiguousarray(seg), roi, image.shape[:2])
    mask = bp.near_keypoints(bp.own_silhouette(mask, person.keypoints, roi), person.keypoints, roi)
    return Person(box=out.box, score=out.score, keypoints=out.keypoints,
                  mask=Silhouette.of(0.5 * (person.mask.full() + mask.full())), world=out.world)


def main(argv: list[str]) -> int:
    bp.PersonDetector.second_look = second_look_with_mask
    from cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
