"""Study (stop 50, measured and dropped): the fitted body's own part map as a prior for the segmentation.

The body model's labels drawn from the fitted mesh (network fit, and refined fit) are consistent with the detector's
keypoints and with each other; could they fix the network's part map (left/right, limb courses)? Per case, scored
against the exact photo-frame map (mIoU over the set, as `main.py evaluate` reports it):
  net           the shipped photo-frame map (`uncrop_parts`)
  render_*      the part labels of the network's / refined mesh drawn through the photo's camera
  fuse_*_EPS    the network's probabilities warped into the photo x the drawn labels softened by EPS (one-hot
                x (1 - EPS) + EPS / 13, background at least 0.5), argmax, inside the shipped map's outline

    python main.py synth --out data/synth_tune2 --n 200 --seed 4244 --split test
    OMP_NUM_THREADS=1 python scripts/study_render_fusion.py data/synth_tune2 --n 40
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--n", type=int, default=40, help="first N cases (0: all)")
    a = ap.parse_args(argv)
    from inference.render.context import configure_gl

    configure_gl()
    import torch

    from inference.body_model import BodyModel
    from inference.crop import uncrop_parts, warp_probs
    from inference.datasets import list_cases, read_case
    from inference.metrics import IoUAccumulator
    from inference.pipeline import Predictor
    from inference.render.cameras import PinholeCamera
    from inference.render.overlay import image_camera
    from inference.render.renderer import MeshRenderer

    torch.set_num_threads(1)
    body = BodyModel()
    pred = Predictor(detect="auto", refine=True)
    renderer = MeshRenderer(body.faces, body.weights)
    names = ("net", "render_net", "render_ref", "fuse_net_0.1", "fuse_ref_0.3", "fuse_ref_0.1", "fuse_ref_0.03")
    acc = {k: IoUAccumulator(13) for k in names}
    for cid in list_cases(a.data, "test")[: a.n or None]:
        case = read_case(a.data, cid, body)
        p = pred.predict_case(case.image)
        shipped = uncrop_parts(p.parts, p.crop, case.image.shape)
        acc["net"].update(shipped, case.labels)
        probs = p.parts.network_probs if p.parts.network_probs is not None else p.parts.probs
        warped = warp_probs(probs, p.crop, case.image.shape)  # (H, W, 13)
        f, centre = image_camera(p)
        h, w = case.image.shape[:2]
        meshes = {"net": p.network_mesh if p.network_mesh is not None else p.mesh, "ref": p.mesh}
        for which, mesh in meshes.items():
            drawn = renderer.labels(mesh.vertices, PinholeCamera(f, w, h, centre))
            acc[f"render_{which}"].update(drawn, case.labels)
            for eps in ((0.1,) if which == "net" else (0.3, 0.1, 0.03)):
                prior = np.eye(13, dtype=np.float32)[drawn] * (1 - eps) + eps / 13
                prior[..., 0] = np.maximum(prior[..., 0], 0.5)  # the body's outline does not decide the background
                fused = (warped * prior).argmax(-1).astype(np.uint8)
                fused[shipped == 0] = 0  # the shipped outline
                acc[f"fuse_{which}_{eps:g}"].update(fused, case.labels)
    for k, v in acc.items():
        print(f"{k}: mIoU {v.mean():.4f}; per class " + " ".join(f"{x:.3f}" for x in v.per_class()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
