"""Training of the wide-shot person proposer (inference/detect/people_net.py) on synthetic crowd frames.

    python scripts/extract_backgrounds.py          # person-free real photos from the scikit-image wheel
    python main.py synth-crowd --out data/crowds_train --n 2081 --seed 7313
    python main.py train-people --data data/crowds_train --out runs/people --threads 2 --minutes 45

(the shipped weights' exact commands: resources/weights/MODEL_CARD.md). Frames (training/synth/crowd.py
layout) are read once, resized so their long side is the network's input side (INPUT_SIDE). A training
sample is a CROP x CROP window of one frame at a random scale (0.5-1.6 x, so people 15-300 px tall),
centred on a random person or anywhere, mirrored half of the time, with colour jitter. In half of the
samples the frame's drawn background is replaced by a crop of a real person-free photograph (the people
kept by the frame's id map), and a tenth are such a photograph alone: the drawn backgrounds alone teach the
network too little about what is not a person in a real photo.

Targets at stride 4 (CenterNet's recipe): a Gaussian peak at every person's hip centre (people at least
MIN_VISIBLE visible), and at the peak cell the log radius of the circle about the hips that holds the body
and the unit hips -> shoulders vector. Loss: the penalty-reduced focal loss on the heatmap + L1 on the
radius and vector. Validation: the whole held-out frames as at test time, peaks matched to people at least
half visible (F1, the number that picks best.pt).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from inference.detect.people_net import INPUT_SIDE, PEAK_MIN, STRIDE, PeopleNet, decode, network_input, predict_maps

from .config import BACKGROUNDS, PeopleConfig
from .loop import autocast, train
from .synth.crowd import frame_indices, read_frame

MIN_VISIBLE = 0.2          # people less visible than this get no peak (mostly hidden or outside the frame)
SCALES = (0.5, 1.6)        # random zoom of a frame at its input size (log-uniform)
ON_PERSON = 0.7            # share of crops centred near a person (the rest anywhere)
REAL_BACKGROUND = 0.5     # share of crops whose background is replaced by a real photo (scripts/extract_backgrounds.py)
EMPTY = 0.1               # share of crops of a real photo alone (no person: no peak)
MATCH = 0.4                # validation: a peak within this x the person's radius of their hips finds them
FROZEN_BLOCKS = 3          # encoder blocks kept at their ImageNet weights (see PeopleNet.freeze)
LSP_HIPS, LSP_SHOULDERS = (2, 3), (8, 9)


def body_circle(lsp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LSP joints + head top (n, 14, 2+) -> hip centres (n, 2), radii (n,) of the circle about the hips
    through the farthest joint, unit hips -> shoulders vectors (n, 2)."""
    xy = np.asarray(lsp, np.float64)[..., :2]
    hips = xy[:, LSP_HIPS].mean(1)
    v = xy[:, LSP_SHOULDERS].mean(1) - hips
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)
    r = np.linalg.norm(xy - hips[:, None], axis=2).max(1)
    return hips, r, v


def targets(hips: np.ndarray, radii: np.ndarray, vecs: np.ndarray, hw: tuple[int, int]):
    """People in input px (hips (n, 2), radii (n,), vectors (n, 2)) -> heat (h, w) float32 in [0, 1] with
    1 at each person's peak cell, reg (3, h, w) float32 (log(radius / STRIDE), vx, vy) and mask (h, w) bool
    (the peak cells), for an output of hw = (h, w) cells."""
    h, w = hw
    heat = np.zeros((h, w), np.float32)
    reg = np.zeros((3, h, w), np.float32)
    mask = np.zeros((h, w), bool)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for (x, y), r, v in zip(hips / STRIDE - 0.5, radii / STRIDE, vecs):
        cx, cy = int(round(x)), int(round(y))
        if not (0 <= cx < w and 0 <= cy < h):
            continue
        sigma = max(0.7, 0.12 * r)
        heat = np.maximum(heat, np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2)))
        heat[cy, cx] = 1.0
        reg[:, cy, cx] = (math.log(max(r, 0.5)), v[0], v[1])
        mask[cy, cx] = True
    return heat, reg, mask


def window_affine(centre: np.ndarray, zoom: float, side: int, mirror: bool) -> np.ndarray:
    """(2, 3) affine from an image to a side x side window centred on `centre` (2,) and zoomed by `zoom`,
    mirrored left-right when `mirror`."""
    M = np.array([[zoom, 0, side / 2 - zoom * centre[0]], [0, zoom, side / 2 - zoom * centre[1]]], np.float64)
    if mirror:
        M[0] = -M[0]
        M[0, 2] += side
    return M


MAKE_BACKGROUNDS = (f"make them with `python scripts/extract_backgrounds.py` (it writes {BACKGROUNDS}, the default), "
                    f"or give --backgrounds '' to train without real backgrounds")


def backgrounds_problem(folder: str | None) -> str:
    """Why the --backgrounds folder `folder` cannot be used ('' when it can, or when none is asked for: None or '').
    A folder named but missing or without images is refused: the run would train on the drawn backgrounds alone,
    which the weights' description does not say."""
    if not folder:
        return ""
    from inference.image_io import IMAGE_SUFFIXES

    if not Path(folder).is_dir():
        return f"--backgrounds {folder}: no such folder; {MAKE_BACKGROUNDS}"
    if not any(p.suffix.lower() in IMAGE_SUFFIXES for p in Path(folder).iterdir()):
        return f"--backgrounds {folder} holds no images; {MAKE_BACKGROUNDS}"
    return ""


def load_backgrounds(folder: str | None) -> list[np.ndarray]:
    """The person-free photos in `folder` as (H, W, 3) uint8 RGB (grey and RGBA converted); [] when no
    folder is given (None or ''). ValueError for a folder that is missing or holds no photo of at least 64 px a
    side (`backgrounds_problem`)."""
    why = backgrounds_problem(folder)
    if why:
        raise ValueError(why)
    out = []
    for path in sorted(Path(folder).glob("*")) if folder else ():
        im = cv2.imread(str(path), cv2.IMREAD_COLOR)  # grey and RGBA -> BGR
        if im is not None and min(im.shape[:2]) >= 64:
            out.append(np.ascontiguousarray(im[..., ::-1]))
    if folder and not out:
        raise ValueError(f"--backgrounds {folder} holds no photo of at least 64 px a side; {MAKE_BACKGROUNDS}")
    return out


@dataclass(frozen=True)
class PeopleLosses:
    """One batch's loss terms, scalar tensors: heat, the focal loss on the hip heatmap; reg, the L1 loss on the
    regression maps at the peak cells (both per person); total = heat + reg."""

    total: torch.Tensor
    heat: torch.Tensor
    reg: torch.Tensor


def people_losses(out: torch.Tensor, heat: torch.Tensor, reg: torch.Tensor, mask: torch.Tensor) -> PeopleLosses:
    """out (B, 4, h, w) network output; heat (B, h, w), reg (B, 3, h, w), mask (B, h, w) from `targets` -> the
    loss terms (`PeopleLosses`, scalar tensors)."""
    p = torch.sigmoid(out[:, 0]).clamp(1e-4, 1 - 1e-4)
    pos = heat >= 1.0
    n = pos.sum().clamp(min=1)
    lpos = (-(1 - p) ** 2 * torch.log(p))[pos].sum()
    lneg = (-(1 - heat) ** 4 * p ** 2 * torch.log(1 - p))[~pos].sum()
    lheat = (lpos + lneg) / n
    m = mask[:, None].expand_as(reg)
    lreg = F.l1_loss(out[:, 1:][m], reg[m], reduction="sum") / n if m.any() else out.sum() * 0
    return PeopleLosses(total=lheat + lreg, heat=lheat, reg=lreg)


@dataclass(frozen=True)
class PeopleScore:
    """Validation on whole held-out frames: peaks above PEAK_MIN matched to people at least half visible."""

    f1: float
    recall: float
    precision: float
    radius_error: float  # median |log(predicted / true radius)| of the matched peaks

    @property
    def value(self) -> float:
        return self.f1

    def describe(self) -> str:
        return (f"val F1 {self.f1:.3f} (recall {self.recall:.3f}, precision {self.precision:.3f}, "
                f"radius error {self.radius_error:.3f})")


class PeopleTask:
    """The person proposer as training/loop.py's `train` drives it."""

    name = "train-people"
    higher_is_better = True

    def __init__(self, cfg: PeopleConfig):
        self.cfg = cfg

    def load(self, device: torch.device) -> int:
        self.backgrounds = load_backgrounds(self.cfg.backgrounds)
        self.images, self.people, self.masks = [], [], []
        limit = self.cfg.max_samples or None
        for folder in str(self.cfg.data).split(","):
            folder = Path(folder)
            for i in frame_indices(folder)[:None if limit is None else limit - len(self.images)]:  # over all folders
                f = read_frame(folder, i)
                img, s = network_input(f.image, INPUT_SIDE)
                h, w = round(f.image.shape[0] * s), round(f.image.shape[1] * s)
                self.images.append(img[:h, :w])
                self.masks.append(cv2.resize(f.ids, (w, h), interpolation=cv2.INTER_NEAREST) > 0)
                P = f.people
                hips, r, v = body_circle(P["lsp2d"])
                keep = P["visible"] >= MIN_VISIBLE
                self.people.append(dict(hips=hips[keep] * s, r=r[keep] * s, v=v[keep],
                                        counted=(P["visible"][keep] >= 0.5)))
        if not self.images:
            raise ValueError(f"no crowd frames in {self.cfg.data}: train-people trains on the frames of "
                             f"`main.py synth-crowd`")
        return len(self.images)

    def notes(self) -> list[str]:
        """What the log says of the real backgrounds (training/loop.py writes it)."""
        if not self.backgrounds:
            return ["no real backgrounds (--backgrounds ''): the crops keep the frames' drawn backgrounds"]
        return [f"{len(self.backgrounds)} real backgrounds from {self.cfg.backgrounds}"]

    def build_net(self, device: torch.device) -> torch.nn.Module:
        self.net = PeopleNet(self.cfg.width, self.cfg.pretrained).to(device)
        self.net.freeze(FROZEN_BLOCKS)
        return self.net

    def adapt_init(self, state: dict) -> dict:
        return state

    def begin(self, device: torch.device, rank: int, train_idx: np.ndarray) -> None:
        self.device = device
        self.rng = np.random.default_rng([self.cfg.seed, rank])

    def generators(self) -> list[np.random.Generator]:
        return [self.rng]  # (stored in latest.pt, restored on a resume: training/loop.py)

    def sample(self, i: int, rng: np.random.Generator):
        """One training crop of frame i: (image (C, C, 3) uint8, heat, reg, mask) (see `targets`)."""
        C = self.cfg.crop
        img, P = self.images[i], self.people[i]
        empty = self.backgrounds and rng.random() < EMPTY
        if empty:
            crop = self.background(rng)
            heat, reg, mask = targets(np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)), (C // STRIDE, C // STRIDE))
            return self.jitter(crop, rng), heat, reg, mask
        f = math.exp(rng.uniform(math.log(SCALES[0]), math.log(SCALES[1])))
        if len(P["hips"]) and rng.random() < ON_PERSON:
            c = P["hips"][rng.integers(len(P["hips"]))] + rng.normal(0, 0.25 * C / f, 2)
        else:
            c = rng.uniform([0, 0], [img.shape[1], img.shape[0]])
        flip = rng.random() < 0.5
        M = window_affine(c, f, C, flip)
        crop = cv2.warpAffine(img, M, (C, C), flags=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        if self.backgrounds and rng.random() < REAL_BACKGROUND:
            person = cv2.warpAffine(self.masks[i].astype(np.uint8), M, (C, C), flags=cv2.INTER_NEAREST,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
            inside = cv2.warpAffine(np.ones(img.shape[:2], np.uint8), M, (C, C), flags=cv2.INTER_NEAREST,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
            crop = np.where(person[..., None], crop, np.where(inside[..., None], self.background(rng), 0))
        hips = P["hips"] @ M[:, :2].T + M[:, 2]
        v = P["v"] * np.array([-1.0 if flip else 1.0, 1.0])
        heat, reg, mask = targets(hips, P["r"] * f, v, (C // STRIDE, C // STRIDE))
        return self.jitter(crop, rng), heat, reg, mask

    def background(self, rng: np.random.Generator) -> np.ndarray:
        """A (CROP, CROP, 3) uint8 RGB window of a random real background at a random scale, maybe mirrored."""
        C = self.cfg.crop
        bg = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
        f = math.exp(rng.uniform(math.log(0.4), math.log(2.0)))
        c = rng.uniform([0, 0], [bg.shape[1], bg.shape[0]])
        M = window_affine(c, f, C, rng.random() < 0.5)
        return cv2.warpAffine(bg, M, (C, C), flags=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT_101)

    @staticmethod
    def jitter(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Colour: brightness and contrast, sometimes grey; crop (H, W, 3) uint8 -> (H, W, 3) uint8."""
        x = crop.astype(np.float32)
        x = (x - x.mean()) * rng.uniform(0.7, 1.3) + x.mean() * rng.uniform(0.75, 1.25)
        if rng.random() < 0.1:
            x = np.repeat(x.mean(2, keepdims=True), 3, 2)
        return np.clip(x, 0, 255).astype(np.uint8)

    def loss(self, model: torch.nn.Module, idx: np.ndarray) -> PeopleLosses:
        items = [self.sample(int(i), self.rng) for i in idx]
        img = torch.from_numpy(np.stack([it[0] for it in items])).permute(0, 3, 1, 2).float().div(255)
        heat, reg, mask = (torch.from_numpy(np.stack([it[k] for it in items])) for k in (1, 2, 3))
        with autocast(self.device, self.cfg.bf16):
            out = model(img.to(self.device))
        return people_losses(out.float(), heat.to(self.device), reg.to(self.device), mask.to(self.device))

    def shown(self, losses: PeopleLosses) -> dict[str, float]:
        return {"heat": float(losses.heat.detach()), "reg": float(losses.reg.detach())}

    @torch.no_grad()
    def validate(self, net: torch.nn.Module, val_idx: np.ndarray) -> PeopleScore:
        net.eval()
        tp = n_true = n_peaks = 0
        errs = []
        for i in val_idx:
            img, P = self.images[int(i)], self.people[int(i)]
            maps, s = predict_maps(net, img)  # the frames are stored at the input size: s = 1
            props = decode(maps, s, PEAK_MIN)
            n_peaks += len(props)
            taken = np.zeros(len(props), bool)
            for hip, r, counted in zip(P["hips"], P["r"], P["counted"]):
                inside = 0 <= hip[0] < img.shape[1] and 0 <= hip[1] < img.shape[0]
                d = [np.hypot(*(p.hips - hip)) if not taken[k] else np.inf for k, p in enumerate(props)]
                k = int(np.argmin(d)) if d else -1
                hit = k >= 0 and d[k] < MATCH * r
                if hit:
                    taken[k] = True
                    errs.append(abs(math.log(props[k].radius / r)))
                if counted and inside:
                    n_true += 1
                    tp += int(hit)
        net.train()
        rec = tp / max(n_true, 1)
        prec = len(errs) / max(n_peaks, 1)  # peaks on anyone at least MIN_VISIBLE visible are not false
        f1 = 2 * rec * prec / max(rec + prec, 1e-9)
        return PeopleScore(f1=f1, recall=rec, precision=prec,
                           radius_error=float(np.median(errs)) if errs else float("nan"))

    def meta(self) -> dict:
        return {"width": self.cfg.width, "input_side": INPUT_SIDE}


def train_people(cfg: PeopleConfig) -> Path:
    """Train (or resume) the person proposer in cfg.out; returns the path of best.pt."""
    return train(PeopleTask(cfg))
