"""The people the detector found, drawn over the photo with QPainter: a box per person with its rank
("Person 1" is the most complete and central: inference.detect.merging.rank_people), the BlazePose skeleton
(subject's left in blue, right in orange) and the person being fitted drawn solid, the others dashed and fainter.
Colours are inference.colors', as in inference.detect.draw's pictures. Figures the search turned away as animals
are drawn grey and dashed, tagged as set aside."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from inference.colors import PERSON_COLORS, SET_ASIDE_RGB, SIDE_COLORS
from inference.detect.draw import EDGES
from inference.detect.person import LANDMARK_SIDE

MIN_VISIBILITY = 0.5
SET_ASIDE_COLOR = QColor(*SET_ASIDE_RGB)  # a figure set aside is no person: grey, not a person's colour
SET_ASIDE_TAG = "Set aside: an animal?"


def box_color(rank: int) -> QColor:
    return QColor(*PERSON_COLORS[rank % len(PERSON_COLORS)])


def _side_color(i: int) -> QColor:
    """Colour of landmark i (and of an edge ending at i): subject's left, right or the middle of the face."""
    return QColor(*SIDE_COLORS[LANDMARK_SIDE[i]])


def person_at(people, x: float, y: float, tags=()) -> int | None:
    """Index of the person clicked at image point (x, y) (floats, the people's image px), or None. A tag of `tags`
    (what `paint_people` returned when it last drew these people: [(person index or None, QRectF image px)],
    topmost first) wins over every box, as it is drawn over them: its person, or None for a figure set aside (no
    person). Else the person whose box contains the point; the smallest box wins where boxes overlap."""
    for n, rect in tags:
        if rect.contains(QPointF(x, y)):
            return n
    hits = [(float((b[2] - b[0]) * (b[3] - b[1])), k) for k, b in ((k, np.asarray(p.box)) for k, p in enumerate(people))
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    return min(hits)[1] if hits else None


# a person's box at least this many tags tall keeps their tag inside its top-left corner (see place_tags)
SMALL_TAGS = 5


def place_tags(boxes: list[QRectF], sizes: list[tuple[float, float]], priority: list[int],
               bounds: QRectF | None = None) -> list[QRectF]:
    """Where each box's tag (width, height) goes, placed in `priority` order (the fitted person first), at the
    first place that overlaps no tag placed before and no other person's box (else the first that overlaps no
    tag): for a person at least SMALL_TAGS tags tall inside the box's top-left corner, then above the box, then
    below it; for a smaller person above, below, beside, then inside (a tag in the corner of a 60 px walker covers
    their head and chest); else stepped down from the corner. Each place of a
    person in view is moved inside `bounds` (the visible part of the photo), so no tag is drawn past its edge."""
    placed: dict[int, QRectF] = {}

    def inside(t: QRectF) -> QRectF:
        if bounds is None or bounds.isEmpty():
            return t
        x = min(max(t.left(), bounds.left()), max(bounds.left(), bounds.right() - t.width()))
        y = min(max(t.top(), bounds.top()), max(bounds.top(), bounds.bottom() - t.height()))
        return QRectF(x, y, t.width(), t.height())

    for n in priority:
        box, (w, h) = boxes[n], sizes[n]
        corner, above = QRectF(box.left(), box.top(), w, h), QRectF(box.left(), box.top() - h, w, h)
        below = QRectF(box.left(), box.bottom(), w, h)
        beside = [QRectF(box.right(), box.top(), w, h), QRectF(box.left() - w, box.top(), w, h)]
        tries = [corner, above, below] if box.height() >= SMALL_TAGS * h else [above, below, *beside, corner]
        tries += [QRectF(box.left(), box.top() + i * h, w, h) for i in range(1, 8)]
        if bounds is None or box.intersects(bounds):  # (a person out of view keeps their tag out of view too)
            tries = [inside(t) for t in tries]
        free = [t for t in tries if not any(t.intersects(o) for o in placed.values())]
        # over no other person either where there is room (in a crowd a tag above one walker covered the next)
        clear = [t for t in free if not any(t.intersects(b) for m, b in enumerate(boxes) if m != n)]
        placed[n] = (clear or free or tries)[0]
    return [placed[n] for n in range(len(boxes))]


def tag_texts(n_people: int, selected: int, fitted: bool) -> list[str]:
    """Each person's tag: "Person 3", and for the selected one of several "(in 3D)" when the body on screen is
    theirs, else "(selected)" (asked for, not fitted yet). Not "fitted": after Fit everyone every person is,
    and the strip's ticks say so."""
    mark = f"  ({'in 3D' if fitted else 'selected'})"
    return [f"Person {n + 1}" + (mark if n == selected and n_people > 1 else "") for n in range(n_people)]


def paint_people(p: QPainter, people, origin: QPointF, k: float, selected: int = 0, fitted: bool = True,
                 bounds: QRectF | None = None, set_aside=()) -> list:
    """Draw `people` (inference.detect.Person, image pixels) with image point (x, y) at widget point
    origin + k * (x, y). The selected person is drawn last, solid; the others dashed; the tags last of all, inside
    `bounds` (widget px, the visible photo; `place_tags`). `fitted`: the body on screen is the selected person's
    (their tag says "in 3D", else "selected": asked for, not fitted yet). `set_aside`: the boxes (x0, y0, x1, y1)
    image px of the figures the search turned away as animals, under the people: a grey dashed box on a dark line
    each, tagged SET_ASIDE_TAG where no person's tag is, so a user sees what the detector saw and where to
    Shift+drag if it was a person. Returns the tags drawn, for `person_at`: [(person index, or None for a figure
    set aside; the tag's QRectF in image px)], topmost first (a tag's place follows the zoom, the pan and the font:
    it is known only here)."""
    if not people and not set_aside:
        return []
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
    texts = tag_texts(len(people), selected, fitted) + [SET_ASIDE_TAG] * len(set_aside)
    boxes = [QRectF(to_widget(*b[:2]), to_widget(*b[2:4])) for b in [q.box for q in people] + list(set_aside)]
    people_first = ([order[-1]] + sorted(order[:-1]) if order else []) + list(range(len(people), len(boxes)))
    tags = place_tags(boxes, [(fm.horizontalAdvance(t) + 10, fm.height() + 4) for t in texts], people_first, bounds)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for pen in (QPen(QColor(30, 30, 30), 3.5), QPen(SET_ASIDE_COLOR, 2.0, Qt.PenStyle.DashLine)):
        p.setPen(pen)  # light dashes on a dark line: seen on snow and on shadow alike
        for rect in boxes[len(people):]:
            p.drawRect(rect)
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
    p.setOpacity(1.0)
    drawn = [*range(len(people), len(boxes)), *order]  # the order the tags are drawn in below: the last on top
    placed = [(n if n < len(people) else None, QRectF((tags[n].left() - ox) / k, (tags[n].top() - oy) / k,
                                                      tags[n].width() / k, tags[n].height() / k))
              for n in reversed(drawn)]
    for n in range(len(people), len(boxes)):  # the tags over every skeleton and box, where they cover no other tag
        p.fillRect(tags[n], QColor(60, 60, 60))
        p.setPen(SET_ASIDE_COLOR)
        p.drawText(tags[n], Qt.AlignmentFlag.AlignCenter, texts[n])
    for n in order:
        col = box_color(n)
        p.setOpacity(1.0 if n == selected else 0.85)
        p.fillRect(tags[n], col)
        p.setPen(QColor(20, 20, 20) if col.lightness() > 110 else QColor(250, 250, 250))
        p.drawText(tags[n], Qt.AlignmentFlag.AlignCenter, texts[n])
    p.restore()
    return placed
