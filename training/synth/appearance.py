"""Appearance of synthetic people: skin, clothing by body region, hair, lighting, backgrounds,
occluders and camera artefacts. Everything is drawn from a numpy Generator, so a seed fixes it.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference.parts import vertex_part_labels

# Skin tones (linear-ish RGB in [0, 1]) from very light to very dark.
SKIN_TONES = np.array([
    (0.96, 0.84, 0.76), (0.92, 0.76, 0.65), (0.87, 0.69, 0.56), (0.80, 0.60, 0.46),
    (0.70, 0.50, 0.36), (0.58, 0.40, 0.28), (0.45, 0.30, 0.20), (0.33, 0.22, 0.15), (0.24, 0.16, 0.11),
])
HAIR = np.array([(0.05, 0.04, 0.03), (0.18, 0.11, 0.06), (0.35, 0.22, 0.12), (0.60, 0.45, 0.25),
                 (0.85, 0.75, 0.50), (0.55, 0.20, 0.08), (0.55, 0.55, 0.55), (0.85, 0.85, 0.85)])


def _limb_coordinate(v: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Position (V,) of points v (V, 3) along the segment a -> b: 0 at a, 1 at b."""
    d = b - a
    return (v - a) @ d / (d @ d)


class BodyLayout:
    """Per-vertex coordinates of the template used to lay out clothes, computed once per body model from its rest
    pose: v_template (V, 3) metres, joints (24, 3) metres, skinning weights (V, 24)."""

    def __init__(self, v_template: np.ndarray, joints: np.ndarray, weights: np.ndarray):
        self.v = v_template
        self.labels = vertex_part_labels(weights)
        J = joints
        L = self.labels
        t = np.zeros(len(v_template))
        # arms: upper arm 0..1 shoulder->elbow, forearm 1..2 elbow->wrist, hand > 2
        for upper, fore, s, e, w in ((8, 2, 16, 18, 20), (3, 9, 17, 19, 21)):
            m = L == upper
            t[m] = np.clip(_limb_coordinate(v_template[m], J[s], J[e]), 0, 1)
            m = L == fore
            t[m] = 1 + np.clip(_limb_coordinate(v_template[m], J[e], J[w]), 0, 1.5)
        for thigh, shin, h, k, a in ((4, 10, 1, 4, 7), (5, 11, 2, 5, 8)):
            m = L == thigh
            t[m] = np.clip(_limb_coordinate(v_template[m], J[h], J[k]), 0, 1)
            m = L == shin
            tt = _limb_coordinate(v_template[m], J[k], J[a])
            t[m] = 1 + np.clip(tt, 0, 1)
            t[np.flatnonzero(m)[v_template[m, 1] < J[a, 1] + 0.02]] = 2.5  # foot
        self.limb_t = t
        self.pelvis_y = J[0, 1]
        self.neck_y = J[12, 1]
        self.head_j = J[15]
        self.arm = np.isin(L, (8, 2, 3, 9))
        self.leg = np.isin(L, (4, 10, 5, 11))
        self.torso = np.isin(L, (1, 7))
        self.head = L == 0
        self.neck = L == 6


def _pattern(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 0..1 pattern value per vertex (V,) from template coordinates: plain, stripes, checks or noise."""
    kind = rng.choice(["plain", "plain", "stripes", "checks", "noise"])
    if kind == "plain":
        return np.zeros(len(v))
    f = rng.uniform(20, 70)
    if kind == "stripes":
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        return (np.sin(f * v @ axis) > 0).astype(float)
    if kind == "checks":
        return ((np.sin(f * v[:, 0]) > 0) ^ (np.sin(f * v[:, 1]) > 0)).astype(float)
    k = rng.normal(size=(3, 3)) * rng.uniform(5, 30)
    return 0.5 + 0.5 * np.sin(v @ k).prod(1)


def _cloth_color(rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.35:  # greys, blacks, whites, denim
        return rng.choice([np.full(3, rng.uniform(0.03, 0.95)), np.array([0.15, 0.22, 0.40]) * rng.uniform(0.6, 1.4)])
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(40, 255), rng.integers(40, 255)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0] / 255.0


def sample_albedo(layout: BodyLayout, rng: np.random.Generator) -> np.ndarray:
    """Per-vertex colours (V, 3) in [0, 1]: skin, top, bottom, shoes, hair."""
    v, t = layout.v, layout.limb_t
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.1, 3)
    col = np.tile(skin, (len(v), 1))
    col *= 1 + 0.03 * rng.normal(size=(len(v), 1))
    top, bottom = _cloth_color(rng), _cloth_color(rng)
    top2, bottom2 = _cloth_color(rng), _cloth_color(rng)
    bare_top = rng.random() < 0.05
    sleeve = rng.choice([0.0, 0.35, 0.6, 1.0, 1.95]) + rng.uniform(-0.1, 0.1)
    leg_len = rng.choice([0.35, 0.6, 0.95, 1.95, 1.95, 1.95]) + rng.uniform(-0.1, 0.05)
    waist = layout.pelvis_y + rng.uniform(-0.02, 0.14)
    dress = rng.random() < 0.1
    p_top, p_bot = _pattern(v, rng), _pattern(v, rng)
    top_m = (layout.torso & (v[:, 1] >= waist)) | (layout.arm & (t < sleeve)) | layout.neck & (rng.random() < 0.2)
    bot_m = (layout.torso & (v[:, 1] < waist)) | (layout.leg & (t < leg_len))
    if dress:
        top_m |= layout.leg & (t < rng.uniform(0.3, 1.2))
        bot_m &= ~top_m
    if not bare_top:
        col[top_m] = top * (1 - p_top[top_m, None]) + top2 * p_top[top_m, None]
    col[bot_m] = bottom * (1 - p_bot[bot_m, None]) + bottom2 * p_bot[bot_m, None]
    if rng.random() < 0.8:  # shoes
        col[layout.leg & (t > 1.9)] = _cloth_color(rng) * 0.6
    style = rng.choice(["bald", "short", "short", "long", "cap"])
    if style != "bald":
        h = layout.head_j
        rel = v - h
        top_of_head = layout.head & (rel[:, 1] > rng.uniform(0.06, 0.1))
        back = layout.head & (rel[:, 2] < -0.02) & (rel[:, 1] > -0.02)
        hair = top_of_head | back
        if style == "long":
            upper = layout.head | layout.neck | (layout.torso & (v[:, 1] > layout.neck_y - 0.15))
            hair |= upper & (rel[:, 2] < -0.04)
        hcol = _cloth_color(rng) if style == "cap" else HAIR[rng.integers(len(HAIR))] * rng.uniform(0.8, 1.2)
        col[hair] = np.clip(hcol, 0, 1)
    return np.clip(col, 0, 1).astype(np.float32)


def sample_lights(rng: np.random.Generator) -> tuple[list[tuple[np.ndarray, np.ndarray, float]], float]:
    """Directional lights [(direction towards the light (3,), colour (3,), intensity)] and ambient level."""
    lights = []
    for k in range(rng.integers(1, 3)):
        d = rng.normal(size=3)
        d[2] = abs(d[2]) + 0.3  # mostly from the camera side
        d /= np.linalg.norm(d)
        temp = rng.uniform(-0.15, 0.15)
        c = np.clip(np.array([1 + temp, 1.0, 1 - temp]) * rng.uniform(0.9, 1.1, 3), 0, 1.2)
        lights.append((d, c, float(rng.uniform(1.0, 3.5) if k == 0 else rng.uniform(0.3, 1.5))))
    return lights, float(rng.uniform(0.15, 0.6))


def _noise_field(size: int, rng: np.random.Generator, octaves: int = 4) -> np.ndarray:
    """Smooth multi-scale noise (size, size) in about [0, 1]."""
    out = np.zeros((size, size), np.float32)
    amp = 1.0
    for o in range(octaves):
        cells = 2 ** (o + rng.integers(1, 3))
        g = rng.random((cells, cells)).astype(np.float32)
        out += amp * cv2.resize(g, (size, size), interpolation=cv2.INTER_CUBIC)
        amp *= 0.5
    out -= out.min()
    return out / max(out.max(), 1e-6)


def sample_background(size: int, rng: np.random.Generator) -> np.ndarray:
    """A background image (size, size, 3) float32 in [0, 1]: gradients, textures, clutter, blobs."""
    c1, c2 = _cloth_color(rng), _cloth_color(rng)
    kind = rng.choice(["gradient", "noise", "stripes", "clutter", "blobs", "room"])
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == "gradient":
        a = rng.uniform(0, 2 * np.pi)
        w = np.clip((np.cos(a) * xx + np.sin(a) * yy + 0.5) / 1.5, 0, 1)[..., None]
        bg = c1 * (1 - w) + c2 * w
    elif kind == "noise":
        n = _noise_field(size, rng, octaves=rng.integers(3, 7))[..., None]
        bg = c1 * (1 - n) + c2 * n
    elif kind == "stripes":
        f = rng.uniform(4, 40)
        a = rng.uniform(0, np.pi)
        s = (np.sin(f * (np.cos(a) * xx + np.sin(a) * yy) * 2 * np.pi) > 0)[..., None]
        bg = np.where(s, c1, c2)
    elif kind == "room":  # floor + wall with a horizon
        h = rng.uniform(0.4, 0.85)
        bg = np.where((yy > h)[..., None], c1 * (0.6 + 0.4 * yy[..., None]), c2 * (0.8 + 0.2 * (1 - yy[..., None])))
    else:
        bg = np.tile(c1, (size, size, 1)) * (0.7 + 0.3 * _noise_field(size, rng)[..., None])
    bg = np.ascontiguousarray(bg, dtype=np.float32)
    if kind in ("clutter", "room") or rng.random() < 0.3:
        for _ in range(rng.integers(3, 25)):
            col = tuple(float(x) for x in _cloth_color(rng))
            p = rng.integers(0, size, 2)
            r = rng.integers(size // 30 + 1, size // 3)
            if rng.random() < 0.5:
                cv2.rectangle(bg, tuple(int(x) for x in p), tuple(int(x) for x in p + rng.integers(-r, r, 2)), col, -1)
            else:
                cv2.ellipse(bg, tuple(int(x) for x in p), (int(r), int(rng.integers(1, r + 1))),
                            float(rng.uniform(0, 180)), 0, 360, col, -1)
    if kind == "blobs" or rng.random() < 0.2:
        bg = cv2.GaussianBlur(bg, (0, 0), rng.uniform(2, 12))
    return np.clip(bg, 0, 1)


def add_occluders(img: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> None:
    """Draw 1-3 random occluders over img (S, S, 3) float and clear the labels they hide (in place)."""
    size = img.shape[0]
    mask = np.zeros(labels.shape, np.uint8)
    for _ in range(rng.integers(1, 4)):
        col = tuple(float(x) for x in _cloth_color(rng))
        c = rng.integers(0, size, 2)
        r = int(rng.integers(size // 12, size // 4))
        shape = rng.integers(3)
        if shape == 0:
            cv2.rectangle(mask, tuple(int(x) for x in c - r), tuple(int(x) for x in c + rng.integers(r // 3, r, 2)),
                          1, -1)
        elif shape == 1:
            cv2.ellipse(mask, tuple(int(x) for x in c), (r, int(rng.integers(r // 4, r + 1))),
                        float(rng.uniform(0, 180)), 0, 360, 1, -1)
        else:  # a bar crossing the image (pole, table edge)
            a = rng.uniform(0, np.pi)
            d = np.array([np.cos(a), np.sin(a)]) * size
            cv2.line(mask, tuple(int(x) for x in c - d), tuple(int(x) for x in c + d), 1,
                     int(rng.integers(4, size // 10)))
        tex = (0.75 + 0.25 * _noise_field(size, rng, 3))[..., None] * np.array(col, np.float32)
        img[mask > 0] = tex[mask > 0]
        mask[:] = np.where(mask > 0, 2, 0)
    labels[mask > 0] = 0


def camera_artefacts(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur, noise, colour jitter, JPEG and greyscale on img (S, S, 3) float [0, 1] -> uint8 RGB."""
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.5))
    if rng.random() < 0.1:  # motion blur
        k = int(rng.integers(3, 9))
        ker = np.zeros((k, k), np.float32)
        ker[k // 2] = 1.0 / k
        M = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        ker = cv2.warpAffine(ker, M, (k, k))
        img = cv2.filter2D(img, -1, ker / max(ker.sum(), 1e-6))
    img = img * rng.uniform(0.7, 1.3) + rng.uniform(-0.1, 0.1)  # exposure
    grey = img.mean(2, keepdims=True)
    img = grey + (img - grey) * rng.uniform(0.6, 1.3)  # saturation
    img = np.clip(img, 0, 1) ** rng.uniform(0.8, 1.25)
    if rng.random() < 0.5:
        img = img + rng.normal(0, rng.uniform(0.005, 0.04), img.shape)
    out = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    if rng.random() < 0.1:
        out = np.repeat(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    if rng.random() < 0.5:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 95))])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)
