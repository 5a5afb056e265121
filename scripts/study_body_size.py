"""The body's size: what the size component (`inference.refine.SIZE_BETA`) does to the body, what the fitting
network makes of it on synthetic people with known shapes and on real photos, and what the mean size costs in
root-aligned error.

    OMP_NUM_THREADS=1 python scripts/study_body_size.py --synth data/synth_tune2 \\
        --photos resources/photos/*.jpg resources/photos/camera.png data/photos_opencv/*.png

Prints:
- the component's effect: height of the rest body at +2 of it against the mean, and the PA-MPJPE between the two
  (how much of it a scale-free measure, or a photo, can see);
- on a synthetic folder (`main.py synth`, each case run as `main.py evaluate` runs it): the true and the
  network's mean of the component, their correlation, and MPJPE / PA-MPJPE / PVE of the network's fit as it is
  and with the component at the mean (0), with the per-case difference (mean +- standard error);
- on photos: the network's component and body height for every person found (`predict --all-people`'s people).
Findings: docs/real_photos.md, "The body's size".
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def at_mean_size(betas: np.ndarray) -> np.ndarray:
    """(10,) betas with the size component at the mean body's."""
    from inference.refine import SIZE_BETA

    out = np.array(betas, np.float32, copy=True)
    out[SIZE_BETA] = 0.0
    return out


def size_effect(body, step: float = 2.0) -> tuple[float, float, float]:
    """(height cm of the mean rest body, of the rest body at +step of the size component, PA-MPJPE mm between the
    two bodies' joints)."""
    from inference.body_measure import measure
    from inference.metrics import pa_mpjpe
    from inference.refine import SIZE_BETA

    b = np.zeros(10, np.float32)
    b[SIZE_BETA] = step
    rest = [body.rest_joints(betas) for betas in (np.zeros(10, np.float32), b)]
    return (measure(body, np.zeros(10)).height_m * 100, measure(body, b).height_m * 100,
            float(pa_mpjpe(rest[1][None], rest[0][None])[0] * 1000))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--synth", type=Path, help="a synthetic folder (main.py synth)")
    ap.add_argument("--limit", type=int, default=0, help="first N test cases only")
    ap.add_argument("--photos", nargs="*", type=Path, default=[])
    args = ap.parse_args(argv)
    import torch

    from inference.body_measure import measure
    from inference.metrics import body_errors_mm
    from inference.refine import SIZE_BETA
    from training.evaluate import detecting_predictor

    torch.set_num_threads(1)
    pred = detecting_predictor("detect")
    body = pred.body_model
    h0, h2, pa = size_effect(body)
    print(f"size component (beta {SIZE_BETA + 1}): the rest body {h0:.1f} cm tall at 0, {h2:.1f} cm at +2; "
          f"PA-MPJPE between the two {pa:.1f} mm")
    if args.synth is not None:
        from inference.datasets import list_cases, read_case

        truth, net, errs = [], [], []
        for cid in list_cases(args.synth, "test")[: args.limit or None]:
            case = read_case(args.synth, cid, body)
            p = pred.predict_case(case.image).params
            gt = body.mesh(case.params)
            truth.append(float(case.params.betas[SIZE_BETA]))
            net.append(float(p.betas[SIZE_BETA]))
            e0 = body_errors_mm(body.mesh(p), gt)
            e1 = body_errors_mm(body.mesh(p.with_(betas=at_mean_size(p.betas))), gt)
            errs.append([[e0.mpjpe, e0.pa_mpjpe, e0.pve], [e1.mpjpe, e1.pa_mpjpe, e1.pve]])
        t, n, e = np.array(truth), np.array(net), np.array(errs)
        print(f"{args.synth}: {len(t)} people; size component true mean {t.mean():+.2f} (sd {t.std():.2f}), "
              f"network {n.mean():+.2f} (sd {n.std():.2f}), correlation {np.corrcoef(t, n)[0, 1]:.2f}")
        for k, name in enumerate(("MPJPE", "PA-MPJPE", "PVE")):
            d = e[:, 1, k] - e[:, 0, k]
            print(f"  {name}: network {e[:, 0, k].mean():.1f} mm, at the mean size {e[:, 1, k].mean():.1f} "
                  f"({d.mean():+.2f} +- {d.std(ddof=1) / np.sqrt(len(d)):.2f})")
    if args.photos:
        from inference.image_io import readable_images
        from inference.pipeline import PredictionError

        sizes, heights = [], []
        for path, rgb in readable_images(args.photos, []):
            try:  # every person the photo's search finds, until one cannot be fitted
                for person, p in enumerate(pred.predict_each(rgb)):
                    sizes.append(float(p.params.betas[SIZE_BETA]))
                    heights.append(measure(body, p.params.betas).height_m * 100)
                    print(f"  {path.name} person {person + 1}: size component {sizes[-1]:+.2f}, "
                          f"{heights[-1]:.0f} cm")
            except PredictionError:
                pass
        if sizes:
            print(f"photos: {len(sizes)} people; size component mean {np.mean(sizes):+.2f} "
                  f"({min(sizes):+.2f}..{max(sizes):+.2f}), height {np.mean(heights):.0f} cm "
                  f"({min(heights):.0f}..{max(heights):.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
