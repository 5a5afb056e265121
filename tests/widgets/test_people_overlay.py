"""Tags of the people drawn over the photo (widgets/people_overlay.py)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter

from inference.detect import Person
from widgets.people_overlay import paint_people, place_tags


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
