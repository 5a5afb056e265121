"""Synthetic crowds: several synthetic people composed onto one wide frame, with per-person ground truth.

Each person is rendered by the single-person generator (training/synth/generator.py: pose, shape, clothing,
lights, the lit shader and its edge compositing) on its own 256 px crop, then scaled to a sampled height in
the frame (50 px up) and placed so that people overlap and some are cut by the frame's edges. Farther
(smaller) people are drawn first, so nearer ones occlude them. The frame's background is one of the
generator's backgrounds and the camera artefacts (blur, noise, JPEG, ...) are applied to the whole frame.

A frame is fixed by (seed, index): every draw comes from `np.random.default_rng([seed, index])`.

Layout of a crowd folder (written by `write_frame`, read by `read_frame`; `main.py synth-crowd`):

    crowd.json            {"seed", "n", "width", "height", "min_people", "max_people", "min_height", "max_height",
                           "body_model" ("" for the embedded one), "inside" (every body inside the frame; absent
                           in sets made before it: false)}
    NNNNN_image.png       the frame, (H, W, 3) RGB
    NNNNN_ids.png         (H, W) uint8: 0 background, k + 1 where person k is visible
    NNNNN_people.npz      per person k (n people, in drawing order: far to near):
        box (n, 4)        x0, y0, x1, y1 around the person's visible pixels (frame px; zeros when none)
        full_box (n, 4)   the whole body's box, also outside the frame and behind others (frame px)
        height (n,)       full_box height in px (the size buckets use this)
        visible (n,)      fraction of the body's pixels seen (inside the frame and not hidden by others)
        in_frame (n,)     fraction of the body's pixels inside the frame
        head_in_frame (n,) bool: the head (LSP head top and neck) is inside the frame
        lsp2d (n, 14, 3)  LSP joints + head top in frame px, third column 1 inside the frame
        pose (n, 72), betas (n, 10), transl (n, 3)  SMPL parameters in the person's crop camera
        joints3d (n, 24, 3)  SMPL joints in the crop camera (metres; for PA-MPJPE any frame will do)
        crop_scale (n,), crop_offset (n, 2)  frame px = crop_offset + crop px * crop_scale
        activity (n,)     str
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.array_files import read_npz
from inference.body_model import BodyModel
from inference.boxes import box_iou
from inference.datasets import write_png
from inference.geometry import project_points
from inference.joints import LSP_FROM_SMPL
from inference.read_problems import NPZ_ERRORS, read_problem
from inference.render.lights import Lights

from .appearance import camera_artefacts, sample_albedo, sample_background, sample_lights
from .generator import SampleRenderer, SceneSampler, composite_body
from .pose_prior import ACTIVITIES, PosePrior

# a street: people standing or moving upright (no sitting, crouching or lying bodies)
STREET_ACTIVITIES = ("stand", "walk", "run", "reach", "wave", "throw", "arms_out")
FRAME_W, FRAME_H = 1024, 640
MIN_HEIGHT, MAX_HEIGHT = 50.0, 320.0
CUT_FRACTION = 0.25  # people placed across the frame's edge


@dataclass(frozen=True)
class CrowdFrame:
    """One crowd frame: image (H, W, 3) uint8, ids (H, W) uint8 and the per-person arrays of the layout
    (see the module docstring) in `people` (name -> array with the person first)."""

    image: np.ndarray
    ids: np.ndarray
    people: dict

    def __len__(self) -> int:
        return len(self.people["height"])


class _StreetPrior(PosePrior):
    """The generator's pose prior restricted to upright activities (rejection on the activity drawn)."""

    def __init__(self, activities=STREET_ACTIVITIES):
        super().__init__(upright=1.0)
        unknown = set(activities) - set(ACTIVITIES)
        if unknown:
            raise ValueError(f"unknown activities {sorted(unknown)}")
        self.activities = tuple(activities)

    def sample_body_euler(self, rng: np.random.Generator):
        for _ in range(50):
            E, act = super().sample_body_euler(rng)
            if act in self.activities:
                return E, act
        return E, act


class CrowdRenderer:
    """Renders crowd frames with one long-lived SampleRenderer (one per process)."""

    def __init__(self, body: BodyModel | None = None, width: int = FRAME_W, height: int = FRAME_H,
                 people: tuple[int, int] = (4, 8), heights: tuple[float, float] = (MIN_HEIGHT, MAX_HEIGHT),
                 activities=STREET_ACTIVITIES, inside: bool = False):
        """inside: every body wholly inside the frame (those drawn across an edge are moved to it; people still
        overlap), for a street of walkers who can all be seen; otherwise CUT_FRACTION of them are cut by an edge."""
        body = body or BodyModel()
        self.single = SampleRenderer(body)
        self.single.sampler = SceneSampler(body, self.single.size, self.single.focal, truncation=0.0,
                                           prior=_StreetPrior(activities))
        self.width, self.height = int(width), int(height)
        self.people, self.heights, self.inside = people, heights, bool(inside)

    # ------------------------------------------------------------------ one person
    def _person(self, rng: np.random.Generator):
        """(rgb (S, S, 3) float, mask (S, S) bool, scene, joints (24, 3), lsp (14, 2) crop px)."""
        r = self.single
        scene, mesh = r.sampler.sample(rng)
        albedo = sample_albedo(r.layout, rng)
        rgba = r.renderer.lit(mesh.vertices, r.camera, albedo, Lights.of(*sample_lights(rng)))
        j2d = project_points(mesh.joints, r.focal, r.size)
        top = project_points(mesh.vertices[r.head_top][None], r.focal, r.size)[0]
        lsp = np.concatenate([j2d[list(LSP_FROM_SMPL)], top[None]], 0)
        return rgba[..., :3].astype(np.float32) / 255.0, rgba[..., 3] > 0, scene, mesh.joints, lsp

    # ------------------------------------------------------------------ a frame
    def render(self, seed: int, index: int) -> CrowdFrame:
        rng = np.random.default_rng([seed, index])
        W, H = self.width, self.height
        side = max(W, H)
        bg = sample_background(side, rng)
        y0, x0 = int(rng.integers(0, side - H + 1)), int(rng.integers(0, side - W + 1))
        frame = np.ascontiguousarray(bg[y0:y0 + H, x0:x0 + W], np.float32)
        n = int(rng.integers(self.people[0], self.people[1] + 1))
        lo, hi = self.heights
        heights = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
        heights.sort()  # far (small) first: nearer people are drawn over them
        horizon = rng.uniform(0.3, 0.5) * H
        owner = np.full((H, W), -1, np.int32)
        rows = []
        for k, h in enumerate(heights):
            rgb, mask, scene, joints, lsp = self._person(rng)
            ys, xs = np.nonzero(mask)
            bx0, by0, bx1, by1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
            s = float(h) / float(by1 - by0)  # frame px per crop px
            # feet on a ground plane below the horizon, lower for nearer (taller) people; some cut by an edge
            cut = rng.random() < CUT_FRACTION
            foot_y = horizon + (H - horizon) * (h - lo) / max(hi - lo, 1) * rng.uniform(0.6, 1.1) + rng.normal(0, 20)
            if cut and rng.random() < 0.5:  # across the top or bottom edge
                foot_y = rng.choice([rng.uniform(0.2, 0.7) * h, H + rng.uniform(0.2, 0.6) * h])
            foot_y = float(np.clip(foot_y, 0.25 * h, H + 0.6 * h))
            bw = (bx1 - bx0) * s
            if cut and rng.random() >= 0.5:  # across the left or right edge
                cx = float(rng.choice([rng.uniform(-0.3, 0.2) * bw, W + rng.uniform(-0.2, 0.3) * bw]))
            elif k > 0 and rng.random() < 0.4:  # next to someone already there: overlaps
                cx = float(rows[int(rng.integers(len(rows)))]["cx"] + rng.normal(0, 0.5 * bw))
            else:  # (a person wider than the frame is centred: the same draw, so a set's frames stay as they were)
                cx = float(rng.uniform(min(0.5 * bw, 0.5 * W), max(W - 0.5 * bw, 0.5 * W)))
            if self.inside:  # moved in after the same draws: the same people, those across an edge at the edge
                foot_y = float(np.clip(foot_y, min(h, H), H))
                cx = float(np.clip(cx, min(0.5 * bw, 0.5 * W), max(W - 0.5 * bw, 0.5 * W)))
            # crop px -> frame px: frame = offset + crop * s
            offset = np.array([cx - s * (bx0 + bx1) / 2, foot_y - s * by1], np.float64)
            M = np.array([[s, 0, offset[0] + 0.5 * s - 0.5], [0, s, offset[1] + 0.5 * s - 0.5]], np.float64)
            interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
            warped = cv2.warpAffine(rgb, M, (W, H), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            cover = cv2.warpAffine(mask.astype(np.float32), M, (W, H), flags=interp, borderMode=cv2.BORDER_CONSTANT,
                                   borderValue=0)
            m = cover > 0.5
            if m.any():
                # the body's colours were premultiplied by the coverage: undo it before compositing
                body = warped / np.maximum(cover, 1e-3)[..., None]
                frame = composite_body(np.clip(body, 0, 1), m, frame)
                owner[m] = k
            # the whole body's pixel count (also outside the frame), for the visible fractions
            total = float(mask.sum()) * s * s
            lsp_f = offset[None] + lsp * s
            inside = ((lsp_f[:, 0] >= 0) & (lsp_f[:, 0] < W) & (lsp_f[:, 1] >= 0) & (lsp_f[:, 1] < H))
            rows.append(dict(
                cx=cx, full_box=np.array([offset[0] + bx0 * s, offset[1] + by0 * s, offset[0] + bx1 * s,
                                          offset[1] + by1 * s], np.float32),
                height=float(by1 - by0) * s, in_frame=min(1.0, float(m.sum()) / max(total, 1.0)), total=total,
                head_in_frame=bool(inside[13] and inside[12]),
                lsp2d=np.concatenate([lsp_f, inside[:, None]], 1).astype(np.float32),
                pose=scene.params.pose.astype(np.float32), betas=np.asarray(scene.params.betas, np.float32),
                transl=np.asarray(scene.params.transl, np.float32), joints3d=np.asarray(joints, np.float32),
                crop_scale=s, crop_offset=offset.astype(np.float32), activity=scene.activity))
        image = camera_artefacts(frame, rng)
        ids = (owner + 1).astype(np.uint8)
        for k, row in enumerate(rows):
            ys, xs = np.nonzero(owner == k)
            row["box"] = (np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32) if len(xs)
                          else np.zeros(4, np.float32))
            row["visible"] = min(1.0, len(xs) / max(row["total"], 1.0))
        keys = ("box", "full_box", "height", "visible", "in_frame", "head_in_frame", "lsp2d", "pose", "betas",
                "transl", "joints3d", "crop_scale", "crop_offset", "activity")
        people = {key: np.array([row[key] for row in rows]) for key in keys}
        for key in ("height", "visible", "in_frame", "crop_scale"):
            people[key] = people[key].astype(np.float32)
        return CrowdFrame(image, ids, people)


# ---------------------------------------------------------------------- layout
def frame_stem(folder: Path, index: int) -> Path:
    return Path(folder) / f"{index:05d}"


def write_frame(folder: Path, index: int, frame: CrowdFrame) -> None:
    """Write one frame (the image last: its presence marks a complete frame). OSError when a file cannot be
    written (a full disk), with no temporary file left."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    stem = str(frame_stem(folder, index))
    np.savez_compressed(stem + "_people.npz", **frame.people)
    write_png(Path(stem + "_ids.png"), frame.ids)
    write_png(Path(stem + "_image.png"), frame.image)


def read_frame(folder: Path, index: int) -> CrowdFrame:
    """Frame `index` of a crowd folder. ValueError naming the file for one that does not read (an empty image was
    a FileNotFoundError of its bare name; an object-array people file numpy's words about allow_pickle)."""
    stem = str(frame_stem(folder, index))
    mend = "remove the frame's files, or make them again with `main.py synth-crowd`"
    image = cv2.imread(stem + "_image.png", cv2.IMREAD_COLOR)
    ids = cv2.imread(stem + "_ids.png", cv2.IMREAD_UNCHANGED)
    for name, got in (("_image.png", image), ("_ids.png", ids)):
        if got is None:
            raise ValueError(f"{stem}{name}: missing, or not an image that decodes (empty, cut short or of another "
                             f"kind): {mend}")
    try:
        people = read_npz(stem + "_people.npz")
    except NPZ_ERRORS as exc:
        raise ValueError(f"{stem}_people.npz: {read_problem(stem + '_people.npz', exc)}: {mend}") from None
    return CrowdFrame(np.ascontiguousarray(image[..., ::-1]), ids, people)


def frame_indices(folder: Path) -> list[int]:
    """Indices of the complete frames in a crowd folder, sorted."""
    return sorted(int(p.name[:5]) for p in Path(folder).glob("[0-9][0-9][0-9][0-9][0-9]_image.png"))


# ---------------------------------------------------------------------- scoring detections
def match_people(people: dict, frame_shape: tuple[int, ...], det_boxes: np.ndarray, min_iou: float = 0.5
                 ) -> np.ndarray:
    """Greedy one-to-one matching of detected boxes (m, 4) to the ground-truth people of a frame, best
    overlap first; a pair's overlap is the larger IoU of the detected box with the person's visible box and
    with the whole body's box clipped to the frame (a detector may or may not extend a person behind an
    occluder). Returns (m,) int: the matched person's index, or -1."""
    h, w = frame_shape[:2]
    full = np.asarray(people["full_box"], np.float64).copy()
    full[:, [0, 2]] = full[:, [0, 2]].clip(0, w)
    full[:, [1, 3]] = full[:, [1, 3]].clip(0, h)
    det = np.asarray(det_boxes, np.float64).reshape(-1, 4)
    iou = np.maximum(box_iou(det, people["box"]), box_iou(det, full))
    out = np.full(len(det), -1, int)
    taken = np.zeros(iou.shape[1], bool)
    for flat in np.argsort(-iou, axis=None):
        d, g = np.unravel_index(flat, iou.shape)
        if iou[d, g] < min_iou:
            break
        if out[d] < 0 and not taken[g]:
            out[d], taken[g] = g, True
    return out
