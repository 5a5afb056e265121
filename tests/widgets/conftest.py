import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.app.support import (  # noqa: F401
    app_settings,
    body_model,
    dataset_copy,
    fitted,
    model_config,
    photo,
    predictor_factory,
    real_predictor,
    synth_dataset,
)


def _ptr(w) -> int:
    import shiboken6

    return shiboken6.getCppPointer(w)[0]


@pytest.fixture
def window(qtbot, app_settings, predictor_factory, model_config):
    """The real main window on the real predictor; fails the test if top-level widgets leak."""
    from app.controller import Controller
    from widgets.main_window import MainWindow

    before = {_ptr(w) for w in QApplication.topLevelWidgets()}
    controller = Controller(app_settings, predictor_factory, config=model_config)
    win = MainWindow(controller)
    win.ask_before_closing = False  # (the test closes it: tests/widgets/test_closing.py asks)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    win.deleteLater()
    controller.deleteLater()
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if _ptr(w) not in before]
    assert not leaked, f"leaked top-level widgets: {leaked}"
