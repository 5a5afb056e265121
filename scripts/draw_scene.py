"""Draw a scene of people (NAME_scene.glb from `predict --all-people` or the app's Export > Everyone fitted):
the bodies rendered through the scene's own camera over the photo (each in the app's colour of its person,
nearer bodies over farther ones), and beside it the view from above (the camera at the bottom, depth upwards)
that shows where the scene puts each person.

    python scripts/draw_scene.py out/vtest_0600_scene.glb data/photos_opencv/vtest_0600.png --out scene.png

The depth is NBF's: every body has the mean size, so a person half as tall in the photo stands twice as far
(inference/scene.py); the distances themselves belong to NBF's long crop camera, not to the real street.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.colors import PERSON_COLORS  # noqa: E402
from inference.image_io import load_image  # noqa: E402
from inference.scene import PhotoScene, load_scene  # noqa: E402


def overlay(scene: PhotoScene, photo: np.ndarray, renderer, alpha: float = 0.8) -> np.ndarray:
    """The bodies through the scene camera over the photo (H, W, 3) uint8, z-composited per pixel."""
    from inference.render.cameras import PinholeCamera

    h, w = photo.shape[:2]
    cam = PinholeCamera(scene.focal, w, h)
    out = photo.astype(np.float32)
    zbuf = np.full((h, w), np.inf, np.float32)
    for k, v in enumerate(scene.vertices):
        rgba, depth = renderer.shaded(v, cam, np.array(PERSON_COLORS[k % len(PERSON_COLORS)]) / 255.0,
                                      with_depth=True)
        near = (depth > 0) & (depth < zbuf)
        a = rgba[..., 3:4].astype(np.float32) / 255.0 * alpha
        out = np.where(near[..., None], out * (1 - a) + rgba[..., :3] * a, out)
        zbuf = np.where(near, depth, zbuf)
    return np.clip(out, 0, 255).astype(np.uint8)


def from_above(scene: PhotoScene, size: int) -> np.ndarray:
    """(size, size, 3) uint8: each body's vertices seen from above (x across, depth up), the camera at the
    bottom centre with the photo's field of view drawn as two lines."""
    img = np.full((size, size, 3), 255, np.uint8)
    pts = [np.stack([v[:, 0], -v[:, 2]], 1) for v in scene.vertices]
    far = max(float(p[:, 1].max()) for p in pts) * 1.1
    half_fov = np.arctan(scene.width / (2 * scene.focal))
    span = max(far * np.tan(half_fov), max(float(np.abs(p[:, 0]).max()) for p in pts)) * 1.1
    k = (size - 40) / max(far, 2 * span)

    def px(x, d):
        return np.stack([size / 2 + x * k, size - 20 - d * k], -1).astype(np.int32)

    cam = tuple(int(c) for c in px(np.array(0.0), np.array(0.0)))
    for sign in (-1, 1):
        end = tuple(int(c) for c in px(np.array(sign * far * np.tan(half_fov)), np.array(far)))
        cv2.line(img, cam, end, (170, 170, 170), 1, cv2.LINE_AA)
    cv2.circle(img, cam, 5, (0, 0, 0), -1)
    for k_, p in enumerate(pts):
        color = tuple(int(c) for c in PERSON_COLORS[k_ % len(PERSON_COLORS)])
        for q in px(p[::7, 0], p[::7, 1]):
            cv2.circle(img, (int(q[0]), int(q[1])), 1, color, -1)
        centre = px(p[:, 0].mean(), p[:, 1].mean())
        cv2.putText(img, f"{k_ + 1}", (int(centre[0]) + 8, int(centre[1])), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (0, 0, 0), 2, cv2.LINE_AA)
    cv2.putText(img, f"from above: camera at the bottom, {far / 1.1:.0f} m deep", (10, 22),
                cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scene", type=Path, help="a NAME_scene.glb")
    ap.add_argument("photo", type=Path, help="the photo it was fitted to")
    ap.add_argument("--out", type=Path, required=True, help="the picture to write (.png)")
    args = ap.parse_args()
    from inference.render.context import configure_gl

    configure_gl()
    from inference.body_model import BodyModel
    from inference.render.renderer import MeshRenderer

    scene = load_scene(args.scene)
    photo = load_image(args.photo)
    if photo.shape[:2] != (scene.height, scene.width):
        print(f"error: {args.photo.name} is {photo.shape[1]} x {photo.shape[0]}, the scene's photo "
              f"{scene.width} x {scene.height}", file=sys.stderr)
        return 2
    body = BodyModel()
    renderer = MeshRenderer(scene.faces, body.weights)
    try:
        left = overlay(scene, photo, renderer)
    finally:
        renderer.close()
    right = from_above(scene, left.shape[0])
    cv2.imwrite(str(args.out), np.concatenate([left, right], 1)[..., ::-1])
    print(f"{args.out}: {len(scene.names)} people, focal {scene.focal:.0f} px, "
          + ", ".join(f"{n} at {-float(v[:, 2].mean()):.1f} m" for n, v in zip(scene.names, scene.vertices)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
