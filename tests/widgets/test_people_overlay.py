"""Tags of the people drawn over the photo (widgets/people_overlay.py)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from inference.detect import Person
from widgets.people_overlay import SET_ASIDE_COLOR, paint_people, place_tags


def test_tags_of_people_standing_close_do_not_cover_each_other():
    # three small people side by side, each box narrower than its tag (a wide shot)
    boxes = [QRectF(100 + 25 * i, 50, 20, 60) for i in range(3)]
    sizes = [(70.0, 18.0)] * 3
    tags = place_tags(boxes, sizes, [1, 0, 2])
    assert tags[1] == QRectF(125, 32, 70, 18)  # the first placed (the fitted person): above, not over the head
    for a in range(3):
        for b in range(a + 1, 3):
            assert not tags[a].intersects(tags[b]), (a, b)
    # large people far apart keep their tags in their corners
    far = place_tags([QRectF(0, 0, 20, 160), QRectF(300, 0, 20, 160)], [(70.0, 18.0)] * 2, [0, 1])
    assert far == [QRectF(0, 0, 70, 18), QRectF(300, 0, 70, 18)]


def test_tags_stay_inside_the_visible_photo():
    """A small person at the photo's top right: their tag goes above them as far as the photo allows, moved left
    so that it ends at the photo's edge, not past it."""
    bounds = QRectF(0, 0, 400, 300)
    tags = place_tags([QRectF(380, 10, 15, 50), QRectF(100, 280, 20, 20)], [(70.0, 18.0)] * 2, [0, 1], bounds)
    for t in tags:
        assert bounds.contains(t), t
    assert tags[0].right() == 400 and tags[0].top() == 0
    # zoomed in: a person out of view keeps their tag out of view (not lined up along the edge)
    out = place_tags([QRectF(500, 10, 15, 50)], [(70.0, 18.0)], [0], bounds)
    assert not out[0].intersects(bounds)


def test_people_paint_onto_an_image(qapp):
    kp = np.zeros((33, 3), np.float32)
    kp[:, :2] = (60, 60)
    kp[:, 2] = 1.0
    people = [Person(box=np.array([40 + 15 * i, 20, 55 + 15 * i, 100], np.float32), score=0.9,
                     keypoints=kp + np.float32([15 * i, 0, 0])) for i in range(3)]
    img = QImage(200, 150, QImage.Format.Format_RGB32)
    img.fill(0)
    p = QPainter(img)
    paint_people(p, people, QPointF(0, 0), 1.0, selected=1)
    p.end()
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(150, 200, 4)
    assert arr[..., :3].max() > 0  # something was drawn


def test_figures_set_aside_are_drawn_grey_with_their_tag(qapp):
    """A figure turned away as an animal: a dark line with light dashes along its box (seen on any background)
    and a grey tag; nothing at all without figures."""
    def painted(boxes, fill):
        img = QImage(300, 200, QImage.Format.Format_RGB32)
        img.fill(QColor(*fill))
        p = QPainter(img)
        paint_people(p, [], QPointF(10, 5), 2.0, bounds=QRectF(0, 0, 300, 200), set_aside=boxes)
        p.end()
        return np.frombuffer(img.constBits(), np.uint8).reshape(200, 300, 4)[..., 2::-1].copy()  # BGRA -> RGB

    for fill in ((255, 255, 255), (0, 0, 0)):
        blank = painted((), fill)
        assert (blank == blank[0, 0]).all()
        arr = painted([(40, 30, 100, 90)], fill)  # widget box x 90-210, y 65-185
        edge = arr[100:180, 86:95]  # along the left edge, below the tag
        assert (edge.max(-1) < 60).any()  # the dark line (between the dashes)
        light = np.abs(arr[100:180, 88:93].astype(int) - SET_ASIDE_COLOR.getRgb()[:3]).sum(-1) < 40
        assert light.any()  # its dashes
        assert (arr[120, 150] == arr[0, 0]).all()  # inside the box: the photo, untouched
        tag = (np.abs(arr[65:90, 90:210].astype(int) - 60) <= 3).all(-1)  # its grey patch, in the box's corner
        assert tag.sum() > 300
        assert (np.abs(arr[65:90, 90:210].astype(int) - SET_ASIDE_COLOR.getRgb()[:3]).sum(-1) < 60)[tag.any(1)].any()


def test_a_figure_set_aside_gets_its_tag_where_no_persons_tag_is(qapp):
    """A person found right over a figure set aside (a rider on the horse the search turned away): both tags are
    drawn, apart, the person's in its colour and the figure's grey."""
    from widgets.people_overlay import box_color

    kp = np.zeros((33, 3), np.float32)
    man = Person(box=np.array([60, 40, 100, 160], np.float32), score=0.9, keypoints=kp)
    img = QImage(300, 200, QImage.Format.Format_RGB32)
    img.fill(QColor(255, 255, 255))
    p = QPainter(img)
    paint_people(p, [man], QPointF(0, 0), 1.0, bounds=QRectF(0, 0, 300, 200), set_aside=[(58, 38, 160, 170)])
    p.end()
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(200, 300, 4)[..., 2::-1].copy()

    def patch(rgb) -> tuple[int, int, int, int]:
        ys, xs = np.nonzero((np.abs(arr.astype(int) - rgb) <= 3).all(-1))
        assert len(ys) > 200, rgb
        return xs.min(), ys.min(), xs.max(), ys.max()

    (a0, b0, a1, b1), (c0, d0, c1, d1) = patch(box_color(0).getRgb()[:3]), patch((60, 60, 60))
    assert a1 < c0 or c1 < a0 or b1 < d0 or d1 < b0  # the two tags do not overlap


def test_a_tag_goes_where_it_covers_no_other_person():
    """helper-82: in a crowd frame "Person 4"'s tag, above its small walker, lay over person 2 just above. A tag
    now takes the first place that covers neither a tag nor another person's box: here below its walker."""
    boxes = [QRectF(200, 100, 30, 60), QRectF(210, 175, 25, 50)]  # person 2 stands just above person 1's walker
    tags = place_tags(boxes, [(70.0, 18.0)] * 2, [0, 1])
    assert not tags[1].intersects(boxes[0]) and not tags[1].intersects(tags[0])
    assert tags[1] == QRectF(210, 225, 70, 18)  # below (above would cover person 1's feet)
