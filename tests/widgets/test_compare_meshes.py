"""The Dataset tab's mesh pair (widgets/compare_meshes.py) on the real render thread: the prediction is drawn
in its per-vertex error colours, and the two views turn together."""
import numpy as np
import pytest

from app.qt_images import from_qimage
from inference.types import BodyParams
from widgets.compare_meshes import SCALE_MM, MeshPair, error_colors


@pytest.fixture
def pair(qtbot, body_model):
    from widgets.render_host import RenderHost

    host = RenderHost()
    with qtbot.waitSignal(host.ready, timeout=60000):
        host.set_body(body_model.faces, body_model.weights)
    w = MeshPair(host)
    w.resize(600, 420)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    w.deleteLater()
    host.close()


def _mean_body_rgb(view) -> np.ndarray:
    img = from_qimage(view.render_frame())
    body = np.abs(img.astype(int) - img[0, 0].astype(int)).sum(-1) > 30  # the corner is background
    assert body.sum() > 500
    return img[body].mean(0)


def test_error_colours_reach_the_frame_and_views_turn_together(pair, body_model):
    mesh = body_model.mesh(BodyParams.zeros(3.0))
    n = len(mesh.vertices)
    pair.set_meshes(mesh, mesh, np.zeros(n, np.float32))  # no error: the blue end of the scale
    low = _mean_body_rgb(pair.pred)
    pair.set_meshes(mesh, mesh, np.full(n, 2 * SCALE_MM, np.float32))  # beyond the scale: its red end
    high = _mean_body_rgb(pair.pred)
    assert low[2] > low[0] + 20 and high[0] > high[2] + 20
    pair.by_error.setChecked(False)  # the skin again
    skin = _mean_body_rgb(pair.pred)
    assert np.abs(skin - _mean_body_rgb(pair.gt)).max() < 8
    pair.gt.rotate(40, 10)
    assert (pair.pred.yaw, pair.pred.pitch) == (pair.gt.yaw, pair.gt.pitch) != (0.0, 0.0)
    pair.pred.zoom(2)
    assert pair.gt.distance == pytest.approx(pair.pred.distance)


def test_error_colour_ramp():
    c = error_colors(np.array([0.0, SCALE_MM / 2, SCALE_MM, 10 * SCALE_MM, np.nan]))
    assert c.shape == (5, 3) and c.dtype == np.float32 and (0 <= c).all() and (c <= 1).all()
    assert c[0, 2] > c[0, 0] and c[2, 0] > c[2, 2]  # blue at 0, red at the top
    np.testing.assert_array_equal(c[2], c[3])  # beyond the scale: its last colour
    np.testing.assert_array_equal(c[4], c[0])  # not measured: drawn as no error


def test_error_scale_numbers_are_not_cut(qtbot):
    """The mean and largest error under the label ('mean 147 · max 443 mm', wider than "refined fit's vertex
    error") were drawn right-aligned in the label's width: their first letter was cut off at the widget's edge
    ('nean 147') and their end ran into the ramp's '0'. Nothing is drawn at the widget's left edge now."""
    from widgets.compare_meshes import ErrorScale

    scale = ErrorScale()
    qtbot.addWidget(scale)
    scale.resize(700, scale.height())
    scale.set_errors(np.array([40.0, 147.0, 254.0, 443.0]), "Refined fit")
    scale.show()
    qtbot.waitExposed(scale)
    img = from_qimage(scale.grab().toImage()).astype(int)
    ink = np.abs(img - img[:, -1:].mean(0, keepdims=True).astype(int)).sum(-1) > 60  # text on the background
    numbers_row = ink[ink.shape[0] // 2:]  # the numbers' line, under the label and the ramp
    assert numbers_row.any()
    assert not ink[:, :3].any()  # every text whole: none cut at the left edge
