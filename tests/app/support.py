"""Shared fixtures of the app and widget tests: the real two-stage Predictor (built once per session
through app.worker.default_predictor_factory, on the CPU), real images (the bundled synthetic samples
and photos), a uniform grey image and a truncated JPEG for the failure paths, and a small labelled set
rendered by the project's own synthetic-data generator.

The trained weights are an evolving checkpoint: assertions on model output use loose, stated bounds.
"""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference.paths import RESOURCES

SAMPLES = RESOURCES / "samples"
PHOTOS = RESOURCES / "photos"
SAMPLE = SAMPLES / "synthetic_01.png"
TWO_PEOPLE = PHOTOS / "two_people.jpg"
DATASET_SEED = 20181  # the fixed synthetic test split's seed: case i is the same as data/synth_test's


def write_png(path, img: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(img[..., ::-1]) if img.ndim == 3 else img)
    assert ok
    buf.tofile(str(path))


def read_rgb(path) -> np.ndarray:
    from inference.image_io import load_image

    return load_image(path)


def grey_image(h: int = 200, w: int = 160) -> np.ndarray:
    """A uniform grey picture: nobody in it."""
    return np.full((h, w, 3), 128, np.uint8)


def truncated_jpeg(path: Path) -> Path:
    """The first 3 kB of a real photo: the JPEG ends before the image does."""
    path.write_bytes(TWO_PEOPLE.read_bytes()[:3000])
    return path


def detector_ready() -> tuple[bool, str]:
    try:
        from inference.detect import detector_available
    except ImportError as exc:  # pragma: no cover - the package is part of the project
        return False, str(exc)
    return detector_available()


class SharedPredictor:
    """The session's real Predictor, shared by every worker thread of every test: calls are serialised
    (one TFLite interpreter must not run two images at once). Output is the real predictor's."""

    def __init__(self, predictor):
        self.inner = predictor
        self.body_model = predictor.body_model
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, image, box=None, cancel=None, person: int = 0, **kw):
        with self._lock:
            return self.inner.predict(image, box=box, cancel=cancel, person=person, **kw)

    def predict_case(self, image, cancel=None):
        with self._lock:
            return self.inner.predict_case(image, cancel)

    def predict_box(self, image, box, cancel=None):
        with self._lock:
            return self.inner.predict_box(image, box, cancel)


class SlowPredictor:
    """The real predictor behind a delay (cancellable like the real stages), so that a test can send a
    newer request while an older one is still running. calls counts the predictions that started, ended those
    that returned or raised (a cancelled one too)."""

    def __init__(self, predictor, delay: float):
        self.inner = predictor
        self.body_model = predictor.body_model
        self.warnings = predictor.warnings
        self.delay = delay
        self.calls = 0
        self.ended = 0

    def _wait(self, cancel) -> None:
        from inference.pipeline import Cancelled

        self.calls += 1
        end = time.perf_counter() + self.delay
        while time.perf_counter() < end:
            if cancel is not None and cancel():
                raise Cancelled("cancelled")
            time.sleep(0.01)

    def predict(self, image, box=None, cancel=None, person: int = 0, **kw):
        try:
            self._wait(cancel)
            return self.inner.predict(image, box=box, cancel=cancel, person=person, **kw)
        finally:
            self.ended += 1

    def predict_box(self, image, box, cancel=None, **kw):
        try:
            self._wait(cancel)
            return self.inner.predict_box(image, box, cancel, **kw)
        finally:
            self.ended += 1


def caught_up(qtbot, *workers, timeout: int = 30000) -> None:
    """Return once each of `workers` (QObjects, each living in a thread of its own) has handled every call queued to
    it before now, and this thread every signal they sent meanwhile: a job dropped while it ran has ended, and its
    answers have arrived (and been dropped) or never will. A test asserts after it that the dropped job changed
    nothing (after a fixed wait, an answer arriving later passed untested)."""
    from PySide6.QtCore import QCoreApplication, QTimer

    for worker in workers:
        reached = threading.Event()
        QTimer.singleShot(0, worker, reached.set)  # runs in the worker's thread, after the calls queued before it
        qtbot.waitUntil(reached.is_set, timeout=timeout)
    QCoreApplication.sendPostedEvents()  # the signals the workers sent before `reached`, delivered here
    QCoreApplication.processEvents()  # and what handling them queued in this thread


def gate_looks(in_flight) -> list[int]:
    """Count the looks a run waiting at `in_flight` (an app.worker.InFlight: "Run all" and the Dataset tab's run
    wait there while an interactive request is in flight) takes at the gate: the list gets an entry at each look.
    A test that asserts a paused run started nothing waits for a few looks, not for a while."""
    looks: list[int] = []
    wait_free = in_flight.wait_free
    in_flight.wait_free = lambda stop: wait_free(lambda: looks.append(1) or stop())
    return looks


def threads_ended(qtbot, name: str, timeout: int = 30000) -> None:
    """Return once no thread called `name` is alive and this thread has handled what they sent it: the controller's
    plain background threads ("nbf-decode", the large-image decoder; "nbf-body-load", the body-model loader) send
    their answer through a Relay as their last act, so after it a dropped answer has arrived (and been dropped)."""
    from PySide6.QtCore import QCoreApplication

    qtbot.waitUntil(lambda: not any(t.name == name and t.is_alive() for t in threading.enumerate()), timeout=timeout)
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()


def factory_for(predictor, base_config):
    """A predictor factory (ModelConfig -> predictor): the given predictor for `base_config`, a real one
    built by the app's default factory for any other settings (e.g. refinement switched on)."""
    from app.worker import default_predictor_factory

    def factory(cfg):
        return predictor if cfg == base_config else default_predictor_factory(cfg)

    factory.predictor = predictor
    return factory


def make_dataset(folder: Path, n: int = 3) -> list[str]:
    """n labelled synthetic people in UP-3D layout, rendered by training.synth (cases 0..n-1 of the
    fixed test split's seed), all listed in test.txt."""
    from inference.body_model import BodyModel
    from inference.datasets import write_sample, write_splits
    from training.synth.generator import SampleRenderer

    folder.mkdir(parents=True, exist_ok=True)
    r = SampleRenderer(BodyModel())
    try:
        for i in range(n):
            write_sample(folder, i, r.render(DATASET_SEED, i))
    finally:
        r.renderer.close()
    write_splits(folder, n, "test")
    return [f"{i:05d}" for i in range(n)]


PARAM_FORMATS = (".npz", ".json", "_body.pkl")  # the parameter files `main.py predict` and the app write


def write_params_files(folder: Path, fitted, name: str = "person", photo: bool = True,
                       body_model: str | None = None) -> dict:
    """NAME.npz, NAME.json, NAME_body.pkl of a `fitted` result (the fixture) as `main.py predict` writes them
    (inference.export.save_params with the photo camera), and the photo beside them as NAME.png unless
    photo=False; body_model: the name recorded (default the real one). Returns {suffix: path}."""
    from inference.export import save_params

    pred, cam, body = fitted
    folder.mkdir(parents=True, exist_ok=True)
    if photo:
        shutil.copy(SAMPLE, folder / f"{name}.png")
    return {s: save_params(folder / f"{name}{s}", pred.params, pred.camera.focal, pred.camera.size,
                           body.name if body_model is None else body_model, photo=cam) for s in PARAM_FORMATS}


# ----------------------------------------------------------------------------- fixtures
# Imported by tests/app/conftest.py and tests/widgets/conftest.py.
@pytest.fixture(scope="session")
def model_config():
    from app.settings import ModelConfig

    return ModelConfig(device="cpu")


@pytest.fixture(scope="session")
def real_predictor(model_config):
    """The real two-stage Predictor (embedded body model, shipped weights, CPU), built once."""
    from app.worker import default_predictor_factory
    from inference.pipeline import WEIGHTS_DIR, PredictionError

    missing = [f for f in ("seg.pt", "fit.pt") if not (WEIGHTS_DIR / f).is_file()]
    if missing:
        pytest.skip(f"no trained weights ({', '.join(missing)}) in {WEIGHTS_DIR}")
    try:
        return SharedPredictor(default_predictor_factory(model_config))
    except PredictionError as exc:
        pytest.fail(f"the shipped weights do not load: {exc}")


@pytest.fixture
def predictor_factory(real_predictor, model_config):
    return factory_for(real_predictor, model_config)


@pytest.fixture(scope="session")
def body_model():
    from inference.body_model import BodyModel

    return BodyModel()


@pytest.fixture
def controller(qtbot, app_settings, predictor_factory, model_config):
    """A Controller on the real predictor (shut down after the test)."""
    from app.controller import Controller

    c = Controller(app_settings, predictor_factory, config=model_config)
    yield c
    c.shutdown()


@pytest.fixture
def slow_controller(qtbot, app_settings, real_predictor, model_config):
    """A Controller on the real predictor slowed down (SlowPredictor, 0.6 s a call): a job is still running when a
    test acts; `.slow` is the predictor."""
    from app.controller import Controller

    slow = SlowPredictor(real_predictor, delay=0.6)
    c = Controller(app_settings, lambda cfg: slow, config=model_config)  # the same model for every setting
    c.slow = slow
    yield c
    c.shutdown()


def wait_result(qtbot, c, timeout: int = 30000):
    """The controller's prediction once it has one and runs nothing."""
    qtbot.waitUntil(lambda: c.session.prediction is not None and not c.session.busy, timeout=timeout)
    return c.session.prediction


@pytest.fixture
def app_settings(tmp_path):
    from PySide6.QtCore import QSettings

    from app.settings import AppSettings

    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def photo():
    """A synthetic person of the kind the model was trained on (256 x 256)."""
    return SAMPLE


@pytest.fixture(scope="session")
def synth_dataset(tmp_path_factory):
    """Three labelled synthetic cases in UP-3D layout (read-only: copy it before changing it)."""
    folder = tmp_path_factory.mktemp("synth") / "set"
    make_dataset(folder, 3)
    return folder


@pytest.fixture
def dataset_copy(synth_dataset, tmp_path):
    return Path(shutil.copytree(synth_dataset, tmp_path / "set"))


@pytest.fixture(scope="session")
def fitted(real_predictor):
    """(Prediction, its PhotoCamera, the body model): the real predictor's fit of the synthetic sample and the
    photo camera the exporter writes with it (write_params_files)."""
    from inference.photo_camera import photo_camera_for

    pred = real_predictor.predict(read_rgb(SAMPLE))
    return pred, photo_camera_for(pred, body_model=real_predictor.body_model), real_predictor.body_model
