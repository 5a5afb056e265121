"""Real photos: the detected people drawn over the photo (View › Detected people) and the person
picker (combo box, or a click inside a box) that re-fits another person. Needs the person detector's
runtime (requirements-detect.txt); skipped without it."""
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from app.qt_images import from_qimage
from inference.colors import PERSON_COLORS
from tests.app.support import TWO_PEOPLE, detector_ready
from widgets.people_overlay import tag_texts

pytestmark = pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])


def grab(widget) -> np.ndarray:
    return from_qimage(widget.grab().toImage())


def color_mask(img: np.ndarray, rgb, tol: int = 80) -> np.ndarray:
    return np.abs(img.astype(np.int32) - np.array(rgb)).sum(-1) <= tol


def box_on_canvas(window, person) -> tuple[float, float, float, float]:
    """A person's box (image pixels) in canvas widget pixels."""
    canvas, shown = window.photo.canvas, window.session.shown
    r = canvas.image_rect()
    k = r.width() / canvas.base.width() * shown.scale
    x0, y0, x1, y1 = (float(v) for v in person.box)
    return r.left() + k * x0, r.top() + k * y0, r.left() + k * x1, r.top() + k * y1


def wait_person(qtbot, window, k: int) -> None:
    s = window.session
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy and s.prediction.person == k, timeout=30000)


def test_people_are_drawn_and_can_be_picked(qtbot, window):
    photo = window.photo
    photo.show_mesh.setChecked(False)  # the boxes alone on the photo
    window.controller.open_file(TWO_PEOPLE)
    wait_person(qtbot, window, 0)
    people = window.session.people
    assert len(people) == 2  # the montage of two portraits
    assert photo.person_box.isVisible() and photo.person_box.count() == 2
    assert photo.person_box.currentText() == "Person 1 of 2"

    # each box is drawn in its colour where the box is (pixels of the grabbed canvas)
    on = grab(photo.canvas)
    for n, person in enumerate(people):
        mask = color_mask(on, PERSON_COLORS[n])
        assert mask.sum() > 200, f"box {n + 1} not drawn"
        x0, y0, x1, y1 = box_on_canvas(window, person)
        ys, xs = np.nonzero(mask)
        inside = (xs >= x0 - 4) & (xs <= x1 + 4) & (ys >= y0 - 4) & (ys <= y1 + 4)
        assert inside.mean() > 0.9
    # View › Detected people (P) hides them, and the panel's check box follows
    assert window.act_people.isChecked()
    window.act_people.trigger()
    assert not photo.show_people.isChecked()
    off = grab(photo.canvas)
    for n in range(2):
        assert color_mask(off, PERSON_COLORS[n]).sum() < 0.1 * color_mask(on, PERSON_COLORS[n]).sum()
    photo.show_people.setChecked(True)
    assert window.act_people.isChecked()

    # the picker: a new job for person 2, which supersedes nothing but replaces the fit
    job = window.controller.generation.current
    first = window.session.prediction
    photo.person_box.setCurrentIndex(1)
    assert window.controller.generation.current == job + 1
    assert tag_texts(2, photo.person, photo.prediction is not None and photo.prediction.person == 1) == [
        "Person 1", "Person 2  (selected)"]  # asked for, not fitted yet
    wait_person(qtbot, window, 1)
    assert tag_texts(2, photo.person, True) == ["Person 1", "Person 2  (in 3D)"]  # whose body the 3D view shows
    pred = window.session.prediction
    assert pred is not first and photo.person_box.currentIndex() == 1
    # the picker leaves room for its entries with their fit-quality icons ("Person 1 c…" before)
    box = photo.person_box
    assert not box.itemIcon(0).isNull() and not box.itemIcon(1).isNull()
    need = box.fontMetrics().horizontalAdvance("Person 2 of 2") + box.iconSize().width()
    assert box.width() >= need
    assert "2 of 2" in window.inspector.info.text()
    # the body is drawn over person 2: the overlay's centre lies in that box
    photo.show_mesh.setChecked(True)
    rgba = photo.render_overlay()
    ys, xs = np.nonzero(rgba[..., 3] > 0)
    scale = rgba.shape[1] / window.session.shown.image.shape[1]
    cx, cy = xs.mean() / scale, ys.mean() / scale
    x0, y0, x1, y1 = people[1].box
    assert x0 <= cx <= x1 and y0 <= cy <= y1

    # a click inside person 1's box shows person 1 again, at once: its result was kept (no new job)
    x0, y0, x1, y1 = box_on_canvas(window, people[0])
    qtbot.mouseClick(photo.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int((x0 + x1) / 2), int((y0 + y1) / 2)))
    assert window.controller.generation.current == job + 1
    wait_person(qtbot, window, 0)
    assert window.session.prediction is first and photo.person_box.currentIndex() == 0


def test_single_person_has_no_picker(qtbot, window, photo):
    window.controller.open_file(photo)
    wait_person(qtbot, window, 0)
    assert len(window.session.people) == 1
    assert not window.photo.person_box.isVisible()


def test_a_box_drawn_around_a_missed_person_fits_them(qtbot, window, tmp_path):
    """The camera man with his face painted over: the search finds nobody. A Shift+drag box around him on the photo
    fits him as a person of the photo (the list of people now holds him, with his keypoints), and the result stays
    when the box holds nobody (the banner says so, without the whole-image hint)."""
    import cv2

    from inference.image_io import load_image
    from inference.paths import RESOURCES

    img = load_image(RESOURCES / "photos" / "camera.png").copy()
    img[80:210, 185:275] = img[80:210, 185:275].mean((0, 1)).astype(np.uint8)
    img = img[:, ::-1]  # mirrored: another image than tests/inference's (the process's detector keeps boxed people)
    path = tmp_path / "faceless.png"
    cv2.imwrite(str(path), np.ascontiguousarray(img[..., ::-1]))
    s, c, canvas = window.session, window.controller, window.photo.canvas
    c.open_file(path)
    qtbot.waitUntil(lambda: not s.busy and s.shown is not None and s.shown.name == "faceless.png", timeout=60000)
    assert s.people == ()
    r = canvas.image_rect()
    k = r.width() / canvas.base.width() * s.shown.scale
    at = lambda x, y: QPoint(int(r.left() + k * x), int(r.top() + k * y))  # noqa: E731
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, shift, at(212, 40))
    qtbot.mouseMove(canvas, at(400, 500))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, shift, at(507, 505))
    wait_person(qtbot, window, 0)
    assert len(s.people) == 1 and s.people[0].keypoints is not None and set(s.results) == {0}
    shown = s.prediction
    # a box with nobody in it: a message, the fit stays
    assert c.fit_box((7, 10, 112, 120))
    qtbot.waitUntil(lambda: not s.busy and "no person found in the box" in window.banner.text, timeout=30000)
    assert s.prediction is shown and len(s.people) == 1
    assert "Shift+F5" not in window.banner.text


def test_a_boxed_person_stays_with_the_photo_and_a_fitted_one_keeps_their_edits(qtbot, window, tmp_path):
    """camera.png beside a copy with the face painted over: the search finds the left man; a box around the right
    one adds him as person 2. Showing person 1 again keeps both in the list (their kept results share it), and a box
    around person 1, fitted and edited before, shows his fit with the edits instead of a fresh one. A box drawn
    while a whole-image fit runs supersedes it and brings back the fits it set aside."""
    from dataclasses import replace

    import cv2

    from inference.image_io import load_image
    from inference.paths import RESOURCES

    cam = load_image(RESOURCES / "photos" / "camera.png")
    face = cam.copy()
    # (his head and shoulders painted over: with the face alone, the search found him on some CPUs)
    face[0:260, 130:330] = face[0:260, 130:330].mean((0, 1)).astype(np.uint8)
    path = tmp_path / "pair.png"
    cv2.imwrite(str(path), np.concatenate([cam, face], 1)[..., ::-1])
    s, c = window.session, window.controller
    c.open_file(path)
    qtbot.waitUntil(lambda: not s.busy and s.prediction is not None, timeout=60000)
    assert len(s.people) == 1
    edited = replace(s.params, betas=s.params.betas + 1.0)
    c.set_params(edited)
    c.flush()
    assert c.fit_box((517, 40, 812, 505))
    wait_person(qtbot, window, 1)
    assert len(s.people) == 2 and set(s.results) == {0, 1}
    assert c.select_person(0) and len(s.people) == 2 and s.params is edited
    assert c.select_person(1) and s.prediction.person == 1
    job = c.generation.current
    assert c.fit_box((5, 40, 300, 505))  # around person 1 (index 0), fitted and edited
    wait_person(qtbot, window, 0)
    assert s.params is edited and c.generation.current == job + 1 and len(s.people) == 2
    c.fit_whole_image()
    assert set(s.results) == set()  # set aside while the whole image is fitted
    assert c.fit_box((517, 40, 812, 505))
    wait_person(qtbot, window, 1)
    assert set(s.results) == {0, 1} and len(s.people) == 2


def test_a_figure_set_aside_as_an_animal_is_drawn_on_the_photo(qtbot, window, photo):
    """The dachshund photo: nobody found, the banner says where the figure set aside is, and the photo shows it (a
    grey tag at its box); the next photo has nothing set aside."""
    from widgets.people_overlay import SET_ASIDE_COLOR

    s, c = window.session, window.controller
    window.photo.show_mesh.setChecked(False)
    c.open_file(Path(__file__).resolve().parents[1] / "inference" / "detect" / "photos" / "daisy.jpg")
    qtbot.waitUntil(lambda: not s.busy and "looks like an animal" in window.banner.text, timeout=60000)
    if not s.set_aside:
        pytest.skip("the detector runs without its animal check here")
    (box,) = s.set_aside
    assert f"at x {round(box[0])}-{round(box[2])}" in window.banner.text and s.people == ()
    qtbot.waitUntil(lambda: window.photo.set_aside == s.set_aside, timeout=5000)
    x0, y0, x1, y1 = box_on_canvas(window, type("Fig", (), {"box": box}))
    on = grab(window.photo.canvas)
    window.photo.show_people.setChecked(False)  # (View > Detected people hides the figure with the people)
    off = grab(window.photo.canvas)
    window.photo.show_people.setChecked(True)
    drawn = (on != off).any(-1)
    near = np.zeros_like(drawn)
    near[max(int(y0) - 30, 0):int(y1) + 3, max(int(x0) - 3, 0):int(x1) + 3] = True
    assert drawn[near].sum() > 200 and drawn[~near].sum() == 0  # the box and its tag, nowhere else
    assert color_mask(on, SET_ASIDE_COLOR.getRgb()[:3], tol=30)[drawn].sum() > 20  # in grey
    c.open_file(photo)
    wait_person(qtbot, window, 0)
    assert s.set_aside == () and window.photo.set_aside == ()


def test_a_person_beside_an_animal_is_fitted_and_the_animal_drawn_grey(qtbot, window, photo):
    """marylou.jpg: the woman is fitted as the photo's one person; the horse the search set aside is drawn grey on
    the photo beside her box, and again when the user comes back to the photo after another."""
    from widgets.people_overlay import SET_ASIDE_COLOR

    s, c = window.session, window.controller
    window.photo.show_mesh.setChecked(False)
    c.open_file(Path(__file__).resolve().parents[1] / "inference" / "detect" / "photos" / "marylou.jpg")
    wait_person(qtbot, window, 0)
    if not s.set_aside:
        pytest.skip("the detector runs without its animal check here")
    assert len(s.people) == 1 and len(s.set_aside) == 1
    qtbot.waitUntil(lambda: window.photo.set_aside == s.set_aside, timeout=5000)
    x0, y0, x1, y1 = box_on_canvas(window, type("Fig", (), {"box": s.set_aside[0]}))
    on = grab(window.photo.canvas)
    window.photo.show_people.setChecked(False)
    drawn = (on != grab(window.photo.canvas)).any(-1)
    window.photo.show_people.setChecked(True)
    edge = np.s_[int(y0) + 30:int(y1) - 3, max(int(x0) - 3, 0):int(x0) + 3]  # its left edge, below the tag
    assert drawn[edge].mean() > 0.3 and color_mask(on[edge], SET_ASIDE_COLOR.getRgb()[:3], tol=30)[drawn[edge]].any()
    assert color_mask(on, PERSON_COLORS[0]).sum() > 100  # the woman's box and tag as before
    # another photo has nothing set aside; back on this one (as it was left), the horse is drawn again
    figures = s.set_aside
    c.open_file(photo)
    qtbot.waitUntil(lambda: not s.busy and s.shown is not None and s.shown.name != "marylou.jpg", timeout=60000)
    assert s.set_aside == () and window.photo.set_aside == ()
    c.open_file(Path(__file__).resolve().parents[1] / "inference" / "detect" / "photos" / "marylou.jpg")
    qtbot.waitUntil(lambda: s.shown is not None and s.shown.name == "marylou.jpg" and not s.busy, timeout=60000)
    assert s.set_aside == figures and window.photo.set_aside == figures
