"""Which witness let each found person in, and what the selfie segmenter makes of them: true and false people.

    OMP_NUM_THREADS=1 python scripts/study_witnesses.py --crowds data/crowds_tune2 > tune2.jsonl
    OMP_NUM_THREADS=1 python scripts/study_witnesses.py data/photos_wallpapers/* data/photos_opencv/nobody/*

One JSON line per person `Predictor.people` finds (the app's search, witnesses as shipped), with:
- `path`: how the search let them in: `score` (detector or proposer score >= WITNESS_SCORE, no witness asked),
  `heat` (the proposer's heat at their hips vouched), `mirror` (the mirror test, the part witness and, on wide
  photos, the selfie witness);
- `score`, `px` (box height), `heat` (the proposer's heatmap within half a torso of the hips);
- `parts`: the part witness's keypoint-part agreement (`Predictor.part_agreement`; `parts_follow` asks
  PART_WITNESS_MIN of it);
- `selfie`: `selfie.person_share` (the witness of `PersonDetector.looks_like_person`), `wide` whether the photo is
  large enough for the wide-shot search (where that witness is asked);
- with `--crowds`: `true` (matched to a ground-truth person, `training.synth.crowd.match_people`) and the matched
  person's full height `gt_px` and `visible` share; without it every person of a person-free photo is false.
Findings: docs/crowds.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="*", type=Path)
    ap.add_argument("--crowds", type=Path, default=None, help="a crowd folder (main.py synth-crowd) instead")
    ap.add_argument("--limit", type=int, default=0, help="first N crowd frames only")
    args = ap.parse_args(argv)
    import torch

    from inference.detect import blazepose as bp
    from inference.detect import search, shared_detector
    from inference.detect.blazepose_model import DET_SIZE
    from inference.detect.merging import same_look
    from inference.detect.selfie import person_share
    from inference.pipeline import Predictor

    torch.set_num_threads(1)
    pred = Predictor(detect="on")
    det = shared_detector()
    found: list[tuple] = []  # (Person, path) of every person person_at returned
    person_at = bp.PersonDetector.person_at

    def record(self, image, roi, score, witness=None, parts=None, presence_min=bp.PRESENCE_MIN, look=True):
        said = []

        def asked(person):
            said.append(bool(witness(person)))
            return said[-1]

        p = person_at(self, image, roi, score, asked if witness is not None else None, parts, presence_min, look)
        if p is not None:
            path = "score" if score >= bp.WITNESS_SCORE else ("heat" if said and said[-1] else "mirror")
            found.append((p, path))
        return p

    def rows(rgb: np.ndarray, name: str, match=None):
        found.clear()
        det.forget()  # a photo the shared detector has seen is answered from its cache, past `record`
        people = pred.people(rgb)
        wide = max(rgb.shape[:2]) >= 2 * DET_SIZE
        maps = det.proposer.maps(rgb) if wide and det.proposer is not None and people else None
        m = match(people) if match is not None else None
        for k, p in enumerate(people):
            paths = [path for q, path in found if same_look(p, q)]
            parts = float(pred.part_agreement(rgb, p))
            row = {"photo": name, "path": paths[-1] if paths else "?", "score": round(float(p.score), 3),
                   "px": round(float(p.box[3] - p.box[1])), "wide": bool(wide),
                   "heat": round(search.hip_heat(det.proposer, maps, p), 3) if maps is not None else None,
                   "selfie": round(person_share(det.selfie, rgb, p.box, p.mask), 3) if det.selfie is not None else None,
                   "parts": round(parts, 3) if np.isfinite(parts) else None}
            if m is not None:
                row.update(m(k))
            print(json.dumps(row), flush=True)

    bp.PersonDetector.person_at = record
    try:
        run(args, rows)
    finally:
        bp.PersonDetector.person_at = person_at
    return 0


def run(args, rows) -> None:
    """`rows(rgb, name[, match])` for each crowd frame (with its ground-truth matching) or each readable photo."""
    from inference.image_io import readable_images

    if args.crowds is not None:
        from training.synth.crowd import frame_indices, match_people, read_frame

        for i in frame_indices(args.crowds)[: args.limit or None]:
            f = read_frame(args.crowds, i)
            P = f.people

            def match(people, P=P, shape=f.image.shape):
                m = match_people(P, shape, np.array([p.box for p in people], np.float32).reshape(-1, 4))
                return lambda k: ({"true": True, "gt_px": round(float(P["height"][m[k]])),
                                   "visible": round(float(P["visible"][m[k]]), 2)} if m[k] >= 0 else {"true": False})

            rows(f.image, f"frame_{i:05d}", match)
        return
    skipped: list[str] = []
    for path, rgb in readable_images(args.photos, skipped):
        rows(rgb, path.name)
    for line in skipped:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
