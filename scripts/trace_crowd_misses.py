"""Where the person detector loses the people it misses in synthetic crowds: each missed person traced through
the search (every landmark result, then merging, then the nested-people rule) and put under the stage that lost
them (docs/crowds.md, "Where the remaining misses are lost").

    python main.py synth-crowd --out data/crowds_tune2 --n 60 --seed 20191
    python scripts/trace_crowd_misses.py data/crowds_tune2 [--limit N] [--out FILE.md]

A missed person is one >= 60 px tall and at least half visible that no detection matches (scripts/eval_crowds.py's
rule: IoU >= 0.5 with their visible or frame-clipped whole box). A landmark result is "on" them when its hip
centre lies within ON_PERSON x their height of theirs. Stages, first that applies:
  no peak        never found, and no proposer peak within ON_PERSON x their height of their hips
  peak, no person  never found although a peak lies on their hips (its ROIs rejected, or landing on a neighbour)
  doubted        found by a landmark pass, refused by the witnesses of a low score (no proposer heat on their
                 hips, and a mirror image that disagrees or a part map that does not follow the skeleton:
                 PersonDetector.person_at, Predictor.people)
  refused        found by a landmark pass, not taken by the search (size floors, a face or head already taken,
                 or a skeleton the landmark model doubts that the part map does not vouch for strictly)
  merged         taken, then merged into another detection of "the same person"
  nested         taken, then dropped as nested in a larger person
  box            kept, but its box overlaps theirs by less than half and matches nobody
  neighbour      kept, and its box went to a neighbour it overlaps more
This is a study: it wraps the detector's functions for the run (the detector itself keeps no trace).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ON_PERSON = 0.15
MIN_HEIGHT = 60
MIN_VISIBLE = 0.5
STAGES = ("no peak", "peak, no person", "doubted", "refused", "merged", "nested", "box", "neighbour")


def hips_of(kp: np.ndarray) -> np.ndarray:
    """(2,) hip centre of BlazePose keypoints (33, 3)."""
    return np.asarray(kp, np.float32)[[23, 24], :2].mean(0)


def stage_of(on: list, taken: list, merged: list, kept: list, matched_other: bool, peak_near: bool,
             doubted: bool = False) -> str:
    """The stage that lost a person, from the landmark results on them (`on`, Person objects) and which of those
    the search took, merging kept, and the nested rule kept; `matched_other`: a kept result on them was matched
    to a neighbour; `doubted`: a result on them was refused by the second witness."""
    ids = lambda ps: {id(p) for p in ps}  # noqa: E731
    mine = ids(on)
    if not mine:
        return "doubted" if doubted else "peak, no person" if peak_near else "no peak"
    if mine & ids(kept):
        return "neighbour" if matched_other else "box"
    if mine & ids(merged):
        return "nested"
    if mine & ids(taken):
        return "merged"
    return "refused"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a crowd folder (main.py synth-crowd)")
    ap.add_argument("--limit", type=int, default=0, help="first N frames only")
    ap.add_argument("--out", type=Path, default=None, help="write the table here (markdown)")
    args = ap.parse_args(argv)

    from inference.render.context import configure_gl

    configure_gl()
    import torch

    import inference.detect.blazepose as bp
    import inference.detect.search as search
    from inference.detect.merging import same_look
    from inference.pipeline import Predictor
    from training.synth.crowd import frame_indices, match_people, read_frame

    torch.set_num_threads(1)
    frames = frame_indices(args.data)[: args.limit or None]
    if not frames:
        print(f"error: no crowd frames in {args.data}", file=sys.stderr)
        return 2
    pred = Predictor(detect="on")
    det = pred.detector
    if det is None:
        print("error: the person detector is not installed (requirements-detect.txt)", file=sys.stderr)
        return 2

    log: dict[str, list] = {}
    landmark_pass, merge, nest = det.person_at, search.merge_people, search.drop_nested

    def traced_person_at(image, roi, score, witness=None, parts=None, presence_min=bp.PRESENCE_MIN, look=True):
        p = landmark_pass(image, roi, score, witness, parts, presence_min, look)
        if p is not None:
            log["results"].append(p)
        elif score < bp.WITNESS_SCORE and presence_min >= bp.PRESENCE_MIN:
            # refused by the second witness? (the same passes at a sure score)
            sure = landmark_pass(image, roi, 1.0)
            if sure is not None:
                log["doubted"].append(sure)
        return p

    def traced_merge(people, *rest):
        log["taken"] = list(people)
        log["merged"] = merge(people, *rest)
        return log["merged"]

    def traced_nest(people, *rest):
        log["kept"] = nest(people, *rest)
        return log["kept"]

    det.person_at, search.merge_people, search.drop_nested = traced_person_at, traced_merge, traced_nest
    counts: Counter = Counter()
    lines = []
    try:
        for i in frames:
            f = read_frame(args.data, i)
            P = f.people
            log.update(results=[], taken=[], merged=[], kept=[], doubted=[])
            det.forget()
            people = pred.people(f.image)  # as scripts/eval_crowds.py finds them (the part map as third witness)
            m = match_people(P, f.image.shape, np.array([p.box for p in people], np.float32).reshape(-1, 4))
            peaks = det.proposer.propose(f.image) if det.proposer is not None else []
            for g in range(len(f)):
                if P["height"][g] < MIN_HEIGHT or P["visible"][g] < MIN_VISIBLE or (m == g).any():
                    continue
                gh, h = P["lsp2d"][g][[2, 3], :2].mean(0), float(P["height"][g])
                on = [p for p in log["results"] if np.hypot(*(hips_of(p.keypoints) - gh)) < ON_PERSON * h]
                kept_on = [k for k, p in enumerate(people) if any(same_look(p, q) for q in on)]
                matched_other = any(m[k] >= 0 for k in kept_on)
                peak_near = any(np.hypot(*(q.hips - gh)) < ON_PERSON * h for q in peaks)
                doubted = any(np.hypot(*(hips_of(p.keypoints) - gh)) < ON_PERSON * h for p in log["doubted"])
                stage = stage_of(on, log["taken"], log["merged"], log["kept"], matched_other, peak_near, doubted)
                counts[stage] += 1
                lines.append(f"frame {i} person {g} ({h:.0f} px, {P['visible'][g]:.0%} visible): {stage}")
                print(lines[-1], flush=True)
    finally:  # the method again, not a bound copy left on the shared detector (it would hide a patch of the class)
        del det.person_at
        search.merge_people, search.drop_nested = merge, nest
    total = sum(counts.values())
    table = ["| where the person is lost | people |", "|---|---|"]
    table += [f"| {s} | {counts[s]} |" for s in STAGES] + [f"| **all missed** | **{total}** |"]
    text = (f"# Missed people of {args.data} by stage ({len(frames)} frames)\n\n"
            f"`python scripts/trace_crowd_misses.py {' '.join(argv if argv is not None else sys.argv[1:])}`\n\n"
            + "\n".join(table) + "\n\n" + "\n".join(f"- {x}" for x in lines) + "\n")
    print("\n".join(table))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
