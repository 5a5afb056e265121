"""The people the detector found, drawn over the photo with QPainter: a box per person with its rank
("Person 1" is the largest), the BlazePose skeleton (subject's left in blue, right in orange) and the
person being fitted drawn solid, the others dashed and fainter. Colours follow inference.detect.draw."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from inference.detect.draw import BOX_COLORS, EDGES, LEFT, MID, RIGHT

MIN_VISIBILITY = 0.5


def box_color(rank: int) -> QColor:
    return QColor(*BOX_COLORS[rank % len(BOX_COLORS)])


def _side_color(i: int) -> QColor:
    """Colour of landmark i (and of an edge ending at i): subject's left, right or the middle of the face."""
    if i <= 10:
        rgb = MID if i in (0, 9, 10) else (LEFT if i in (1, 2, 3, 7) else RIGHT)
    else:
        rgb = LEFT if i % 2 == 1 else RIGHT
    return QColor(*rgb)


def person_at(people, x: float, y: float) -> int | None:
    """Index of the person whose box contains image point (x, y); the smallest box wins where boxes overlap."""
    hits = [(float((b[2] - b[0]) * (b[3] - b[1])), k) for k, b in ((k, np.asarray(p.box)) for k, p in enumerate(people))
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    return min(hits)[1] if hits else None


def paint_people(p: QPainter, people, origin: QPointF, k: float, selected: int = 0) -> None:
    """Draw `people` (inference.detect.Person, image pixels) with image point (x, y) at widget point
    origin + k * (x, y). The selected person is drawn last, solid; the others dashed."""
    if not people:
        return
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    ox, oy = origin.x(), origin.y()

    def to_widget(x, y) -> QPointF:
        return QPointF(ox + k * float(x), oy + k * float(y))

    order = [n for n in range(len(people)) if n != selected] + ([selected] if 0 <= selected < len(people) else [])
    font = QFont(p.font())
    font.setBold(True)
    p.setFont(font)
    fm = p.fontMetrics()
    for n in order:
        person = people[n]
        sel = n == selected
        col = box_color(n)
        x0, y0, x1, y1 = (float(v) for v in person.box)
        rect = QRectF(to_widget(x0, y0), to_widget(x1, y1))
        p.setOpacity(1.0 if sel else 0.85)
        # skeleton
        kp = np.asarray(person.keypoints, np.float32)
        for a, b in EDGES:
            if kp[a, 2] >= MIN_VISIBILITY and kp[b, 2] >= MIN_VISIBILITY:
                p.setPen(QPen(_side_color(b), 2.5 if sel else 1.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                p.drawLine(to_widget(*kp[a, :2]), to_widget(*kp[b, :2]))
        p.setPen(Qt.PenStyle.NoPen)
        r = 3.2 if sel else 2.2
        for i, (x, y, v) in enumerate(kp):
            if v >= MIN_VISIBILITY:
                p.setBrush(_side_color(i))
                p.drawEllipse(to_widget(x, y), r, r)
        # box
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(col, 3.0 if sel else 2.0, Qt.PenStyle.SolidLine if sel else Qt.PenStyle.DashLine))
        p.drawRect(rect)
        # rank tag inside the top-left corner
        text = f"Person {n + 1}" + ("  (fitted)" if sel and len(people) > 1 else "")
        tag = QRectF(rect.left(), rect.top(), fm.horizontalAdvance(text) + 10, fm.height() + 4)
        p.fillRect(tag, col)
        p.setPen(QColor(20, 20, 20) if col.lightness() > 110 else QColor(250, 250, 250))
        p.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()
