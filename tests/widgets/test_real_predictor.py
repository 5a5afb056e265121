"""The main window on the real two-stage Predictor (runs once inference/pipeline.py and trained
weights are present; skipped otherwise)."""
import numpy as np
import pytest

pipeline = pytest.importorskip("inference.pipeline")


@pytest.fixture
def real_window(qtbot, app_settings):
    if not (pipeline.WEIGHTS_DIR / "seg.pt").exists() or not (pipeline.WEIGHTS_DIR / "fit.pt").exists():
        pytest.skip(f"no trained weights in {pipeline.WEIGHTS_DIR}")
    from app.controller import Controller
    from app.settings import ModelConfig
    from widgets.main_window import MainWindow

    c = Controller(app_settings, config=ModelConfig(device="cpu"))
    w = MainWindow(c)
    w.resize(1200, 800)
    w.show()
    yield w
    w.close()
    w.deleteLater()


def test_real_prediction_on_a_sample(qtbot, real_window, tmp_path):
    from app.controller import sample_images
    from tests.app.fakes import person_image, write_png

    samples = sample_images()
    if samples:
        path = samples[0]
    else:
        path = tmp_path / "p.png"
        write_png(path, person_image())
    w = real_window
    w.controller.open_paths([path])
    qtbot.waitUntil(lambda: not w.session.busy, timeout=60000)
    if w.session.prediction is None:  # e.g. "no person" on the synthetic picture: reported, app alive
        assert w.banner.isVisible() and w.banner.text
        return
    img = w.mesh_view.grab().toImage()
    assert not img.isNull()
    labels = w.session.parts_on_display()
    assert labels.shape == w.session.shown.display.shape[:2]
    assert np.isfinite(w.session.mesh.vertices).all()
