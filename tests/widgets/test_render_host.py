"""The render thread (widgets/render_host.py) on the real renderer and real GL: frames come back by signal on
the GUI thread, a newer request supersedes one not drawn yet, and a frame is the renderer's per-vertex lit
render of the job's camera and lights, whatever was drawn before it."""
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
    from inference.render.cameras import orbit_pose
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


def test_a_frame_is_the_per_vertex_lit_render_of_its_camera_and_lights(host, body, body_model):
    from inference.render.cameras import PinholeCamera
    from inference.render.lights import Lights
    from inference.render.renderer import SKIN, MeshRenderer
    from widgets.render_host import RenderJob

    v = np.asarray(body.vertices, np.float32)
    job = orbit_job(v, 240, 320)
    warm = Lights.of([(np.array([-0.4, 0.6, 1.0]), np.array([1.0, 0.8, 0.6]), 2.5)], 0.2)
    photo = RenderJob(v, 180, 150, focal=400.0, center=(80.0, 70.0), lights=warm)
    first = host.render(job)
    assert host._worker.renderer.own_shaders.get("vertex-lit")  # the host draws with the per-vertex shader
    on_photo = host.render(photo)
    assert np.array_equal(host.render(job), first)  # the frame before does not change the next one
    assert isinstance(photo.camera, PinholeCamera) and photo.camera.center == (80.0, 70.0)
    renderer = MeshRenderer(body_model.faces, body_model.weights)  # another context, in this thread
    try:
        for j, frame in ((job, first), (photo, on_photo)):
            ref = renderer.lit(v, j.camera, SKIN, j.lights, per_vertex=True)
            assert np.array_equal(ref, frame)
        assert (on_photo[..., 3] > 0).mean() > 0.02
    finally:
        renderer.close()


def test_a_closed_host_answers_no_more(qtbot, body_model, body):
    from widgets.render_host import RenderHost

    h = RenderHost()
    with qtbot.waitSignal(h.ready, timeout=60000):
        h.set_body(body_model.faces, body_model.weights)
    assert h.render(orbit_job(body.vertices)).shape == (260, 200, 4)
    h.close()
    h.close()  # idempotent
    assert h._worker.renderer is None


def test_the_part_colours_show_the_legend_from_the_front(host, body_model):
    """helper-82: the 3D view's part colours did not match the legend (sRGB darkened by 0.7 went in as albedo and
    came out through the shader's gamma pale and shifted: the right forearm's yellow near the right shin's olive).
    Lit from the front with the default lights, each part's median colour is now its legend's within 12 levels of
    255 on average over R, G and B (it was up to 43)."""
    from inference.parts import PALETTE
    from inference.render.cameras import orbit_pose
    from inference.render.renderer import MeshRenderer
    from widgets.render_host import RenderJob

    tpose = body_model.mesh(BodyParams.from_pose(np.zeros(72), np.zeros(10)))
    v = np.asarray(tpose.vertices, np.float32)
    centre = (v.min(0) + v.max(0)) / 2
    job = RenderJob(v, 400, 400, pose=orbit_pose(0.0, 0.0, 2.6, centre), yfov=0.9, colors=host.part_colors())
    frame = host.render(job)
    renderer = MeshRenderer(body_model.faces, body_model.weights)
    try:
        labels = renderer.labels(v, job.camera)
    finally:
        renderer.close()
    off = [np.abs(np.median(frame[..., :3][labels == k], 0) - PALETTE[k]).mean()
           for k in range(1, 13) if (labels == k).sum() >= 50]
    assert len(off) >= 11 and max(off) < 12, np.round(off, 1)
