"""Contact sheets of the synthetic generator: 32 RGB samples with their part maps, and 48 sampled poses.

    python scripts/make_contact_sheet.py --seed 3 --out docs/pictures
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("docs/pictures"))
    a = ap.parse_args()
    from inference.render.context import configure_gl

    configure_gl()
    from inference.body_model import BodyModel
    from inference.parts import colorize
    from inference.render.cameras import OrbitCamera, orbit_pose
    from inference.render.renderer import MeshRenderer
    from inference.types import BodyParams
    from training.synth.generator import SampleRenderer
    from training.synth.pose_prior import PosePrior

    body = BodyModel()
    sr = SampleRenderer(body)
    tiles = []
    for i in range(32):
        s = sr.render(a.seed, i)
        tiles.append(np.concatenate([s.image, colorize(s.labels)], 0))
    rows = [np.concatenate(tiles[k:k + 8], 1) for k in range(0, 32, 8)]
    a.out.mkdir(parents=True, exist_ok=True)
    sheet = np.concatenate(rows, 0)
    cv2.imwrite(str(a.out / "synth_contact_sheet.png"), cv2.resize(sheet, None, fx=0.5, fy=0.5,
                                                                   interpolation=cv2.INTER_AREA)[..., ::-1])
    # poses alone, seen from the front (global heading removed), labelled by activity
    r = MeshRenderer(body.faces, body.weights)
    poses, acts = PosePrior().sample(48, np.random.default_rng(a.seed))
    tiles = []
    for p, act in zip(poses, acts):
        p = p.copy()
        p[:3] = 0
        m = body.mesh(BodyParams.from_pose(p, np.zeros(10)))
        camera = OrbitCamera(orbit_pose(0.4, 0.15, 3.6, m.vertices.mean(0)), 160, 160, yfov=0.65)
        im = r.shaded(m.vertices, camera)[..., :3].copy()
        im[np.all(im == 0, axis=2)] = 255
        cv2.putText(im, act, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(im)
    rows = [np.concatenate(tiles[k:k + 12], 1) for k in range(0, 48, 12)]
    cv2.imwrite(str(a.out / "pose_prior_sheet.png"), np.concatenate(rows, 0)[..., ::-1])
    print(f"wrote {a.out / 'synth_contact_sheet.png'} and {a.out / 'pose_prior_sheet.png'}")


if __name__ == "__main__":
    main()
