"""Run all writes the fits made on screen as they are (app.batch_run.FitsOnHandFirst, Controller.fits_on_hand):
a photo looked at before the batch is not fitted again, unless its file changed since; every person of a photo
whose people were all fitted on screen is written without a single fit."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from app.image_status import DONE
from inference.export import load_params
from tests.app.support import TWO_PEOPLE, detector_ready, factory_for, wait_result, write_png
from tests.tiny_weights import write_tiny_weights


class Counted:
    """A predictor whose calls on files (the batch's: the controller sends decoded arrays) are recorded by name."""

    def __init__(self, predictor):
        self.inner = predictor
        self.body_model = predictor.body_model
        self.warnings = predictor.warnings
        self.files: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, image, cancel=None, person: int = 0, **kw):
        if isinstance(image, (str, Path)):
            with self._lock:
                self.files.append((Path(image).name, person))
        return self.inner.predict(image, cancel=cancel, person=person, **kw)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The real Predictor on tiny untrained networks, no detector (the whole image is the person)."""
    from inference.pipeline import Predictor

    return Predictor(detect="off", weights_dir=write_tiny_weights(tmp_path_factory.mktemp("tiny")), device="cpu")


def _run_all(qtbot, c, out: Path, **kwargs):
    with qtbot.waitSignal(c.folder.finished, timeout=120000) as done:
        assert c.folder.run_all(out, on_hand=c.fits_on_hand(), **kwargs)
    return done.args[0]


def test_the_photo_fitted_on_screen_is_written_not_fitted_again(qtbot, app_settings, tiny, model_config, tmp_path):
    from app.controller import Controller

    rng = np.random.default_rng(5)
    images = [tmp_path / "photos" / f"img{i}.png" for i in range(3)]
    images[0].parent.mkdir()
    for p in images:
        write_png(p, rng.integers(0, 256, (64, 48, 3), np.uint8))
    counted = Counted(tiny)
    c = Controller(app_settings, factory_for(counted, model_config), config=model_config)
    try:
        assert c.open_paths([images[0].parent])
        shown = wait_result(qtbot, c)  # the first image, fitted as the folder opened
        assert [(f.key, f.person) for f in c.fits_on_hand()] == [(str(images[0].resolve()), 0)]
        out = tmp_path / "out"
        text = _run_all(qtbot, c, out)
        assert text.startswith("3 written"), text
        assert counted.files == [("img1.png", 0), ("img2.png", 0)]  # img0 was not fitted again
        status = c.folder.model.statuses[0]
        assert status.state == DONE and "person 1: the fit made on screen (not fitted again)" in status.message
        written = load_params(out / "img0.npz")
        assert np.allclose(written.pose, shown.params.pose, atol=1e-6)
        assert np.allclose(written.transl, shown.params.transl, atol=1e-5)
        # the file changed since it was fitted on screen: fitted again
        write_png(images[0], rng.integers(0, 256, (64, 48, 3), np.uint8))
        counted.files.clear()
        assert _run_all(qtbot, c, out, overwrite=True).startswith("3 written")
        assert counted.files == [("img0.png", 0), ("img1.png", 0), ("img2.png", 0)]
        assert "made on screen" not in c.folder.model.statuses[0].message
    finally:
        c.shutdown()


def test_every_person_fitted_on_screen_is_written_without_a_fit(qtbot, app_settings, real_predictor, model_config,
                                                                tmp_path):
    """two_people.jpg, both people fitted on screen ("fit everyone"): Run all with every person writes both and
    their scene with no fit at all; the files hold the fits shown."""
    from app.controller import Controller

    ready, why = detector_ready()
    if not ready:
        pytest.skip(why)
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(TWO_PEOPLE, folder / "two_people.jpg")
    counted = Counted(real_predictor)
    c = Controller(app_settings, factory_for(counted, model_config), config=model_config)
    try:
        c.folder.set_images([folder / "two_people.jpg"])  # (a folder of one photo opens as that photo alone)
        assert c.open_paths([folder / "two_people.jpg"])
        wait_result(qtbot, c, timeout=120000)
        assert c.fit_everyone() == 1
        qtbot.waitUntil(lambda: not c.session.busy and set(c.session.results) == {0, 1}, timeout=120000)
        fits = {k: r.prediction for k, r in c.session.results.items()}
        out = tmp_path / "out"
        text = _run_all(qtbot, c, out, all_people=True)
        assert text.startswith("1 written") and counted.files == [], (text, counted.files)
        status = c.folder.model.statuses[0]
        assert "people 1 and 2: the fit made on screen" in status.message and status.people == 2, status
        assert (out / "two_people_scene.glb").is_file()
        for k, name in ((0, "two_people"), (1, "two_people_p2")):
            assert np.allclose(load_params(out / f"{name}.npz").pose, fits[k].params.pose, atol=1e-6), name
    finally:
        c.shutdown()
