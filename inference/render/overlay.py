"""Pictures of a prediction: the mesh drawn over the original photo through the predicted camera,
and the part map blended over the image; `blend`, the one alpha blend every picture uses."""
from __future__ import annotations

import cv2
import numpy as np

from ..parts import colorize
from ..photo_camera import photo_focal_and_centre
from ..types import Prediction
from .cameras import PinholeCamera


def blend(under: np.ndarray, over: np.ndarray, alpha) -> np.ndarray:
    """`over` laid on `under` with opacity `alpha` (0..1, broadcast: a scalar or (H, W, 1)), as floats
    in numpy's promoted dtype (so a run of blends rounds once, in `to_uint8`)."""
    return under * (1 - alpha) + over * alpha


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A float image (0..255), any shape (e.g. (H, W, 3)), rounded to uint8 of the same shape (halves up,
    out-of-range values clipped)."""
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def blend_rgba(under: np.ndarray, rgba: np.ndarray, opacity: float = 1.0) -> np.ndarray:
    """An RGBA image (H, W, 4) uint8 laid on `under` (H, W, 3) (an image, a colour or a grey level) by
    its alpha times `opacity`; uint8 (H, W, 3)."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    if opacity != 1.0:
        a = a * opacity
    return to_uint8(blend(under, rgba[..., :3], a))


def image_camera(pred: Prediction, scale: float = 1.0) -> tuple[float, tuple[float, float]]:
    """Focal length and principal point (x, y) (px) of the crop camera on the original image resized by `scale`
    (the display copy, the overlay's size): `photo_focal_and_centre`, the one rule, scaled. Rendering the
    camera-frame mesh with them at that size puts the body onto the photo."""
    f, centre = photo_focal_and_centre(pred.crop, pred.camera)
    return float(f * scale), (float(centre[0] * scale), float(centre[1] * scale))


def mesh_overlay(renderer, pred: Prediction, max_side: int = 1024, alpha: float = 0.85,
                 vertices: np.ndarray | None = None) -> np.ndarray:
    """The shaded mesh over the photo (h, w, 3) uint8, the photo downscaled so its long side <= max_side.

    `renderer`: a long-lived inference.render.renderer.MeshRenderer of the body's topology; `vertices` (V, 3) metres
    in the crop camera's frame: the mesh to draw in place of `pred.mesh.vertices`."""
    img = pred.image
    s = min(1.0, max_side / max(img.shape[:2]))
    if s < 1:
        img = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    f, centre = image_camera(pred, s)
    rgba = renderer.shaded(pred.mesh.vertices if vertices is None else vertices, PinholeCamera(f, w, h, centre))
    return blend_rgba(img, rgba, alpha)


def parts_overlay(image: np.ndarray, labels: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """Part colours blended over an image (H, W, 3) uint8; labels (h, w) are resized (nearest) to it."""
    lab = labels if labels.shape[:2] == image.shape[:2] else cv2.resize(
        labels, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    out = np.array(image, np.uint8, copy=True)
    # blended by OpenCV within the labels' bounding box only: a person in a 48-megapixel photo takes a fraction of
    # a second, where float arrays over them took seconds
    x, y, w, h = cv2.boundingRect((lab > 0).astype(np.uint8))
    if w and h:
        win, part = out[y:y + h, x:x + w], lab[y:y + h, x:x + w]
        mixed = cv2.addWeighted(np.ascontiguousarray(win), 1.0 - opacity, colorize(part), opacity, 0.0)
        np.copyto(win, mixed, where=(part > 0)[..., None])
    return out
