"""The input photo's own camera, derived from the network's crop camera and the crop.

The networks see a square crop (`types.Crop`): continuous crop coordinate p (pixel i's centre at
i + 0.5) shows the photo at `offset + p / scale`. The crop camera (`types.Camera`: focal f px, principal
point at the crop centre S/2, OpenGL frame, see inference/geometry.py) projects a camera-frame point
(x, y, z), depth d = -z, to crop (S/2 + f x/d, S/2 - f y/d) and so to the photo pixel

    u = c_x + F x/d,   v = c_y - F y/d,   F = f / scale,   c = offset + (S/2) / scale,

a pinhole with focal F and its principal point at the crop centre c in the photo (S, f of the camera,
scale per camera pixel). The photo camera keeps F and puts the principal point at the photo's centre
(W/2, H/2), as UP-3D's `_body.pkl` does; the difference delta = c - (W/2, H/2) becomes a shift of the body
(as 4D-Humans' `cam_crop_to_full`):

    transl_photo = transl + (delta_x d0 / F, -delta_y d0 / F, 0),

d0 the depth of the body's root (pelvis) joint. Every point at depth d0 then projects exactly where the
crop projection maps it in the photo; a point at depth d lands delta (d0/d - 1) from it (a pinhole
cannot move its principal point by a rigid motion). With NBF's far camera (f = 5000 px on 256) a body
spans about +-1 % of its depth, so that is under 1 px for delta < 100 photo px and about 1 % of delta
further out: the mesh sits on the person wherever the crop was.

`project_to_photo` is the one pinhole projection of camera-frame points to photo pixels (the crop camera's
focal and centre above, the photo camera's, a scene's), NaN for points at or behind the camera.
`PhotoCamera.project` is the photo camera; `photo_camera` builds it for a body, with the body's 24 SMPL
joints and 14 LSP joints projected into the photo (LSP order and the SMPL joints and vertex they come
from in `inference/joints.py`, as in the project's UP-3D-layout data).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .joints import LSP_FROM_SMPL, head_top_vertex
from .types import BodyMesh, BodyParams, Camera, Crop


@dataclass(frozen=True)
class PhotoCamera:
    """Pinhole camera of the input photo (OpenGL frame, as the crop camera) and the body seen by it.

    focal (pixels of the photo), width, height (photo pixels), principal point at (width/2, height/2);
    transl (3,) float64: the body's translation in this camera (OpenGL, metres), in place of the crop
    camera's `crop_transl` (3,); crop_focal, crop_size: the crop camera. joints2d (24, 2) and lsp2d (14, 2):
    the body's SMPL and LSP joints projected into the photo (pixels, x right, y down, origin at the
    top-left corner of the top-left pixel), or None (not asked for, or a joint at or behind the camera).
    crop_box (4,) float64 x0, y0, x1, y1: the square the networks read in photo pixels (it may reach beyond the
    photo; `NAME_parts_crop.png` is this square), or None.
    """

    focal: float
    width: int
    height: int
    transl: np.ndarray
    crop_transl: np.ndarray
    crop_focal: float
    crop_size: int
    joints2d: np.ndarray | None = None
    lsp2d: np.ndarray | None = None
    crop_box: np.ndarray | None = None

    @property
    def principal_point(self) -> np.ndarray:
        """(2,) float64 (cx, cy) = the photo's centre."""
        return np.array([self.width / 2.0, self.height / 2.0])

    def project(self, points: np.ndarray) -> np.ndarray:
        """Points (..., 3) posed in the crop camera frame (with the params' transl) -> photo pixels (..., 2);
        NaN for a point at or behind the camera (`project_to_photo`)."""
        shift = np.asarray(self.transl, np.float64) - np.asarray(self.crop_transl, np.float64)
        return project_to_photo(np.asarray(points, np.float64) + shift, self.focal, self.principal_point)


def project_to_photo(points: np.ndarray, focal: float, centre) -> np.ndarray:
    """Points (..., 3) in an OpenGL camera frame (looking down -z, y up) -> photo pixels (..., 2) float64
    (x right, y down) through a pinhole of focal `focal` px and principal point `centre` (2,) px:
    u = cx + f x/d, v = cy - f y/d, depth d = -z.

    A point at or behind the camera (d <= 0) is nowhere in the photo: (NaN, NaN), never the mirrored point a
    negative depth gives nor the infinity of a zero one. Callers that need finite numbers drop those points
    (`np.isfinite`)."""
    p = np.asarray(points, np.float64)
    d = -p[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(d > 0, float(focal) / d, np.nan)
    c = np.asarray(centre, np.float64)
    return np.stack([c[0] + k * p[..., 0], c[1] - k * p[..., 1]], -1)


def photo_focal_and_centre(crop: Crop, camera: Camera) -> tuple[float, np.ndarray]:
    """(F, c): the crop camera seen in the photo, focal F (photo pixels) and principal point c (2,) float64 px.
    The one rule for where the crop camera sits on the photo: camera pixel q is crop pixel q * crop.size /
    camera.size (a camera of another size than the crop it was read at), photo pixel offset + that / crop.scale."""
    k = crop.size / (camera.size * crop.scale)  # photo pixels per camera pixel
    return float(camera.focal) * k, np.asarray(crop.offset, np.float64) + camera.size / 2.0 * k


def photo_camera(params: BodyParams, mesh: BodyMesh, crop: Crop, camera: Camera,
                 image_shape: tuple[int, ...], body_model=None) -> PhotoCamera:
    """The photo camera for a body posed in the crop camera (see the module docstring).

    params, mesh: the body (mesh = body_model.mesh(params), crop camera frame); crop, camera: where the
    crop sits in the photo and the crop camera; image_shape (H, W, ...). With `body_model` the joints
    are projected into the photo (joints2d (24, 2), lsp2d (14, 2); the LSP head top needs its vertices).
    """
    h, w = int(image_shape[0]), int(image_shape[1])
    F, c = photo_focal_and_centre(crop, camera)
    delta = c - np.array([w / 2.0, h / 2.0])
    d0 = -float(mesh.joints[0, 2])  # root (pelvis) depth
    transl = np.asarray(params.transl, np.float64)
    x0, y0 = (float(v) for v in crop.offset)
    box = np.array([x0, y0, x0 + crop.size / crop.scale, y0 + crop.size / crop.scale], np.float64)
    cam = PhotoCamera(F, w, h, transl + np.array([delta[0] * d0 / F, -delta[1] * d0 / F, 0.0]), transl.copy(),
                      float(camera.focal), int(camera.size), crop_box=box)
    if body_model is None:
        return cam
    j2d = cam.project(mesh.joints)
    top = cam.project(mesh.vertices[head_top_vertex(body_model)])
    lsp = np.concatenate([j2d[list(LSP_FROM_SMPL)], top[None]])
    if not (np.isfinite(j2d).all() and np.isfinite(lsp).all()):
        # a body reaching to or behind the camera has joints nowhere in the photo: a parameter file holds finite
        # joints or none (its reader refuses NaN)
        return cam
    return PhotoCamera(cam.focal, w, h, cam.transl, cam.crop_transl, cam.crop_focal, cam.crop_size, j2d, lsp, box)


def photo_camera_for(prediction, params: BodyParams | None = None, mesh: BodyMesh | None = None,
                     body_model=None) -> PhotoCamera:
    """`photo_camera` for a Prediction (its crop, camera and image), for its own body or an edited one
    (params and mesh, both or neither)."""
    return photo_camera(params if params is not None else prediction.params,
                        mesh if mesh is not None else prediction.mesh,
                        prediction.crop, prediction.camera, prediction.image.shape, body_model)
