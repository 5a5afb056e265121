"""The real main window opening a parameter file (drop, `main.py gui FILE`): the photo with the body projected by
the file's camera, the sliders set from the file, the parts panel saying there is no part map, exports; a broken
file leaves what was shown. Assertions on grabbed pixels, widget state and files."""
from __future__ import annotations

import cv2
import numpy as np

from app.photo_mapping import parts_on_image
from tests.app.support import write_params_files
from tests.widgets.test_main_window import drop, export_and_wait, grab, shown


def wait_opened(qtbot, window, path):
    qtbot.waitUntil(lambda: window.session.prediction is not None
                    and window.session.prediction.params_file == str(path), timeout=30000)
    shown(qtbot, window.mesh_view)
    return window.session.prediction


def test_dropped_parameter_file_shows_body_on_its_photo(qtbot, window, fitted, tmp_path):
    pred, cam, body = fitted
    path = write_params_files(tmp_path, fitted)["_body.pkl"]
    drop(window, [path])
    opened = wait_opened(qtbot, window, path)
    assert window.windowTitle() == "NBF Studio — person_body.pkl on person.png"
    assert "from person_body.pkl" in window.photo.people_note.text()
    assert window.view_bar.fit.currentData() == "file" and not window.view_bar.fit.isEnabled()
    # the photo is shown, the body projected by the file's camera onto the person the model found there
    photo = grab(window.photo.canvas)
    assert photo.std() > 10
    rgba = window.photo.render_overlay()
    h, w = window.session.shown.display.shape[:2]
    body_px = cv2.resize((rgba[..., 3] > 0).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    person = parts_on_image(pred.parts, pred.crop, (h, w), window.session.shown.scale) > 0
    iou = (body_px & person).sum() / max(1, (body_px | person).sum())
    assert iou > 0.5, iou
    # no part map: said plainly, no stale map or photo in the parts panel
    assert window.segmentation.canvas._base is None
    assert "No part map: person_body.pkl" in window.segmentation.canvas._hint
    assert window.segmentation.legend.isHidden()
    # the sliders hold the file's shape
    for k in range(3):
        assert abs(window.inspector.betas[k].value() - float(opened.params.betas[k])) < 0.02
    export_and_wait(qtbot, window, tmp_path / "out_skinned.glb", skinned=True)
    assert (tmp_path / "out_skinned.glb").stat().st_size > 10000
    assert window._default_stem() == str(tmp_path / "person")  # exports are offered beside the file


def test_gui_command_opens_a_parameter_file_without_its_photo(qtbot, window, fitted, tmp_path):
    """`main.py gui FILE` (MainWindow.start): the body alone on a blank stand-in, and the status bar says why."""
    path = write_params_files(tmp_path, fitted, photo=False)[".json"]
    window.start([str(path)])
    wait_opened(qtbot, window, path)
    assert "no photo found beside person.json" in window.statusBar().currentMessage()
    assert window.photo.people_note.text() == "from person.json (no photo)"
    assert "no photo found beside person.json" in window.photo.people_note.toolTip()
    assert window.windowTitle() == "NBF Studio — person.json"
    assert window.mesh_view.is_current()
    view = grab(window.mesh_view)
    assert (np.abs(view.astype(int) - view[2, 2].astype(int)).sum(-1) > 30).mean() > 0.01  # a body is drawn


def test_broken_parameter_file_keeps_what_was_shown(qtbot, window, fitted, tmp_path):
    path = write_params_files(tmp_path, fitted)[".npz"]
    drop(window, [path])
    opened = wait_opened(qtbot, window, path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"pose": "walking", "betas": [0]}')
    drop(window, [bad])
    qtbot.waitUntil(lambda: "bad.json" in window.banner.text, timeout=10000)
    assert "\n" not in window.banner.text and "pose is not numeric" in window.banner.text
    assert window.session.prediction is opened
    assert "No part map" in window.segmentation.canvas._hint
    # opening a photo afterwards gives the parts panel back its photo and map
    drop(window, [tmp_path / "person.png"])
    qtbot.waitUntil(lambda: window.session.prediction is not None and not window.session.prediction.params_file
                    and not window.session.busy, timeout=60000)
    assert window.segmentation.canvas._base is not None and not window.segmentation.legend.isHidden()
    assert window.view_bar.fit.findData("file") < 0
