"""Labelled synthetic people: scene sampling (pose, shape, camera) and rendering of one sample.

A sample is fixed by (seed, index): every random draw comes from
`np.random.default_rng([seed, index])`, so any sample can be regenerated alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import project_points
from inference.joints import LSP_FROM_SMPL, head_top_vertex
from inference.render.lights import Lights
from inference.types import BodyMesh, BodyParams

from .appearance import BodyLayout, add_occluders, camera_artefacts, sample_albedo, sample_background, sample_lights
from .pose_prior import PosePrior, sample_betas


@dataclass(frozen=True)
class Scene:
    """What a sample shows: SMPL params in the crop camera (OpenGL frame), the crop camera, the activity."""

    params: BodyParams
    focal: float
    size: int
    activity: str


@dataclass(frozen=True)
class Sample:
    """One labelled sample. image (S, S, 3) uint8 RGB (None for label-only samples); labels (S, S) uint8
    0..12 (visible parts); joints3d (24, 3) camera frame; joints2d (24, 2) and lsp2d (14, 3) (x, y, visible)
    in crop pixels; vertices (V, 3) camera frame."""

    scene: Scene
    image: np.ndarray | None
    labels: np.ndarray
    joints3d: np.ndarray
    joints2d: np.ndarray
    lsp2d: np.ndarray
    vertices: np.ndarray


class SceneSampler:
    """Draws pose, shape and a fixed-focal crop camera framing the person as UP-3D crops do."""

    def __init__(self, body: BodyModel, size: int = CROP_SIZE, focal: float = FOCAL,
                 truncation: float = 0.1, prior: PosePrior | None = None):
        self.body, self.size, self.focal = body, size, focal
        self.truncation = truncation
        self.prior = prior or PosePrior()

    def sample(self, rng: np.random.Generator) -> tuple[Scene, BodyMesh]:
        """A scene and its posed mesh (camera frame)."""
        pose, acts = self.prior.sample(1, rng)
        betas = sample_betas(1, rng)[0]
        params = BodyParams.from_pose(pose[0], betas, np.zeros(3))
        mesh = self.body.mesh(params)  # root-relative (transl 0)
        v = mesh.vertices
        lo, hi = v[:, :2].min(0), v[:, :2].max(0)
        extent = float((hi - lo).max())
        frac = rng.uniform(0.95, 1.5) if rng.random() < self.truncation else rng.uniform(0.6, 0.92)
        depth = self.focal * extent / (frac * self.size)
        centre = (lo + hi) / 2
        jitter = rng.normal(0, 0.05 * self.size, 2) * depth / self.focal
        transl = np.array([-centre[0] + jitter[0], -centre[1] + jitter[1], -depth], np.float32)
        moved = BodyMesh(mesh.vertices + transl, mesh.joints + transl, mesh.faces, mesh.extra + transl)
        return Scene(params.with_(transl=transl), self.focal, self.size, acts[0]), moved


def composite_body(rgb: np.ndarray, mask: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """The lit body rgb (S, S, 3) float (valid where mask (S, S) bool) over the background bg (S, S, 3).

    Pixels on the outline get a coverage a (the mask under a 3x3 Gaussian) and the colour
    a^2 * body + (1 - a) * bg: the look of the pyrender renders that the shipped networks were trained on
    (4x multisampling resolved against a black clear colour, so premultiplied by coverage, and then
    composited with the coverage again, which darkens the outline a little). Training on this edge
    segments test people as well as on pyrender's own; a plain alpha blend (`inference.render.overlay.blend`,
    what the app's and CLI's pictures use) or hard edges segment them worse (measurements in
    resources/weights/MODEL_CARD.md), so this compositing stays apart from that one.
    """
    m = mask.astype(np.float32)
    k = np.ones((3, 3), np.uint8)
    band = cv2.dilate(mask.astype(np.uint8), k) != cv2.erode(mask.astype(np.uint8), k)
    a = cv2.GaussianBlur(m, (3, 3), 0.6)[..., None]
    # the body's colour just outside it, and the background's just inside it: normalised blurs
    def near(x, w):
        return cv2.GaussianBlur(x * w[..., None], (5, 5), 1.0) / (cv2.GaussianBlur(w, (5, 5), 1.0)[..., None] + 1e-4)

    body = np.where(mask[..., None], rgb, near(rgb, m))
    back = np.where(mask[..., None], near(bg, 1 - m), bg)
    img = np.where(mask[..., None], rgb, bg)
    return np.where(band[..., None], a * a * body + (1 - a) * back, img).astype(np.float32)


class SampleRenderer:
    """Renders scenes to samples with one long-lived MeshRenderer (one per process) through the crop camera
    `camera` (size x size pixels, focal `focal`)."""

    def __init__(self, body: BodyModel, size: int = CROP_SIZE, focal: float = FOCAL):
        from inference.render.cameras import PinholeCamera
        from inference.render.renderer import MeshRenderer

        self.body, self.size, self.focal = body, size, focal
        self.renderer = MeshRenderer(body.faces, body.weights)
        self.camera = PinholeCamera(focal, size, size)
        self.sampler = SceneSampler(body, size, focal)
        rest = body.mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10)))
        self.layout = BodyLayout(rest.vertices, rest.joints, body.weights)
        self.head_top = head_top_vertex(body)

    def render(self, seed: int, index: int, rgb: bool = True) -> Sample:
        """The sample (seed, index); rgb=False skips appearance (label maps only, faster)."""
        rng = np.random.default_rng([seed, index])
        scene, mesh = self.sampler.sample(rng)
        labels = self.renderer.labels(mesh.vertices, self.camera)
        image = None
        if rgb:
            albedo = sample_albedo(self.layout, rng)
            rgba = self.renderer.lit(mesh.vertices, self.camera, albedo, Lights.of(*sample_lights(rng)))
            bg = sample_background(self.size, rng)
            img = composite_body(rgba[..., :3].astype(np.float32) / 255.0, rgba[..., 3] > 0, bg)
            if rng.random() < 0.2:
                add_occluders(img, labels, rng)
            image = camera_artefacts(img, rng)
        j2d = project_points(mesh.joints, self.focal, self.size)
        top = project_points(mesh.vertices[self.head_top][None], self.focal, self.size)[0]
        lsp = np.concatenate([j2d[list(LSP_FROM_SMPL)], top[None]], 0)
        inside = ((lsp >= 0) & (lsp < self.size)).all(1)
        lsp2d = np.concatenate([lsp, inside[:, None].astype(np.float32)], 1)
        return Sample(scene, image, labels, mesh.joints, j2d.astype(np.float32), lsp2d.astype(np.float32),
                      mesh.vertices)
