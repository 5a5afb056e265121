"""How much to trust one fit: numbers a user can read, from the prediction alone (numpy + OpenCV, no Qt).

For the fitted person of a Prediction (the detector's Person, when there is one):

* keypoint-part agreement (inference.metrics.keypoint_part_agreement): the fraction of the detector's
  confident keypoints inside the photo (`photo_keypoints`) that land on their own part of the predicted part map
  (and the left/right swaps), the keypoints scripts/eval_real_parts.py counts;
* PCK: the fraction of the fitted body's 13 LSP joints (SMPL joints projected through the predicted
  camera into the photo) within half the torso length (mid-shoulders to mid-hips) of the detected ones;
* mask IoU: the fitted mesh's silhouette in the photo against the detector's person mask (or, without a
  mask, against the predicted parts);
* the detector's score, and warnings (person cut by the photo's border, small person, no person found,
  uncertain part map).

The verdict: 'bad' when any number is under its low bound, 'good' when every available one is over its
high bound and the detector saw at least MIN_SEEN_JOINTS of the 13 joints, 'doubtful' between; 'unknown' with no
number at all. Where the fit and the detector's 3D landmarks face opposite ways (FACING_LIMIT_DEG), the keypoint
numbers leave the verdict, which is then doubtful at best. The bounds (`BOUNDS`) are set so
that the bundled photos with a visibly right fit read good and a fit of the wrong person or pose bad.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .boxes import in_photo, smaller_box_share
from .camera import GL_FROM_CV
from .colors import VERDICT_COLORS
from .detect.person import FEET, HIPS, KNEES, NOSE, SHOULDERS, WRISTS, torso_length
from .joints import LSP_FROM_SMPL
from .photo_camera import photo_focal_and_centre, project_to_photo
from .types import BodyMesh, BodyParams, Prediction, Silhouette

# metric -> (below: bad, at or above: good)
BOUNDS = {"agreement": (0.5, 0.75), "pck": (0.5, 0.8), "mask_iou": (0.45, 0.65)}
WORK_SIDE = 320  # longest side of the region where the silhouettes are compared (pixels)
DRAW_LIMIT_PX = 2.0 ** 26  # a projected triangle is drawn only within this many pixels of the origin (int32 at 1/16 px)
MIN_VISIBILITY = 0.5
SMALL_PERSON_PX = 160  # a person shorter than this (photo pixels) has little detail for the networks
# A fit is not called good when the detector saw fewer of the 13 LSP joints than this: the numbers then check the
# few joints seen and say nothing of the guessed rest (a man turned away, arms hidden in front of him, fitted
# with a raised arm scored PCK 100 % over 5 joints). Half-length portraits, which show 7-8, are not held back by it.
MIN_SEEN_JOINTS = 7
# The fitted body and the detector's 3D landmarks face ways further apart than this (degrees): one of them has the
# person's left and right the wrong way round. The keypoint numbers (part agreement, PCK) then measure that
# disagreement, not the fit: on 105 judged people (sweep121) the 4 PCKs under 0.5 were all a mirrored detector under
# a right fit, and 8 of the 9 people over this bound were fitted right. The verdict is then at most doubtful, never
# bad on those numbers alone, with a warning. A geometric bound (opposite half-spaces), not a tuned one.
FACING_LIMIT_DEG = 90.0


@dataclass(frozen=True)
class FitQuality:
    """Trust numbers of one fit (NaN where not measurable) and the verdict ('good'/'doubtful'/'bad'/'unknown').

    agreement, swaps: keypoint-part agreement and left/right swap fractions over `agreement_n` keypoints (the
    confident ones inside the photo);
    pck over `pck_n` joints at `pck_threshold_px`; mask_iou against `mask_source` ('detector mask',
    'part map' or '') and mask_inside, the share of the mesh's silhouette inside that mask (loose clothes and hair
    are in the mask and not in the body: a body inside the mask covers less of it); detector_score (None without a
    detector); person: index of the fitted person (-1 whole image); warnings: short sentences for the user.
    """

    agreement: float = math.nan
    swaps: float = math.nan
    agreement_n: int = 0
    pck: float = math.nan
    pck_n: int = 0
    pck_threshold_px: float = math.nan
    mask_iou: float = math.nan
    mask_inside: float = math.nan
    mask_source: str = ""
    detector_score: float | None = None
    boxed: bool = False  # the person was found in a box the user drew (detector_score is then 1.0, not a search's)
    part_confidence: float = math.nan
    facing_deg: float = math.nan  # between the way the fit faces and the way the detector's 3D landmarks do
    person: int = -1
    whole_image: str = ""  # without a detected person: why the whole image was fitted (`whole_image_note`)
    warnings: tuple[str, ...] = ()
    verdict: str = "unknown"

    @property
    def color(self) -> tuple[int, int, int]:
        return VERDICT_COLORS[self.verdict]

    def summary(self) -> str:
        """One line: 'good fit · parts 91% · PCK 85% · IoU 0.72'."""
        bits = [{"good": "good fit", "doubtful": "doubtful fit", "bad": "bad fit", "unknown": "fit not checked"}
                [self.verdict]]
        if not math.isnan(self.agreement):
            bits.append(f"parts {self.agreement:.0%}")
        if not math.isnan(self.pck):
            bits.append(f"PCK {self.pck:.0%}")
        if not math.isnan(self.mask_iou):
            bits.append(f"IoU {self.mask_iou:.2f}")
        return " · ".join(bits)

    def details(self) -> list[tuple[str, str]]:
        """(name, value) rows for a tooltip or a table, each saying what the number means."""
        rows = []
        if self.boxed:
            rows.append(("detector", "the person in a box you drew (no search score)"))
        elif self.detector_score is not None:
            rows.append(("detector score", f"{self.detector_score:.2f}"))
        else:
            rows.append(("detector", self.whole_image or "no person detected: whole image used"))
        if not math.isnan(self.agreement):
            rows.append(("keypoint-part agreement",
                         f"{self.agreement:.0%} of {self.agreement_n} keypoints in the photo on their own part"
                         + (f", {self.swaps:.0%} left/right swapped" if self.swaps > 0 else "")))
        if not math.isnan(self.pck):
            rows.append(("PCK", f"{self.pck:.0%} of {self.pck_n} fitted joints within "
                                f"{self.pck_threshold_px:.0f} px (half the torso) of the detected ones"))
        if not math.isnan(self.mask_iou):
            rows.append(("mesh-mask IoU", f"{self.mask_iou:.2f} (fitted mesh vs {self.mask_source})"))
        if not math.isnan(self.mask_inside):
            rows.append(("mesh inside mask", f"{self.mask_inside:.0%} of the fitted mesh's silhouette (its area)"))
        if not math.isnan(self.part_confidence):
            rows.append(("part confidence", f"{self.part_confidence:.2f} (mean winning-part probability)"))
        if not math.isnan(self.facing_deg):
            rows.append(("facing", f"{self.facing_deg:.0f}° from the detector's 3D pose"
                         + (" (the two disagree on left and right)" if self.facing_deg > FACING_LIMIT_DEG else "")))
        return rows

    def tooltip_html(self) -> str:
        head = f"<b>{self.summary()}</b>"
        table = "".join(f"<tr><td style='padding-right:8px'>{k}</td><td>{v}</td></tr>" for k, v in self.details())
        warn = "".join(f"<br>⚠ {w}" for w in self.warnings)
        bounds = ("<br><span style='color:#555'>good: parts ≥ {a:.0%}, PCK ≥ {p:.0%}, IoU ≥ {i:.2f}, "
                  "at least {n} of 13 joints seen; bad: any under {a0:.0%} / {p0:.0%} / {i0:.2f}</span>").format(
            a=BOUNDS["agreement"][1], p=BOUNDS["pck"][1], i=BOUNDS["mask_iou"][1], n=MIN_SEEN_JOINTS,
            a0=BOUNDS["agreement"][0], p0=BOUNDS["pck"][0], i0=BOUNDS["mask_iou"][0])
        return f"{head}<table>{table}</table>{warn}{bounds}"


def photo_keypoints(keypoints: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(33, 3) float64 copy of a person's keypoints (33, 3) (x, y, visibility in photo pixels) with the visibility
    of every keypoint outside the photo (`in_photo`) set to 0: the keypoints the keypoint-part agreement counts,
    in `assess` and in scripts/eval_real_parts.py alike. (The crop's part map reaches past the photo's edge, where
    its parts are guesses of the hidden body: a keypoint there says nothing of the map.)"""
    kp = np.array(keypoints, np.float64)
    kp[~in_photo(kp[:, :2], shape), 2] = 0.0
    return kp


def whole_image_note(pred: Prediction) -> str:
    """Why a fit without a detected person read the whole image: nobody found, or asked for (no search)."""
    if pred.searched:
        return "no person detected: the whole image was used"
    return "the whole image fitted as one person's crop, as asked (no person search)"


def verdict(values: dict[str, float]) -> str:
    """'bad' if any available value is under its low bound, 'good' if all are at or over the high one."""
    have = {k: v for k, v in values.items() if v is not None and not math.isnan(v)}
    if not have:
        return "unknown"
    if any(v < BOUNDS[k][0] for k, v in have.items()):
        return "bad"
    if all(v >= BOUNDS[k][1] for k, v in have.items()):
        return "good"
    return "doubtful"


def body_forward(joints: np.ndarray) -> np.ndarray:
    """(3,) the way a body faces, unnormalised, from SMPL joints (24, 3): (its left - its right) x (neck - pelvis),
    over the shoulders and hips (in the joints' own frame)."""
    j = np.asarray(joints, np.float64)
    return np.cross((j[16] - j[17]) + (j[1] - j[2]), j[12] - j[0])


def landmarks_forward(world: np.ndarray) -> np.ndarray:
    """(3,) the way the detector's 3D world landmarks (33, 3) face, in the camera frame (BlazePose's y down and z away
    become y up and z towards the viewer), over the shoulders and hips as `body_forward`."""
    w = np.asarray(world, np.float64) * np.diag(GL_FROM_CV)
    (ls, rs), (lh, rh) = SHOULDERS, HIPS
    return np.cross((w[ls] - w[rs]) + (w[lh] - w[rh]), (w[ls] + w[rs]) / 2 - (w[lh] + w[rh]) / 2)


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Degrees between two vectors (3,); NaN where either has no length."""
    n = np.linalg.norm(a) * np.linalg.norm(b)
    if not np.isfinite(n) or n < 1e-12:
        return math.nan
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / n, -1.0, 1.0))))


def facing_angle(joints: np.ndarray, world: np.ndarray | None) -> float:
    """Degrees between the way a fitted body faces (SMPL joints (24, 3) in the camera frame: y up, z towards the
    viewer) and the way the detector's 3D world landmarks face (world (33, 3)); NaN without landmarks."""
    if world is None:
        return math.nan
    return angle_deg(body_forward(joints), landmarks_forward(world))


def mesh_silhouette(vertices2d: np.ndarray, faces: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) bool: pixels covered by a closed mesh's projection (vertices2d (V, 2) pixels, faces (F, 3)).

    One triangle at a time: a single fillPoly call over all triangles fills by the even-odd rule, so
    where two triangles overlap (the front and back of every limb) the pixel is left empty. The
    triangles of one winding suffice: every pixel inside a closed mesh's outline is covered by a
    front-facing and by a back-facing triangle."""
    faces = np.asarray(faces, np.int64)
    tri = np.asarray(vertices2d, np.float64)[faces]                                   # (F, 3, 2)
    cross = ((tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
             - (tri[:, 1, 1] - tri[:, 0, 1]) * (tri[:, 2, 0] - tri[:, 0, 0]))
    # a vertex at or behind the camera is NaN (`project_to_photo`); one just in front of it lands millions of pixels
    # out, where the fixed-point coordinates below would overflow int32: neither triangle is drawn
    keep = (np.abs(tri) < DRAW_LIMIT_PX).all((1, 2)) & (cross > 0)
    out = np.zeros(shape, np.uint8)
    for t in np.round(tri[keep] * 16).astype(np.int32):  # 4 fractional bits
        cv2.fillConvexPoly(out, t, 1, lineType=cv2.LINE_8, shift=4)
    return out > 0


def silhouette_overlap_in_region(vertices2d: np.ndarray, faces: np.ndarray, mask: Silhouette,
                                 region: tuple[float, float, float, float]) -> tuple[float, float]:
    """(IoU, share of the silhouette inside the mask) of the mesh silhouette (projected vertices (V, 2) photo px,
    faces) with a person's mask on the photo (> 0.5 is the person) over the photo region (x0, y0, x1, y1), both
    drawn at WORK_SIDE pixels at most; NaN where not measurable."""
    h, w = mask.shape
    x0, y0 = max(0, int(math.floor(region[0]))), max(0, int(math.floor(region[1])))
    x1, y1 = min(w, int(math.ceil(region[2]))), min(h, int(math.ceil(region[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return math.nan, math.nan
    k = min(1.0, WORK_SIDE / max(x1 - x0, y1 - y0))
    rw, rh = max(1, int(round((x1 - x0) * k))), max(1, int(round((y1 - y0) * k)))
    m = cv2.resize(mask.window(x0, y0, x1, y1), (rw, rh), interpolation=cv2.INTER_AREA) > 0.5
    s = mesh_silhouette((vertices2d - (x0, y0)) * k, faces, (rh, rw))
    union, both, drawn = int((s | m).sum()), int((s & m).sum()), int(s.sum())
    return (both / union if union else math.nan), (both / drawn if drawn else math.nan)


def assess(pred: Prediction, params: BodyParams | None = None, mesh: BodyMesh | None = None) -> FitQuality:
    """The FitQuality of a Prediction (its own body, or an edited `mesh` posed in the same crop camera)."""
    from .metrics import keypoint_part_agreement, pck

    mesh = mesh if mesh is not None else pred.mesh
    people = tuple(pred.people)
    k = pred.person
    person = people[k] if 0 <= k < len(people) else None
    h, w = pred.image.shape[:2]
    warnings: list[str] = []
    out: dict = {"person": k}
    try:
        out["part_confidence"] = float(pred.parts.confidence()) if pred.parts.probs is not None else math.nan
    except Exception:  # noqa: BLE001 - a missing piece leaves the number out
        out["part_confidence"] = math.nan

    # the mesh through the crop camera placed on the photo; a point at or behind the camera is NaN (a joint there
    # misses in the PCK, its triangles are not drawn, and the region below spans the finite points)
    focal, centre = photo_focal_and_centre(pred.crop, pred.camera)
    v2d, j2d = project_to_photo(mesh.vertices, focal, centre), project_to_photo(mesh.joints, focal, centre)
    seen_joints = 0  # LSP joints the detector saw (confident)
    if person is not None:
        kp = np.asarray(person.keypoints, np.float64)
        out["detector_score"] = float(person.score)
        out["boxed"] = bool(person.boxed)
        # keypoint-part agreement on the crop's part map (keypoints moved into the map's pixels), over the
        # keypoints inside the photo only
        lab = np.asarray(pred.parts.labels)
        r = lab.shape[0]
        kp_map = photo_keypoints(kp, (h, w))
        kp_map[:, :2] = pred.crop.to_crop(kp[:, :2]) * (r / pred.crop.size)
        ag = keypoint_part_agreement(lab, kp_map, min_visibility=MIN_VISIBILITY)
        if ag.n:
            out.update(agreement=ag.agreement, swaps=ag.swaps, agreement_n=ag.n)
        # PCK of the fitted LSP joints (photo) against the detected ones, threshold half the torso
        det = person.lsp13(pred.image.shape)
        torso = torso_length(kp)
        vis = det[:, 2] >= MIN_VISIBILITY
        if vis.any() and torso > 1:
            fitted = j2d[list(LSP_FROM_SMPL)]
            out.update(pck=pck(fitted[None], det[None, :, :2], vis[None], threshold_px=0.5 * torso),
                       pck_n=int(vis.sum()), pck_threshold_px=0.5 * torso)
        # warnings: cut by the frame, small
        limbs = {"feet": FEET, "knees": KNEES, "hands": WRISTS, "head": (NOSE,)}
        outside = [name for name, ids in limbs.items() if not in_photo(kp[list(ids), :2], (h, w)).all()]
        box = np.asarray(person.box, np.float64)
        edges = person.edges((h, w))
        if outside:
            warnings.append(f"person cut by the frame ({', '.join(outside)} outside the photo): "
                            "the hidden part of the body is guessed")
        elif edges:
            warnings.append(f"person touches the {' and '.join(edges)} edge of the photo: parts may be cut off")
        out["facing_deg"] = facing_angle(mesh.joints, person.world)
        if out["facing_deg"] > FACING_LIMIT_DEG:
            warnings.append("the detector sees this person facing the other way: check left and right (the part "
                            "and PCK numbers measure that disagreement)")
        seen_joints = int(vis.sum())
        if seen_joints < MIN_SEEN_JOINTS:
            warnings.append(f"only {seen_joints} of 13 joints seen: the rest of the body is a guess")
        if box[3] - box[1] < SMALL_PERSON_PX:
            warnings.append(f"small person ({box[3] - box[1]:.0f} px tall): little detail for the networks")
        if len(people) > 1:
            others = [p for n, p in enumerate(people) if n != k and smaller_box_share(p.box, box)[0, 0] > 0.3]
            if others:
                warnings.append("another person overlaps this one: parts may be mixed up")
        mask = person.mask
        region = box
    else:
        warnings.append(whole_image_note(pred))
        out["whole_image"] = whole_image_note(pred)
        mask = None
        region = None
    if mask is not None:
        out["mask_source"] = "detector mask"
    else:  # the predicted part map in the photo's frame
        from .crop import uncrop_labels

        c = pred.crop
        mask = Silhouette.of((uncrop_labels(np.ascontiguousarray(pred.parts.labels, np.uint8), c, pred.image.shape)
                              > 0).astype(np.float32))
        out["mask_source"] = "part map"
        x0, y0 = c.offset
        region = (x0, y0, x0 + c.size / c.scale, y0 + c.size / c.scale)
    seen = v2d[np.isfinite(v2d).all(1)]
    if len(seen):
        lo, hi = seen.min(0), seen.max(0)
        region = (min(region[0], lo[0]), min(region[1], lo[1]), max(region[2], hi[0]), max(region[3], hi[1]))
    out["mask_iou"], out["mask_inside"] = silhouette_overlap_in_region(v2d, mesh.faces, mask, region)
    conf = out.get("part_confidence", math.nan)
    if not math.isnan(conf):
        from .refine import TRUST_CONFIDENCE

        if conf < TRUST_CONFIDENCE[0]:
            warnings.append(f"uncertain part map (confidence {conf:.2f}): an unusual photo for the networks")
    out["warnings"] = tuple(warnings)
    mirrored = out.get("facing_deg", math.nan) > FACING_LIMIT_DEG
    # (facing the other way: the keypoint numbers judge which of the two has left and right right, not the fit)
    out["verdict"] = verdict({key: out.get(key, math.nan) for key in BOUNDS
                              if not (mirrored and key in ("agreement", "pck"))})
    if out["verdict"] == "good" and person is not None and (seen_joints < MIN_SEEN_JOINTS or mirrored):
        out["verdict"] = "doubtful"
    return FitQuality(**out)
