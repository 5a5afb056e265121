"""A click on a person's tag on the photo picks that person, at any zoom, over the boxes of others
(widgets/people_overlay.py person_at, the tags `paint_people` drew); the strip of people marks the selected
thumbnail with a frame and leaves its picture as it is (widgets/people_list.py). Sweep 101 items 6 and 7: tags
did nothing on a click, and the style's selection tint made the person on screen the hardest one to read."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from app.qt_images import from_qimage
from inference.colors import PERSON_COLORS
from inference.detect import Person
from tests.app.support import TWO_PEOPLE, detector_ready
from widgets.people_list import THUMB
from widgets.people_overlay import paint_people, person_at


def _wait_person(qtbot, window, k: int) -> None:
    s = window.session
    qtbot.waitUntil(lambda: s.prediction is not None and not s.busy and s.prediction.person == k, timeout=60000)


def _view(canvas, zoom: float, cx: float, cy: float) -> None:
    """Zoom the photo canvas to `zoom` (1 = fitted) with base-image point (cx, cy) at the canvas's centre."""
    canvas.reset_view()
    r = canvas.image_rect()
    w, h = canvas.base.width(), canvas.base.height()
    canvas.set_view(zoom, QPointF((0.5 - cx / w) * r.width() * zoom, (0.5 - cy / h) * r.height() * zoom))


def _tag_rect(img: np.ndarray, rgb) -> QRect:
    """Where the tag in colour `rgb` is on a grab (h, w, 3) uint8: the bounding box of that colour (blended at the
    opacity of a tag not selected) where it fills a 5 x 5 block: a tag's margins do, a box's 2 px dashes do not."""
    m = np.abs(img.astype(np.int32) - np.array(rgb)).sum(-1) <= 100
    h, w = m.shape
    solid = m.copy()
    solid[:2], solid[-2:], solid[:, :2], solid[:, -2:] = False, False, False, False
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            solid[2:-2, 2:-2] &= m[2 + dy:h - 2 + dy, 2 + dx:w - 2 + dx]
    ys, xs = np.nonzero(solid)
    assert len(xs), f"no tag of colour {rgb} on the photo"
    return QRect(QPoint(int(xs.min()) - 2, int(ys.min()) - 2), QPoint(int(xs.max()) + 2, int(ys.max()) + 2))


def _box_on_canvas(window, person) -> QRectF:
    canvas, shown = window.photo.canvas, window.session.shown
    r = canvas.image_rect()
    k = r.width() / canvas.base.width() * shown.scale
    x0, y0, x1, y1 = (float(v) for v in person.box)
    return QRectF(r.left() + k * x0, r.top() + k * y0, k * (x1 - x0), k * (y1 - y0))


def _hand_people() -> tuple:
    """Two people drawn by hand, image px: a tall one, and a small one standing in front of them (their box inside
    the tall one's), whose tag has no place clear of the tall one's box (place_tags): it goes above the small box."""
    def person(box):
        return Person(box=np.float32(box), score=0.9, keypoints=np.zeros((33, 3), np.float32), mask=None, world=None)
    return person([20, 10, 120, 190]), person([60, 100, 80, 140])


def test_a_tag_picks_its_person_over_the_boxes_of_others(qapp):
    """person_at tests the tags as paint_people drew them (here at 2x, panned) before the boxes: a point on a tag
    is that person's even inside another person's box; a point off every tag is the box's, as before; without
    the tags, the boxes decide."""
    people = _hand_people()
    img = QImage(600, 500, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.black)
    p = QPainter(img)
    origin, k = QPointF(-20.0, 10.0), 2.0
    tags = paint_people(p, people, origin, k, selected=0, bounds=QRectF(0, 0, 600, 500))
    p.end()
    rgb = from_qimage(img)[..., :3]
    tag = _tag_rect(rgb, tuple(int(v * 0.85) for v in PERSON_COLORS[1]))  # blended with black at the 0.85 opacity
    on = [(x, y) for x in range(tag.left() + 1, tag.right()) for y in range(tag.top() + 1, tag.bottom())]
    on = [(x, y) for x, y in on if 20 < (x - origin.x()) / k < 120 and 10 < (y - origin.y()) / k < 190
          and not (60 <= (x - origin.x()) / k <= 80 and 100 <= (y - origin.y()) / k <= 140)]
    assert on, f"the small person's tag {tag} should lie over the tall person's box, off the small one's"
    x, y = on[len(on) // 2]
    assert person_at(people, (x - origin.x()) / k, (y - origin.y()) / k, tags) == 1  # on the tag: the small person
    assert person_at(people, 30.0, 150.0, tags) == 0 and person_at(people, 70.0, 120.0, tags) == 1  # boxes
    assert person_at(people, 400.0, 400.0, tags) is None
    assert person_at(people, (x - origin.x()) / k, (y - origin.y()) / k) == 0  # without the tags: the boxes decide


@pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])
def test_a_click_on_a_tag_picks_that_person_at_any_zoom(qtbot, window):
    """Sweep 101 item 6: a click on "Person 2" asks for person 2 as a click in their box does (canvas.clicked ->
    PhotoPanel._on_canvas_click -> personRequested), with the tag clamped into a zoomed view beyond the person's
    box: once over no box, once over person 1's box (the tag is drawn on top, so it wins)."""
    photo = window.photo
    photo.show_mesh.setChecked(False)  # the tags alone over the photo
    window.controller.open_file(TWO_PEOPLE)
    _wait_person(qtbot, window, 0)
    people = window.session.people
    assert len(people) == 2
    canvas = photo.canvas
    right_edge = float(people[1].box[2])  # person 2 (left portrait) ends here; person 1 begins right of it
    for zoom, cy, over_person_1 in ((4.0, 250.0, False), (1.2, 300.0, True)):
        photo.person_box.setCurrentIndex(0)  # person 1 shown (their fit was kept: at once)
        _wait_person(qtbot, window, 0)
        # person 2's box ends a few px right of the view's left edge: their tag, moved into view, sticks out of it
        canvas.reset_view()
        k = canvas.image_rect().width() / canvas.base.width() * zoom  # canvas px per image px at `zoom`
        _view(canvas, zoom, right_edge - 6 / k + canvas.image_rect().width() / 2 / k, cy)
        qtbot.wait(20)
        grab = from_qimage(canvas.grab().toImage())[..., :3]
        tag = QRectF(_tag_rect(grab, PERSON_COLORS[1]))
        box2, box1 = _box_on_canvas(window, people[1]), _box_on_canvas(window, people[0])
        beyond = QRectF(box2.right() + 3, tag.top() + 3, tag.right() - box2.right() - 6, tag.height() - 6)
        assert beyond.width() > 4, (tag, box2)
        if over_person_1:
            beyond = beyond.intersected(box1.adjusted(3, 3, -3, -3))
            assert beyond.width() > 2 and beyond.height() > 2, (tag, box1)
        else:
            assert not beyond.intersects(box1)
        asked = []
        photo.personRequested.connect(asked.append)
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=beyond.center().toPoint())
        photo.personRequested.disconnect(asked.append)
        assert asked == [1], f"zoom {zoom}: a click on person 2's tag at {beyond.center()} asked for {asked}"
        _wait_person(qtbot, window, 1)
    # a click in a box still picks that person (here person 1's, off every tag)
    canvas.reset_view()
    box1 = _box_on_canvas(window, people[0])
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=box1.center().toPoint())
    _wait_person(qtbot, window, 0)


def _picture_rects(strip) -> list[QRect]:
    """Where each thumbnail's picture (THUMB) is in the strip's viewport: centred in the item's icon."""
    lst = strip.list
    out = []
    for n in range(lst.count()):
        opt = QStyleOptionViewItem()
        lst.initViewItemOption(opt)
        index = lst.model().index(n, 0)
        lst.itemDelegate().initStyleOption(opt, index)
        opt.rect = lst.visualRect(index)
        icon = lst.style().subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, opt, lst)
        c = icon.center()
        out.append(QRect(c.x() - THUMB.width() // 2 + (icon.width() + 1) % 2, c.y() - THUMB.height() // 2
                         + (icon.height() + 1) % 2, THUMB.width(), THUMB.height()))
        assert icon.contains(out[-1]), (icon, out[-1])
    return out


def _crop(img: np.ndarray, r: QRect) -> np.ndarray:
    return img[r.top():r.bottom() + 1, r.left():r.right() + 1]


@pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])
def test_the_selected_thumbnail_is_framed_not_tinted(qtbot, window):
    """Sweep 101 item 7: the selected thumbnail's picture is the same pixels as when it is not selected (and as its
    icon), the selection is a frame in the highlight colour around it; at 1400 x 900 the strip shows 6 of 9
    people whole (5 before)."""
    strip = window.photo.people_list
    window.controller.open_file(TWO_PEOPLE)
    _wait_person(qtbot, window, 0)
    lst = strip.list
    assert lst.currentRow() == 0
    pics = _picture_rects(strip)
    before = from_qimage(lst.viewport().grab().toImage())[..., :3]
    # the selected one's picture is its icon's picture, untinted
    icon = from_qimage(lst.item(0).icon().pixmap(lst.iconSize()).toImage())[..., :3]
    ih, iw = icon.shape[:2]
    y0, x0 = (ih - THUMB.height()) // 2, (iw - THUMB.width()) // 2
    inner = icon[y0:y0 + THUMB.height(), x0:x0 + THUMB.width()]
    sel = _crop(before, pics[0])
    assert np.abs(sel.astype(int) - inner).max() <= 2, "the selected person's picture is tinted"
    # the frame: the highlight colour all around the selected picture, and none around the other
    hl = lst.palette().color(QPalette.ColorRole.Highlight)
    hl = np.array([hl.red(), hl.green(), hl.blue()])

    def ring(img, r: QRect) -> np.ndarray:
        out = _crop(img, r.adjusted(-2, -2, 2, 2)).copy().astype(int)
        out[2:-2, 2:-2] = -999  # the picture (with its 1 px border in the person's colour): not the ring
        px = out.reshape(-1, 3)
        return px[px[:, 0] != -999]

    assert (np.abs(ring(before, pics[0]) - hl).sum(-1) <= 30).mean() > 0.95, "no frame around the selected one"
    assert (np.abs(ring(before, pics[1]) - hl).sum(-1) <= 30).mean() < 0.05
    # person 2 selected from the strip: person 1's picture unselected is the same pixels as it was selected
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=pics[1].center())
    _wait_person(qtbot, window, 1)
    qtbot.waitUntil(lambda: lst.currentRow() == 1)
    after = from_qimage(lst.viewport().grab().toImage())[..., :3]
    assert np.array_equal(_crop(after, pics[0]), sel), "person 1's picture changed with the selection"
    assert (np.abs(ring(after, pics[1]) - hl).sum(-1) <= 30).mean() > 0.95
    # 9 people: how many thumbnails the strip shows whole at the window's default size
    assert window.size().width() == 1400
    nine = tuple(Person(box=np.float32([20 + 40 * n, 10, 50 + 40 * n, 110]), score=0.9,
                        keypoints=np.zeros((33, 3), np.float32), mask=None, world=None) for n in range(9))
    strip.set_people(nine, 0, np.zeros((200, 400, 3), np.uint8), 1.0)
    qtbot.wait(20)
    view = lst.viewport().rect()
    whole = [n for n in range(lst.count()) if view.contains(lst.visualItemRect(lst.item(n)))]
    assert len(whole) >= 6, (f"{len(whole)} of 9 thumbnails whole in a {view.width()} px strip",
                             [lst.visualItemRect(lst.item(n)) for n in range(lst.count())])
