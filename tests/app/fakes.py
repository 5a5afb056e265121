"""A stand-in for inference.pipeline.Predictor with the same contract, for app/widget tests that
must not depend on trained weights: it frames the mean body in a centred square crop and
rasterises its part labels, so every view downstream gets real, consistent data."""
from __future__ import annotations

import time

import cv2
import numpy as np

from inference.camera import CROP_SIZE, FOCAL, framing_translation
from inference.crop import apply_crop, crop_for_box
from inference.geometry import project_points
from inference.parts import vertex_part_labels
from inference.types import BodyParams, Camera, PartMap, Prediction, Timings


class PredictionError(ValueError):
    """Same name as inference.pipeline.PredictionError (bad input, no person)."""


class Cancelled(Exception):
    pass


class FakePredictor:
    seg_res = 128  # like the real predictor, part maps come at the segmentation resolution

    def __init__(self, body_model, delay: float = 0.0, fail_on_uniform: bool = True):
        self.body_model = body_model
        self.delay = delay
        self.fail_on_uniform = fail_on_uniform
        self.calls = 0
        self.labels_v = vertex_part_labels(body_model.weights)

    def predict(self, image, cancel=None) -> Prediction:
        self.calls += 1
        img = np.asarray(image)
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise PredictionError(f"expected an RGB uint8 image, got {img.shape} {img.dtype}")
        if self.fail_on_uniform and float(img.std()) < 1.0:
            raise PredictionError("no person found in the image")
        t0 = time.perf_counter()
        end = t0 + self.delay
        while time.perf_counter() < end:
            if cancel is not None and cancel():
                raise Cancelled("cancelled")
            time.sleep(0.01)
        h, w = img.shape[:2]
        S = CROP_SIZE
        side = 0.9 * min(h, w)  # a centred square "person box"
        crop = crop_for_box(((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2), img.shape, S, pad=1.0)
        crop_image = apply_crop(img, crop)
        rest = self.body_model.mesh(BodyParams.zeros(0.0).with_(transl=np.zeros(3)))
        transl = framing_translation(rest.vertices, FOCAL, S)
        params = BodyParams.zeros().with_(transl=transl)
        mesh = self.body_model.mesh(params)
        labels = self.rasterise(mesh.vertices, mesh.faces, S)
        labels = cv2.resize(labels, (self.seg_res, self.seg_res), interpolation=cv2.INTER_NEAREST)
        j2d = np.asarray(project_points(mesh.joints, FOCAL, S), np.float32)
        t = time.perf_counter() - t0
        return Prediction(img, crop, crop_image, PartMap(labels), params, mesh, Camera(FOCAL, S), j2d,
                          Timings(crop=0.001, segment=t / 2, fit=t / 2, body=0.002))

    def rasterise(self, vertices, faces, S):
        uv = np.asarray(project_points(vertices, FOCAL, S), np.float64)
        labels = np.zeros((S, S), np.uint8)
        face_lab = self.labels_v[faces[:, 0]]
        depth = -vertices[faces].mean(1)[:, 2]
        order = np.argsort(-depth)  # far to near
        tris = np.round(uv[faces[order]] * 4).astype(np.int32)  # 2 bits of sub-pixel precision
        for k in range(12):
            sel = tris[face_lab[order] == k]
            if len(sel):
                cv2.fillPoly(labels, list(sel), int(k + 1), lineType=cv2.LINE_8, shift=2)
        return labels


def factory_for(body_model, **kw):
    """A predictor factory (ModelConfig -> predictor) sharing one FakePredictor."""
    pred = FakePredictor(body_model, **kw)

    def factory(_cfg):
        return pred

    factory.predictor = pred
    return factory


def person_image(h: int = 360, w: int = 300, seed: int = 0) -> np.ndarray:
    """A non-uniform RGB test photo (gradient + noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), np.full_like(x, 120)], -1)
    img = img + rng.integers(0, 20, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_png(path, img: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(img[..., ::-1]) if img.ndim == 3 else img)
    assert ok
    buf.tofile(str(path))


# ----------------------------------------------------------------------------- shared fixtures
# Imported by tests/app/conftest.py and tests/widgets/conftest.py.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def body_model():
    from inference.body_model import BodyModel

    return BodyModel()


@pytest.fixture
def app_settings(tmp_path):
    from PySide6.QtCore import QSettings

    from app.settings import AppSettings

    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def fake_factory(body_model):
    return factory_for(body_model)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "person.png"
    write_png(path, person_image())
    return path


def make_dataset(folder, body_model, n: int = 3):
    """A tiny labelled set in UP-3D layout whose ground truth is what FakePredictor predicts."""
    from inference.export import save_params
    from inference.parts import PALETTE

    from app.derived import parts_on_image

    folder.mkdir(parents=True, exist_ok=True)
    pred = FakePredictor(body_model)
    ids = []
    for i in range(n):
        cid = f"{i + 1:05d}"
        img = person_image(300 + 20 * i, 260, seed=i)
        write_png(folder / f"{cid}_image.png", img)
        p = pred.predict(img)
        save_params(folder / f"{cid}_body.pkl", p.params, p.camera.focal, p.camera.size, body_model.name)
        labels = parts_on_image(p.parts.labels, p.crop, img.shape[:2])
        write_png(folder / f"{cid}_parts.png", PALETTE[labels])
        ids.append(cid)
    (folder / "test.txt").write_text("".join(f"/{c}_image.png\n" for c in ids))
    return ids
