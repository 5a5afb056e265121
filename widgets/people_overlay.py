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


def place_tags(boxes: list[QRectF], sizes: list[tuple[float, float]], priority: list[int]) -> list[QRectF]:
    """Where each box's tag (width, height) goes: inside its top-left corner, else above the box, else below
    it, else stepped down from the corner, the first place that overlaps no tag placed before; tags are placed
    in `priority` order (the fitted person first, so theirs stays in the corner). In a wide shot people stand
    close and their tags, wider than a small person's box, would cover each other."""
    placed: dict[int, QRectF] = {}
    for n in priority:
        box, (w, h) = boxes[n], sizes[n]
        tries = [QRectF(box.left(), box.top(), w, h), QRectF(box.left(), box.top() - h, w, h),
                 QRectF(box.left(), box.bottom(), w, h)]
        tries += [QRectF(box.left(), box.top() + i * h, w, h) for i in range(1, 8)]
        placed[n] = next((t for t in tries if not any(t.intersects(o) for o in placed.values())), tries[0])
    return [placed[n] for n in range(len(boxes))]


def tag_texts(n_people: int, selected: int, fitted: bool) -> list[str]:
    """Each person's tag: "Person 3", and for the selected one of several "(fitted)" when the body on screen is
    theirs, else "(selected)" (asked for, not fitted yet)."""
    mark = f"  ({'fitted' if fitted else 'selected'})"
    return [f"Person {n + 1}" + (mark if n == selected and n_people > 1 else "") for n in range(n_people)]


def paint_people(p: QPainter, people, origin: QPointF, k: float, selected: int = 0, fitted: bool = True) -> None:
    """Draw `people` (inference.detect.Person, image pixels) with image point (x, y) at widget point
    origin + k * (x, y). The selected person is drawn last, solid; the others dashed. `fitted`: the body on
    screen is the selected person's (their tag says "fitted", else "selected": asked for, not fitted yet)."""
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
    texts = tag_texts(len(people), selected, fitted)
    boxes = [QRectF(to_widget(*person.box[:2]), to_widget(*person.box[2:])) for person in people]
    tags = place_tags(boxes, [(fm.horizontalAdvance(t) + 10, fm.height() + 4) for t in texts],
                      [order[-1]] + sorted(order[:-1]))
    for n in order:
        person = people[n]
        sel = n == selected
        col = box_color(n)
        rect = boxes[n]
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
        # rank tag (`place_tags`: where it covers no other person's tag)
        p.fillRect(tags[n], col)
        p.setPen(QColor(20, 20, 20) if col.lightness() > 110 else QColor(250, 250, 250))
        p.drawText(tags[n], Qt.AlignmentFlag.AlignCenter, texts[n])
    p.restore()
