"""Shape measurements of a body model in its rest pose (numpy only, no Qt, no torch maths per call).

The rest-pose (zero pose) vertices of SMPL are linear in the betas, v = v_template + shapedirs . betas,
so measuring a shape costs one small matrix product (no body-model forward):

* height: the vertical extent (y) of the rest-pose mesh (SMPL's T-pose stands on flat feet, arms out);
* volume: the enclosed volume of the closed mesh (divergence theorem over the faces);
* mass: volume x body density (``DENSITY`` kg/m^3, close to water: an estimate, not a scale);
* waist / hip / chest girth: the perimeter of the convex hull of the torso's cross-section at a fixed
  fraction of the height (a tape measure round the body; arms are out of the plane in the T-pose).

`beta_effects` measures what +1 of each beta does to these on a given body model (the inspector's tooltips
come from it, so they stay right for a user's own SMPL file).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

DENSITY = 1000.0  # kg / m^3 (human body ~985-1070)
# cross-section heights as a fraction of the body height from the floor (anthropometric averages)
GIRTH_LEVELS = {"chest": 0.72, "waist": 0.61, "hips": 0.52}


@dataclass(frozen=True)
class ShapeMeasures:
    """height_m, volume_m3, mass_kg (volume x DENSITY); girths in metres (chest, waist, hips)."""

    height_m: float
    volume_m3: float
    mass_kg: float
    chest_m: float
    waist_m: float
    hips_m: float

    def text(self) -> str:
        return f"{self.height_m * 100:.0f} cm · ~{self.mass_kg:.0f} kg"


@dataclass(frozen=True)
class BetaEffect:
    """The change per +1 of one beta (from 0) on a body model: centimetres and kilograms."""

    index: int
    height_cm: float
    mass_kg: float
    chest_cm: float
    waist_cm: float
    hips_cm: float

    def text(self) -> str:
        """A tooltip line, e.g. '+1: height +6.1 cm, weight +4 kg, waist +1.0 cm, ...' (largest effect first)."""
        main = _describe(self)
        return (f"β{self.index + 1} {main}.\nPer +1: height {self.height_cm:+.1f} cm, weight {self.mass_kg:+.1f} kg, "
                f"chest {self.chest_cm:+.1f} cm, waist {self.waist_cm:+.1f} cm, hips {self.hips_cm:+.1f} cm "
                "(measured on this body model in the rest pose).")


def _describe(e: BetaEffect) -> str:
    """A few words for the dominant effect of one beta: 'taller and heavier', 'slimmer', ..."""
    h = e.height_cm
    girth = (e.chest_cm + e.waist_cm + e.hips_cm) / 3
    words = []
    if abs(h) >= 2.0:
        words.append("taller" if h > 0 else "shorter")
    if abs(girth) >= 2.0 or abs(e.mass_kg) >= 3.0:
        heavier = e.mass_kg > 0 if abs(e.mass_kg) >= 3.0 else girth > 0
        words.append("heavier and broader" if heavier else "lighter and slimmer")
    if words:
        return "makes the body " + ", ".join(words)
    k = max(("chest", e.chest_cm), ("waist", e.waist_cm), ("hips", e.hips_cm), key=lambda t: abs(t[1]))
    if abs(k[1]) < 0.3:
        return "has little visible effect on height or girth (fine detail)"
    return f"mostly changes proportions ({'larger' if k[1] > 0 else 'smaller'} {k[0]})"


class _Basis:
    def __init__(self, body_model):
        lay = body_model.layer
        self.template = lay.v_template.detach().cpu().numpy().astype(np.float64)  # (V, 3)
        sd = lay.shapedirs.detach().cpu().numpy().astype(np.float64)  # (V, 3, B)
        self.dirs = sd.reshape(-1, sd.shape[-1])  # (3V, B)
        self.faces = np.asarray(body_model.faces, np.int64)
        from .parts import PART_NAMES

        lab = body_model.vertex_parts
        torso = {PART_NAMES.index("upper torso"), PART_NAMES.index("lower torso")}
        self.torso_faces = self.faces[np.all(np.isin(lab[self.faces], list(torso)), axis=1)]
        thighs = {PART_NAMES.index(n) for n in PART_NAMES if "thigh" in n}
        # hips are measured round the pelvis and upper thighs
        self.hip_faces = self.faces[np.all(np.isin(lab[self.faces], list(torso | thighs)), axis=1)]

    def vertices(self, betas) -> np.ndarray:
        b = np.zeros(self.dirs.shape[1])
        betas = np.asarray(betas, np.float64).ravel()[: b.size]
        b[: betas.size] = betas
        return self.template + (self.dirs @ b).reshape(-1, 3)


_BASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _basis(body_model) -> _Basis:
    b = _BASES.get(body_model)
    if b is None:
        b = _BASES[body_model] = _Basis(body_model)
    return b


def mesh_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Enclosed volume (m^3) of a closed triangle mesh, vertices (V, 3) in metres and faces (F, 3) vertex
    indices (absolute value of the signed volume)."""
    v = np.asarray(vertices, np.float64)
    a, b, c = v[faces[:, 0]], v[faces[:, 1]], v[faces[:, 2]]
    return float(abs(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0)


def girth(vertices: np.ndarray, faces: np.ndarray, y: float) -> float:
    """Perimeter (m) of the convex hull of the cross-section of `faces` (F, 3) int, indices into `vertices` (V, 3)
    metres (y up), with the plane at height y (metres)."""
    v = np.asarray(vertices, np.float64)
    tri = v[faces]  # (F, 3, 3)
    ys = tri[:, :, 1]
    hit = (ys.min(1) < y) & (ys.max(1) > y)
    tri = tri[hit]
    if not len(tri):
        return 0.0
    pts = []
    for i, j in ((0, 1), (1, 2), (2, 0)):
        p, q = tri[:, i], tri[:, j]
        dy = q[:, 1] - p[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (y - p[:, 1]) / dy
        ok = (dy != 0) & (t >= 0) & (t <= 1)
        pts.append(p[ok] + t[ok, None] * (q[ok] - p[ok]))
    xz = np.concatenate(pts)[:, [0, 2]]
    if len(xz) < 3:
        return 0.0
    import cv2

    hull = cv2.convexHull(xz.astype(np.float32))
    return float(cv2.arcLength(hull, True))


def measure(body_model, betas) -> ShapeMeasures:
    """Height, volume, estimated mass and girths of the body with `betas` (n,) in the rest pose (betas past the
    model's shape directions are ignored, missing ones are 0)."""
    basis = _basis(body_model)
    v = basis.vertices(betas)
    lo, hi = float(v[:, 1].min()), float(v[:, 1].max())
    height = hi - lo
    vol = mesh_volume(v, basis.faces)
    g = {k: girth(v, basis.hip_faces if k == "hips" else basis.torso_faces, lo + f * height)
         for k, f in GIRTH_LEVELS.items()}
    return ShapeMeasures(height, vol, vol * DENSITY, g["chest"], g["waist"], g["hips"])


_EFFECTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def beta_effects(body_model, count: int = 10) -> tuple[BetaEffect, ...]:
    """What +1 of each of the first `count` betas (from the mean shape) does to the measurements; computed
    once per body model (11 measurements, 0.1-0.2 s: the app's loader thread does it before the GUI asks)."""
    done = _EFFECTS.setdefault(body_model, {})
    if count not in done:
        done[count] = _beta_effects(body_model, count)
    return done[count]


def _beta_effects(body_model, count: int) -> tuple[BetaEffect, ...]:
    n = min(count, _basis(body_model).dirs.shape[1])
    m0 = measure(body_model, np.zeros(n))
    out = []
    for i in range(n):
        b = np.zeros(n)
        b[i] = 1.0
        m = measure(body_model, b)
        out.append(BetaEffect(i, (m.height_m - m0.height_m) * 100, m.mass_kg - m0.mass_kg,
                              (m.chest_m - m0.chest_m) * 100, (m.waist_m - m0.waist_m) * 100,
                              (m.hips_m - m0.hips_m) * 100))
    return tuple(out)
