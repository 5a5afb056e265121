"""The render thread (widgets/render_host.py) on the real renderer and real GL: frames come back by signal on
the GUI thread, a newer request supersedes one not drawn yet, and its per-vertex lighting matches the
per-pixel LitRaster within a small tolerance."""
import numpy as np
import pytest
from PySide6.QtCore import QThread

from inference.types import BodyParams


@pytest.fixture
def host(qtbot, body_model):
    from widgets.render_host import RenderHost

    h = RenderHost()
    with qtbot.waitSignal(h.ready, timeout=60000):
        h.set_body(body_model.faces, body_model.weights)
    assert h.is_ready and h.error is None
    yield h
    h.close()


@pytest.fixture
def body(body_model):
    return body_model.mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10), np.array([0.0, 0.3, -3.0])))


def orbit_job(vertices, w=200, h=260, yaw=0.4):
    from inference.render import orbit_pose
    from widgets.render_host import RenderJob

    v = np.asarray(vertices, np.float32)
    centre = (v.min(0) + v.max(0)) / 2
    return RenderJob(v, w, h, pose=orbit_pose(yaw, 0.1, 3.0, centre), yfov=0.6)


def test_frames_come_back_by_signal_from_the_render_thread(qtbot, host, body):
    from PySide6.QtWidgets import QApplication

    assert host._worker.thread() is not QApplication.instance().thread()
    got = []
    host.frameReady.connect(lambda key, serial, image, ms: got.append((key, serial, image, QThread.currentThread())))
    first = host.request("view", orbit_job(body.vertices, yaw=0.0))
    second = host.request("view", orbit_job(body.vertices, yaw=1.0))  # supersedes the first unless already drawn
    other = host.request("other", orbit_job(body.vertices, 120, 160))
    qtbot.waitUntil(lambda: any(g[1] == second for g in got) and any(g[1] == other for g in got), timeout=20000)
    assert all(g[3] is QApplication.instance().thread() for g in got)  # delivered on the GUI thread
    views = [g for g in got if g[0] == "view"]
    assert [g[1] for g in views] in ([first, second], [second])  # in order; the older one at most once
    image = views[-1][2]
    assert (image.width(), image.height()) == (200, 260)
    alpha = np.frombuffer(image.constBits(), np.uint8).reshape(260, image.bytesPerLine())[:, 3:800:4]
    assert 0.05 < (alpha > 0).mean() < 0.8  # a body, not an empty or full frame


def test_vertex_lighting_matches_the_per_pixel_shader(host, body):
    from inference.raster import LitRaster

    job = orbit_job(body.vertices, 240, 320)
    fast = host.render(job)
    r = host._worker.renderer  # touched only while the render thread is idle (render() has returned)
    vertex_lit, r._lit = r._lit, None
    assert type(vertex_lit) is not LitRaster  # the host draws with its per-vertex raster
    try:
        ref = host.render(job)  # the render thread makes the renderer's own per-pixel LitRaster
        assert type(r._lit) is LitRaster
    finally:
        r._lit = vertex_lit
    on = ref[..., 3] > 0
    assert np.array_equal(on, fast[..., 3] > 0)  # the same silhouette
    d = np.abs(ref[..., :3].astype(int) - fast[..., :3]).max(-1)[on]
    assert d.mean() < 2.0 and np.percentile(d, 99) <= 6, (d.mean(), np.percentile(d, 99))
    assert d.max() > 0  # two different shaders did run


def test_a_closed_host_answers_no_more(qtbot, body_model, body):
    from widgets.render_host import RenderHost

    h = RenderHost()
    with qtbot.waitSignal(h.ready, timeout=60000):
        h.set_body(body_model.faces, body_model.weights)
    assert h.render(orbit_job(body.vertices)).shape == (260, 200, 4)
    h.close()
    h.close()  # idempotent
    assert h._worker.renderer is None
