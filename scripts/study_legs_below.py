"""People whose whole body runs past the bottom edge of a synthetic crowd frame: refined PA-MPJPE with and without
the refinement's rule for legs the photo does not show (`inference.refine.legs_outside_photo`: a trusted
network's legs stood up straight), against each person's own 3D joints; the network's own fit beside them.

    OMP_NUM_THREADS=1 python scripts/study_legs_below.py data/crowds_test     # about 5 minutes on 2 cores

Prints one line per person (frame, detection, ground-truth index, whether the rule applies) and the means.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="a crowd folder (main.py synth-crowd)")
    ap.add_argument("--limit", type=int, default=0, help="first N frames only")
    args = ap.parse_args(argv)

    from inference.render.context import configure_gl

    configure_gl()
    import numpy as np
    import torch

    import inference.refine as refine
    from inference.metrics import pa_mpjpe
    from inference.pipeline import PredictionError, Predictor
    from training.synth.crowd import frame_indices, match_people, read_frame

    torch.set_num_threads(1)
    rule = refine.legs_outside_photo
    pred = Predictor(detect="on", refine=True)
    rows = []
    for i in frame_indices(args.data)[: args.limit or None]:
        f = read_frame(args.data, i)
        P, height = f.people, f.image.shape[0]
        people = pred.people(f.image)
        m = match_people(P, f.image.shape, np.array([p.box for p in people], np.float32).reshape(-1, 4))
        for k in range(len(people)):
            g = int(m[k])
            if g < 0 or P["full_box"][g][3] <= height:
                continue
            res, fired = {}, []

            def spy(joints2d, conf, photo_area, fired=fired):
                fired.append(rule(joints2d, conf, photo_area))
                return fired[-1]

            try:
                for name, fn in (("with", spy), ("without", lambda *a: False)):
                    refine.legs_outside_photo = fn
                    out = pred.predict(f.image, person=k)
                    res[name] = float(pa_mpjpe(out.mesh.joints[None], P["joints3d"][g][None])[0]) * 1000
                    net = out.network_mesh if out.network_mesh is not None else out.mesh
                    res["network"] = float(pa_mpjpe(net.joints[None], P["joints3d"][g][None])[0]) * 1000
            except PredictionError:
                continue
            finally:
                refine.legs_outside_photo = rule
            res["applies"] = bool(fired and fired[0])
            rows.append(res)
            print(f"frame {i} person {k} (truth {g}): rule {'applies' if res['applies'] else 'does not apply'}; "
                  f"network {res['network']:.1f}, refined without {res['without']:.1f}, with {res['with']:.1f} mm",
                  flush=True)
    if not rows:
        print("no person found whose body runs past the bottom edge")
        return 0
    hit = [r for r in rows if r["applies"]]

    def mean(rs, key):
        return float(np.mean([r[key] for r in rs])) if rs else float("nan")

    print(f"people past the bottom edge, found and fitted: {len(rows)}; the rule applies to {len(hit)}")
    print(f"where it applies: network {mean(hit, 'network'):.1f}, refined without {mean(hit, 'without'):.1f}, "
          f"with {mean(hit, 'with'):.1f} mm")
    print(f"all of them: refined without {mean(rows, 'without'):.1f}, with {mean(rows, 'with'):.1f} mm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
