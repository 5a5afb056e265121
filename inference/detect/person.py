"""A person found in a photo (`Person`: box, score, 33 BlazePose keypoints, silhouette, 3D landmarks) and the
names and orders of those keypoints (BlazePose's 33, the LSP joints the networks read)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import joints
from ..boxes import in_photo
from ..types import Silhouette

MIN_BOX_PX = 8  # a box drawn around a person (`Predictor.predict_box`, the app's Shift+drag): photo px on each side

# BlazePose's 33 landmarks (the subject's own left and right).
LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index")
# each landmark's side of the body as its name says: "left", "right", or "mid" (the nose and the mouth's corners,
# named mouth_left and mouth_right, lie on the face's middle)
LANDMARK_SIDE = tuple(n.split("_")[0] if n.startswith(("left_", "right_")) else "mid" for n in LANDMARK_NAMES)
HEAD_LANDMARKS = tuple(range(11))  # nose, eyes, ears, mouth
# landmarks the rules read by name, left first (index an array with list(SHOULDERS): a tuple alone indexes its
# dimensions)
NOSE = 0
EARS = (7, 8)
SHOULDERS = (11, 12)
WRISTS = (15, 16)
HIPS = (23, 24)
KNEES = (25, 26)
FEET = (27, 28, 29, 30, 31, 32)  # ankles, heels, toes
# LSP order: R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder, L shoulder, L elbow,
# L wrist (neck = mid-shoulders is added by Person.lsp13).
LSP_FROM_BLAZEPOSE = (28, 26, 24, 23, 25, 27, 16, 14, 12, 11, 13, 15)
LSP_NAMES = joints.LSP_NAMES[:13]  # the detector gives no head top


def torso_length(keypoints: np.ndarray) -> float:
    """Mid-shoulders to mid-hips in the keypoints' units (BlazePose keypoints (33, 2+), e.g. `Person.keypoints`)."""
    kp = np.asarray(keypoints)
    (ls, rs), (lh, rh) = SHOULDERS, HIPS
    return float(np.linalg.norm((kp[ls, :2] + kp[rs, :2]) / 2 - (kp[lh, :2] + kp[rh, :2]) / 2))


@dataclass(frozen=True, eq=False)
class Person:
    """One detected person.

    box (4,) float32 x0, y0, x1, y1 in image pixels (clipped to the image); score in [0, 1] (the person
    detector's); keypoints (33, 3) float32 x, y, visibility in image pixels, BlazePose order (they may lie
    outside the image for body parts cut off by its border, with low visibility); mask, the person's
    silhouette on the image (person probabilities in [0, 1], kept as the window that holds them: a
    `inference.types.Silhouette`), or None; world (33, 3) float32 the landmark model's
    3D landmarks in metres, origin between the hips, x right and y down along the image's axes, z away from
    the camera, or None; boxed: found in a box the user drew (`PersonDetector.person_in_box`, score 1.0 by the
    user's word), not by the search.
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray
    mask: Silhouette | None = None
    world: np.ndarray | None = None
    boxed: bool = False

    def score_text(self) -> str:
        """'detector score 0.95', or 'in a box you drew' for a person the search did not find."""
        return "in a box you drew" if self.boxed else f"detector score {float(self.score):.2f}"

    @property
    def area(self) -> float:
        return float(max(self.box[2] - self.box[0], 0) * max(self.box[3] - self.box[1], 0))

    def edges(self, image_shape: tuple[int, ...]) -> tuple[str, ...]:
        """The edges of the image ("left", "top", "right", "bottom") the box touches, within a pixel: where the
        photo may cut the person off."""
        h, w = image_shape[:2]
        x0, y0, x1, y1 = (float(v) for v in self.box)
        return tuple(s for s, hit in (("left", x0 <= 1), ("top", y0 <= 1), ("right", x1 >= w - 1),
                                      ("bottom", y1 >= h - 1)) if hit)

    def lsp13(self, image_shape: tuple[int, ...] | None = None) -> np.ndarray:
        """(13, 3) float32 LSP-order joints x, y, confidence in image pixels; neck = mid-shoulders with the
        smaller of the two shoulder confidences.  With image_shape (H, W, ...), joints outside the image
        (`boxes.in_photo`: 0 <= x < W, 0 <= y < H) get confidence 0."""
        kp = np.asarray(self.keypoints, np.float32)
        out = np.zeros((13, 3), np.float32)
        out[:12] = kp[list(LSP_FROM_BLAZEPOSE)]
        ls, rs = SHOULDERS
        out[12, :2] = (kp[ls, :2] + kp[rs, :2]) / 2
        out[12, 2] = min(kp[ls, 2], kp[rs, 2])
        if image_shape is not None:
            out[~in_photo(out[:, :2], image_shape), 2] = 0.0
        return out
