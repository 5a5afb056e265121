"""Several people in one photo: the strip of people under the photo, "Fit everyone" fitting each person once
(real worker thread, real detector and model) with every result kept, a fitted person shown again at once
(with its edits), and the default person. Needs the person detector's runtime (requirements-detect.txt)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.app.support import detector_ready, write_png

pytestmark = pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])


@pytest.fixture(scope="module")
def crowd_png(tmp_path_factory):
    """A synthetic crowd frame of three people 98-239 px tall (the frame of tests/inference/test_wide.py)."""
    from training.synth.crowd import CrowdRenderer

    r = CrowdRenderer(width=768, height=480, people=(3, 3), heights=(90, 240))
    try:
        frame = r.render(17, 0)
    finally:
        r.single.renderer.close()
    path = tmp_path_factory.mktemp("crowd") / "crowd.png"
    write_png(path, frame.image)
    return path


def test_fit_everyone_keeps_every_result(qtbot, window, crowd_png):
    s, c, photo = window.session, window.controller, window.photo
    c.open_file(crowd_png)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)
    n = len(s.people)
    assert n == 3 and s.prediction.person == 0
    strip = photo.people_list
    assert strip.isVisible() and strip.list.count() == 3
    assert set(s.results) == {0}  # the default person's result is kept as soon as it is there
    # an edit of person 1 (its shape) before fitting everyone
    edited = s.params.with_(betas=s.params.betas + 1.0)
    c.set_params(edited)
    c.flush()

    jobs = c.generation.current
    qtbot.mouseClick(strip.fit_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not s.busy and len(s.results) == n, timeout=90000)
    assert c.generation.current == jobs + n - 1  # one job per person not fitted yet
    assert s.prediction.person == 0 and s.params is edited  # the person on screen stayed, edits included
    crops = set()
    for k in range(n):
        kept = s.results[k]
        assert kept.person == k and kept.prediction.person == k and kept.shown is s.shown
        assert kept.quality is not None and kept.quality.person == k
        crops.add(tuple(np.round(kept.prediction.crop.offset).astype(int)))
    assert len(crops) == n  # every person has their own crop
    assert s.results[0].params is edited
    body = c.body_model()
    for k in range(1, n):  # the other people keep their own fitted bodies, not the one on screen
        kept = s.results[k]
        assert kept.params is kept.prediction.params
        np.testing.assert_allclose(kept.mesh.vertices, body.mesh(kept.prediction.params).vertices, atol=1e-5)
    assert "3 of 3 fitted" in strip.summary.text() and not strip.fit_all.isEnabled()
    assert all("✓" in strip.list.item(k).text() for k in range(n))

    # another person from the strip: shown at once from the kept results (no new job), mesh included
    item = strip.list.item(2)
    rect = strip.list.visualItemRect(item)
    qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert c.generation.current == jobs + n - 1
    assert s.prediction is s.results[2].prediction and s.person == 2 and s.mesh is s.results[2].mesh
    assert s.params is s.results[2].prediction.params  # person 3's own body, not person 1's edited one
    assert photo.person_box.currentIndex() == 2
    # exports offer this person's own name (NAME_p3, as predict --all-people names it); the scene keeps NAME
    stem = str(crowd_png.with_suffix(""))
    assert window._default_stem() == stem + "_p3" and window._default_stem(person=False) == stem
    # and back: person 1's edited shape is there again
    c.select_person(0)
    assert s.params is edited and c.generation.current == jobs + n - 1
    assert window._default_stem() == stem
    # a double click in the strip zooms the photo onto that person
    qtbot.mouseDClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert photo.canvas.zoom > 1.5

    def in_view(k: int) -> bool:  # person k's box centre inside the zoomed photo panel
        r, cv = photo.canvas.image_rect(), photo.canvas
        x0, y0, x1, y1 = (float(v) * s.shown.scale for v in s.people[k].box)
        w, h = cv.base.width(), cv.base.height()
        px, py = r.left() + (x0 + x1) / 2 / w * r.width(), r.top() + (y0 + y1) / 2 / h * r.height()
        return 0 <= px < cv.width() and 0 <= py < cv.height()

    assert in_view(2)
    # another person picked while zoomed in: the zoom moves onto them
    other = strip.list.visualItemRect(strip.list.item(1))
    qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=other.center())
    assert s.person == 1 and photo.canvas.zoom > 1.5 and in_view(1)
    # a new photo forgets the people's results
    c.open_file(crowd_png)
    assert s.results == {} and photo.canvas.zoom == 1.0
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)


def test_a_person_fitted_before_is_described_in_the_status_bar(qtbot, window):
    """Clicking a person already fitted shows the result at once, and the status bar says so (before, it
    kept "fitting person 2 of 2…" with nothing being fitted)."""
    from tests.app.support import TWO_PEOPLE

    s, c, strip = window.session, window.controller, window.photo.people_list
    c.open_file(TWO_PEOPLE)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)
    assert len(s.people) == 2 and s.person == 0

    def click(k: int) -> None:
        rect = strip.list.visualItemRect(strip.list.item(k))
        qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    click(1)  # not fitted yet: a job
    assert s.busy and "person 2 of 2" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)
    for k in (0, 1):  # fitted before: shown at once
        click(k)
        assert not s.busy and s.prediction.person == k
        message = window.statusBar().currentMessage()
        assert "fitting" not in message and f"person {k + 1} of 2" in message, message


def test_a_person_fit_everyone_could_not_fit_is_named_in_the_last_status(qtbot, window, crowd_png):
    """One person's job fails (the worker's failed signal for it, as a crop with an empty part map sends):
    fit everyone goes on with the others, and its last status says who was not fitted and why, in the
    status bar as in the strip's count."""
    s, c, strip = window.session, window.controller, window.photo.people_list
    c.open_file(crowd_png)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)
    assert len(s.people) == 3
    messages: list[str] = []

    def fail_person_2(text: str) -> None:
        messages.append(text)
        if text.startswith("fitting everyone: person 2 of 3"):
            c.worker.failed.emit(c.generation.current, "the part segmentation is empty", False)

    c.status.connect(fail_person_2)
    try:
        c.fit_everyone()
        qtbot.waitUntil(lambda: not s.busy, timeout=90000)
    finally:
        c.status.disconnect(fail_person_2)
    assert set(s.results) == {0, 2} and s.prediction.person == 0
    assert "person 2: the part segmentation is empty" in messages
    assert messages[-1] == "2 of 3 people fitted; person 2 not fitted: the part segmentation is empty"
    assert window.statusBar().currentMessage() == messages[-1]
    assert "2 of 3 fitted" in strip.summary.text() and strip.fit_all.isEnabled()  # person 2 can be tried again
    assert not window.banner.isVisible() or "segmentation is empty" not in window.banner.text


def test_a_cancelled_rerun_or_whole_image_fit_puts_every_result_back(qtbot, window):
    """F5 (or Shift+F5) then Esc: every person's fit, edits included, is back as it was (before, the strip said
    "0 of 2 fitted" while the edited body stayed on screen marked fitted); a re-run that goes through says first
    whose edits its result replaces, and keeps the other person's fit."""
    from tests.app.support import TWO_PEOPLE

    s, c, strip = window.session, window.controller, window.photo.people_list
    c.open_file(TWO_PEOPLE)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)
    c.fit_everyone()
    qtbot.waitUntil(lambda: not s.busy and len(s.results) == 2, timeout=90000)
    edited = s.params.with_(betas=s.params.betas + 0.5)
    c.set_params(edited)
    c.flush()
    before = {k: r.prediction for k, r in s.results.items()}
    messages: list[str] = []
    c.status.connect(messages.append)
    for start, aside in ((c.rerun, {1}), (c.fit_whole_image, set())):
        start()  # F5 re-fits the person on screen only: person 2's fit stays (the settings did not change)
        assert s.busy and set(s.results) == aside
        c.cancel()
        assert set(s.results) == {0, 1} and s.results[0].params is edited and s.params is edited
        assert {k: r.prediction for k, r in s.results.items()} == before
        assert len(s.people) == 2 and "2 of 2 fitted" in strip.summary.text()
    assert any("set aside (Esc puts them back)" in m for m in messages)
    c.rerun()
    assert "replaces your edits of person 1 (Esc keeps them; Ctrl+Z on the new result brings them back)" in messages[-1]
    qtbot.waitUntil(lambda: not s.busy, timeout=60000)
    assert s.params is s.prediction.params and set(s.results) == {0, 1}  # person 1's new result, person 2's kept


def test_everyone_fitted_exports_as_one_scene_in_the_photo_camera(qtbot, window, crowd_png, tmp_path, monkeypatch):
    """Export > Everyone fitted as one scene: a GLB with a node per person and the photo's camera; through
    that camera each body lands on its own person in the photo, the edits of the one on screen included."""
    import math

    from inference.export_gltf import glb_unpack

    s, c = window.session, window.controller
    c.open_file(crowd_png)
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy, timeout=60000)
    c.fit_everyone()
    qtbot.waitUntil(lambda: not s.busy and len(s.results) == 3, timeout=90000)
    c.select_person(0)
    edited = s.params.with_(betas=s.params.betas + np.array([0, 2.0] + [0] * 8, np.float32))
    c.set_params(edited)
    monkeypatch.setattr(window, "ask_save_path", lambda *a: str(tmp_path / "crowd"))
    with qtbot.waitSignal(c.exported, timeout=20000) as sig:
        assert window.export_scene_dialog()
    path = tmp_path / "crowd.glb"
    assert sig.args[1] == str(path)
    doc, blob = glb_unpack(path.read_bytes())
    assert [n["name"] for n in doc["nodes"]] == ["person 1", "person 2", "person 3", "photo camera"]
    h, w = s.shown.image.shape[:2]
    cam = doc["cameras"][0]["perspective"]
    assert cam["aspectRatio"] == pytest.approx(w / h)
    focal = h / 2 / math.tan(cam["yfov"] / 2)
    for k in range(3):
        acc = doc["accessors"][doc["meshes"][k]["primitives"][0]["attributes"]["POSITION"]]
        view = doc["bufferViews"][acc["bufferView"]]
        v = np.frombuffer(blob, "<f4", acc["count"] * 3, view["byteOffset"]).reshape(-1, 3)
        uv = np.stack([w / 2 + focal * v[:, 0] / -v[:, 2], h / 2 - focal * v[:, 1] / -v[:, 2]], 1)
        x0, y0, x1, y1 = s.people[k].box
        cx, cy = uv.mean(0)
        assert x0 <= cx <= x1 and y0 <= cy <= y1, (k, (cx, cy), s.people[k].box)
        # each node is that person's own body, moved as a whole (photo_scene shifts a body, never reshapes it):
        # the edited body on screen for person 1, every other person's fitted mesh
        if k == 0:
            assert s.params is edited and s.prediction.person == 0
            own = s.mesh.vertices
            assert not np.allclose(own, s.prediction.mesh.vertices, atol=1e-3)
        else:
            own = s.results[k].prediction.mesh.vertices
        assert v.shape == own.shape
        # (means in float64: a far person's float32 mean is off by 1e-4 m and more)
        v, own = v.astype(np.float64), np.asarray(own, np.float64)
        np.testing.assert_allclose(v - v.mean(0), own - own.mean(0), atol=1e-4, err_msg=f"person {k + 1}")
    assert window.statusBar().currentMessage() == f"exported {path} (all 3 people)"
    # during a re-run (F5) the fit of the person on screen is set aside, not gone (the others' stay): the scene
    # still holds all three, and exporting does not store the old result among the re-run's
    c.rerun()
    assert s.busy and set(s.results) == {1, 2}
    with qtbot.waitSignal(c.exported, timeout=20000):
        assert window.export_to(tmp_path / "during.glb", scene=True)
    doc, _ = glb_unpack((tmp_path / "during.glb").read_bytes())
    assert [n["name"] for n in doc["nodes"]] == ["person 1", "person 2", "person 3", "photo camera"]
    assert set(s.results) == {1, 2}
    c.cancel()
    assert set(s.results) == {0, 1, 2}
